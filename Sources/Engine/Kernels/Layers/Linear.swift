/// A linear layer y = W h + b over a batch, with its backward pass.
///   h [B, in], y [B, out], W [out, in], b [out]
/// The layer holds views into a parameter store; which parts learn is decided by its owner.
public struct LinearLayer {
    public let inputSize: Int
    public let outputSize: Int
    public let weights: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
    public let weightGradients: UnsafeMutablePointer<Float>, biasGradients: UnsafeMutablePointer<Float>
    public let trainWeights: Bool, trainBias: Bool

    /// Views of the tensors `weightName` [out, in] and `biasName` [out] of `parameters`.
    public init(_ parameters: ParameterStore, weights weightName: String, bias biasName: String) {
        let shape = parameters.spec(weightName).shape
        precondition(shape.count == 2 && parameters.spec(biasName).shape == [shape[0]], "LinearLayer needs W [out, in] and b [out]")
        outputSize = shape[0]
        inputSize = shape[1]
        weights = parameters.values(weightName); bias = parameters.values(biasName)
        weightGradients = parameters.gradients(weightName); biasGradients = parameters.gradients(biasName)
        trainWeights = parameters.spec(weightName).trainable
        trainBias = parameters.spec(biasName).trainable
    }

    /// y [B, out] = h Wᵀ + b.
    public func forward(_ h: UnsafePointer<Float>, batch: Int, output y: UnsafeMutablePointer<Float>) {
        for b in 0..<batch { (y + b * outputSize).update(from: bias, count: outputSize) }
        BLAS.gemm(transposeB: true, m: batch, n: outputSize, k: inputSize, h, weights, beta: 1, y)
    }

    /// Accumulates dW += dyᵀ h, db += Σ_b dy (for the trainable ones) and, when `dInput` is given,
    /// dh += dy W.
    public func backward(_ h: UnsafePointer<Float>, dOutput dy: UnsafePointer<Float>, batch: Int,
                         dInput: UnsafeMutablePointer<Float>?) {
        if trainWeights {
            BLAS.gemm(transposeA: true, m: outputSize, n: inputSize, k: batch, dy, h, beta: 1, weightGradients)
        }
        if trainBias {
            for b in 0..<batch { for c in 0..<outputSize { biasGradients[c] += dy[b * outputSize + c] } }
        }
        if let dInput {
            BLAS.gemm(m: batch, n: inputSize, k: outputSize, dy, weights, beta: 1, dInput)
        }
    }
}

extension LinearLayer {
    /// The two halves of `backward`, for a sequence whose input gradient is needed step by step
    /// while the weight gradients can wait for one product over all steps.
    /// dW += dyᵀ h, db += Σ_rows dy (the trainable ones), h [rows, in], dy [rows, out].
    public func accumulateGradients(_ h: UnsafePointer<Float>, dOutput dy: UnsafePointer<Float>, rows: Int) {
        if trainWeights {
            BLAS.gemm(transposeA: true, m: outputSize, n: inputSize, k: rows, dy, h, beta: 1, weightGradients)
        }
        if trainBias { ColumnSums.accumulate(dy, rows: rows, columns: outputSize, into: biasGradients) }
    }

    /// dh [B, in] += dy [B, out] W, or = dy W with `accumulate` false.
    public func propagate(dOutput dy: UnsafePointer<Float>, batch: Int, dInput: UnsafeMutablePointer<Float>,
                          accumulate: Bool = true) {
        BLAS.gemm(m: batch, n: inputSize, k: outputSize, dy, weights, beta: accumulate ? 1 : 0, dInput)
    }
}
