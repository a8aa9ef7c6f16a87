import Foundation

/// The vanilla RNN of every main figure (docs/families/farrell-spec.md B.1):
///   a_t = Wrec h_t + Win x_t + brec,   h_{t+1} = φ(a_t)   [then noise/dropout in training]
/// with h_0 = 0, Win [N, D] fixed, and initially Wrec = (1 - dt) I + dt g J / ρ(J), J_ij ~ N(0, 1/N),
/// so that ρ(dt-scaled part) = g exactly. The time loop is the `VanillaRecurrence` kernel.
public final class VanillaRNNCell: RecurrentCell {
    public var stateSize: Int { recurrence.stateSize }
    public var inputSize: Int { recurrence.inputSize }
    let config: FarrellConfig
    let parameters: ParameterStore
    let recurrence: VanillaRecurrence
    let perturbation: StatePerturbation

    public static func parameterSpecs(_ config: FarrellConfig, inputSize: Int) -> [TensorSpec] {
        [TensorSpec("Wrec", [config.N, config.N], trainable: true),
         TensorSpec("brec", [config.N], trainable: config.use_biases),
         TensorSpec("Win", [config.N, inputSize], trainable: false)]
    }

    public init(config: FarrellConfig, parameters: ParameterStore, maxTrainingBatch: Int) {
        self.config = config
        self.parameters = parameters
        perturbation = StatePerturbation(noiseScale: Float(config.unit_injected_noise), dropProbability: Float(config.dropout_p))
        recurrence = VanillaRecurrence(parameters, recurrent: "Wrec", bias: "brec", input: "Win", nonlinearity: config.hid_nonlin,
                                       maxSteps: config.sequenceLength, maxBatch: maxTrainingBatch)
    }

    public func initialize(seed: Int) throws {
        let n = stateSize, d = inputSize
        try InputWeights.initialize(parameters.values("Win"), rows: n, columns: d, kind: config.Win,
                                    scale: config.input_scale, seed: seed)
        // J ~ N(0, 1/N), rescaled so that the spectral radius of dt g J / ρ(J) is g dt exactly.
        var stream = RandomStream(seed: seed, purpose: FarrellStream.weights, index: 2)
        var j = [Double](repeating: 0, count: n * n)
        stream.fillNormal(&j, count: n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let w = parameters.values("Wrec")
        let scale = radius > 0 ? config.dt * config.g_radius / radius : 0
        for r in 0..<n {
            for c in 0..<n { w[r * n + c] = Float(scale * j[r * n + c] + (r == c ? 1 - config.dt : 0)) }
        }
        parameters.values("brec").update(repeating: 0, count: n)
    }

    public func autonomousDynamics() -> (any TangentDynamics)? {
        AutonomousRNNMap(recurrentWeights: parameters.values("Wrec"), bias: parameters.values("brec"),
                         dimension: stateSize, nonlinearity: config.hid_nonlin)
    }

    public func forward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                        states: UnsafeMutablePointer<Float>, mode: ForwardMode, noise: inout RandomStream) {
        let applied: VanillaRecurrence.Perturbation
        switch mode {
        case .training where perturbation.isActive:
            applied = .training(perturbation)
        case .validation where perturbation.isActive && config.dropout_in_eval:
            // The reference's always-on dropout (dropout_in_eval): dropout without noise.
            applied = .untaped(StatePerturbation(noiseScale: 0, dropProbability: perturbation.dropProbability))
        default:
            applied = .none
        }
        recurrence.forward(inputs: inputs, inputSteps: inputSteps, steps: steps, batch: batch, states: states,
                           recording: mode == .training, perturbation: applied, noise: &noise)
    }

    public func backward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                         states: UnsafePointer<Float>, dStates: UnsafeMutablePointer<Float>) {
        recurrence.backward(steps: steps, batch: batch, states: states, dStates: dStates)
    }
}
