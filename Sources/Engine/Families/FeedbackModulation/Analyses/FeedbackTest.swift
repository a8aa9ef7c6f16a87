/// The test protocol and its analyses on a trained network: n_test new contexts in one continuous
/// run, then (for the networks with a middle population) the freeze experiment.
struct FeedbackTest {
    let config: FeedbackConfig
    let network: FeedbackNetwork
    let signals: SourceSignals

    /// The test contexts of the trial (index 0) and of its freeze experiment (index 1).
    static func contexts(_ c: FeedbackConfig, count: Int, index: UInt64) -> [MixingContext] {
        var stream = RandomStream(seed: c.seed, purpose: FeedbackStream.testContexts, index: index)
        return MixingContext.draw(count: count, threshold: c.det_threshold, stream: &stream)
    }

    /// The standard deviation of the DaleRateNet's initial gains in a test (the reference's 0.1).
    static let testGainSD = 0.1

    /// Given test data (the differential trace replays the reference's): the contexts and the
    /// mixing noise [steps, 2] of the test and of the freeze experiment.
    struct GivenData {
        var testContexts: [MixingContext], testNoise: [Float]
        var freezeContexts: [MixingContext], freezeNoise: [Float]
    }

    /// Runs the test (and freeze experiment) and writes every test metric; returns the test's record.
    @discardableResult
    func run(into metrics: inout [String: [Double]], given: GivenData? = nil) -> TestRecord {
        let c = config, n = c.n_sample
        let runner = TestRunner(network: network, signals: signals)
        var gains = RandomStream(seed: c.seed, purpose: FeedbackStream.testGains, index: 0)
        let record: TestRecord
        if let given {
            var next = 0
            record = runner.run(contexts: given.testContexts, noise: { next += 1; return given.testNoise[next - 1] },
                                gains: &gains, gainSD: Self.testGainSD, errorContexts: c.excerptContexts)
        } else {
            var noise = RandomStream(seed: c.seed, purpose: FeedbackStream.testNoise, index: 0)
            record = runner.run(contexts: Self.contexts(c, count: c.n_test, index: 0), noise: &noise, gains: &gains,
                                gainSD: Self.testGainSD, errorContexts: c.excerptContexts)
        }
        analyse(record, into: &metrics)
        guard c.model.hasMiddleLayer else { return record }
        var freezeGains = RandomStream(seed: c.seed, purpose: FeedbackStream.testGains, index: 1)
        let freeze: TestRecord
        if let given {
            var next = 0
            freeze = runner.run(contexts: given.freezeContexts, noise: { next += 1; return given.freezeNoise[next - 1] },
                                gains: &freezeGains, gainSD: Self.testGainSD, errorContexts: 0, freezeFrom: 1,
                                freezeSteps: c.freezeSteps)
        } else {
            var freezeNoise = RandomStream(seed: c.seed, purpose: FeedbackStream.testNoise, index: 1)
            freeze = runner.run(contexts: Self.contexts(c, count: 2, index: 1), noise: &freezeNoise, gains: &freezeGains,
                                gainSD: Self.testGainSD, errorContexts: 0, freezeFrom: 1, freezeSteps: c.freezeSteps)
        }
        let component = try? FreezeExperiment.firstComponent(record.middle, steps: record.steps, units: record.middleSize)
        if let (subspace, angles) = try? FreezeExperiment.analyse(freeze, component: component, stepsPerContext: n,
                                                                  freezeSteps: c.freezeSteps) {
            metrics["freeze_subspace"] = subspace
            metrics["freeze_angles"] = angles
        }
        return record
    }

    /// Clarity, correlations, decoding, readout error and the trajectory excerpt of a test record.
    func analyse(_ record: TestRecord, into metrics: inout [String: [Double]]) {
        let c = config, n = c.n_sample, contexts = c.n_test
        var clarity = [Double](repeating: .nan, count: 3 * contexts)
        var decoding = [Double](repeating: .nan, count: 3 * (contexts - c.decoderFitContexts))
        for population in TestAnalyses.Population.allCases {
            guard let correlations = TestAnalyses.correlations(record, population, stepsPerContext: n) else { continue }
            let p = population.rawValue
            clarity.replaceSubrange((p * contexts)..<((p + 1) * contexts),
                                    with: TestAnalyses.clarity(correlations: correlations, contexts: contexts))
            metrics["correlation_\(population)"] = correlations
            if let r2 = TestAnalyses.decoding(record, population, stepsPerContext: n, fitContexts: c.decoderFitContexts) {
                decoding.replaceSubrange((p * r2.count)..<((p + 1) * r2.count), with: r2)
            }
        }
        metrics["clarity"] = clarity
        metrics["decoding_r2"] = decoding
        if c.model != .dale { metrics["readout_error"] = record.readoutError }
        let steps = c.excerptContexts * n
        var trajectory = [Double](repeating: 0, count: steps * 6)
        for t in 0..<steps {
            trajectory.replaceSubrange((6 * t)..<(6 * t + 6), with: [
                record.sources[2 * t], record.sources[2 * t + 1], record.mixtures[2 * t], record.mixtures[2 * t + 1],
                record.outputs[2 * t], record.outputs[2 * t + 1]])
        }
        metrics["trajectory"] = trajectory
    }
}
