/// Initial input weights Win [N, D] (docs/families/farrell-spec.md B.2).
enum InputWeights {
    static func initialize(_ win: UnsafeMutablePointer<Float>, rows n: Int, columns d: Int,
                           kind: InputWeightsKind, scale: Double, seed: Int) throws {
        switch kind {
        case .diagonalFirstTwo:
            // Rectangular identity: input coordinate i drives hidden unit i with weight 1.
            win.update(repeating: 0, count: n * d)
            for i in 0..<min(n, d) { win[i * d + i] = Float(scale) }
        case .orthog:
            // Orthonormal columns (rows when N < D) from the QR of a Gaussian matrix, signs
            // fixed by diag(R) as PyTorch's orthogonal initialiser does, then normalised so that
            // the mean |entry| is scale/√D: low- and high-dimensional inputs drive the network
            // equally hard.
            let tall = max(n, d), wide = min(n, d)
            var q = [Double](repeating: 0, count: tall * wide)     // column-major [tall, wide]
            var stream = RandomStream(seed: seed, purpose: FarrellStream.weights, index: 0)
            stream.fillNormal(&q, count: q.count)
            var rDiagonal = [Double](repeating: 0, count: wide)
            try q.withUnsafeMutableBufferPointer { qBuffer in
                try rDiagonal.withUnsafeMutableBufferPointer { rBuffer in
                    try LAPACK.reducedQR(qBuffer.baseAddress!, m: tall, n: wide, rDiagonal: rBuffer.baseAddress!)
                }
            }
            var meanAbsolute = 0.0
            for j in 0..<wide {
                let sign: Double = rDiagonal[j] < 0 ? -1 : 1
                for i in 0..<tall {
                    q[j * tall + i] *= sign
                    meanAbsolute += abs(q[j * tall + i])
                }
            }
            meanAbsolute /= Double(q.count)
            let factor = scale / (meanAbsolute * Double(d).squareRoot())
            for r in 0..<n {
                for c in 0..<d {
                    // N >= D: Win = Q [N, D]; N < D: Win = Qᵀ with Q [D, N].
                    let value = n >= d ? q[c * tall + r] : q[r * tall + c]
                    win[r * d + c] = Float(value * factor)
                }
            }
        }
    }
}
