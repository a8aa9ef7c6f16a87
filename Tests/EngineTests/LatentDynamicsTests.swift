import Foundation
import Testing
@testable import Engine

extension LatentDynamicsConfig {
    /// A config from a dictionary literal (keys in sorted order).
    init(_ values: [String: JSONValue]) throws(ParameterError) {
        try self.init(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    /// A small data set and model that train in well under a second in a debug build.
    static func small(_ extra: [String: JSONValue] = [:]) throws -> LatentDynamicsConfig {
        var values: [String: JSONValue] = [
            "n_samples": .number(40), "n_timesteps": .number(12), "obs_dim": .number(4), "encoder_size": .number(6),
            "latent_size": .number(3), "mlp_hidden_size": .number(8), "batch_size": .number(10), "max_epochs": .number(4),
            "pts_per_period": .number(6), "integration_tolerance": .number(1e-7)]
        for (k, v) in extra { values[k] = v }
        return try LatentDynamicsConfig(values)
    }
}

@Suite struct LatentDynamicsConfigTests {
    func error(_ values: [String: JSONValue]) -> ParameterError? {
        do { _ = try LatentDynamicsConfig(values); return nil } catch { return error }
    }

    @Test func referenceDefaultsFollowTheModel() throws {
        let gru = try LatentDynamicsConfig([:])
        #expect(gru.model == .gru && gru.latent_size == 25 && gru.learning_rate == 1e-3 && gru.weight_decay == 1e-4)
        #expect(gru.points_per_group == 70 && gru.epochs_per_group == 3000 && gru.batch_size == 650 && gru.max_epochs == 3000)
        #expect(gru.system == .arneodo && gru.obs_dim == 10 && gru.pts_per_period == 35 && gru.n_samples == 2000 && gru.n_timesteps == 70)
        #expect(gru.encoder_size == 64 && gru.dropout == 0.05 && gru.summary_epochs == 500)
        let node = try LatentDynamicsConfig(["model": .string("node")])
        #expect(node.latent_size == 3 && node.learning_rate == 5e-3 && node.weight_decay == 1e-5)
        #expect(node.points_per_group == 5 && node.epochs_per_group == 150)
        let baseline = try LatentDynamicsConfig(["model": .string("ablation0_baseline"), "latent_size": .number(3)])
        #expect(baseline.model == .nodeDiscrete && baseline.learning_rate == 5e-4 && baseline.weight_decay == 0)
        #expect(baseline.points_per_group == 20 && baseline.epochs_per_group == 500)
        let rmMlp = try LatentDynamicsConfig(["model": .string("ablation2_rm-mlp")])
        #expect(rmMlp.model == .rmMlp && rmMlp.learning_rate == 1e-2 && rmMlp.latent_size == 3)
        let gradual = try LatentDynamicsConfig(["model": .string("rm-gradual")])
        #expect(gradual.points_per_group == 70 && gradual.epochs_per_group == 3000 && gradual.learning_rate == 1e-2)
        #expect(try LatentDynamicsConfig(["system": .string("Lorenz")]).pts_per_period == 100)
    }

    @Test func theSplitAndTheCurriculumFollowTheReference() throws {
        let c = try LatentDynamicsConfig([:])
        #expect(c.splitSizes == (1280, 320, 400))
        #expect(c.trainBatchesPerEpoch == 2 && c.largestBatch == 650)
        #expect(c.thirds == [0..<24, 24..<48, 48..<70])
        let node = try LatentDynamicsConfig(["model": .string("node")])
        // 5 bins more every 150 epochs: all 70 from epoch 13 · 150 = 1950.
        #expect(node.curriculumPoints(epoch: 0) == 5 && node.curriculumPoints(epoch: 149) == 5)
        #expect(node.curriculumPoints(epoch: 150) == 10 && node.curriculumPoints(epoch: 1949) == 65)
        #expect(node.curriculumPoints(epoch: 1950) == 70 && node.curriculumPoints(epoch: 2999) == 70)
        #expect(c.curriculumPoints(epoch: 0) == 70)
        #expect(c.summaryRange == 2500..<3000)
    }

    @Test func resolvedParametersAreCanonicalAndInReadingOrder() throws {
        let family = LatentDynamicsFamily()
        let (_, aliased) = try family.configuration(JSONObject([("model", .string("ablation4_vanilla")), ("system", .string("Arneodo"))]))
        let (_, canonical) = try family.configuration(JSONObject([("system", .string("arneodo")), ("model", .string("vanilla"))]))
        #expect(aliased == canonical)
        #expect(canonical.keys == family.parameterNames)
        #expect(canonical.keys.first == "seed" && canonical["model"] == .string("vanilla") && canonical["learning_rate"] == .number(0.01))
    }

    @Test func badParametersNameTheFieldAndTheValue() {
        let cases: [([String: JSONValue], String, String)] = [
            (["latent_dim": .number(3)], "latent_dim", "did you mean \"latent_size\""),
            (["system": .string("lorentz")], "system", "unknown name; expected one of \"arneodo\", \"lorenz\""),
            (["model": .string("node_discrete")], "model", "unknown name"),
            (["latent_size": .number(0)], "latent_size", "must be in 1...1024"),
            (["latent_size": .number(2.5)], "latent_size", "expected an integer"),
            (["obs_dim": .string("10")], "obs_dim", "expected an integer"),
            (["dropout": .number(1)], "dropout", "[0, 1)"),
            (["learning_rate": .number(-1)], "learning_rate", "> 0"),
            (["weight_decay": .number(-1e-4)], "weight_decay", ">= 0"),
            (["n_timesteps": .number(4)], "n_timesteps", "must be in 5...100000"),
            (["n_samples": .number(2)], "n_samples", "must be in 3...1000000"),
            (["integration_tolerance": .number(0)], "integration_tolerance", "> 0"),
            (["mlp_activation": .string("sigmoid")], "mlp_activation", "unknown name"),
            (["ode_steps_per_bin": .number(0)], "ode_steps_per_bin", "1...1000"),
            (["points_per_group": .number(0)], "points_per_group", "must be in 1...100000"),
            (["n_samples": .number(1_000_000), "n_timesteps": .number(70)], "n_samples", "at most 20000000"),
            (["system": .string("mackey_glass"), "n_samples": .number(100_000), "pts_per_period": .number(2)], "pts_per_period", "Euler steps"),
            (["batch_size": .number(650), "encoder_size": .number(4096)], "batch_size", "GiB of memory"),
        ]
        for (values, field, fragment) in cases {
            guard let error = error(values) else {
                Issue.record("\(values) was accepted")
                continue
            }
            #expect(error.field == field, "\(values): \(error)")
            #expect(error.description.contains(fragment), "\(values): \(error.description) should contain \(fragment)")
        }
    }

    @Test func metricShapesAreKnownBeforeTraining() throws {
        let c = try LatentDynamicsConfig(["max_epochs": .number(7)])
        let shapes = Dictionary(uniqueKeysWithValues: LatentDynamicsExperiment(c).metrics.map { ($0.name, $0.shape) })
        #expect(shapes["r2_observ"] == [7, 4] && shapes["r2_latent"] == [7, 4] && shapes["loss"] == [7, 3])
        #expect(shapes["num_points"] == [7] && shapes["r2_latent_median"] == [4] && shapes["diverged_epoch"] == [])
    }

    @Test func mediansSkipNaNAndAverageTheMiddlePair() {
        // [E = 5, 4]: part 0 has values 5, 1, 3, NaN, 2 -> over epochs 1..<5: 1, 3, 2 -> 2; part 1 over 0..<4: 0, 1, 2, 3 -> 1.5.
        var values = [Double](repeating: 0, count: 20)
        for (e, v) in [5.0, 1, 3, .nan, 2].enumerated() { values[e * 4] = v }
        for e in 0..<5 { values[e * 4 + 1] = Double(e) }
        #expect(LatentDynamicsExperiment.medians(values, 1..<5)[0] == 2)
        #expect(LatentDynamicsExperiment.medians(values, 0..<4)[1] == 1.5)
        #expect(LatentDynamicsExperiment.medians(values, 0..<0)[2].isNaN)
    }
}

@Suite struct LatentDynamicsDataTests {
    @Test func theSplitCoversEveryTrialOnceWithTheReferenceSizes() throws {
        let c = try LatentDynamicsConfig.small(["n_samples": .number(100)])
        let data = try SpikingDataset(c)
        #expect((data.train.count, data.valid.count, data.test.count) == (64, 16, 20))
        #expect(Set(data.train + data.valid + data.test) == Set(0..<100))
        #expect(data.latents.count == 100 * 12 * 3 && data.rates.count == 100 * 12 * 4 && data.spikes.count == 100 * 12 * 4)
        #expect(data.spikes.allSatisfy { $0 >= 0 && $0 == $0.rounded() })
    }

    @Test func observationsAreZScoredLogRatesOfASortedReadout() throws {
        let c = try LatentDynamicsConfig.small(["obs_dim": .number(6)])
        let data = try SpikingDataset(c)
        let n = 6, d = 3, total = c.n_samples * c.n_timesteps
        for column in 1..<n { #expect(data.readout[column - 1] <= data.readout[column]) }   // sorted by the first row
        #expect(data.readout.allSatisfy { abs($0) <= 0.5 })
        for column in 0..<n {
            var mean = 0.0, squares = 0.0
            for i in 0..<total { let a = log(Double(data.rates[i * n + column])); mean += a; squares += a * a }
            mean /= Double(total)
            #expect(abs(mean) < 1e-5 && abs(squares / Double(total) - mean * mean - 1) < 1e-4)
            // log-rate = (z C − mean) / std: an affine function of the latents.
            let z = (0..<total).map { i in (0..<d).reduce(0.0) { $0 + Double(data.latents[i * d + $1]) * data.readout[$1 * n + column] } }
            let zMean = z.reduce(0, +) / Double(total)
            let zDeviation = (z.map { ($0 - zMean) * ($0 - zMean) }.reduce(0, +) / Double(total)).squareRoot()
            for i in stride(from: 0, to: total, by: 37) {
                #expect(abs(log(Double(data.rates[i * n + column])) - (z[i] - zMean) / zDeviation) < 1e-4)
            }
        }
    }

    /// The trials are consecutive windows of one trajectory from dysts' initial condition; the
    /// data set depends on its parameters and data_seed only.
    @Test func trialsAreConsecutiveWindowsAndTheDataSetIsAPureFunction() throws {
        let c = try LatentDynamicsConfig.small()
        let data = try SpikingDataset(c)
        #expect(Array(data.latents[0..<3]) == [-2.7515698, 0.19079818, 3.4703629].map { Float($0) })
        let again = try SpikingDataset(LatentDynamicsConfig.small(["seed": .number(9), "model": .string("node")]))
        #expect(data.spikes == again.spikes && data.latents == again.latents && data.train == again.train)
        let other = try SpikingDataset(LatentDynamicsConfig.small(["data_seed": .number(1)]))
        #expect(other.latents == data.latents && other.spikes != data.spikes && other.readout != data.readout)
        // A tighter tolerance changes the samples by little at first; chaos then amplifies any
        // difference (one bin is period / 6 here: 24 bins are 4 periods).
        let tight = try SpikingDataset(LatentDynamicsConfig.small(["integration_tolerance": .number(1e-10)]))
        let difference = zip(tight.latents.prefix(24 * 3), data.latents).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "\(difference)")
    }

    /// The process-wide cache returns the same data set for the same parameters.
    @Test func theCacheSharesADataSetAcrossTrials() throws {
        let a = try DatasetCache.dataset(for: LatentDynamicsConfig.small(["seed": .number(1)]))
        let b = try DatasetCache.dataset(for: LatentDynamicsConfig.small(["seed": .number(2), "model": .string("node")]))
        let c = try DatasetCache.dataset(for: LatentDynamicsConfig.small(["obs_dim": .number(5)]))
        #expect(a === b && a !== c)
    }

    /// Each of the 10 coordinates of the Mackey-Glass embedding is the first one shifted by a
    /// fixed number of samples; the series stays in the attractor's range.
    @Test func mackeyGlassIsADelayEmbedding() throws {
        let samples = 400
        let series = try ChaoticSystem.mackeyGlass(count: samples, pointsPerPeriod: 35, seed: 0)
        #expect(series.count == samples * 10)
        #expect(series.allSatisfy { $0 > 0.1 && $0 < 1.6 })
        let stride = (1..<samples).first { shift in (0..<(samples - shift)).allSatisfy { series[($0 + shift) * 10] == series[$0 * 10 + 1] } }
        let shift = try #require(stride)
        for i in 1..<10 {
            for j in 0..<(samples - i * shift) { #expect(series[j * 10 + i] == series[(j + i * shift) * 10]) }
        }
    }

    @Test(arguments: [ChaoticSystemKind.lorenz, .rossler])
    func otherSystemsStartFromTheirInitialCondition(system: ChaoticSystemKind) throws {
        let trajectory = try ChaoticSystem.trajectory(system, count: 500, pointsPerPeriod: 35, tolerance: 1e-8, seed: 0)
        #expect(trajectory[0..<3].elementsEqual(ChaoticSystem.flow(system)!.initialCondition))
        #expect(trajectory.allSatisfy { $0.isFinite && abs($0) < 100 })
    }
}

@Suite struct LatentDynamicsGradientTests {
    /// The whole autoencoder's backward pass (bidirectional encoder, dropout masks, initial
    /// condition, decoder, readout, Poisson loss over the curriculum's bins) against central
    /// differences of the loss, for every decoder.
    @Test(arguments: LatentModel.allCases)
    func autoencoderBackwardMatchesFiniteDifferences(model: LatentModel) throws {
        let c = try LatentDynamicsConfig.small(["model": .string(model.rawValue), "dropout": .number(0.3), "latent_size": .number(2),
                                                "encoder_size": .number(4), "n_timesteps": .number(7), "obs_dim": .number(3),
                                                "mlp_hidden_size": .number(5), "ode_steps_per_bin": .number(2)])
        let batch = 3, bins = 5
        let autoencoder = SequentialAutoencoder(c, maxBatch: batch)
        autoencoder.initialize()
        let store = autoencoder.parameters
        // Larger weights than the initialisation's make every path matter.
        for i in 0..<store.count { store.values[i] *= 2 }
        var stream = RandomStream(seed: 4, purpose: RandomPurpose(rawValue: 99))
        // The model keeps the input's address for its backward pass: a buffer that outlives the calls.
        let count = c.n_timesteps * batch * c.obs_dim
        let spikes = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { spikes.deallocate() }
        for i in 0..<count { spikes[i] = Float(stream.nextPoisson(1.5)) }
        func loss() -> Double {
            autoencoder.forward(spikes: spikes, batch: batch, dropoutIndex: 3)
            return autoencoder.loss(counts: spikes, bins: bins, gradient: false)
        }
        autoencoder.forward(spikes: spikes, batch: batch, dropoutIndex: 3)
        _ = autoencoder.loss(counts: spikes, bins: bins, gradient: true)
        store.zeroGradients()
        autoencoder.backward(bins: bins)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        var difference = 0.0, norm = 0.0
        let epsilon: Float = 1e-2
        for i in 0..<store.count {
            let saved = store.values[i]
            store.values[i] = saved + epsilon; let plus = loss()
            store.values[i] = saved - epsilon; let minus = loss()
            store.values[i] = saved
            let numeric = (plus - minus) / Double(2 * epsilon)
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += max(numeric * numeric, Double(analytic[i]) * Double(analytic[i]))
        }
        let error = (difference / norm).squareRoot()
        #expect(error < 5e-3, "\(model.rawValue): relative error \(error)")
        // Dropout is on: some unit of the final states was dropped (else this would test less).
        #expect(UnsafeBufferPointer(start: autoencoder.finalMask, count: batch * 2 * c.encoder_size).contains(0))
    }
}

@Suite struct LatentDynamicsTrainingTests {
    @Test func trainingLowersTheLossAndIsReproducibleBitForBit() throws {
        let c = try LatentDynamicsConfig.small(["model": .string("node-discrete"), "max_epochs": .number(12), "learning_rate": .number(1e-2),
                                                "points_per_group": .number(4), "epochs_per_group": .number(4), "summary_epochs": .number(5)])
        let first = try LatentDynamicsExperiment(c).run(RunToCompletion())
        let second = try LatentDynamicsExperiment(c).run(RunToCompletion())
        #expect(first.divergence == nil)
        for spec in LatentDynamicsExperiment(c).metrics {
            let values = try #require(first.metrics[spec.name], "\(spec.name) missing")
            #expect(values.count == spec.shape.reduce(1, *), "\(spec.name)")
            #expect(values.map(\.bitPattern) == second.metrics[spec.name]!.map(\.bitPattern), "\(spec.name) differs between runs")
        }
        let losses = first.metrics["loss"]!
        #expect(losses[11 * 3 + 2] < losses[2], "validation loss over all bins: \(losses[2]) -> \(losses[11 * 3 + 2])")
        #expect(first.metrics["num_points"]! == [4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12])
        #expect(first.metrics["optimizer_steps"]! == [12 * 3])
        // Medians of the last 5 epochs.
        let r2 = first.metrics["r2_observ"]!
        let lastFive = (7..<12).map { r2[$0 * 4] }.sorted()
        #expect(first.metrics["r2_observ_median"]![0] == lastFive[2])
        #expect(first.metrics["r2_latent"]!.allSatisfy { $0.isFinite && $0 >= -10 && $0 <= 1 })
        #expect(first.timings.keys.sorted() == ["data_seconds", "metric_seconds", "train_seconds"])
    }

    @Test func aDivergingTrialIsAResultWithNaNPadding() throws {
        let c = try LatentDynamicsConfig.small(["model": .string("vanilla"), "learning_rate": .number(1e6), "max_epochs": .number(6)])
        let result = try LatentDynamicsExperiment(c).run(RunToCompletion())
        let message = try #require(result.divergence)
        #expect(message.contains("became"), "\(message)")
        let epoch = result.metrics["diverged_epoch"]![0]
        #expect(epoch.isFinite && epoch < 6)
        let lastEpoch = Array(result.metrics["r2_observ"]!.suffix(4)), medians = result.metrics["r2_latent_median"]!
        #expect(lastEpoch.allSatisfy { $0.isNaN } && medians.allSatisfy { $0.isNaN })
    }

    final class StopAfter: ExperimentControl {
        var calls = 0
        let limit: Int
        init(_ limit: Int) { self.limit = limit }
        func shouldStop(progress: Double) -> Bool { calls += 1; return calls > limit }
    }

    @Test func aStopRequestAbandonsTheTrial() throws {
        let c = try LatentDynamicsConfig.small()
        #expect(throws: ExperimentCancelled.self) { try LatentDynamicsExperiment(c).run(StopAfter(2)) }
    }

    /// The cost estimate counts the curriculum: a trial whose loss reads fewer bins costs less.
    @Test func theCostEstimateFollowsTheShapesAndTheCurriculum() throws {
        let full = try LatentDynamicsConfig(["model": .string("node-discrete"), "points_per_group": .number(70)])
        let curriculum = try LatentDynamicsConfig(["model": .string("node-discrete")])
        #expect(curriculum.estimatedFLOPs < full.estimatedFLOPs)
        // About 16 GFLOP per epoch for the encoder (seeds-2-5.md).
        let perEpoch = full.epochFLOPs(epoch: 0)
        #expect(perEpoch > 14e9 && perEpoch < 20e9, "\(perEpoch)")
        let wide = try LatentDynamicsConfig(["latent_size": .number(100)])
        #expect(wide.estimatedFLOPs > (try LatentDynamicsConfig([:])).estimatedFLOPs)
    }
}

@Suite struct LatentDynamicsCheckpointTests {
    /// Saves a checkpoint at every epoch boundary it is asked at, asks to stop after `stopAfter`
    /// minibatches, and hands back the state it was given to restore.
    final class RecordingControl: ExperimentControl {
        var saved: [ExperimentState] = []
        var minibatches = 0
        let stopAfter: Int?
        let restored: ExperimentState?
        init(stopAfter: Int?, restoring state: ExperimentState? = nil) { self.stopAfter = stopAfter; restored = state }
        func shouldStop(progress: Double) -> Bool {
            minibatches += 1
            return stopAfter.map { minibatches > $0 } ?? false
        }
        func restoreCheckpoint() -> ExperimentState? { restored }
        func checkpointDue() -> Bool { true }
        func saveCheckpoint(_ state: ExperimentState) throws { saved.append(state) }
    }

    /// A trial stopped in its third epoch, saved at the end of that epoch (through the encoded
    /// bytes, as the Sweep stores them) and resumed gives results bit-identical to an
    /// uninterrupted run; a state that does not fit the trial is ignored.
    @Test func aResumedTrialIsBitIdenticalToAnUninterruptedOne() throws {
        let c = try LatentDynamicsConfig.small(["model": .string("gru"), "max_epochs": .number(6), "summary_epochs": .number(3),
                                                "points_per_group": .number(6), "epochs_per_group": .number(2)])
        let uninterrupted = try LatentDynamicsExperiment(c).run(RunToCompletion())
        let stopping = RecordingControl(stopAfter: 2 * c.trainBatchesPerEpoch + 1)
        #expect(throws: ExperimentCancelled.self) { try LatentDynamicsExperiment(c).run(stopping) }
        let last = try #require(stopping.saved.last)
        #expect(try last.integer("epoch") == 3)
        let stored = try ExperimentState(decoding: last.encoded())
        let resumed = try LatentDynamicsExperiment(c).run(RecordingControl(stopAfter: nil, restoring: stored))
        for (name, values) in uninterrupted.metrics {
            #expect(resumed.metrics[name]!.map(\.bitPattern) == values.map(\.bitPattern), "\(name) differs after the resume")
        }
        // A checkpoint of another configuration (other sizes) starts the trial over.
        let other = try LatentDynamicsConfig.small(["model": .string("gru"), "latent_size": .number(5), "max_epochs": .number(6)])
        let foreign = RecordingControl(stopAfter: 1)
        #expect(throws: ExperimentCancelled.self) { try LatentDynamicsExperiment(other).run(foreign) }
        let fresh = try LatentDynamicsExperiment(c).run(RecordingControl(stopAfter: nil, restoring: foreign.saved.last))
        #expect(fresh.metrics["r2_latent"]!.map(\.bitPattern) == uninterrupted.metrics["r2_latent"]!.map(\.bitPattern))
    }
}
