/// A linear layer restricted to its first `rows` outputs: the readout heads of a curriculum are
/// allocated up front as one layer, and a pass uses the heads in play.
///   h [B, in], y [B, rows], W [out, in] (rows 0 ..< rows used), b [out]
extension LinearLayer {
    /// y [B, rows] = h W[..<rows]ᵀ + b[..<rows].
    public func forward(_ h: UnsafePointer<Float>, batch: Int, rows: Int, output y: UnsafeMutablePointer<Float>) {
        precondition(rows <= outputSize)
        for b in 0..<batch { (y + b * rows).update(from: bias, count: rows) }
        BLAS.gemm(transposeB: true, m: batch, n: rows, k: inputSize, h, weights, beta: 1, y)
    }

    /// Accumulates dW[..<rows] += dyᵀ h, db[..<rows] += Σ_b dy (for the trainable ones) and, when
    /// `dInput` is given, dh += dy W[..<rows]. dy is [B, rows].
    public func backward(_ h: UnsafePointer<Float>, dOutput dy: UnsafePointer<Float>, batch: Int, rows: Int,
                         dInput: UnsafeMutablePointer<Float>?) {
        precondition(rows <= outputSize)
        if trainWeights {
            BLAS.gemm(transposeA: true, m: rows, n: inputSize, k: batch, dy, h, beta: 1, weightGradients)
        }
        if trainBias {
            for b in 0..<batch { for c in 0..<rows { biasGradients[c] += dy[b * rows + c] } }
        }
        if let dInput {
            BLAS.gemm(m: batch, n: inputSize, k: rows, dy, weights, beta: 1, dInput)
        }
    }
}
