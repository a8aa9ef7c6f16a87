import CVectorKernels

/// A GRU layer over a time-major sequence, in PyTorch's equations and gate order (r, z, n):
///   r = σ(W_ir x + b_ir + W_hr h + b_hr)
///   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///   h' = (1 − z) ⊙ n + z ⊙ h
///   W_ih [3H, I], W_hh [3H, H], b_ih, b_hh [3H]; inputs [T, B, I]; states [T+1, B, H]
/// `reverse` runs the inputs from the last step to the first (the backward half of a
/// bidirectional GRU); states are stored in processing order, states[0] = h_0 given by the
/// caller. With I = 0 the layer is autonomous (a GRUCell fed zeros: only b_ih enters).
/// Both biases learn, as in PyTorch. The elementwise steps are CVectorKernels' (the widest
/// instruction set the CPU has, the same bits on every one).
public final class GatedRecurrence {
    public let inputSize: Int, hiddenSize: Int
    let maxSteps: Int, maxBatch: Int
    let inputWeights: UnsafeMutablePointer<Float>?, recurrentWeights: UnsafeMutablePointer<Float>
    let inputBias: UnsafeMutablePointer<Float>, recurrentBias: UnsafeMutablePointer<Float>
    let dInputWeights: UnsafeMutablePointer<Float>?, dRecurrentWeights: UnsafeMutablePointer<Float>
    let dInputBias: UnsafeMutablePointer<Float>, dRecurrentBias: UnsafeMutablePointer<Float>
    /// The input pre-activations, then the gates r, z, n in time order [T, B, 3H].
    let gates: UnsafeMutablePointer<Float>
    /// W_hn h + b_hn of every step, in time order [T, B, H].
    let hiddenCandidate: UnsafeMutablePointer<Float>
    /// One step's dL/d(recurrent pre-activations) and dL/d(input pre-activations) [B, 3H] each.
    let dRecurrent: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>
    /// The running state gradients [B, H] x 2.
    let dState: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>
    /// The input-side biases of the pre-activations [3H]: b_ih + b_hh for r and z, b_in for n
    /// (n keeps b_hn apart: r scales W_hn h + b_hn).
    let gateBias: UnsafeMutablePointer<Float>
    /// One step's bias gradients as they are computed, the column sums of dRec [3H] and of dInput's
    /// n part [H] (its r and z parts equal dRec's): blocks of 64 rows in Float, the blocks in Double.
    let biasPartial: UnsafeMutablePointer<Float>, biasTotal: UnsafeMutablePointer<Double>

    /// Views of the four tensors in `parameters` (`inputWeights` nil for an autonomous layer);
    /// room for passes of up to `maxSteps` steps and `maxBatch` samples.
    public init(_ parameters: ParameterStore, inputWeights inputName: String?, recurrentWeights recurrentName: String,
                inputBias inputBiasName: String, recurrentBias recurrentBiasName: String, maxSteps: Int, maxBatch: Int) {
        let shape = parameters.spec(recurrentName).shape
        precondition(shape.count == 2 && shape[0] == 3 * shape[1], "W_hh must be [3H, H]")
        hiddenSize = shape[1]
        if let inputName {
            let inputShape = parameters.spec(inputName).shape
            precondition(inputShape.count == 2 && inputShape[0] == 3 * hiddenSize, "W_ih must be [3H, I]")
            inputSize = inputShape[1]
            inputWeights = parameters.values(inputName); dInputWeights = parameters.gradients(inputName)
        } else {
            inputSize = 0
            inputWeights = nil; dInputWeights = nil
        }
        precondition(parameters.spec(inputBiasName).count == 3 * hiddenSize && parameters.spec(recurrentBiasName).count == 3 * hiddenSize)
        recurrentWeights = parameters.values(recurrentName); dRecurrentWeights = parameters.gradients(recurrentName)
        inputBias = parameters.values(inputBiasName); dInputBias = parameters.gradients(inputBiasName)
        recurrentBias = parameters.values(recurrentBiasName); dRecurrentBias = parameters.gradients(recurrentBiasName)
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        let h = hiddenSize
        gates = .allocate(capacity: max(1, maxSteps * maxBatch * 3 * h))
        hiddenCandidate = .allocate(capacity: max(1, maxSteps * maxBatch * h))
        dRecurrent = .allocate(capacity: max(1, maxBatch * 3 * h))
        dInput = .allocate(capacity: max(1, maxBatch * 3 * h))
        dState = .allocate(capacity: max(1, maxBatch * h))
        dPrevious = .allocate(capacity: max(1, maxBatch * h))
        gateBias = .allocate(capacity: max(1, 3 * h))
        biasPartial = .allocate(capacity: max(1, 4 * h))
        biasTotal = .allocate(capacity: max(1, 4 * h))
    }

    deinit {
        gates.deallocate(); hiddenCandidate.deallocate(); dRecurrent.deallocate(); dInput.deallocate()
        dState.deallocate(); dPrevious.deallocate(); gateBias.deallocate()
        biasPartial.deallocate(); biasTotal.deallocate()
    }

    /// The time index of processing step s.
    @inline(__always)
    func time(_ s: Int, steps: Int, reverse: Bool) -> Int { reverse ? steps - 1 - s : s }

    /// Runs `steps` steps from states[0]; writes states[1 ... T] and keeps what `backward` needs.
    ///   inputs [T, B, I] (ignored when I = 0), states [T+1, B, H]
    public func forward(inputs: UnsafePointer<Float>?, steps: Int, batch: Int, reverse: Bool,
                        states: UnsafeMutablePointer<Float>) {
        precondition(steps <= maxSteps && batch <= maxBatch, "GRU pass exceeds its workspace")
        let h = hiddenSize, g = 3 * h
        let driven = inputSize > 0 && inputs != nil && inputWeights != nil
        for j in 0..<(2 * h) { gateBias[j] = inputBias[j] + recurrentBias[j] }
        (gateBias + 2 * h).update(from: inputBias + 2 * h, count: h)
        let recurrentBiasN = recurrentBias + 2 * h, candidateWeights = recurrentWeights + 2 * h * h
        if driven {
            // The input pre-activations of every step at once [T·B, 3H] = bias + X W_ihᵀ (one product
            // over all steps: products step by step would not give its sums bit for bit).
            let rows = steps * batch
            rows_set_bias(rows, g, gates, gateBias)
            BLAS.gemm(transposeB: true, m: rows, n: g, k: inputSize, inputs!, inputWeights!, beta: 1, gates)
        }
        for s in 0..<steps {
            let t = time(s, steps: steps, reverse: reverse)
            let previous = states + s * batch * h, next = states + (s + 1) * batch * h
            let stepGates = gates + t * batch * g, candidate = hiddenCandidate + t * batch * h
            // r, z pre-activations += h W_h{r,z}ᵀ in place; W_hn h apart (r scales it with b_hn). An
            // autonomous layer's pre-activations are its biases, set step by step so that they are
            // in cache when the product reads them.
            if !driven { rows_set_bias(batch, g, stepGates, gateBias) }
            BLAS.gemm(transposeB: true, m: batch, n: 2 * h, k: h, previous, recurrentWeights, beta: 1, stepGates, ldc: g)
            BLAS.gemm(transposeB: true, m: batch, n: h, k: h, previous, candidateWeights, beta: 0, candidate)
            // r, z = σ(·); n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = n + z ⊙ (h − n).
            let upcoming = s + 1 < steps ? time(s + 1, steps: steps, reverse: reverse) : nil
            gru_forward_gates(batch, h, stepGates, candidate, recurrentBiasN, previous, next,
                              upcoming.map { gates + $0 * batch * g }, upcoming.map { hiddenCandidate + $0 * batch * h })
        }
    }

    /// Back-propagates through the last forward pass. dL/dh_T is `dFinal` [B, H]; `dOutputs`
    /// [T, B, H], if given, adds dL/dh_{s+1} from outside for every step s (the states after
    /// each step, states[1 ... T], are the layer's outputs). Accumulates the weight and bias
    /// gradients step by step (while the step's gradients are still in cache), writes dL/dh_0
    /// into `dInitial` [B, H] if given and adds dL/dx to `dInputs` [T, B, I] if given.
    public func backward(inputs: UnsafePointer<Float>?, steps: Int, batch: Int, reverse: Bool,
                         states: UnsafePointer<Float>, dFinal: UnsafePointer<Float>?, dOutputs: UnsafePointer<Float>?,
                         dInitial: UnsafeMutablePointer<Float>?, dInputs: UnsafeMutablePointer<Float>? = nil) {
        let h = hiddenSize, g = 3 * h, bh = batch * h
        let driven = inputSize > 0 && inputs != nil && inputWeights != nil && dInputWeights != nil
        // dCurrent holds dL/dh_{s+1} while step s is processed, dPrevious receives dL/dh_s; they swap.
        var dCurrent = dState, dPrevious = self.dPrevious
        if let dFinal { dCurrent.update(from: dFinal, count: bh) } else { dCurrent.update(repeating: 0, count: bh) }
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = time(s, steps: steps, reverse: reverse)
            let stepGates = gates + t * batch * g, candidate = hiddenCandidate + t * batch * h
            let previous = states + s * bh
            // dRec, dInput and dh_s through z, from dL/dh_{s+1} (dCurrent plus the outside gradient);
            // the bias gradients summed from registers in ColumnSums' order (bit for bit its result).
            gru_backward_gates(batch, h, stepGates, candidate, previous, dCurrent, dOutputs.map { $0 + s * bh },
                               dPrevious, dRecurrent, driven ? dInput : nil, biasPartial, biasTotal)
            for j in 0..<(3 * h) { dRecurrentBias[j] += Float(biasTotal[j]) }
            for j in 0..<(2 * h) { dInputBias[j] += Float(biasTotal[j]) }
            for j in 0..<h { dInputBias[2 * h + j] += Float(biasTotal[3 * h + j]) }
            // dh_s += dRec W_hh (not needed for h_0 unless asked for); dW_hh += dRecᵀ h_s, dW_ih += dInputᵀ x_t.
            if s > 0 || dInitial != nil { BLAS.gemm(m: batch, n: h, k: g, dRecurrent, recurrentWeights, beta: 1, dPrevious) }
            BLAS.gemm(transposeA: true, m: g, n: h, k: batch, dRecurrent, previous, beta: 1, dRecurrentWeights)
            if driven {
                let x = inputs! + t * batch * inputSize
                BLAS.gemm(transposeA: true, m: g, n: inputSize, k: batch, dInput, x, beta: 1, dInputWeights!)
                if let dInputs {
                    BLAS.gemm(m: batch, n: inputSize, k: g, dInput, inputWeights!, beta: 1, dInputs + t * batch * inputSize)
                }
            }
            swap(&dCurrent, &dPrevious)
        }
        if let dInitial { dInitial.update(from: dCurrent, count: bh) }
    }
}
