/// A GRU layer over a time-major sequence, in PyTorch's equations and gate order (r, z, n):
///   r = σ(W_ir x + b_ir + W_hr h + b_hr)
///   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///   h' = (1 − z) ⊙ n + z ⊙ h
///   W_ih [3H, I], W_hh [3H, H], b_ih, b_hh [3H]; inputs [T, B, I]; states [T+1, B, H]
/// `reverse` runs the inputs from the last step to the first (the backward half of a
/// bidirectional GRU); states are stored in processing order, states[0] = h_0 given by the
/// caller. With I = 0 the layer is autonomous (a GRUCell fed zeros: only b_ih enters).
/// Both biases learn, as in PyTorch.
public final class GatedRecurrence {
    public let inputSize: Int, hiddenSize: Int
    let maxSteps: Int, maxBatch: Int
    let inputWeights: UnsafeMutablePointer<Float>?, recurrentWeights: UnsafeMutablePointer<Float>
    let inputBias: UnsafeMutablePointer<Float>, recurrentBias: UnsafeMutablePointer<Float>
    let dInputWeights: UnsafeMutablePointer<Float>?, dRecurrentWeights: UnsafeMutablePointer<Float>
    let dInputBias: UnsafeMutablePointer<Float>, dRecurrentBias: UnsafeMutablePointer<Float>
    /// Forward: the input pre-activations, then the gates r, z, n in time order [T, B, 3H];
    /// backward: dL/d(input pre-activations) [T, B, 3H].
    let gates: UnsafeMutablePointer<Float>
    /// W_hn h + b_hn of every step, in time order [T, B, H].
    let hiddenCandidate: UnsafeMutablePointer<Float>
    /// dL/d(recurrent pre-activations) in processing order [T, B, 3H].
    let dRecurrent: UnsafeMutablePointer<Float>
    /// One step's recurrent pre-activations [B, 3H]; the running state gradients [B, H] x 2.
    let scratch: UnsafeMutablePointer<Float>, dState: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>

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
        dRecurrent = .allocate(capacity: max(1, maxSteps * maxBatch * 3 * h))
        scratch = .allocate(capacity: max(1, maxBatch * 3 * h))
        dState = .allocate(capacity: max(1, maxBatch * h))
        dPrevious = .allocate(capacity: max(1, maxBatch * h))
    }

    deinit {
        gates.deallocate(); hiddenCandidate.deallocate(); dRecurrent.deallocate()
        scratch.deallocate(); dState.deallocate(); dPrevious.deallocate()
    }

    /// The time index of processing step s.
    @inline(__always)
    func time(_ s: Int, steps: Int, reverse: Bool) -> Int { reverse ? steps - 1 - s : s }

    /// Runs `steps` steps from states[0]; writes states[1 ... T] and keeps what `backward` needs.
    ///   inputs [T, B, I] (ignored when I = 0), states [T+1, B, H]
    public func forward(inputs: UnsafePointer<Float>?, steps: Int, batch: Int, reverse: Bool,
                        states: UnsafeMutablePointer<Float>) {
        precondition(steps <= maxSteps && batch <= maxBatch, "GRU pass exceeds its workspace")
        let h = hiddenSize, g = 3 * h, rows = steps * batch
        // Input pre-activations of every step at once: [T·B, 3H] = X W_ihᵀ + b_ih.
        for row in 0..<rows { (gates + row * g).update(from: inputBias, count: g) }
        if inputSize > 0, let inputs, let inputWeights {
            BLAS.gemm(transposeB: true, m: rows, n: g, k: inputSize, inputs, inputWeights, beta: 1, gates)
        }
        for s in 0..<steps {
            let t = time(s, steps: steps, reverse: reverse)
            let previous = states + s * batch * h, next = states + (s + 1) * batch * h
            for b in 0..<batch { (scratch + b * g).update(from: recurrentBias, count: g) }
            BLAS.gemm(transposeB: true, m: batch, n: g, k: h, previous, recurrentWeights, beta: 1, scratch)
            let stepGates = gates + t * batch * g, candidate = hiddenCandidate + t * batch * h
            for b in 0..<batch {
                let x = stepGates + b * g, hh = scratch + b * g
                for j in 0..<(2 * h) { x[j] += hh[j] }
                sigmoidInPlace(x, count: 2 * h)
                let r = x, n = x + 2 * h, hn = hh + 2 * h, c = candidate + b * h
                for j in 0..<h {
                    c[j] = hn[j]
                    n[j] += r[j] * hn[j]
                }
                fastTanh(n, count: h)
                let z = x + h, hPrevious = previous + b * h, hNext = next + b * h
                for j in 0..<h { hNext[j] = n[j] + z[j] * (hPrevious[j] - n[j]) }
            }
        }
    }

    /// Back-propagates through the last forward pass. dL/dh_T is `dFinal` [B, H]; `dOutputs`
    /// [T, B, H], if given, adds dL/dh_{s+1} from outside for every step s (the states after
    /// each step, states[1 ... T], are the layer's outputs). Accumulates the weight and bias gradients, writes dL/dh_0 into `dInitial`
    /// [B, H] if given and adds dL/dx to `dInputs` [T, B, I] if given.
    public func backward(inputs: UnsafePointer<Float>?, steps: Int, batch: Int, reverse: Bool,
                         states: UnsafePointer<Float>, dFinal: UnsafePointer<Float>?, dOutputs: UnsafePointer<Float>?,
                         dInitial: UnsafeMutablePointer<Float>?, dInputs: UnsafeMutablePointer<Float>? = nil) {
        let h = hiddenSize, g = 3 * h, bh = batch * h
        // dCurrent holds dL/dh_{s+1} while step s is processed, dPrevious receives dL/dh_s; they swap.
        var dCurrent = dState, dPrevious = self.dPrevious
        if let dFinal { dCurrent.update(from: dFinal, count: bh) } else { dCurrent.update(repeating: 0, count: bh) }
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = time(s, steps: steps, reverse: reverse)
            if let dOutputs {
                let outside = dOutputs + s * bh
                for i in 0..<bh { dCurrent[i] += outside[i] }
            }
            let stepGates = gates + t * batch * g, candidate = hiddenCandidate + t * batch * h
            let dRec = dRecurrent + s * batch * g, previous = states + s * bh
            for b in 0..<batch {
                let x = stepGates + b * g, r = x, z = x + h, n = x + 2 * h
                let hn = candidate + b * h, hPrevious = previous + b * h
                let dh = dCurrent + b * h, dhPrevious = dPrevious + b * h, dr = dRec + b * g
                for j in 0..<h {
                    let dn = dh[j] * (1 - z[j]), dz = dh[j] * (hPrevious[j] - n[j])
                    let dAn = dn * (1 - n[j] * n[j])
                    let dAr = dAn * hn[j] * r[j] * (1 - r[j])
                    let dAz = dz * z[j] * (1 - z[j])
                    dhPrevious[j] = dh[j] * z[j]
                    dr[j] = dAr; dr[h + j] = dAz; dr[2 * h + j] = dAn * r[j]
                    // The gates of this step are not needed again: their slots take dL/d(input pre-activations).
                    r[j] = dAr; z[j] = dAz; n[j] = dAn
                }
            }
            BLAS.gemm(m: batch, n: h, k: g, dRec, recurrentWeights, beta: 1, dPrevious)
            swap(&dCurrent, &dPrevious)
        }
        if let dInitial { dInitial.update(from: dCurrent, count: bh) }
        let rows = steps * batch
        // Weight gradients of all steps at once: dW_hh += Σ_s dRec_sᵀ h_s, dW_ih += Σ_t dGates_tᵀ x_t.
        BLAS.gemm(transposeA: true, m: g, n: h, k: rows, dRecurrent, states, beta: 1, dRecurrentWeights)
        ColumnSums.accumulate(dRecurrent, rows: rows, columns: g, into: dRecurrentBias)
        ColumnSums.accumulate(gates, rows: rows, columns: g, into: dInputBias)
        if inputSize > 0, let inputs, let dInputWeights, let inputWeights {
            BLAS.gemm(transposeA: true, m: g, n: inputSize, k: rows, gates, inputs, beta: 1, dInputWeights)
            if let dInputs { BLAS.gemm(m: rows, n: inputSize, k: g, gates, inputWeights, beta: 1, dInputs) }
        }
    }
}
