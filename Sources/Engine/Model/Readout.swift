/// The linear readout y = Wout h + bout (farrell.md B.3), applied to any state the cell produces.
///   h [B, N], logits [B, C'], Wout [C', N], bout [C']
public final class Readout {
    public let stateSize: Int       // N
    public let outputSize: Int      // C'
    let weights: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
    let weightGradients: UnsafeMutablePointer<Float>, biasGradients: UnsafeMutablePointer<Float>
    let trainWeights: Bool, trainBias: Bool
    let initialScale: Double

    public static func parameterSpecs(_ config: RunConfig) -> [TensorSpec] {
        [TensorSpec("Wout", [config.outputSize, config.N], trainable: config.train_output_weights),
         TensorSpec("bout", [config.outputSize], trainable: config.use_biases)]
    }

    public init(config: RunConfig, parameters: ParameterStore) {
        stateSize = config.N
        outputSize = config.outputSize
        weights = parameters.values("Wout"); bias = parameters.values("bout")
        weightGradients = parameters.gradients("Wout"); biasGradients = parameters.gradients("bout")
        trainWeights = config.train_output_weights
        trainBias = config.use_biases
        initialScale = config.wout_scale * 0.3 / Double(config.N).squareRoot()
    }

    /// Wout = wout_scale * 0.3/√N * N(0, 1), bout = 0.
    public func initialize(seed: Int) {
        var stream = RandomStream(seed: seed, purpose: .weights, index: 1)
        stream.fillNormal(weights, count: outputSize * stateSize, scale: initialScale)
        bias.update(repeating: 0, count: outputSize)
    }

    /// logits [B, C'] = h Woutᵀ + bout.
    public func forward(_ h: UnsafePointer<Float>, batch: Int, logits: UnsafeMutablePointer<Float>) {
        for b in 0..<batch { (logits + b * outputSize).update(from: bias, count: outputSize) }
        BLAS.gemm(transposeB: true, m: batch, n: outputSize, k: stateSize, h, weights, beta: 1, logits)
    }

    /// Accumulates dWout += dLogitsᵀ h, dbout += Σ_b dLogits (when trainable) and dh += dLogits Wout.
    public func backward(_ h: UnsafePointer<Float>, dLogits: UnsafePointer<Float>, batch: Int,
                         dStates: UnsafeMutablePointer<Float>) {
        if trainWeights {
            BLAS.gemm(transposeA: true, m: outputSize, n: stateSize, k: batch, dLogits, h, beta: 1, weightGradients)
        }
        if trainBias {
            for b in 0..<batch { for c in 0..<outputSize { biasGradients[c] += dLogits[b * outputSize + c] } }
        }
        BLAS.gemm(m: batch, n: stateSize, k: outputSize, dLogits, weights, beta: 1, dStates)
    }
}
