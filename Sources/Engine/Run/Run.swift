import Foundation

/// What one run produced.
public struct RunResult: Sendable {
    /// Result name -> values in row-major order of its `ResultSpec` shape.
    public var metrics: [String: [Double]]
    /// Set when the loss or the weights became NaN or infinite: where, and what.
    public var divergence: String?
}

/// One network: build, train, analyse. Pure computation: a config in, named arrays out.
public enum Run {
    /// Every array a run of `config` produces, with its exact shape, known before it runs.
    public static func results(_ config: RunConfig) -> [ResultSpec] {
        let epochs = config.num_epochs
        var specs = [
            ResultSpec("epoch_stats", [epochs, 4], axes: ["epoch", "stat"]),
            ResultSpec("learning_rate", [epochs], axes: ["epoch"]),
            ResultSpec("checkpoint_epochs", [CheckpointSchedule(config).count], axes: ["checkpoint"]),
            ResultSpec("optimizer_steps", [], axes: []),
            ResultSpec("skipped_steps", [], axes: []),
            ResultSpec("diverged_epoch", [], axes: []),
            ResultSpec("time_init", [], axes: []),
            ResultSpec("time_train", [], axes: []),
            ResultSpec("time_analysis", [], axes: []),
        ]
        for type in AnalysisSuite.types(config) { specs += type.results(config) }
        return specs
    }

    /// Trains and analyses one network. `shouldStop` is called after every minibatch with the
    /// fraction of training done; returning true abandons the run (throws `RunCancelled`).
    /// A divergence is a result, not an error: the arrays hold what was computed before it.
    public static func execute(_ config: RunConfig, shouldStop: (Double) -> Bool = { _ in false }) throws -> RunResult {
        let clock = ContinuousClock()
        let start = clock.now
        let task = config.makeTask()
        let network = Network(config: config, maxTrainingBatch: config.batch_size)
        try network.initialize()
        let trainer = Trainer(config: config, network: network, task: task)
        let evaluator = Evaluator(config: config, network: network, task: task)
        let suite = AnalysisSuite(config)
        let context = AnalysisContext(config: config, network: network, evaluator: evaluator)
        let initialized = clock.now
        var analysisTime = Duration.zero
        let history = try trainer.train(visit: { checkpoint in
            let before = clock.now
            evaluator.weightsVersion = trainer.updates
            try suite.visit(checkpoint, context)
            analysisTime += clock.now - before
        }, shouldStop: shouldStop)
        let finished = clock.now

        var metrics: [String: [Double]] = [:]
        suite.collect(into: &metrics)
        metrics["epoch_stats"] = history.epochStatistics
        metrics["learning_rate"] = history.learningRates
        metrics["checkpoint_epochs"] = trainer.checkpoints.saveEpochs
        metrics["optimizer_steps"] = [Double(history.optimizerSteps)]
        metrics["skipped_steps"] = [Double(history.skippedSteps)]
        metrics["diverged_epoch"] = [history.divergence?.epoch ?? .nan]
        metrics["time_init"] = [seconds(initialized - start)]
        metrics["time_train"] = [seconds(finished - initialized - analysisTime)]
        metrics["time_analysis"] = [seconds(analysisTime)]
        return RunResult(metrics: metrics, divergence: history.divergence?.message)
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
