import Testing
@testable import Engine

@Suite struct TrainingTests {
    static func small(_ extra: [String: JSONValue] = [:]) throws -> FarrellConfig {
        var values: [String: JSONValue] = [
            "N": .number(40), "X_dim": .number(40), "X_clusters": .number(10), "num_epochs": .number(6),
            "num_train_samples_per_epoch": .number(200), "learning_rate": .number(5e-3), "analyses": .array([]),
            "seed": .number(3)]
        for (k, v) in extra { values[k] = v }
        return try FarrellConfig(values)
    }

    @Test func checkpointSchedules() {
        #expect(CheckpointSchedule(saves: .perEpoch(1), epochs: 3, batchesPerEpoch: 80).saveEpochs == [0, 1, 2, 3])
        let twice = CheckpointSchedule(saves: .perEpoch(2), epochs: 2, batchesPerEpoch: 80)
        #expect(twice.saves(inEpoch: 0) == [0, 40] && twice.saveEpochs == [0, 0.5, 1, 1.5, 2])
        #expect(twice.saveUpdates == [0, 40, 80, 120, 160])
        #expect(CheckpointSchedule(saves: .perEpoch(3), epochs: 1, batchesPerEpoch: 80).saves(inEpoch: 0) == [0, 27, 54])
        #expect(CheckpointSchedule(saves: .everyEpochs(20), epochs: 200, batchesPerEpoch: 1).count == 11)
        #expect(CheckpointSchedule(saves: .schedule([1, 0, 2]), epochs: 3, batchesPerEpoch: 10).saveEpochs == [0, 2, 2.5, 3])
        #expect(CheckpointSchedule(saves: .perEpoch(1), epochs: 0, batchesPerEpoch: 10).saveEpochs == [0])
    }

    @Test func theSameConfigGivesBitIdenticalResults() throws {
        let c = try Self.small(["analyses": .array([.string("acc_over_training")]), "dropout_p": .number(0.1),
                                "unit_injected_noise": .number(0.05)])
        let a = try FarrellExperiment(c).run(RunToCompletion()).metrics, b = try FarrellExperiment(c).run(RunToCompletion()).metrics
        for name in ["epoch_stats", "learning_rate", "acc_over_training", "loss_over_training", "optimizer_steps"] {
            #expect(a[name]!.map(\.bitPattern) == b[name]!.map(\.bitPattern), "\(name)")
        }
        let other = try FarrellExperiment(try Self.small(["analyses": .array([.string("acc_over_training")]), "seed": .number(4)]))
            .run(RunToCompletion()).metrics
        #expect(other["epoch_stats"]! != a["epoch_stats"]!)
    }

    @Test(arguments: ["vanilla_rnn", "feedforward"])
    func everyAnalysisFillsItsDeclaredShape(network: String) throws {
        let all = AnalysisKind.allCases.filter { network == "vanilla_rnn" || $0 != .lyapunov }
        let c = try Self.small(["analyses": .array(all.map { .string($0.rawValue) }), "saves_per_epoch": .number(2),
                                "network": .string(network), "n_lag": .number(network == "feedforward" ? 2 : 10),
                                "dim_samples": .number(100), "holdout_samples": .number(100), "acc_samples": .number(100),
                                "pca_samples": .number(100), "pca_points": .number(50), "pca_time_steps": .number(12),
                                "lyap_max_steps": .number(50), "lyap_epochs": .array([.number(0), .number(2), .number(-1)])])
        let result = try FarrellExperiment(c).run(RunToCompletion())
        for spec in FarrellExperiment(c).metrics {
            #expect(result.metrics[spec.name]?.count == spec.elementCount, "\(spec.name)")
        }
        let m = result.metrics
        #expect(m["acc_over_training"]!.allSatisfy { $0.isFinite })
        #expect(m["acc_over_training"]!.last! > 0.9)
        #expect(m["dim_through_training"]!.allSatisfy { $0 >= 1 })
        let layers = c.analysisLayers
        // The input layer is the same before and after training; hidden layers are not.
        #expect(m["dim_layers"]![0] == m["dim_layers"]![layers])
        #expect(m["dim_layers"]![layers - 1] != m["dim_layers"]![2 * layers - 1])
        // dim_through_training's last save is the trained network's state after T steps.
        #expect(m["dim_through_training"]!.last! == m["dim_layers"]![layers + c.sequenceLength])
        #expect(m["saturation_fraction"]![0].isNaN && m["saturation_derivative"]![1] > 0)
        #expect(m["clust_holdout"]![0...(2 * c.holdoutLayers - 1)].allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(m["pca_explained"]![0] >= m["pca_explained"]![1])
        if network == "vanilla_rnn" {
            #expect(m["lyap_epochs"]! == [0, 2, 6])
            #expect(m["lyap"]!.allSatisfy { $0.isFinite })
            #expect(m["lyap"]![0] >= m["lyap"]![1])
        }
    }

    /// With cce in Float32 the batch loss underflows to exactly 0 once every margin exceeds
    /// ~16.6; the update is then skipped, as in the reference, and the weights freeze.
    @Test func crossEntropyFreezeInFloat32() throws {
        var logits: [Float] = [17, 0, 0, 17]
        #expect(LossKind.cce.loss.evaluate(logits: logits, labels: [0, 1], batch: 2, outputs: 2) == 0)
        logits = [15, 0, 0, 15]
        #expect(LossKind.cce.loss.evaluate(logits: logits, labels: [0, 1], batch: 2, outputs: 2) > 0)

        let c = try Self.small(["num_epochs": .number(20), "learning_rate": .number(1e-2)])
        let network = Network(config: c, maxTrainingBatch: c.batch_size)
        try network.initialize()
        let trainer = Trainer(config: c, network: network, task: GaussianClusterTask(c))
        var snapshots: [[Float]] = []
        let history = try trainer.train(visit: { _ in snapshots.append(network.parameters.snapshot()) }, shouldStop: { _ in false })
        #expect(history.skippedSteps > 0)
        #expect(history.optimizerSteps + history.skippedSteps == 20 * c.trainBatchesPerEpoch)
        // Once a whole epoch has zero loss, the weights stop changing: the last checkpoints are identical.
        let zeroEpochs = (0..<20).filter { history.epochStatistics[$0 * 4] == 0 }
        #expect(!zeroEpochs.isEmpty, "training never reached a zero loss")
        if let first = zeroEpochs.first, first < 19 {
            #expect(snapshots[first] != snapshots[0])
            #expect(snapshots[first + 1] == snapshots.last!)
        }
    }

    /// Once the weights freeze, an analysis at a later checkpoint reuses the result at the same
    /// weights; it is exactly what computing it afresh there gives.
    @Test func frozenWeightsReuseTheirAnalysesExactly() throws {
        let analyses = JSONValue.array(["lyapunov", "acc_over_training", "dim_through_training"].map { .string($0) })
        let frozen: [String: JSONValue] = ["num_epochs": .number(14), "learning_rate": .number(1e-2), "analyses": analyses,
                                            "lyap_max_steps": .number(30), "lyap_max_ics": .number(4)]
        let every = try FarrellExperiment(Self.small(frozen.merging(["lyap_epochs": .array((0...14).map { .number(Double($0)) })]) { $1 }))
            .run(RunToCompletion()).metrics
        let zeroEpochs = (0..<14).filter { every["epoch_stats"]![$0 * 4] == 0 }
        let first = try #require(zeroEpochs.first, "training never reached a zero loss")
        try #require(first < 13, "the weights froze too late for this test")
        let lyap = every["lyap"]!, k = 10
        // Frozen from the end of epoch `first` on: the same spectrum at every later epoch ...
        for epoch in (first + 2)...14 { #expect(Array(lyap[epoch * k..<(epoch + 1) * k]) == Array(lyap[(first + 1) * k..<(first + 2) * k])) }
        #expect(every["acc_over_training"]![14] == every["acc_over_training"]![first + 1])
        #expect(every["dim_through_training"]![14] == every["dim_through_training"]![first + 1])
        // ... and the final one is what a run that analyses only the final epoch computes afresh.
        let finalOnly = try FarrellExperiment(Self.small(frozen.merging(["lyap_epochs": .array([.number(-1)])]) { $1 }))
            .run(RunToCompletion()).metrics
        #expect(Array(finalOnly["lyap"]!) == Array(lyap[14 * k..<15 * k]))
        #expect(finalOnly["lyap_steps"]![0] == every["lyap_steps"]![14])
    }

    @Test func resultAtWeightsComputesOncePerVersion() {
        var result = ResultAtWeights<Int>(), calls = 0
        let compute = { calls += 1; return calls }
        #expect(result.value(at: 0, compute) == 1)
        #expect(result.value(at: 0, compute) == 1)
        #expect(result.value(at: 1, compute) == 2)
        #expect(result.value(at: 0, compute) == 3)
        #expect(calls == 3)
    }

    /// The reference's always-on dropout (dropout_in_eval) reaches the validation pass only: the
    /// analyses look at the deterministic network, as the reference's analysis helpers do.
    @Test func analysesAreNeverPerturbed() throws {
        func dimensions(_ dropoutInEval: Bool) throws -> [Double] {
            let c = try Self.small(["num_epochs": .number(0), "dropout_p": .number(0.5), "unit_injected_noise": .number(0.3),
                                    "dropout_in_eval": .bool(dropoutInEval), "analyses": .array([.string("dim_layers")])])
            return try FarrellExperiment(c).run(RunToCompletion()).metrics["dim_layers"]!
        }
        #expect(try dimensions(true) == dimensions(false))
        let unperturbed = try Self.small(["num_epochs": .number(0), "analyses": .array([.string("dim_layers")])])
        #expect(try dimensions(false) == FarrellExperiment(unperturbed).run(RunToCompletion()).metrics["dim_layers"]!)
    }

    @Test func divergenceIsAResultWithTheEpoch() throws {
        let c = try Self.small(["hid_nonlin": .string("relu"), "learning_rate": .number(1e4), "optimizer": .string("sgd"),
                                "loss": .string("mse"), "g_radius": .number(250), "analyses": .array([.string("acc_over_training")])])
        let result = try FarrellExperiment(c).run(RunToCompletion())
        let divergence = try #require(result.divergence)
        #expect(divergence.contains("epoch"))
        let epoch = result.metrics["diverged_epoch"]![0]
        #expect(epoch.isFinite && epoch < 6)
        #expect(result.metrics["acc_over_training"]![0].isFinite)     // the untrained checkpoint was analysed
        #expect(result.metrics["acc_over_training"]!.last!.isNaN)     // the final one never came
    }

    final class StopAfter: ExperimentControl {
        var calls = 0
        let limit: Int
        init(_ limit: Int) { self.limit = limit }
        func shouldStop(progress: Double) -> Bool { calls += 1; return calls == limit }
    }

    @Test func cancellationStopsTheRun() throws {
        let c = try Self.small()
        let control = StopAfter(5)
        #expect(throws: ExperimentCancelled.self) {
            _ = try FarrellExperiment(c).run(control)
        }
        #expect(control.calls == 5)
    }

    @Test func everyOptimizerSchedulerAndNetworkTrains() throws {
        let variants: [[String: JSONValue]] = [
            ["optimizer": .string("sgd"), "momentum": .number(0.9), "learning_rate": .number(0.05), "scheduler": .string("steplr")],
            ["optimizer": .string("adam"), "scheduler": .string("cyclic"), "loss": .string("mse")],
            ["optimizer": .string("rmsprop"), "scheduler": .string("onecyclelr_4e4"), "patience_before_stopping": .number(6),
             "learning_patience": .number(2), "scheduler_factor": .number(10), "loss": .string("mse_scalar")],
            ["network": .string("feedforward"), "n_lag": .number(2), "loss": .string("mse")],
            ["freeze_input": .bool(true), "dropout_p": .number(0.2), "hid_nonlin": .string("relu")],
        ]
        for variant in variants {
            let result = try FarrellExperiment(try Self.small(variant)).run(RunToCompletion())
            let stats = result.metrics["epoch_stats"]!
            #expect(result.divergence == nil, "\(variant)")
            #expect(stats[stats.count - 1] > 0.85, "\(variant): final validation accuracy \(stats[stats.count - 1])")
        }
    }
}

/// A task defined outside the Engine: three inputs uniform in [-1, 1], presented at the first two
/// steps, and the class is the largest one. Its sizes differ from the config's (X_dim 200, n_hold 1,
/// num_classes 2): the network, the trainer and the analyses take them from the task — how new
/// tasks are added.
final class LargestInputTask: ClassificationTask {
    let inputSize = 3, inputSteps = 2, classes = 3

    func drawTraining(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        for row in 0..<count {
            for i in 0..<inputSize {
                let x = Float(2 * stream.nextUniform() - 1)
                for s in 0..<inputSteps { buffer.inputs[(s * count + row) * inputSize + i] = x }
            }
            let x = buffer.inputs + row * inputSize
            buffer.labels[row] = x[0] >= x[1] && x[0] >= x[2] ? 0 : x[1] >= x[2] ? 1 : 2
            buffer.groups[row] = buffer.labels[row]
        }
    }

    func drawEvaluation(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        drawTraining(count: count, into: buffer, stream: &stream)
    }
}

extension TrainingTests {
    @Test func aNewTaskTrainsAndIsAnalysedThroughTheUnchangedEngine() throws {
        let c = try Self.small(["num_epochs": .number(15), "learning_rate": .number(1e-2),
                                "analyses": .array([.string("dim_layers"), .string("acc_over_training"), .string("lyapunov")])])
        #expect(c.X_dim != 3 && c.n_hold != 2 && c.num_classes != 3)
        let result = try FarrellExperiment(c, task: { _ in LargestInputTask() }).run(RunToCompletion())
        #expect(result.divergence == nil)
        let stats = result.metrics["epoch_stats"]!
        #expect(stats[4 * 14 + 3] > 0.85, "final validation accuracy: \(stats)")
        #expect(result.metrics["acc_over_training"]!.last! > 0.85)
        // Layer 0 of dim_layers is the task's 3-dimensional input: a participation ratio of at most 3.
        let inputDimension = result.metrics["dim_layers"]![0]
        #expect(inputDimension > 2 && inputDimension <= 3)
    }
}
