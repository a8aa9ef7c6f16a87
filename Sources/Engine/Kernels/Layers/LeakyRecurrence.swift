/// A recurrent layer of leaky rate units with one time constant per unit, over T steps of a
/// batch, with its backward pass. With u_t = W h_t + b + V x_t + c and α = 1 / max(τ, 1) per unit:
///   filterThenActivate:  h_{t+1} = f((1 − α) ⊙ h_t + α ⊙ u_t)
///   activateThenFilter:  h_{t+1} = (1 − α) ⊙ h_t + α ⊙ f(u_t)
/// max(τ, 1) passes the gradient to τ where τ >= 1 and none below (PyTorch's clamp).
///   W [H, H], b [H], V [H, D], c [H], τ [H]; inputs [T, B, D]; states [T+1, B, H] (h_0 given)
/// Without self-coupling the diagonal of W is set to 0 before every forward pass; its gradient
/// is still computed (the optimizer moves it, the next pass zeroes it again, as in the reference).
public final class LeakyRecurrence {
    public enum UpdateRule: Sendable {
        case filterThenActivate
        case activateThenFilter
    }

    public let units: Int            // H
    public let inputSize: Int        // D
    public let rule: UpdateRule
    public let activation: PointwiseActivation
    public let selfCoupling: Bool
    let maxSteps: Int, maxBatch: Int
    let weights, bias, inputWeights, inputBias, timeConstants: UnsafeMutablePointer<Float>
    let weightGradients, biasGradients, inputWeightGradients, inputBiasGradients, timeConstantGradients: UnsafeMutablePointer<Float>
    let learns: (weights: Bool, bias: Bool, inputWeights: Bool, inputBias: Bool, timeConstants: Bool)
    /// u_t (filterThenActivate) or f(u_t) (activateThenFilter) of every step, [maxSteps, maxBatch, H].
    let tape: UnsafeMutablePointer<Float>
    /// dL/du_t of every step, [maxSteps, maxBatch, H].
    let dDrive: UnsafeMutablePointer<Float>
    /// α, 1 − α, dL/dα and column sums of dL/du, [H].
    let alpha, keep, dAlpha, columnSums: UnsafeMutablePointer<Float>
    /// dL/dh_0, computed and dropped, [maxBatch, H].
    let discarded: UnsafeMutablePointer<Float>

    /// Views of the five tensors of `parameters`; room for passes of up to `maxSteps` steps of
    /// `maxBatch` sequences.
    public init(_ parameters: ParameterStore, recurrent: String, recurrentBias: String, input: String, inputBias inputBiasName: String,
                timeConstants tauName: String, rule: UpdateRule, activation: PointwiseActivation, selfCoupling: Bool,
                maxSteps: Int, maxBatch: Int) {
        let h = parameters.spec(recurrent).shape[0]
        precondition(parameters.spec(recurrent).shape == [h, h] && parameters.spec(recurrentBias).shape == [h]
                     && parameters.spec(input).shape.count == 2 && parameters.spec(input).shape[0] == h
                     && parameters.spec(inputBiasName).shape == [h] && parameters.spec(tauName).shape == [h],
                     "LeakyRecurrence needs W [H, H], b [H], V [H, D], c [H], tau [H]")
        units = h
        inputSize = parameters.spec(input).shape[1]
        self.rule = rule
        self.activation = activation
        self.selfCoupling = selfCoupling
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        weights = parameters.values(recurrent); bias = parameters.values(recurrentBias)
        inputWeights = parameters.values(input); inputBias = parameters.values(inputBiasName)
        timeConstants = parameters.values(tauName)
        weightGradients = parameters.gradients(recurrent); biasGradients = parameters.gradients(recurrentBias)
        inputWeightGradients = parameters.gradients(input); inputBiasGradients = parameters.gradients(inputBiasName)
        timeConstantGradients = parameters.gradients(tauName)
        learns = (parameters.spec(recurrent).trainable, parameters.spec(recurrentBias).trainable,
                  parameters.spec(input).trainable, parameters.spec(inputBiasName).trainable, parameters.spec(tauName).trainable)
        let size = max(1, maxSteps * maxBatch * h)
        tape = .allocate(capacity: size)
        dDrive = .allocate(capacity: size)
        alpha = .allocate(capacity: h); keep = .allocate(capacity: h); dAlpha = .allocate(capacity: h)
        columnSums = .allocate(capacity: h)
        discarded = .allocate(capacity: max(1, maxBatch * h))
    }

    deinit {
        tape.deallocate(); dDrive.deallocate()
        alpha.deallocate(); keep.deallocate(); dAlpha.deallocate(); columnSums.deallocate(); discarded.deallocate()
    }

    /// Sets W's diagonal to 0 (without self-coupling) and α from τ; done by every forward pass.
    public func prepare() {
        let h = units
        if !selfCoupling { for i in 0..<h { weights[i * h + i] = 0 } }
        for i in 0..<h {
            let tau = max(timeConstants[i], 1)
            alpha[i] = 1 / tau
            keep[i] = 1 - alpha[i]
        }
    }

    /// Runs `steps` steps from the initial states in `states[0]` (B <= maxBatch). With
    /// `recording` (steps <= maxSteps), keeps what `backward` needs; without, any number of steps.
    public func forward(inputs: UnsafePointer<Float>, steps: Int, batch: Int,
                        states: UnsafeMutablePointer<Float>, recording: Bool) {
        precondition(batch <= maxBatch && (!recording || steps <= maxSteps), "pass exceeds the workspace")
        prepare()
        for t in 0..<steps {
            step(input: inputs + t * batch * inputSize, batch: batch, state: states + t * batch * units,
                 next: states + (t + 1) * batch * units, drive: tape + (recording ? t * batch * units : 0))
        }
    }

    /// One step h -> next of B sequences with the drive written to `drive` [B, H]; `prepare()`
    /// must have run since the weights last changed.
    @inline(__always)
    public func step(input x: UnsafePointer<Float>, batch: Int, state h: UnsafePointer<Float>,
                     next: UnsafeMutablePointer<Float>, drive u: UnsafeMutablePointer<Float>) {
        let n = units, count = batch * n
        for b in 0..<batch {
            let row = u + b * n
            for i in 0..<n { row[i] = bias[i] + inputBias[i] }
        }
        if inputSize == 1 {
            for b in 0..<batch {
                let row = u + b * n, xb = x[b]
                for i in 0..<n { row[i] += inputWeights[i] * xb }
            }
        } else {
            BLAS.gemm(transposeB: true, m: batch, n: n, k: inputSize, x, inputWeights, beta: 1, u)
        }
        BLAS.gemm(transposeB: true, m: batch, n: n, k: n, h, weights, beta: 1, u)
        switch rule {
        case .filterThenActivate:
            for b in 0..<batch {
                let offset = b * n
                for i in 0..<n { next[offset + i] = keep[i] * h[offset + i] + alpha[i] * u[offset + i] }
            }
            activation.apply(next, count: count)
        case .activateThenFilter:
            activation.apply(u, count: count)
            for b in 0..<batch {
                let offset = b * n
                for i in 0..<n { next[offset + i] = keep[i] * h[offset + i] + alpha[i] * u[offset + i] }
            }
        }
    }

    /// Back-propagates dStates [T+1, B, H] (dL/dh_t from the readout; overwritten with the full
    /// dL/dh_t for t >= 1, while dStates[0] is left alone: h_0 is not learned) through the last
    /// recorded forward pass, accumulating the gradients of the trainable tensors.
    public func backward(inputs: UnsafePointer<Float>, steps: Int, batch: Int, states: UnsafePointer<Float>,
                         dStates: UnsafeMutablePointer<Float>) {
        let n = units, bn = batch * n
        dAlpha.update(repeating: 0, count: n)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let g = dStates + (t + 1) * bn, h = states + t * bn
            let stored = tape + t * bn, du = dDrive + t * bn
            // dL/dh_t of step 0 goes to a scratch buffer and is dropped.
            let dh = t > 0 ? dStates + t * bn : discarded
            switch rule {
            case .filterThenActivate:
                // da = g f'(a) with f'(a) from h_{t+1}; du = α da, dh += (1 − α) da, dα += da (u − h).
                activation.derivative(fromOutputs: states + (t + 1) * bn, into: du, count: bn)
                for b in 0..<batch {
                    let gb = g + b * n, hb = h + b * n, sb = stored + b * n, db = du + b * n, dhb = dh + b * n
                    for i in 0..<n {
                        let da = gb[i] * db[i]
                        db[i] = alpha[i] * da
                        dhb[i] += keep[i] * da
                        dAlpha[i] += da * (sb[i] - hb[i])
                    }
                }
            case .activateThenFilter:
                // du = α g f'(u) with f'(u) from f(u); dh += (1 − α) g, dα += g (f(u) − h).
                activation.derivative(fromOutputs: stored, into: du, count: bn)
                for b in 0..<batch {
                    let gb = g + b * n, hb = h + b * n, sb = stored + b * n, db = du + b * n, dhb = dh + b * n
                    for i in 0..<n {
                        db[i] = alpha[i] * gb[i] * db[i]
                        dhb[i] += keep[i] * gb[i]
                        dAlpha[i] += gb[i] * (sb[i] - hb[i])
                    }
                }
            }
            if t > 0 { BLAS.gemm(m: batch, n: n, k: n, du, weights, beta: 1, dh) }   // dL/dh_t += du_t W
        }
        let rows = steps * batch
        if learns.weights {                                           // dW += Σ_t du_tᵀ h_t, one product
            BLAS.gemm(transposeA: true, m: n, n: n, k: rows, dDrive, states, beta: 1, weightGradients)
        }
        if learns.bias || learns.inputBias {
            columnSums.update(repeating: 0, count: n)
            ActivationTape.accumulateBiasGradient(dDrive, rows: rows, units: n, into: columnSums)
            if learns.bias { for i in 0..<n { biasGradients[i] += columnSums[i] } }
            if learns.inputBias { for i in 0..<n { inputBiasGradients[i] += columnSums[i] } }
        }
        if learns.inputWeights {                                      // dV += Σ_t du_tᵀ x_t
            BLAS.gemm(transposeA: true, m: n, n: inputSize, k: rows, dDrive, inputs, beta: 1, inputWeightGradients)
        }
        if learns.timeConstants {                                     // dτ = dα · (−1/τ²) where τ >= 1
            for i in 0..<n where timeConstants[i] >= 1 {
                timeConstantGradients[i] -= dAlpha[i] * alpha[i] * alpha[i]
            }
        }
    }
}
