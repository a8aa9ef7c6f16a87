import Foundation

/// The vanilla RNN of every main figure (farrell.md B.1):
///   a_t = Wrec h_t + Win x_t + brec,   h_{t+1} = φ(a_t)   [then noise/dropout in training]
/// with h_0 = 0, Win [N, D] fixed, and initially Wrec = (1 - dt) I + dt g J / ρ(J), J_ij ~ N(0, 1/N),
/// so that ρ(dt-scaled part) = g exactly.
public final class VanillaRNNCell: RecurrentCell {
    public let stateSize: Int        // N
    public let inputSize: Int        // D
    let config: RunConfig
    let parameters: ParameterStore
    let nonlinearity: Nonlinearity
    let perturbation: StatePerturbation
    let maxSteps: Int, maxBatch: Int
    let recurrentWeights, bias, inputWeights: UnsafeMutablePointer<Float>   // [N, N], [N], [N, D]
    let recurrentWeightGradients, biasGradients: UnsafeMutablePointer<Float>
    let tape: ActivationTape                         // training workspace [T, B, N], allocated once

    public static func parameterSpecs(_ config: RunConfig) -> [TensorSpec] {
        [TensorSpec("Wrec", [config.N, config.N], trainable: true),
         TensorSpec("brec", [config.N], trainable: config.use_biases),
         TensorSpec("Win", [config.N, config.X_dim], trainable: false)]
    }

    public init(config: RunConfig, parameters: ParameterStore, maxTrainingBatch: Int) {
        self.config = config
        self.parameters = parameters
        stateSize = config.N
        inputSize = config.X_dim
        nonlinearity = config.hid_nonlin
        perturbation = StatePerturbation(noiseScale: Float(config.unit_injected_noise), dropProbability: Float(config.dropout_p))
        maxSteps = config.sequenceLength
        maxBatch = maxTrainingBatch
        recurrentWeights = parameters.values("Wrec"); bias = parameters.values("brec"); inputWeights = parameters.values("Win")
        recurrentWeightGradients = parameters.gradients("Wrec"); biasGradients = parameters.gradients("brec")
        tape = ActivationTape(steps: maxSteps, batch: maxBatch, units: stateSize)
    }

    public func initialize(seed: Int) throws {
        let n = stateSize, d = inputSize
        try InputWeights.initialize(inputWeights, rows: n, columns: d, kind: config.Win,
                                    scale: config.input_scale, seed: seed)
        // J ~ N(0, 1/N), rescaled so that the spectral radius of dt g J / ρ(J) is g dt exactly.
        var stream = RandomStream(seed: seed, purpose: .weights, index: 2)
        var j = [Double](repeating: 0, count: n * n)
        stream.fillNormal(&j, count: n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let w = recurrentWeights
        let scale = radius > 0 ? config.dt * config.g_radius / radius : 0
        for r in 0..<n {
            for c in 0..<n { w[r * n + c] = Float(scale * j[r * n + c] + (r == c ? 1 - config.dt : 0)) }
        }
        bias.update(repeating: 0, count: n)
    }

    public func autonomousDynamics() -> (any TangentDynamics)? {
        AutonomousRNNMap(recurrentWeights: recurrentWeights, bias: bias, dimension: stateSize, nonlinearity: nonlinearity)
    }

    public func forward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                        states: UnsafeMutablePointer<Float>, mode: ForwardMode, noise: inout RandomStream) {
        let n = stateSize, d = inputSize, bn = batch * n
        let wrec = recurrentWeights, brec = bias, win = inputWeights
        let training = mode == .training
        precondition(!training || (batch <= maxBatch && steps <= maxSteps), "training batch exceeds the workspace")
        let perturb = perturbation.isActive && (training || (mode == .validation && config.dropout_in_eval))
        states.update(repeating: 0, count: bn)                      // h_0 = 0
        for t in 0..<steps {
            let h = states + t * bn, next = states + (t + 1) * bn     // [B, N]
            for b in 0..<batch { (next + b * n).update(from: brec, count: n) }
            if t < inputSteps {                                        // += x_t Winᵀ
                BLAS.gemm(transposeB: true, m: batch, n: n, k: d, inputs + t * batch * d, win, beta: 1, next)
            }
            if t > 0 {                                                 // += h_t Wrecᵀ (h_0 = 0)
                BLAS.gemm(transposeB: true, m: batch, n: n, k: n, h, wrec, beta: 1, next)
            }
            nonlinearity.apply(next, count: bn)
            if training { nonlinearity.derivative(fromOutputs: next, into: tape.gates + t * bn, count: bn) }
            if perturb {
                if training {
                    perturbation.apply(next, gate: tape.gates + t * bn, count: bn, stream: &noise)
                } else {
                    // Validation with the reference's always-on dropout (dropout_in_eval): no noise.
                    StatePerturbation(noiseScale: 0, dropProbability: perturbation.dropProbability)
                        .apply(next, gate: nil, count: bn, stream: &noise)
                }
            }
        }
    }

    public func backward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                         states: UnsafePointer<Float>, dStates: UnsafeMutablePointer<Float>) {
        let n = stateSize, bn = batch * n
        let wrec = recurrentWeights
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dA = tape.preactivationGradient(step: t, count: bn, dNext: dStates + (t + 1) * bn)
            if t > 0 {                                                // dL/dh_t += dL/da_t Wrec
                BLAS.gemm(m: batch, n: n, k: n, dA, wrec, beta: 1, dStates + t * bn)
            }
        }
        // dWrec += Σ_{t>=1} dA_tᵀ h_t as one product over all steps (h_0 = 0 adds nothing).
        if steps > 1 {
            BLAS.gemm(transposeA: true, m: n, n: n, k: (steps - 1) * batch,
                      tape.dPreactivations + bn, states + bn, beta: 1, recurrentWeightGradients)
        }
        if config.use_biases {
            ActivationTape.accumulateBiasGradient(tape.dPreactivations, rows: steps * batch, units: n, into: biasGradients)
        }
    }
}
