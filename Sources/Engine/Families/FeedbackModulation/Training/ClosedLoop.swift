/// One truncated-BPTT segment of the closed loop over a batch, forward and backward:
///
///   y_t = output(state_{t−1}, x_t)                  (the sensory network, modulated as left by step t−1)
///   h_t, c_t = LSTM([x_t; y_t], h_{t−1}, c_{t−1})   (the controller sees what it caused)
///   u_t = W_out h_t + b_out
///   state_t = update(state_{t−1}, u_t)
///   L = Σ_t SmoothL1(y_t, s_t) (mean over the batch and the two outputs) + λ Σ_t Σ |u_t|
///
/// The state (h, c and the modulation) enters a segment from the previous one without gradient
/// (the reference detaches it) and leaves it in `carried*` for the next.
///   sources, mixtures, outputs, dOutputs [T, B, 2]; controls, dControls [T, B, O];
///   states [T+1, B, S]; inputs [B, D]; carriedHidden, carriedCell [B, H]; carriedState [B, S]
final class ClosedLoop {
    let network: FeedbackNetwork
    let steps: Int, batch: Int
    let hiddenSize: Int, inputSize: Int, controlSize: Int, stateSize: Int
    let sources, mixtures, outputs, dOutputs: UnsafeMutablePointer<Float>
    let controls, dControls: UnsafeMutablePointer<Float>
    let states: UnsafeMutablePointer<Float>
    let dInput: UnsafeMutablePointer<Float>
    let dHidden, dCell: UnsafeMutablePointer<Float>
    let dState, dPreviousState: UnsafeMutablePointer<Float>
    let carriedHidden, carriedCell, carriedState: UnsafeMutablePointer<Float>
    let lambda: Float

    init(network: FeedbackNetwork, steps: Int, batch: Int) {
        self.network = network
        self.steps = steps; self.batch = batch
        hiddenSize = network.hiddenSize; inputSize = network.inputSize
        controlSize = network.controlSize; stateSize = network.sensory.stateSize
        lambda = Float(network.config.lambda_reg)
        let signal = steps * batch * 2, b = batch
        sources = .allocate(capacity: signal); mixtures = .allocate(capacity: signal)
        outputs = .allocate(capacity: signal); dOutputs = .allocate(capacity: signal)
        controls = .allocate(capacity: steps * b * controlSize); dControls = .allocate(capacity: steps * b * controlSize)
        states = .allocate(capacity: (steps + 1) * b * stateSize)
        dInput = .allocate(capacity: b * inputSize)
        dHidden = .allocate(capacity: b * hiddenSize); dCell = .allocate(capacity: b * hiddenSize)
        dState = .allocate(capacity: b * stateSize); dPreviousState = .allocate(capacity: b * stateSize)
        carriedHidden = .allocate(capacity: b * hiddenSize); carriedCell = .allocate(capacity: b * hiddenSize)
        carriedState = .allocate(capacity: b * stateSize)
        carriedHidden.initialize(repeating: 0, count: b * hiddenSize)
        carriedCell.initialize(repeating: 0, count: b * hiddenSize)
        carriedState.initialize(repeating: 0, count: b * stateSize)
    }

    deinit {
        for buffer in [sources, mixtures, outputs, dOutputs, controls, dControls, states, dInput, dHidden, dCell,
                       dState, dPreviousState, carriedHidden, carriedCell, carriedState] { buffer.deallocate() }
    }

    /// Resets the carried state: h = c = 0 and the sensory network's initial state.
    func resetCarriedState(stream: inout RandomStream, gainSD: Double) {
        carriedHidden.update(repeating: 0, count: batch * hiddenSize)
        carriedCell.update(repeating: 0, count: batch * hiddenSize)
        network.sensory.initialState(carriedState, batch: batch, gainSD: gainSD, stream: &stream)
    }

    /// Runs the segment on `sources` and `mixtures` from the carried state; returns the loss
    /// Σ_t SmoothL1 (without the L1 term, as the reference reports it) and leaves dL/dy in `dOutputs`.
    func forward() -> Double {
        let b = batch, lstm = network.lstm, sensory = network.sensory
        let n2 = 2 * b, o = controlSize, s = stateSize
        lstm.begin(hidden: carriedHidden, cell: carriedCell, batch: b)
        states.update(from: carriedState, count: b * s)
        let scale = 1 / Float(n2)
        var loss = 0.0
        for t in 0..<steps {
            let x = mixtures + t * n2, y = outputs + t * n2
            sensory.output(state: states + t * b * s, x: x, y: y, middle: nil, batch: b, tapeStep: t)
            network.controllerInput(x: x, y: y, batch: b, into: lstm.input(step: t, batch: b), stride: lstm.rowSize)
            lstm.forward(step: t, batch: b)
            let u = controls + t * b * o
            network.controls(hidden: lstm.hidden(step: t + 1, batch: b), stride: lstm.rowSize, batch: b, into: u)
            sensory.update(previous: states + t * b * s, controls: u, next: states + (t + 1) * b * s, batch: b, frozen: false)
            // nn.SmoothL1Loss: the mean over the batch and the two outputs, summed over the steps.
            loss += SmoothL1Loss.evaluate(prediction: y, target: sources + t * n2, count: n2,
                                          dPrediction: dOutputs + t * n2, gradientScale: scale) / Double(n2)
        }
        return loss
    }

    /// The L1 penalty λ Σ |u| of the last forward pass.
    var controlPenalty: Double {
        guard lambda > 0 else { return 0 }
        var total = 0.0
        for i in 0..<(steps * batch * controlSize) { total += Double(abs(controls[i])) }
        return Double(lambda) * total
    }

    /// Back-propagates the last forward pass into the controller's gradients (accumulated).
    func backward() {
        let b = batch, lstm = network.lstm, sensory = network.sensory
        let n2 = 2 * b, o = controlSize, s = stateSize, h = hiddenSize
        dHidden.update(repeating: 0, count: b * h)
        dCell.update(repeating: 0, count: b * h)
        // dL/dstate_t and dL/dstate_{t−1}, alternating; the last state leaves without gradient.
        var dNext = dState, dPrevious = dPreviousState
        dNext.update(repeating: 0, count: b * s)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let previous = states + t * b * s, u = controls + t * b * o, du = dControls + t * b * o
            sensory.updateBackward(previous: previous, next: states + (t + 1) * b * s, dNext: dNext,
                                   dControls: du, dPrevious: dPrevious, batch: b)
            if lambda > 0 {
                for i in 0..<(b * o) where u[i] != 0 { du[i] += u[i] > 0 ? lambda : -lambda }
            }
            BLAS.gemm(m: b, n: h, k: o, du, network.readout.weights, beta: 1, dHidden)   // dh_t += du W_out
            lstm.backward(step: t, batch: b, dHidden: dHidden, dCell: dCell, dInput: dInput)
            let dy = dOutputs + t * n2
            network.addOutputGradient(fromInput: dInput, batch: b, into: dy)
            sensory.outputBackward(step: t, state: previous, x: mixtures + t * n2, dY: dy, dState: dPrevious, batch: b)
            swap(&dNext, &dPrevious)
        }
        lstm.accumulateWeightGradients(steps: steps, batch: b)
        // dW_out += Σ_t du_tᵀ h_t and db_out += Σ_t du_t over every step at once (h_1 ... h_T are
        // consecutive rows of the LSTM's tape).
        let readout = network.readout
        BLAS.gemm(transposeA: true, m: o, n: h, k: steps * b, dControls, lstm.hidden(step: 1, batch: b), ldb: lstm.rowSize,
                  beta: 1, readout.weightGradients)
        for row in 0..<(steps * b) { for k in 0..<o { readout.biasGradients[k] += dControls[row * o + k] } }
    }

    /// Keeps the final state for the next segment (detached: only values travel).
    func carry() {
        let lstm = network.lstm
        let last = lstm.hidden(step: steps, batch: batch)
        for b in 0..<batch { (carriedHidden + b * hiddenSize).update(from: last + b * lstm.rowSize, count: hiddenSize) }
        carriedCell.update(from: lstm.cell(step: steps, batch: batch), count: batch * hiddenSize)
        carriedState.update(from: states + steps * batch * stateSize, count: batch * stateSize)
    }
}
