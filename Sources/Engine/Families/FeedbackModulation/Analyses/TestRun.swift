/// What one test run recorded, step by step, in Double (the analyses' precision).
///   sources, mixtures, outputs [steps, 2]; middle [steps, Nz]; readoutError [contexts, n_sample]
struct TestRecord {
    let steps: Int, middleSize: Int
    var sources: [Double], mixtures: [Double], outputs: [Double], middle: [Double]
    /// ‖W_t − W*‖_F after each step of the first contexts (NaN without a linear readout).
    var readoutError: [Double]

    init(steps: Int, middleSize: Int, errorSteps: Int) {
        self.steps = steps; self.middleSize = middleSize
        sources = [Double](repeating: 0, count: steps * 2)
        mixtures = sources; outputs = sources
        middle = [Double](repeating: 0, count: steps * middleSize)
        readoutError = [Double](repeating: .nan, count: errorSteps)
    }
}

/// The reference's Runner.test: batch 1, fresh state (h = c = 0, no modulation), one continuous
/// pass over the contexts, n_sample steps each, the sources continuing across contexts
/// (s[count mod length]) and the state never reset, so that the controller must re-adapt after
/// every switch. Optionally the modulation is frozen for the first `freezeSteps` steps of every
/// context from `freezeFrom` on (the freeze experiment). The buffers are allocated once.
final class TestRunner {
    let network: FeedbackNetwork
    let signals: SourceSignals
    let stepsPerContext: Int
    let hidden, cell, state, next, x, y, z, input, controls: UnsafeMutablePointer<Float>

    init(network: FeedbackNetwork, signals: SourceSignals) {
        self.network = network
        self.signals = signals
        stepsPerContext = network.config.n_sample
        let s = network.sensory.stateSize, h = network.hiddenSize
        hidden = .allocate(capacity: h); cell = .allocate(capacity: h)
        state = .allocate(capacity: s); next = .allocate(capacity: s)
        x = .allocate(capacity: 2); y = .allocate(capacity: 2)
        z = .allocate(capacity: max(1, network.sensory.middleSize))
        input = .allocate(capacity: network.inputSize)
        controls = .allocate(capacity: network.controlSize)
    }

    deinit {
        for buffer in [hidden, cell, state, next, x, y, z, input, controls] { buffer.deallocate() }
    }

    /// Runs the contexts with mixing noise from `noise`; `errorContexts` of them record the readout error.
    func run(contexts: [MixingContext], noise: inout RandomStream, gains: inout RandomStream, gainSD: Double,
             errorContexts: Int, freezeFrom: Int? = nil, freezeSteps: Int = 0) -> TestRecord {
        let sd = network.config.mix_noise
        return run(contexts: contexts, noise: { Float(sd * noise.nextNormal()) }, gains: &gains, gainSD: gainSD,
                   errorContexts: errorContexts, freezeFrom: freezeFrom, freezeSteps: freezeSteps)
    }

    /// Runs the contexts with the mixing noise `noise` returns, one value per mixture and step.
    func run(contexts: [MixingContext], noise: () -> Float, gains: inout RandomStream, gainSD: Double,
             errorContexts: Int, freezeFrom: Int? = nil, freezeSteps: Int = 0) -> TestRecord {
        let n = stepsPerContext, sensory = network.sensory, lstm = network.lstm
        let nz = sensory.middleSize, s = sensory.stateSize
        var record = TestRecord(steps: contexts.count * n, middleSize: nz, errorSteps: errorContexts * n)
        hidden.update(repeating: 0, count: network.hiddenSize)
        cell.update(repeating: 0, count: network.hiddenSize)
        sensory.initialState(state, batch: 1, gainSD: gainSD, stream: &gains)
        lstm.prepare()
        var count = 0
        for (k, context) in contexts.enumerated() {
            let a = context.mixing
            for j in 0..<n {
                let step = k * n + j
                let s0 = signals[sample: count % signals.length, source: 0], s1 = signals[sample: count % signals.length, source: 1]
                count += 1
                x[0] = a[0] * s0 + a[1] * s1 + noise()
                x[1] = a[2] * s0 + a[3] * s1 + noise()
                sensory.output(state: state, x: x, y: y, middle: nz > 0 ? z : nil, batch: 1, tapeStep: nil)
                network.controllerInput(x: x, y: y, batch: 1, into: input, stride: network.inputSize)
                lstm.advance(input: input, hidden: hidden, cell: cell, batch: 1)
                network.controls(hidden: hidden, stride: network.hiddenSize, batch: 1, into: controls)
                let frozen = freezeFrom.map { k >= $0 && j < freezeSteps } ?? false
                sensory.update(previous: state, controls: controls, next: next, batch: 1, frozen: frozen)
                state.update(from: next, count: s)
                record.sources[2 * step] = Double(s0); record.sources[2 * step + 1] = Double(s1)
                record.mixtures[2 * step] = Double(x[0]); record.mixtures[2 * step + 1] = Double(x[1])
                record.outputs[2 * step] = Double(y[0]); record.outputs[2 * step + 1] = Double(y[1])
                for i in 0..<nz { record.middle[step * nz + i] = Double(z[i]) }
                if k < errorContexts, let w = sensory.effectiveReadout(state: state) {
                    let d = SIMD4<Double>(w) - SIMD4<Double>(context.inverse)
                    record.readoutError[step] = (d * d).sum().squareRoot()
                }
            }
        }
        return record
    }
}
