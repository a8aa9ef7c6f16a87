import Foundation
import Testing
@testable import Engine

/// The feedback_modulation family: data, the sensory networks' dynamics against hand-computed
/// steps, the closed loop's backward pass against finite differences, the test protocol and its
/// analyses, the parameters it refuses, and whole trials.
@Suite struct FeedbackModulationTests {
    /// The parameters of a JSON object's text.
    static func object(_ text: String) -> JSONObject {
        guard case .object(let object)? = try? JSONParser.parse(text) else { fatalError("not a JSON object: \(text)") }
        return object
    }

    static func config(_ text: String) throws(ParameterError) -> FeedbackConfig {
        try FeedbackConfig(object(text))
    }

    /// A small trial (2 contexts of 15 steps per batch, a 4-unit controller) with `extra` over it.
    static func small(_ extra: String = "{}") throws(ParameterError) -> FeedbackConfig {
        var values = object(#"{"n_hid": 4, "batch_size": 2, "n_sample": 15, "n_batch": 2, "n_test": 4, "Nz": 6, "Nm": 2, "NzL": 5, "seed": 3}"#)
        for member in object(extra) { values[member.key] = member.value }
        return try FeedbackConfig(values)
    }

    // MARK: - Data

    @Test func contextsAreRowNormalisedInvertibleAndAboveTheThreshold() {
        var stream = RandomStream(seed: 1, purpose: FeedbackStream.testContexts)
        let contexts = MixingContext.draw(count: 2000, threshold: 0.5, stream: &stream)
        #expect(contexts.count == 2000)
        for c in contexts {
            let a = c.mixing, w = c.inverse
            #expect(a.min() >= 0 && abs(a[0] + a[1] - 1) < 1e-6 && abs(a[2] + a[3] - 1) < 1e-6)
            #expect(abs(c.determinant) > 0.5)
            // A W* = I.
            let product = SIMD4(a[0] * w[0] + a[1] * w[2], a[0] * w[1] + a[1] * w[3], a[2] * w[0] + a[3] * w[2], a[2] * w[1] + a[3] * w[3])
            let identity = SIMD4<Float>(1, 0, 0, 1)
            #expect((0..<4).allSatisfy { abs(product[$0] - identity[$0]) < 1e-5 })
        }
        // The threshold rejects: about 14 % of row-normalised draws have |det| > 0.5, so the
        // accepted ones are not simply the first draws.
        var again = RandomStream(seed: 1, purpose: FeedbackStream.testContexts)
        #expect(MixingContext.draw(count: 2000, threshold: 0.5, stream: &again) == contexts)
        var loose = RandomStream(seed: 1, purpose: FeedbackStream.testContexts)
        let unfiltered = MixingContext.draw(count: 2000, threshold: 0, stream: &loose)
        #expect(unfiltered.filter { abs($0.determinant) <= 0.5 }.count > 1000)
    }

    @Test func sourcesFollowTheReferenceGenerators() throws {
        let chords = SourceSignals(try Self.config(#"{"signals": "chords"}"#))
        #expect(chords.length == 16000 && chords.count == 2)
        for i in 0..<2 {
            let peak = (0..<chords.length).map { abs(chords[sample: $0, source: i]) }.max()!
            #expect(peak == 1)
        }
        let sines = SourceSignals(try Self.config(#"{"signals": "sines", "base_freq": 50}"#))
        for k in [1, 17, 4003] {
            let t = Double(k) / 8000
            #expect(abs(Double(sines[sample: k, source: 0]) - sin(2 * Double.pi * 50 * t)) < 1e-6)
            #expect(abs(Double(sines[sample: k, source: 1]) - sin(2 * Double.pi * 90 * t)) < 1e-6)
        }
        let ica = SourceSignals(try Self.config(#"{"signals": "ica_style"}"#))
        #expect(ica.count == 3)
        let square = (0..<ica.length).map { ica[sample: $0, source: 1] }, saw = (0..<ica.length).map { ica[sample: $0, source: 2] }
        #expect(square.allSatisfy { $0 == 1 || $0 == -1 || $0 == 0 })
        #expect(saw.min()! == -1 && saw.max()! <= 1 && saw.max()! > 0.99)
        // The sawtooth rises by 2 · 140 / 8000 per sample between its resets.
        #expect(abs(Double(saw[2] - saw[1]) - 2 * 140.0 / 8000) < 1e-6)
    }

    @Test func aTrainingBatchSharesItsSourceWindowAndMixesItPerContext() throws {
        let c = try Self.config(#"{"batch_size": 3, "n_sample": 50, "mix_noise": 0}"#)
        let signals = SourceSignals(c), batches = TrainingBatches(config: c, signals: signals)
        var sources = [Float](repeating: 0, count: 50 * 3 * 2), mixtures = sources
        let draw = batches.fill(batch: 7, sources: &sources, mixtures: &mixtures), contexts = draw.contexts
        // One window per source, contiguous in the signal, the same for every element.
        let first0 = (0..<signals.length).filter { signals[sample: $0, source: 0] == sources[0] }
        #expect(first0.contains { start in start + 50 <= signals.length && (0..<50).allSatisfy { signals[sample: start + $0, source: 0] == sources[$0 * 6] } })
        for t in 0..<50 {
            for e in 0..<3 {
                let i = (t * 3 + e) * 2, a = contexts[e].mixing
                #expect(sources[i] == sources[t * 6] && sources[i + 1] == sources[t * 6 + 1])
                #expect(mixtures[i] == a[0] * sources[i] + a[1] * sources[i + 1] && mixtures[i + 1] == a[2] * sources[i] + a[3] * sources[i + 1])
            }
        }
        var again = [Float](repeating: 0, count: 300), againMixtures = again
        #expect(batches.fill(batch: 7, sources: &again, mixtures: &againMixtures) == draw && again == sources)
        // The windows start where the draw says.
        #expect((0..<50).allSatisfy { sources[$0 * 6] == signals[sample: draw.starts[0] + $0, source: 0] })
        #expect((0..<50).allSatisfy { sources[$0 * 6 + 1] == signals[sample: draw.starts[1] + $0, source: 1] })
        _ = batches.fill(batch: 8, sources: &again, mixtures: &againMixtures)
        #expect(again != sources)
    }

    // MARK: - Dynamics against hand-computed steps

    /// A buffer that outlives the call it is passed to (the networks keep pointers to their weights).
    final class Weights {
        let pointer: UnsafeMutablePointer<Float>
        init(_ values: [Float]) {
            pointer = .allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
        }
        deinit { pointer.deallocate() }
    }

    @Test func modulationNetworkStepsByHand() {
        let baseline = Weights([1, 2, 3, 4])
        let network = ModulationNetwork(baseline: baseline.pointer, additive: false, tau: 4)
        let state: [Float] = [0.5, -1, 2, 0.25], x: [Float] = [2, 3], u: [Float] = [1, 0.5, -1, 2]
        var y = [Float](repeating: 0, count: 2), next = [Float](repeating: 0, count: 4)
        network.output(state: state, x: x, y: &y, middle: nil, batch: 1, tapeStep: nil)
        let expectedY: [Float] = [-2, 4.75]                                    // y = W x = [0.5·2 − 1·3, 2·2 + 0.25·3]
        #expect(y == expectedY)
        network.update(previous: state, controls: u, next: &next, batch: 1, frozen: false)
        // W + (W0 ⊙ U − W) / 4: 0.5 + (1 − 0.5)/4, −1 + (1 + 1)/4, 2 + (−3 − 2)/4, 0.25 + (8 − 0.25)/4.
        #expect(next == [0.625, -0.5, 0.75, 2.1875])
        let additive = ModulationNetwork(baseline: baseline.pointer, additive: true, tau: 4)
        additive.update(previous: state, controls: u, next: &next, batch: 1, frozen: false)
        // W + (W0 + U − W) / 4 with W0 + U = [2, 2.5, 2, 6].
        let expectedAdditive: [Float] = [0.875, -0.125, 2, 1.6875]
        #expect(next == expectedAdditive)
        network.update(previous: state, controls: u, next: &next, batch: 1, frozen: true)
        #expect(next == state)
        #expect(network.effectiveReadout(state: state) == SIMD4(0.5, -1, 2, 0.25))
    }

    @Test func spatialNetworkStepsByHand() {
        // Nz = 3, Nm = 2.
        let w0 = Weights([1, 0, 0, 1, 1, -1]), readout = Weights([1, 2, 0, 0, 1, -1]), kernel = Weights([1, 0, 0.5, 0.5, 0, 1])
        let network = SpatialNetwork(inputWeights: w0.pointer, readout: readout.pointer, kernel: kernel.pointer, units: 3,
                                     modulators: 2, tau: 2, maxBatch: 1)
        let m: [Float] = [2, 1, -1], x: [Float] = [3, 5], u: [Float] = [4, -2]
        var y = [Float](repeating: 0, count: 2), z = [Float](repeating: 0, count: 3), next = [Float](repeating: 0, count: 3)
        network.output(state: m, x: x, y: &y, middle: &z, batch: 1, tapeStep: nil)
        #expect(z == [6, 5, 2])                                   // M ⊙ (W0 x) = [2·3, 1·5, −1·(3 − 5)]
        let expectedY: [Float] = [16, 3]                          // W_ro z = [6 + 2·5, 5 − 2]
        #expect(y == expectedY)
        network.update(previous: m, controls: u, next: &next, batch: 1, frozen: false)
        let expectedM: [Float] = [3, 1, -1.5]                     // M + (W_m u − M) / 2 with W_m u = [4, 1, −2]
        #expect(next == expectedM)
        // The map x -> y: W_ro diag(M) W0 = [[2, 2], [1, 0]], which maps x to [16, 3] = y.
        let w = network.effectiveReadout(state: m)!
        #expect(w == SIMD4(2, 2, 1, 0))
    }

    @Test(arguments: [ModulationTarget.both, .excitation, .inhibition])
    func daleNetworkStepsByHand(target: ModulationTarget) {
        // NzL = 2, Nz = 2, Nm = 1.
        let wx = Weights([1, 0, -1, 1]), w0 = Weights([1, 2, 0.5, 0]), inh = Weights([1, 1, 0.5, 0.5])
        let readout = Weights([1, -1, 2, 0]), kernel = Weights([1, -2])
        let network = DaleNetwork(lowerWeights: wx.pointer, excitation: w0.pointer, inhibition: inh.pointer, readout: readout.pointer,
                                  kernel: kernel.pointer, units: 2, lowerUnits: 2, modulators: 1, target: target, tau: 2,
                                  maxSteps: 1, maxBatch: 1)
        let state: [Float] = [0.3, 0.5, 2], x: [Float] = [1, 3]              // m = 0.3, p = [0.5, 2]
        var y = [Float](repeating: 0, count: 2), z = [Float](repeating: 0, count: 2)
        network.output(state: state, x: x, y: &y, middle: &z, batch: 1, tapeStep: nil)
        // z_L = relu([1, 2]) = [1, 2]; E = [1 + 4, 0.5] = [5, 0.5]; I = [3, 1.5].
        let expected: [Float] = switch target {
        case .both: [0.5 * 2, 2 * 0]                  // p ⊙ relu(E − I)
        case .excitation: [max(2.5 - 3, 0), max(1 - 1.5, 0)]
        case .inhibition: [max(5 - 1.5, 0), max(0.5 - 3, 0)]
        }
        #expect(z == expected)
        #expect(y == [z[0] - z[1], 2 * z[0]])
        var next = [Float](repeating: 0, count: 3)
        network.update(previous: state, controls: [1.1], next: &next, batch: 1, frozen: false)
        let m = 0.3 + (1.1 - 0.3) / Float(2)
        #expect(next[0] == m)
        #expect(abs(next[1] - (1 - 1 / (1 + exp(-m)))) < 1e-7 && abs(next[2] - (1 - 1 / (1 + exp(2 * m)))) < 1e-7)
        network.update(previous: state, controls: [1.1], next: &next, batch: 1, frozen: true)
        #expect(next == [m, 0.5, 2])                   // frozen: the gains stay, m integrates
        #expect(network.effectiveReadout(state: state) == nil)
    }

    @Test func modulationKernelIsAVonMisesBumpPerModulator() {
        var wm = [Float](repeating: 0, count: 8 * 2)
        ModulationKernel.fill(&wm, units: 8, modulators: 2, width: 0.5)
        for i in 0..<8 {
            let theta = 2 * Double.pi * Double(i) / 8
            #expect(abs(Double(wm[i * 2]) - exp(2 * (cos(theta) - 1))) < 1e-6)
            #expect(abs(Double(wm[i * 2 + 1]) - exp(2 * (cos(theta - Double.pi) - 1))) < 1e-6)
        }
        ModulationKernel.fill(&wm, units: 8, modulators: 2, width: 0)
        #expect(wm == [1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1])
        ModulationKernel.fill(&wm, units: 8, modulators: 2, width: 10)
        #expect(wm.allSatisfy { $0 == 1 })
    }

    // MARK: - The closed loop's backward pass

    /// Relative error between the closed loop's gradient of every trainable entry and central
    /// differences of the loss (SmoothL1 plus the L1 penalty), on the second segment of a run (so
    /// that the carried state is not the initial one). The L1 penalty is tested where no control
    /// signal comes within the difference step of its kink at 0 (the modulation case).
    static func closedLoopGradientError(_ extra: String) throws -> Double {
        let c = try small(extra)
        let network = FeedbackNetwork(c, maxSteps: c.n_sample, maxBatch: c.batch_size)
        network.initialize()
        let batches = TrainingBatches(config: c, signals: SourceSignals(c))
        let loop = ClosedLoop(network: network, steps: c.n_sample, batch: c.batch_size)
        var stream = RandomStream(seed: 1, purpose: FeedbackStream.initialization, index: 1)
        loop.resetCarriedState(stream: &stream, gainSD: 0.1)
        batches.fill(batch: 0, sources: loop.sources, mixtures: loop.mixtures)
        _ = loop.forward()
        loop.carry()
        batches.fill(batch: 1, sources: loop.sources, mixtures: loop.mixtures)
        let p = network.parameters
        func loss() -> Double { loop.forward() + loop.controlPenalty }
        p.zeroGradients()
        _ = loss()
        loop.backward()
        let analytic = Array(UnsafeBufferPointer(start: p.gradients, count: p.count))
        var numeric: [Double] = [], computed: [Double] = []
        let epsilon: Float = 5e-3
        for range in p.trainableRanges {
            for i in range {
                let saved = p.values[i]
                p.values[i] = saved + epsilon; let plus = loss()
                p.values[i] = saved - epsilon; let minus = loss()
                p.values[i] = saved
                numeric.append((plus - minus) / Double(2 * epsilon))
                computed.append(Double(analytic[i]))
            }
        }
        #expect(numeric.contains { $0 != 0 })
        return Self.relativeError(computed, numeric)
    }

    /// ‖a − b‖ / max(‖a‖, ‖b‖).
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var difference = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) { difference += (x - y) * (x - y); normA += x * x; normB += y * y }
        return (difference / max(normA, normB, 1e-30)).squareRoot()
    }

    @Test(arguments: [
        #"{"model": "modulation", "tau": 1}"#,
        #"{"model": "modulation", "tau": 3}"#,
        #"{"model": "modulation", "tau": 2.5, "additive": true, "w0_sd": 0.3}"#,
        #"{"model": "modulation", "tau": 2, "input_to_net": "y"}"#,
        #"{"model": "modulation", "tau": 2, "input_to_net": "x"}"#,
        #"{"model": "modulation", "tau": 1.5, "lambda_reg": 0.01}"#,
        #"{"model": "spatial", "tau": 3}"#,
        #"{"model": "spatial", "tau": 1, "mod_width": 0}"#,
        #"{"model": "dale", "tau": 2}"#,
        #"{"model": "dale", "tau": 2, "mod_target": "excitation"}"#,
        #"{"model": "dale", "tau": 2, "mod_target": "inhibition"}"#,
    ])
    func closedLoopBackwardMatchesFiniteDifferences(_ extra: String) throws {
        let error = try Self.closedLoopGradientError(extra)
        #expect(error < 1e-2, "relative error \(error) for \(extra)")
    }

    // MARK: - Test protocol and analyses

    @Test func theTestSignalRunsOnAcrossContextsAndTheMixturesFollowEachContext() throws {
        let c = try Self.small(#"{"mix_noise": 0, "n_sample": 40, "n_test": 3}"#)
        let network = FeedbackNetwork(c, maxSteps: c.n_sample, maxBatch: c.batch_size)
        network.initialize()
        let signals = SourceSignals(c)
        let contexts = FeedbackTest.contexts(c, count: 3, index: 0)
        var noise = RandomStream(seed: 0, purpose: FeedbackStream.testNoise), gains = noise
        let record = TestRunner(network: network, signals: signals).run(contexts: contexts, noise: &noise, gains: &gains,
                                                                         gainSD: 0.1, errorContexts: 2)
        #expect(record.steps == 120)
        for step in 0..<120 {
            let a = contexts[step / 40].mixing, s0 = signals[sample: step, source: 0], s1 = signals[sample: step, source: 1]
            #expect(record.sources[2 * step] == Double(s0) && record.sources[2 * step + 1] == Double(s1))
            #expect(record.mixtures[2 * step] == Double(a[0] * s0 + a[1] * s1))
        }
        // The readout error is recorded for the first two contexts only, against each one's W*.
        #expect(record.readoutError.count == 80 && record.readoutError.allSatisfy(\.isFinite))
        // W_0 = 0 makes y_1 = 0.
        #expect(record.outputs[0] == 0 && record.outputs[1] == 0)
    }

    @Test func planesAndTheirAnglesByHand() throws {
        // Points on c = 2u + 0.5v + 1 (normal ∝ (2, 0.5, −1)) and on c = 0 (normal (0, 0, 1)).
        var random = RandomStream(seed: 4, purpose: RandomPurpose(rawValue: 0))
        let tilted = (0..<30).map { _ -> SIMD3<Double> in
            let u = random.nextNormal(), v = random.nextNormal()
            return SIMD3(u, v, 2 * u + 0.5 * v + 1)
        }
        let flat = tilted.map { SIMD3($0.x, $0.y, 0) }
        let n1 = try FreezeExperiment.planeNormal(tilted[...]), n2 = try FreezeExperiment.planeNormal(flat[...])
        let expected = SIMD3(2, 0.5, -1) / (5.25).squareRoot()
        let same = ((n1 - expected) * (n1 - expected)).sum(), opposite = ((n1 + expected) * (n1 + expected)).sum()
        #expect(min(same, opposite) < 1e-20)
        // cos θ = 1 / √5.25.
        #expect(abs(FreezeExperiment.angle(n1, n2) - acos(1 / 5.25.squareRoot()) * 180 / Double.pi) < 1e-9)
        #expect(FreezeExperiment.angle(n1, SIMD3<Double>(repeating: 0) - n1) < 1e-6)
        #expect(FreezeExperiment.angle(n2, SIMD3<Double>(1, 0, 0)) == 90)
    }

    @Test func theWhitenedFirstComponentHasUnitVariance() throws {
        // z = a (1, −1, 0, 0) + b (0, 0, 1, 0) + (1, 0, 0, 2) with a and b orthogonal cosine and sine
        // waves over whole periods, a of the larger spread: PC1 is (1, −1, 0, 0) / √2.
        let steps = 500, units = 4
        var z = [Double](repeating: 0, count: steps * units)
        for t in 0..<steps {
            let phase = 2 * Double.pi * Double(t) / 100
            let a = 3 * cos(phase), b = 0.5 * sin(phase)
            z.replaceSubrange((t * units)..<((t + 1) * units), with: [a + 1, -a, b, 2])
        }
        let (mean, axis) = try #require(try FreezeExperiment.firstComponent(z, steps: steps, units: units))
        #expect(abs(mean[3] - 2) < 1e-12)
        let projections = (0..<steps).map { t in (0..<units).reduce(0.0) { $0 + (z[t * units + $1] - mean[$1]) * axis[$1] } }
        let variance = projections.reduce(0) { $0 + $1 * $1 } / Double(steps - 1)
        #expect(abs(variance - 1) < 1e-9)
        #expect(abs(abs(axis[0]) - abs(axis[1])) < 1e-12 && abs(axis[2]) < 1e-9 && axis[3] == 0)
        #expect(try FreezeExperiment.firstComponent([Double](repeating: 1, count: 40), steps: 10, units: 4) == nil)
    }

    // MARK: - Whole trials

    @Test(arguments: ["modulation", "spatial", "dale"])
    func aTrialProducesEveryDeclaredMetricAndIsDeterministic(model: String) throws {
        let c = try Self.small(#"{"model": "\#(model)", "n_batch": 3}"#)
        let experiment = FeedbackExperiment(c)
        let first = try experiment.run(RunToCompletion()), second = try experiment.run(RunToCompletion())
        #expect(first.divergence == nil)
        for spec in experiment.metrics {
            let values = try #require(first.metrics[spec.name], "\(spec.name) missing")
            #expect(values.count == spec.shape.reduce(1, *), "\(spec.name): \(values.count) values for shape \(spec.shape)")
            #expect(values.map(\.bitPattern) == second.metrics[spec.name]!.map(\.bitPattern), "\(spec.name) differs between runs")
        }
        #expect(Set(first.metrics.keys) == Set(experiment.metrics.map(\.name)))
        #expect(first.metrics["loss"]!.allSatisfy { $0.isFinite && $0 > 0 })
        // x and y clarities are numbers; z's exists exactly when the network has a middle layer.
        let clarity = first.metrics["clarity"]!
        #expect(clarity[0..<4].allSatisfy(\.isFinite) && clarity[8..<12].allSatisfy(\.isFinite))
        #expect(clarity[4..<8].allSatisfy(\.isFinite) == (model != "modulation"))
        let other = try FeedbackExperiment(try Self.small(#"{"model": "\#(model)", "n_batch": 3, "seed": 4}"#)).run(RunToCompletion())
        #expect(other.metrics["loss"]! != first.metrics["loss"]!)
    }

    @Test func trainingLowersTheLoss() throws {
        let c = try Self.config(#"{"n_hid": 16, "batch_size": 8, "n_sample": 100, "n_batch": 60, "n_test": 2, "learning_rate": 0.01}"#)
        let result = try FeedbackExperiment(c).run(RunToCompletion())
        let loss = result.metrics["loss"]!
        let early = loss[0..<10].reduce(0, +) / 10, late = loss[50..<60].reduce(0, +) / 10
        #expect(late < 0.9 * early, "loss \(early) -> \(late)")
    }

    @Test func aDivergingTrialIsAResultWithItsBatch() throws {
        // Adam's first step moves every weight by the learning rate: 1e38 overflows the next products.
        let c = try Self.small(#"{"learning_rate": 1e38, "n_batch": 4}"#)
        let result = try FeedbackExperiment(c).run(RunToCompletion())
        #expect(result.divergence?.contains("non-finite") == true, "\(String(describing: result.divergence))")
        let batch = try #require(result.metrics["diverged_batch"]?.first)
        #expect(batch == 0)
        // The loss of the batch whose update diverged is kept; nothing after it, and no test.
        let loss = try #require(result.metrics["loss"])
        #expect(loss[0].isFinite && loss[1...].allSatisfy(\.isNaN))
        #expect(result.metrics["clarity"] == nil)
    }

    @Test func aStopRequestCancelsTheTrial() throws {
        final class StopAfterFirst: ExperimentControl {
            var calls = 0
            func shouldStop(progress: Double) -> Bool { calls += 1; return true }
        }
        let control = StopAfterFirst()
        #expect(throws: ExperimentCancelled.self) { try FeedbackExperiment(try Self.small()).run(control) }
        #expect(control.calls == 1)
    }

    /// Keeps checkpoints in memory: stops after `stopAfter` batches, saves whenever asked.
    final class MemoryCheckpoints: ExperimentControl {
        var saved: ExperimentState?
        var saves = 0
        let stopAfter: Int?
        var batches = 0
        init(restoring state: ExperimentState? = nil, stopAfter: Int? = nil) { saved = state; self.stopAfter = stopAfter }
        func shouldStop(progress: Double) -> Bool {
            batches += 1
            return stopAfter.map { batches >= $0 } ?? false
        }
        func restoreCheckpoint() -> ExperimentState? { saved }
        func checkpointDue() -> Bool { true }
        func saveCheckpoint(_ state: ExperimentState) throws { saved = state; saves += 1 }
    }

    @Test(arguments: ["modulation", "dale"])
    func aStoppedTrialResumesBitIdentically(model: String) throws {
        let c = try Self.small(#"{"model": "\#(model)", "n_batch": 5}"#)
        let uninterrupted = try FeedbackExperiment(c).run(RunToCompletion())
        // Stopped after the third batch: the checkpoint holds three batches.
        let first = MemoryCheckpoints(stopAfter: 3)
        #expect(throws: ExperimentCancelled.self) { try FeedbackExperiment(c).run(first) }
        let state = try #require(first.saved)
        #expect(try state.integer("batches_done") == 3 && first.saves == 3)
        // A new process: a fresh experiment given the checkpoint.
        let resumed = try FeedbackExperiment(c).run(MemoryCheckpoints(restoring: state))
        for (name, values) in uninterrupted.metrics {
            #expect(resumed.metrics[name]?.map(\.bitPattern) == values.map(\.bitPattern), "\(name) differs after the resume")
        }
        // A state from another configuration does not fit: the trial starts over, unharmed.
        let other = try Self.small(#"{"model": "\#(model)", "n_batch": 5, "n_hid": 5}"#)
        let mismatched = try FeedbackExperiment(c).run(MemoryCheckpoints(restoring: FeedbackExperiment.savedState(other)))
        #expect(mismatched.metrics["loss"]!.map(\.bitPattern) == uninterrupted.metrics["loss"]!.map(\.bitPattern))
    }

    // MARK: - The differential trace

    @Test(arguments: ["modulation", "spatial", "dale"])
    func aTraceReplayedFromItsOwnDumpIsTheSameTrace(model: String) throws {
        let c = try Self.small(#"{"model": "\#(model)", "signals": "ica_style"}"#)
        let own = try FeedbackTrace.train(c, inputs: [:], batches: 3, gradientBatches: 2)
        #expect(own.dump["init/W_hh"]?.shape == [16, 4] && own.dump["data/2/noise"]?.shape == [15, 2, 2])
        #expect((own.dump["data/initial_gains"] != nil) == (model == "dale"))
        let replayed = try FeedbackTrace.train(c, inputs: own.dump, batches: 3, gradientBatches: 2)
        #expect(replayed.dump.isEmpty)
        #expect(Set(replayed.trace.keys) == Set(own.trace.keys) && own.trace.keys.contains("grads/1/W_out"))
        for (name, tensor) in own.trace {
            #expect(replayed.trace[name] == tensor, "\(name) differs when replayed")
        }
        // The trace's losses are the trial's own.
        let trial = try FeedbackExperiment(try Self.small(#"{"model": "\#(model)", "signals": "ica_style", "n_batch": 3}"#)).run(RunToCompletion())
        #expect(own.trace["series/loss"]!.floats == trial.metrics["loss"]!.map { Float($0) })
        // A missing or misshapen input is named.
        var broken = own.dump
        broken["init/W_out"] = .float32([0], shape: [1])
        #expect(throws: TraceInputError.self) { try FeedbackTrace.train(c, inputs: broken, batches: 1, gradientBatches: 0) }
    }

    @Test func theTestOnGivenDrawsEqualsTheTestOnTheTrialsOwn() throws {
        let c = try Self.small(#"{"model": "spatial", "mix_noise": 0.01}"#)
        let weights = try FeedbackTrace.train(c, inputs: [:], batches: 1, gradientBatches: 0).dump.filter { $0.key.hasPrefix("init/") }
        let own = try FeedbackTrace.test(c, inputs: weights)
        // The same contexts and noise, given as arrays.
        var given = weights
        func contexts(_ list: [MixingContext]) -> TraceArray {
            .float32(list.flatMap { [$0.mixing[0], $0.mixing[1], $0.mixing[2], $0.mixing[3]] }, shape: [list.count, 2, 2])
        }
        func noise(_ index: UInt64, count: Int) -> TraceArray {
            var stream = RandomStream(seed: c.seed, purpose: FeedbackStream.testNoise, index: index)
            return .float32((0..<(2 * count)).map { _ in Float(c.mix_noise * stream.nextNormal()) }, shape: [count, 2])
        }
        given["test/contexts"] = contexts(FeedbackTest.contexts(c, count: c.n_test, index: 0))
        given["test/noise"] = noise(0, count: c.n_test * c.n_sample)
        given["freeze/contexts"] = contexts(FeedbackTest.contexts(c, count: 2, index: 1))
        given["freeze/noise"] = noise(1, count: 2 * c.n_sample)
        let replayed = try FeedbackTrace.test(c, inputs: given)
        #expect(Set(replayed.metrics.keys) == Set(own.metrics.keys))
        for (name, values) in own.metrics {
            #expect(replayed.metrics[name]!.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
        #expect(replayed.record == own.record)
    }

    @Test func theFamilyTracesThroughTheProjectsProtocol() throws {
        let values = Self.object(#"{"n_hid": 4, "batch_size": 2, "n_sample": 15, "n_test": 4, "model": "spatial", "Nz": 6, "Nm": 2}"#)
        let family: any DifferentialTracing = FeedbackFamily()
        let trained = try family.trace(values, settings: .object(JSONObject([("batches", .number(2)), ("gradient_batches", .number(1))])),
                                       inputs: [:])
        #expect(trained.trace["series/loss"]?.shape == [2] && trained.trace["grads/0/W_hh"] != nil && trained.trace["grads/1/W_hh"] == nil)
        let weights = trained.dump.filter { $0.key.hasPrefix("init/") }
        let tested = try family.trace(values, settings: .object(JSONObject([("mode", .string("test"))])), inputs: weights)
        #expect(tested.dump.isEmpty && tested.trace["metrics/clarity"]?.shape == [12] && tested.trace["test/middle"]?.shape == [60, 6])
        #expect(throws: TraceInputError.self) {
            try family.trace(values, settings: .object(JSONObject([("mode", .string("evaluate"))])), inputs: [:])
        }
        #expect(throws: ParameterError.self) { try family.trace(Self.object(#"{"tau": 0}"#), settings: nil, inputs: [:]) }
    }

    // MARK: - Parameters

    @Test func defaultsFollowTheReference() throws {
        let c = FeedbackConfig.defaults
        #expect(c.model == .modulation && c.tau == 1 && c.n_hid == 100 && c.batch_size == 32 && c.n_sample == 1000)
        #expect(c.learning_rate == 1e-3 && c.max_grad_value == 1 && c.mix_noise == 0.001 && c.det_threshold == 0.2 && c.n_test == 20)
        let spatial = try Self.config(#"{"model": "SpatialNet"}"#)
        #expect(spatial.model == .spatial && spatial.tau == 100 && spatial.Nz == 100 && spatial.Nm == 4 && spatial.mod_width == 0.2)
        let (_, resolved) = try FeedbackFamily().configuration(JSONObject([("model", .string("dale"))]))
        #expect(resolved["tau"] == .number(100) && resolved["model"] == .string("dale"))
        #expect(resolved.keys == FeedbackFamily().parameterNames)
    }

    @Test(arguments: [
        (#"{"tau": 0.5}"#, "tau", "must be in 1...1000000000"),
        (#"{"det_threshold": 0.95}"#, "det_threshold", "must be in 0...0.9"),
        (#"{"n_sample": 16000}"#, "n_sample", "must be below the 16000 samples"),
        (#"{"signal_duration": 0.01}"#, "n_sample", "must be below the 80 samples"),
        (#"{"signal_duration": 1e300}"#, "signal_duration", "at most 10000000"),
        (#"{"additive": true, "model": "spatial"}"#, "additive", "applies to model modulation only"),
        (#"{"model": "dale", "inh_frac": 0.01}"#, "inh_frac", "needs >= 1"),
        (#"{"n_hid": 4096, "batch_size": 4096}"#, "batch_size", "at most 8 GiB"),
        (#"{"model": "ModulationNett"}"#, "model", "unknown name"),
        (#"{"tua": 3}"#, "tua", "did you mean \"tau\""),
        (#"{"n_test": 1}"#, "n_test", "must be in 2...10000"),
        (#"{"learning_rate": 0}"#, "learning_rate", "must be > 0"),
        (#"{"batch_size": 2.5}"#, "batch_size", "expected an integer"),
    ])
    func badParametersAreRefusedByName(_ values: String, field: String, message: String) {
        do {
            _ = try Self.config(values)
            Issue.record("accepted \(values)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func theCostModelCountsTheTrainingWork() throws {
        let c = FeedbackConfig.defaults
        // Per training step of one element, three products with [4H, D + H] (forward, dL/dh, dL/dW).
        let matrixWork = 3.0 * 2 * 400 * 104
        let perStep = c.stepFLOPs(training: true)
        #expect(perStep > matrixWork && perStep < 1.3 * matrixWork)
        #expect(abs(c.estimatedFLOPs / (Double(c.n_batch * 32 * 1000) * perStep) - 1) < 0.01)
    }

    @Test func theTimeModelGrowsWithTheTrainingAndTheController() throws {
        let c = FeedbackConfig.defaults
        let longer = try Self.config(#"{"n_batch": 20000}"#), wider = try Self.config(#"{"n_hid": 200}"#)
        let untrained = try Self.config(#"{"n_batch": 0}"#)
        #expect(FeedbackExperiment(c).estimatedSeconds == c.estimatedSeconds)
        // Training is linear in the batches; the test and the analyses are a small fixed part.
        let perBatch = (c.estimatedSeconds - untrained.estimatedSeconds) / Double(c.n_batch)
        #expect(abs((longer.estimatedSeconds - untrained.estimatedSeconds) / 20000 / perBatch - 1) < 1e-9)
        #expect(untrained.estimatedSeconds < 0.02 * c.estimatedSeconds)
        // Doubling the controller quadruples its products but only doubles its gate work.
        let ratio = wider.estimatedSeconds / c.estimatedSeconds
        #expect(ratio > 2 && ratio < 4)
    }
}

extension FeedbackExperiment {
    /// The checkpoint of `config` after one batch.
    static func savedState(_ config: FeedbackConfig) throws -> ExperimentState {
        let control = FeedbackModulationTests.MemoryCheckpoints(stopAfter: 1)
        _ = try? FeedbackExperiment(config).run(control)
        return control.saved!
    }
}
