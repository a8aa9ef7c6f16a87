/// The pre-activation rate recurrence over T steps of a batch, with its backward pass:
///   x_{t+1} = J φ(x_t) + b + U s_t,   x_0 = the initial states (one per batch row, trainable)
///   J [N, N], b [N], U [N, D], x0 [B, N]; inputs s [T, B, D]; states x [T+1, B, N] (x[0] = x0)
/// Unlike `VanillaRecurrence` the state is the pre-activation (a readout reads x itself) and the
/// initial state is a parameter. The forward pass keeps φ(x_t) [T, B, N] for the backward pass.
public final class RateRecurrence {
    public let units: Int            // N
    public let inputSize: Int        // D
    public let nonlinearity: Nonlinearity
    let maxSteps: Int, maxBatch: Int
    let weights, bias, inputWeights, initialStates: UnsafeMutablePointer<Float>
    let weightGradients, biasGradients, inputWeightGradients, initialStateGradients: UnsafeMutablePointer<Float>
    /// φ(x_t) [T, B, N], then scratch: dL/dφ(x_t) [B, N] and φ'(x_t) [B, N].
    let activations: UnsafeMutablePointer<Float>
    let dActivations: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>

    /// Views of J `recurrent` [N, N], b `bias` [N], U `input` [N, D] and x0 `initial` [B, N] in
    /// `parameters` (their gradients accumulate there); room for `maxSteps` steps of `maxBatch`
    /// samples, B <= the rows of x0.
    public init(_ parameters: ParameterStore, recurrent: String, bias biasName: String, input: String, initial: String,
                nonlinearity: Nonlinearity, maxSteps: Int, maxBatch: Int) {
        let n = parameters.spec(recurrent).shape[0]
        units = n
        inputSize = parameters.spec(input).shape[1]
        let initialShape = parameters.spec(initial).shape
        precondition(initialShape.count == 2 && initialShape[1] == n && initialShape[0] >= maxBatch,
                     "RateRecurrence needs initial states [B, N] with B >= maxBatch")
        self.nonlinearity = nonlinearity
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        weights = parameters.values(recurrent); bias = parameters.values(biasName)
        inputWeights = parameters.values(input); initialStates = parameters.values(initial)
        weightGradients = parameters.gradients(recurrent); biasGradients = parameters.gradients(biasName)
        inputWeightGradients = parameters.gradients(input); initialStateGradients = parameters.gradients(initial)
        activations = .allocate(capacity: max(1, maxSteps * maxBatch * n))
        dActivations = .allocate(capacity: maxBatch * n)
        gates = .allocate(capacity: maxBatch * n)
    }

    deinit {
        activations.deallocate(); dActivations.deallocate(); gates.deallocate()
    }

    /// Runs `steps` steps of `batch` samples from the first `batch` initial states.
    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, states: UnsafeMutablePointer<Float>) {
        let n = units, d = inputSize, bn = batch * n
        precondition(batch <= maxBatch && steps <= maxSteps, "RateRecurrence: batch or steps exceed the workspace")
        states.update(from: initialStates, count: bn)
        for t in 0..<steps {
            let h = activations + t * bn, next = states + (t + 1) * bn        // [B, N]
            h.update(from: states + t * bn, count: bn)
            nonlinearity.apply(h, count: bn)
            for row in 0..<batch { (next + row * n).update(from: bias, count: n) }
            BLAS.gemm(transposeB: true, m: batch, n: n, k: d, inputs + t * batch * d, inputWeights, beta: 1, next)
            BLAS.gemm(transposeB: true, m: batch, n: n, k: n, h, weights, beta: 1, next)
        }
    }

    /// Back-propagates through the last forward pass. On entry dStates [T+1, B, N] holds dL/dx_t
    /// from outside the recurrence (the readout) at t = 1...T; on return the full dL/dx_t, and the
    /// gradients of J, b, U and the first `batch` initial states are accumulated.
    public func backward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, dStates: UnsafeMutablePointer<Float>) {
        let n = units, d = inputSize, bn = batch * n
        for t in stride(from: steps - 1, through: 0, by: -1) {
            // dL/dx_t += (dL/dx_{t+1} J) ⊙ φ'(x_t)
            BLAS.gemm(m: batch, n: n, k: n, dStates + (t + 1) * bn, weights, beta: 0, dActivations)
            nonlinearity.derivative(fromOutputs: activations + t * bn, into: gates, count: bn)
            let dx = dStates + t * bn
            for i in 0..<bn { dx[i] += dActivations[i] * gates[i] }
        }
        guard steps > 0 else { return }
        // One product over all steps each: dJ += Σ_t dx_{t+1}ᵀ φ(x_t), dU += Σ_t dx_{t+1}ᵀ s_t.
        BLAS.gemm(transposeA: true, m: n, n: n, k: steps * batch, dStates + bn, activations, beta: 1, weightGradients)
        BLAS.gemm(transposeA: true, m: n, n: d, k: steps * batch, dStates + bn, inputs, beta: 1, inputWeightGradients)
        ActivationTape.accumulateBiasGradient(dStates + bn, rows: steps * batch, units: n, into: biasGradients)
        for i in 0..<bn { initialStateGradients[i] += dStates[i] }
    }
}
