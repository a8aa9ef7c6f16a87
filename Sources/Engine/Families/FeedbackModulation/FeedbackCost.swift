/// Cost of a trial, counted from the shapes: floating-point operations (the matrix products and the
/// elementwise work of every step; the LSTM's gate activations cost about 20 operations each) and
/// seconds on one core, which schedule the most expensive trials first and which `plan` prints.
extension FeedbackConfig {
    /// FLOPs of the controller's matrix products in one closed-loop step of one element: the gate
    /// product a_t = W [x; h] and the readout, forward only or with the backward pass's two more
    /// products each (dL/d[x; h] and dL/dW).
    func controllerProductFLOPs(training: Bool) -> Double {
        let h = Double(n_hid), d = Double(input_to_net.size), o = Double(controlSize)
        return (training ? 3 : 1) * (2 * 4 * h * (d + h) + 2 * h * o)
    }

    /// FLOPs of the sensory network in one step of one element, forward (the backward pass costs
    /// about as much again).
    var sensoryFLOPs: Double {
        switch model {
        case .modulation: return 12 + 16
        case .spatial: return Double(Nz) * (4 + 1 + 4 + 2 * Double(Nm) + 3)
        case .dale: return Double(NzL) * 5 + Double(Nz) * (4 * Double(NzL) + 4 + 2 * Double(Nm) + 25)
        }
    }

    /// One closed-loop step of one element: forward, or forward and backward.
    func stepFLOPs(training: Bool) -> Double {
        let h = Double(n_hid)
        let activations = 4 * h * 20 + 8 * h                  // σ, tanh and the cell update
        let forward = controllerProductFLOPs(training: false) + activations + sensoryFLOPs + 10
        guard training else { return forward }
        // Backward: the products twice more (inputs and weights), the gate derivatives, the plant.
        return controllerProductFLOPs(training: true) + activations + 4 * h * 12 + 2 * sensoryFLOPs + 10
    }

    /// Training FLOPs.
    var trainingFLOPs: Double {
        Double(n_batch) * Double(batch_size) * Double(n_sample) * stepFLOPs(training: true)
    }

    /// Closed-loop steps of the test protocol and the freeze experiment (batch 1).
    var testSteps: Double { Double((n_test + (model.hasMiddleLayer ? 2 : 0)) * n_sample) }

    /// Estimated FLOPs of the whole trial, test and analyses included.
    public var estimatedFLOPs: Double {
        let units = Double(2 + middleSize + 2)
        let analyses = testSteps * units * 10 + 2 * testSteps * Double(middleSize * middleSize) + Double(middleSize * middleSize * middleSize) * 10
        return trainingFLOPs + testSteps * stepFLOPs(training: false) + analyses
    }

    /// Estimated CPU seconds of the trial on one core. A closed-loop step is hundreds of small
    /// products and elementwise loops whose rates differ by an order of magnitude with the sizes
    /// (a 16-unit controller runs its step at 30 GFLOP/s, a 200-unit one at 140), so the time is
    /// modelled per part, with rates fitted to `sweep-mpi bench feedback` over n_hid 16–200 and
    /// batch 4–32 with OpenBLAS's AVX-512 kernels (within 15 % there): the controller's products,
    /// its per-unit gate work, a fixed cost per step, and the sensory network. The test protocol
    /// (batch 1, forward only) and the analyses take under 2 % of a default trial.
    public var estimatedSeconds: Double {
        let h = Double(n_hid)
        let trainingStep = controllerProductFLOPs(training: true) / Self.productFLOPRate
            + h * Self.secondsPerUnitStep + Self.secondsPerStep + 2 * sensoryFLOPs / Self.sensoryFLOPRate
        let testStep = controllerProductFLOPs(training: false) / Self.productFLOPRate
            + h * Self.secondsPerUnitStep / 2 + Self.secondsPerStep + sensoryFLOPs / Self.sensoryFLOPRate
        let training = Double(n_batch) * Double(batch_size) * Double(n_sample) * trainingStep
        return training + testSteps * testStep + Self.secondsPerTrial
    }

    /// Rates of the time model (`estimatedSeconds`).
    static let productFLOPRate = 2.0e11
    static let secondsPerUnitStep = 1.16e-8
    static let secondsPerStep = 0.9e-7
    static let sensoryFLOPRate = 5e10
    static let secondsPerTrial = 1e-3
}
