/// The feed-forward variant (docs/families/farrell-spec.md B.7): the RNN unrolled with untied weights. Hidden layer
/// l (l = 0 ..< L, L = n_lag + n_hold) computes h_{l+1} = φ(W_l h_l + b_l) with h_0 = x, W_0 = the
/// input weights [N, D] and W_1.. = copies of the initial recurrent matrix [N, N]; every layer is
/// trained. (The reference multiplies by W_lᵀ; W and Wᵀ have the same initial distribution.)
/// Layers map onto the cell interface as time steps: states[l+1] is layer l's output.
public final class FeedforwardStack: RecurrentCell {
    public let stateSize: Int        // N
    public let inputSize: Int        // D
    let layers: Int                  // L
    let config: FarrellConfig
    let parameters: ParameterStore
    let nonlinearity: Nonlinearity
    let inputWeights, hiddenWeights, biases: UnsafeMutablePointer<Float>                 // [N, D], [L-1, N, N], [L, N]
    let inputWeightGradients, hiddenWeightGradients, biasGradients: UnsafeMutablePointer<Float>
    let maxBatch: Int
    let tape: ActivationTape                         // training workspace [L, B, N], allocated once

    public static func parameterSpecs(_ config: FarrellConfig, inputSize: Int) -> [TensorSpec] {
        let layers = config.sequenceLength
        return [TensorSpec("Win", [config.N, inputSize], trainable: true),
                TensorSpec("Whidden", [layers - 1, config.N, config.N], trainable: true, slices: layers - 1),
                TensorSpec("bhidden", [layers, config.N], trainable: config.use_biases, slices: layers)]
    }

    public init(config: FarrellConfig, parameters: ParameterStore, maxTrainingBatch: Int) {
        self.config = config
        self.parameters = parameters
        stateSize = config.N
        inputSize = parameters.spec("Win").shape[1]
        layers = config.sequenceLength
        nonlinearity = config.hid_nonlin
        inputWeights = parameters.values("Win"); hiddenWeights = parameters.values("Whidden"); biases = parameters.values("bhidden")
        inputWeightGradients = parameters.gradients("Win"); hiddenWeightGradients = parameters.gradients("Whidden")
        biasGradients = parameters.gradients("bhidden")
        maxBatch = maxTrainingBatch
        tape = ActivationTape(steps: layers, batch: maxBatch, units: stateSize)
    }

    public func initialize(seed: Int) throws {
        let n = stateSize
        try InputWeights.initialize(inputWeights, rows: n, columns: inputSize, kind: config.Win,
                                    scale: config.input_scale, seed: seed)
        // The initial recurrent matrix of the vanilla RNN with the same seed, copied per layer.
        let recurrent = ParameterStore(VanillaRNNCell.parameterSpecs(config, inputSize: inputSize))
        let rnn = VanillaRNNCell(config: config, parameters: recurrent, maxTrainingBatch: 0)
        try rnn.initialize(seed: seed)
        for l in 0..<(layers - 1) { (hiddenWeights + l * n * n).update(from: recurrent.values("Wrec"), count: n * n) }
        biases.update(repeating: 0, count: layers * n)
    }

    public func autonomousDynamics() -> (any TangentDynamics)? { nil }

    public func forward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                        states: UnsafeMutablePointer<Float>, mode: ForwardMode, noise: inout RandomStream) {
        let n = stateSize, bn = batch * n
        let training = mode == .training
        precondition(steps == layers && (!training || batch <= maxBatch))
        states.update(repeating: 0, count: bn)
        for l in 0..<layers {
            let next = states + (l + 1) * bn
            for b in 0..<batch { (next + b * n).update(from: biases + l * n, count: n) }
            if l == 0 {
                BLAS.gemm(transposeB: true, m: batch, n: n, k: inputSize, inputs, inputWeights, beta: 1, next)
            } else {
                BLAS.gemm(transposeB: true, m: batch, n: n, k: n, states + l * bn, hiddenWeights + (l - 1) * n * n, beta: 1, next)
            }
            nonlinearity.apply(next, count: bn)
        }
    }

    public func backward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                         states: UnsafePointer<Float>, dStates: UnsafeMutablePointer<Float>) {
        let n = stateSize, bn = batch * n
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let dA = tape.preactivationGradient(step: l, count: bn, dNext: dStates + (l + 1) * bn, outputs: states + (l + 1) * bn,
                                                nonlinearity: nonlinearity)
            if l == 0 {
                BLAS.gemm(transposeA: true, m: n, n: inputSize, k: batch, dA, inputs, beta: 1, inputWeightGradients)
            } else {
                let w = hiddenWeights + (l - 1) * n * n
                BLAS.gemm(transposeA: true, m: n, n: n, k: batch, dA, states + l * bn, beta: 1, hiddenWeightGradients + (l - 1) * n * n)
                BLAS.gemm(m: batch, n: n, k: n, dA, w, beta: 1, dStates + l * bn)
            }
            if config.use_biases {
                ActivationTape.accumulateBiasGradient(dA, rows: batch, units: n, into: biasGradients + l * n)
            }
        }
    }
}
