/// Gradient flossing (docs/families/flossing.md "Flossing"): the k leading Lyapunov exponents of
/// the network driven by fresh task input, estimated over Tp steps from the first initial state
/// (the reference's sample 1) and a fixed orthonormal Q_0, pushed towards Lwnt by AdamW on
/// mean_i (λ_i − Lwnt)² over ws, J and b (no clipping, an optimizer state of its own that
/// persists across phases, as the reference's optFlossing). Also the recorded spectra: the same
/// estimate over spectrum_steps steps of one fixed probe input.
public final class Flosser {
    let config: FlossingConfig
    let network: RateNetwork
    let spectrum: DrivenRateSpectrum
    public let optimizer: Optimizer
    /// Flossing updates so far, over all phases: the index of the next update's input stream.
    public var updates = 0
    let k: Int
    let inputs: UnsafeMutablePointer<Float>          // one update's input [Tp]
    let probeInputs: UnsafeMutablePointer<Float>     // [spectrum_steps]
    let initialBasis: UnsafeMutablePointer<Float>    // Q_0, column-major N × k
    let exponents: UnsafeMutablePointer<Double>      // [k]
    let dExponents: UnsafeMutablePointer<Float>      // [k]

    public init(config: FlossingConfig, network: RateNetwork) throws {
        self.config = config
        self.network = network
        let n = config.N
        k = config.nLE
        spectrum = DrivenRateSpectrum(units: n, inputSize: 1, exponents: k, maxRecordedSteps: config.Tp, nonlinearity: .tanh)
        optimizer = Optimizer(.adam(beta1: config.b1, beta2: config.b2, epsilon: 1e-8, weightDecay: 0, decoupled: true),
                              parameters: network.parameters, tensors: RateNetwork.flossedTensors)
        inputs = .allocate(capacity: config.Tp)
        probeInputs = .allocate(capacity: config.spectrum_steps)
        initialBasis = .allocate(capacity: n * k)
        exponents = .allocate(capacity: k)
        dExponents = .allocate(capacity: k)
        // Q_0: the orthonormal factor of a Gaussian N × k matrix (the reference's ONS).
        var stream = RandomStream(seed: config.seed, purpose: FlossingStream.flossingBasis, index: 0)
        stream.fillNormal(initialBasis, count: n * k)
        let r = UnsafeMutablePointer<Float>.allocate(capacity: k * k)
        defer { r.deallocate() }
        try ThinQR(rows: n, columns: k).factor(initialBasis, r: r)
        stream = RandomStream(seed: config.seed, purpose: FlossingStream.spectrumProbe, index: 0)
        Self.drawBits(into: probeInputs, count: config.spectrum_steps, amplitude: config.I1, stream: &stream)
    }

    deinit {
        inputs.deallocate(); probeInputs.deallocate(); initialBasis.deallocate(); exponents.deallocate(); dExponents.deallocate()
    }

    /// The task's input statistics: bits, 0 or I1.
    static func drawBits(into buffer: UnsafeMutablePointer<Float>, count: Int, amplitude: Double, stream: inout RandomStream) {
        for t in 0..<count { buffer[t] = stream.nextUInt32() & 1 == 1 ? Float(amplitude) : 0 }
    }

    /// One flossing update on fresh input; returns the flossing loss before the update (not
    /// finite: nothing was updated).
    public func update() throws -> Double {
        let loss = try gradient(update: updates)
        updates += 1
        if loss.isFinite { optimizer.step(learningRate: config.lr) }
        return loss
    }

    /// The flossing loss mean_i (λ_i − Lwnt)² on the input of update number `update`, with its
    /// gradient with respect to ws, J and b left in the parameter store (the other gradients
    /// zero); the weights are not changed. NaN, without a gradient, when the spectrum is not finite.
    public func gradient(update: Int) throws -> Double {
        let c = config, parameters = network.parameters
        var stream = RandomStream(seed: c.seed, purpose: FlossingStream.flossingData, index: UInt64(update))
        Self.drawBits(into: inputs, count: c.Tp, amplitude: c.I1, stream: &stream)
        parameters.zeroGradients()
        guard try spectrum.forward(recurrent: parameters.values("J"), bias: parameters.values("b"), input: parameters.values("ws"),
                                   inputs: inputs, initialState: parameters.values("xInit"), initialBasis: initialBasis,
                                   steps: c.Tp, transient: c.flossingTransient, recording: true, exponents: exponents) else {
            return .nan
        }
        var loss = 0.0
        for i in 0..<k {
            let deviation = exponents[i] - c.Lwnt
            loss += deviation * deviation
            dExponents[i] = Float(2 * deviation / Double(k))
        }
        spectrum.backward(recurrent: parameters.values("J"), inputs: inputs, dExponents: dExponents,
                          dRecurrent: parameters.gradients("J"), dBias: parameters.gradients("b"), dInput: parameters.gradients("ws"))
        return loss / Double(k)
    }

    /// The input, Q_0 and exponents of the last `gradient` call (for traces and tests).
    public var lastEvaluation: (inputs: [Float], initialBasis: [Float], exponents: [Double]) {
        (Array(UnsafeBufferPointer(start: inputs, count: config.Tp)), Array(UnsafeBufferPointer(start: initialBasis, count: config.N * k)),
         Array(UnsafeBufferPointer(start: exponents, count: k)))
    }

    /// The k exponents (nats per step) over spectrum_steps steps of the probe input, from the
    /// first initial state; NaN where the estimate is not finite.
    public func recordedSpectrum() throws -> [Double] {
        let c = config, parameters = network.parameters
        try spectrum.forward(recurrent: parameters.values("J"), bias: parameters.values("b"), input: parameters.values("ws"),
                             inputs: probeInputs, initialState: parameters.values("xInit"), initialBasis: initialBasis,
                             steps: c.spectrum_steps, transient: c.spectrumTransient, recording: false, exponents: exponents)
        return Array(UnsafeBufferPointer(start: exponents, count: k))
    }
}
