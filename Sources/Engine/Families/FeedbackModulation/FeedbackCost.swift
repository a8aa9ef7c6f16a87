/// Floating-point operations of a trial, counted from the shapes: the matrix products and the
/// elementwise work of every step (the LSTM's gate activations cost about 20 operations each by
/// the rational tanh). Used to schedule the most expensive trials first and by `plan`.
extension FeedbackConfig {
    /// One closed-loop step of one element: forward, or forward and backward.
    func stepFLOPs(training: Bool) -> Double {
        let h = Double(n_hid), d = Double(input_to_net.size), o = Double(controlSize)
        let gates = 2 * 4 * h * (d + h)                       // a_t = W [x; h]
        let activations = 4 * h * 20 + 8 * h                  // σ, tanh and the cell update
        let readout = 2 * h * o
        var sensory = 0.0
        switch model {
        case .modulation: sensory = 12 + 16
        case .spatial: sensory = Double(Nz) * (4 + 1 + 4 + 2 * Double(Nm) + 3)
        case .dale: sensory = Double(NzL) * 5 + Double(Nz) * (4 * Double(NzL) + 4 + 2 * Double(Nm) + 25)
        }
        let forward = gates + activations + readout + sensory + 10
        guard training else { return forward }
        // Backward: the same products twice (inputs and weights), the gate derivatives, the plant.
        return forward + 2 * gates + 4 * h * 12 + 2 * readout + sensory
    }

    /// Training FLOPs.
    var trainingFLOPs: Double {
        Double(n_batch) * Double(batch_size) * Double(n_sample) * stepFLOPs(training: true)
    }

    /// Estimated FLOPs of the whole trial, test and analyses included.
    public var estimatedFLOPs: Double {
        let testSteps = Double((n_test + (model.hasMiddleLayer ? 2 : 0)) * n_sample)
        let units = Double(2 + middleSize + 2)
        let analyses = testSteps * units * 10 + 2 * testSteps * Double(middleSize * middleSize) + Double(middleSize * middleSize * middleSize) * 10
        return trainingFLOPs + testSteps * stepFLOPs(training: false) + analyses
    }
}
