/// The reference's network (src/models/RNN_Stack.py, RNN_modified.py): a scalar input through
/// Linear(1, H), one recurrent Linear(H, H) without self-coupling, a time constant τ per unit, and
/// `readout_heads` heads Linear(H, 2) allocated up front. Tensors (names as the trace uses them):
///   tau [H], W_in [H, 1], b_in [H], W_hh [H, H], b_hh [H], W_out [2K, H] (head k: rows 2k, 2k+1), b_out [2K]
final class TimescaleNetwork {
    let config: TimescalesConfig
    let parameters: ParameterStore
    let recurrence: LeakyRecurrence
    let readout: LinearLayer

    static let tensorNames = ["tau", "W_in", "b_in", "W_hh", "b_hh", "W_out", "b_out"]

    static func parameterSpecs(_ c: TimescalesConfig) -> [TensorSpec] {
        let h = c.hidden_size, heads = c.readout_heads
        return [TensorSpec("tau", [h], trainable: c.trainsTau),
                TensorSpec("W_in", [h, 1], trainable: true), TensorSpec("b_in", [h], trainable: true),
                TensorSpec("W_hh", [h, h], trainable: true), TensorSpec("b_hh", [h], trainable: true),
                TensorSpec("W_out", [2 * heads, h], trainable: true), TensorSpec("b_out", [2 * heads], trainable: true)]
    }

    /// Room for training passes of up to `maxSteps` steps of `maxBatch` sequences.
    init(config: TimescalesConfig, maxSteps: Int, maxBatch: Int) {
        self.config = config
        parameters = ParameterStore(Self.parameterSpecs(config))
        recurrence = LeakyRecurrence(parameters, recurrent: "W_hh", recurrentBias: "b_hh", input: "W_in", inputBias: "b_in",
                                     timeConstants: "tau", rule: config.model.rule, activation: config.activation,
                                     selfCoupling: false, maxSteps: maxSteps, maxBatch: maxBatch)
        readout = LinearLayer(parameters, weights: "W_out", bias: "b_out")
    }

    var hiddenSize: Int { config.hidden_size }

    /// PyTorch's default initialisation: a Linear(in, out) draws weights and bias from
    /// U(±1/√in), so W_in, b_in ~ U(±1) and W_hh, b_hh and the heads ~ U(±1/√H); τ = 1 + U(0,1)
    /// (or the fixed τ). Head k has a stream of its own, so heads do not depend on how many exist.
    func initialize() {
        let h = hiddenSize
        var stream = RandomStream(seed: config.seed, purpose: TimescalesStream.weights, index: 0)
        func fill(_ name: String, bound: Double, _ stream: inout RandomStream) {
            let values = parameters.values(name)
            for i in 0..<parameters.spec(name).count { values[i] = Float(bound * (2 * stream.nextUniform() - 1)) }
        }
        let tau = parameters.values("tau")
        for i in 0..<h { tau[i] = config.fixed_tau.map(Float.init) ?? Float(1 + stream.nextUniform()) }
        fill("W_in", bound: 1, &stream)
        fill("b_in", bound: 1, &stream)
        let recurrentBound = 1 / Double(h).squareRoot()
        fill("W_hh", bound: recurrentBound, &stream)
        fill("b_hh", bound: recurrentBound, &stream)
        let weights = parameters.values("W_out"), biases = parameters.values("b_out")
        for k in 0..<config.readout_heads {
            var head = RandomStream(seed: config.seed, purpose: TimescalesStream.weights, index: UInt64(1 + k))
            for i in 0..<(2 * h) { weights[2 * k * h + i] = Float(recurrentBound * (2 * head.nextUniform() - 1)) }
            for c in 0..<2 { biases[2 * k + c] = Float(recurrentBound * (2 * head.nextUniform() - 1)) }
        }
        recurrence.prepare()
    }
}
