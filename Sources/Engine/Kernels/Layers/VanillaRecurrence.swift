/// The vanilla (Elman) recurrence over T steps of a batch, with its backward pass:
///   a_t = W h_t + U x_t + b   (U x_t only for t < S, the input steps),   h_{t+1} = φ(a_t)
/// with h_0 = 0, optionally perturbed right after φ (noise, dropout).
///   W [N, N], b [N], U [N, D]; inputs [S, B, D]; states [T+1, B, N]
/// The recurrent weights and bias learn; U is read only (the models that use this keep it fixed).
///
/// The step's product h_t Wᵀ runs as h_t · (Wᵀ) on a transposed copy of W: OpenBLAS's kernels for
/// small non-transposed products (batch 10 × 200 × 200) run at several times the speed of the
/// transposed ones. The copy is remade whenever the parameter store's version changes.
public final class VanillaRecurrence {
    public let stateSize: Int        // N
    public let inputSize: Int        // D
    public let nonlinearity: Nonlinearity
    let maxSteps: Int, maxBatch: Int
    let weights, bias, inputWeights: UnsafeMutablePointer<Float>
    let weightGradients, biasGradients: UnsafeMutablePointer<Float>
    let learnsBias: Bool
    let tape: ActivationTape                         // training workspace [T, B, N], allocated once
    let parameters: ParameterStore
    let transposedWeights: UnsafeMutablePointer<Float>   // Wᵀ [N, N]
    private var transposedVersion = -1
    /// Whether the last recorded forward pass perturbed the states (then its gates are on the tape).
    private var recordedGates = false

    /// Perturbations of one forward pass.
    public enum Perturbation {
        case none
        /// Noise then dropout, recorded in the tape's gates for the backward pass.
        case training(StatePerturbation)
        /// A perturbation that is not back-propagated (e.g. dropout left on in evaluation).
        case untaped(StatePerturbation)
    }

    /// Views of W `recurrent` [N, N], b `bias` [N] and U `input` [N, D] in `parameters`; room
    /// for training passes of up to `maxSteps` steps and `maxBatch` samples.
    public init(_ parameters: ParameterStore, recurrent: String, bias biasName: String, input: String,
                nonlinearity: Nonlinearity, maxSteps: Int, maxBatch: Int) {
        let n = parameters.spec(recurrent).shape[0]
        stateSize = n
        inputSize = parameters.spec(input).shape[1]
        self.nonlinearity = nonlinearity
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        weights = parameters.values(recurrent); bias = parameters.values(biasName); inputWeights = parameters.values(input)
        weightGradients = parameters.gradients(recurrent); biasGradients = parameters.gradients(biasName)
        learnsBias = parameters.spec(biasName).trainable
        tape = ActivationTape(steps: maxSteps, batch: maxBatch, units: n)
        self.parameters = parameters
        transposedWeights = .allocate(capacity: n * n)
    }

    deinit { transposedWeights.deallocate() }

    /// Wᵀ of the current weights.
    private func transposed() -> UnsafePointer<Float> {
        if transposedVersion != parameters.version {
            Transpose.square(weights, into: transposedWeights, n: stateSize)
            transposedVersion = parameters.version
        }
        return UnsafePointer(transposedWeights)
    }

    /// Runs `steps` steps. With `recording`, keeps what `backward` needs (B <= maxBatch, T <= maxSteps).
    public func forward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                        states: UnsafeMutablePointer<Float>, recording: Bool,
                        perturbation: Perturbation, noise: inout RandomStream) {
        let n = stateSize, d = inputSize, bn = batch * n
        precondition(!recording || (batch <= maxBatch && steps <= maxSteps), "training batch exceeds the workspace")
        let weightsT = transposed()
        var perturbed = false
        if case .training = perturbation { perturbed = true }
        if recording { recordedGates = perturbed }
        states.update(repeating: 0, count: bn)                      // h_0 = 0
        for t in 0..<steps {
            let h = states + t * bn, next = states + (t + 1) * bn     // [B, N]
            for b in 0..<batch { (next + b * n).update(from: bias, count: n) }
            if t < inputSteps {                                        // += x_t Uᵀ
                BLAS.gemm(transposeB: true, m: batch, n: n, k: d, inputs + t * batch * d, inputWeights, beta: 1, next)
            }
            if t > 0 {                                                 // += h_t Wᵀ (h_0 = 0)
                BLAS.gemm(m: batch, n: n, k: n, h, weightsT, beta: 1, next)
            }
            nonlinearity.apply(next, count: bn)
            // Unperturbed states give their slopes back in the backward pass; dropout's mask must be kept.
            if recording && perturbed { nonlinearity.derivative(fromOutputs: next, into: tape.gates + t * bn, count: bn) }
            switch perturbation {
            case .none: break
            case .training(let p): p.apply(next, gate: recording ? tape.gates + t * bn : nil, count: bn, stream: &noise)
            case .untaped(let p): p.apply(next, gate: nil, count: bn, stream: &noise)
            }
        }
    }

    /// Back-propagates dStates [T+1, B, N] (dL/dh from the readout; overwritten with the full
    /// dL/dh) through the last recorded forward pass; accumulates dW and db.
    public func backward(steps: Int, batch: Int, states: UnsafePointer<Float>, dStates: UnsafeMutablePointer<Float>) {
        let n = stateSize, bn = batch * n
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let dA = recordedGates
                ? tape.preactivationGradient(step: t, count: bn, dNext: dStates + (t + 1) * bn)
                : tape.preactivationGradient(step: t, count: bn, dNext: dStates + (t + 1) * bn, outputs: states + (t + 1) * bn,
                                             nonlinearity: nonlinearity)
            if t > 0 {                                                // dL/dh_t += dL/da_t W
                BLAS.gemm(m: batch, n: n, k: n, dA, weights, beta: 1, dStates + t * bn)
            }
        }
        // dW += Σ_{t>=1} dA_tᵀ h_t as one product over all steps (h_0 = 0 adds nothing).
        if steps > 1 {
            BLAS.gemm(transposeA: true, m: n, n: n, k: (steps - 1) * batch,
                      tape.dPreactivations + bn, states + bn, beta: 1, weightGradients)
        }
        if learnsBias {
            ActivationTape.accumulateBiasGradient(tape.dPreactivations, rows: steps * batch, units: n, into: biasGradients)
        }
    }
}
