/// One Farrell network: build, train, analyse. Pure computation: a config in, named arrays out.
public struct FarrellExperiment: Experiment {
    public let config: FarrellConfig
    /// Makes the task the network learns; the network, the trainer and the analyses size
    /// themselves from it.
    let makeTask: @Sendable (FarrellConfig) -> any ClassificationTask

    public init(_ config: FarrellConfig) {
        self.config = config
        makeTask = { GaussianClusterTask($0) }
    }

    /// An experiment on another task (the trainer and the analyses are unchanged).
    public init(_ config: FarrellConfig, task: @escaping @Sendable (FarrellConfig) -> any ClassificationTask) {
        self.config = config
        makeTask = task
    }

    /// Every array a run of `config` produces, with its exact shape, known before it runs.
    public var metrics: [MetricSpec] {
        let epochs = config.num_epochs
        var specs = [
            MetricSpec("epoch_stats", [epochs, 4], axes: ["epoch", "stat"]),
            MetricSpec("learning_rate", [epochs], axes: ["epoch"]),
            MetricSpec("checkpoint_epochs", [CheckpointSchedule(config).count], axes: ["checkpoint"]),
            MetricSpec("optimizer_steps", [], axes: []),
            MetricSpec("skipped_steps", [], axes: []),
            MetricSpec("diverged_epoch", [], axes: []),
        ]
        for type in AnalysisSuite.types(config) { specs += type.results(config) }
        return specs
    }

    public var estimatedFLOPs: Double { config.estimatedFLOPs }
    public var estimatedSeconds: Double { config.estimatedSeconds }

    /// Trains and analyses one network. The control is polled after every minibatch with the
    /// fraction of training done. A divergence is a result: the arrays hold what was computed before it.
    public func run(_ control: ExperimentControl) throws -> ExperimentResult {
        let clock = ContinuousClock()
        let start = clock.now
        let task = makeTask(config)
        let network = Network(config: config, task: task, maxTrainingBatch: config.batch_size)
        try network.initialize()
        let trainer = Trainer(config: config, network: network, task: task)
        let evaluator = Evaluator(config: config, network: network, task: task)
        let suite = AnalysisSuite(config, task: task)
        let context = AnalysisContext(config: config, network: network, evaluator: evaluator, task: task)
        let initialized = clock.now
        var analysisTime = Duration.zero
        let history = try trainer.train(visit: { checkpoint in
            let before = clock.now
            try suite.visit(checkpoint, context)
            analysisTime += clock.now - before
        }, shouldStop: { control.shouldStop(progress: $0) })
        let finished = clock.now

        var metrics: [String: [Double]] = [:]
        suite.collect(into: &metrics)
        metrics["epoch_stats"] = history.epochStatistics
        metrics["learning_rate"] = history.learningRates
        metrics["checkpoint_epochs"] = trainer.checkpoints.saveEpochs
        metrics["optimizer_steps"] = [Double(history.optimizerSteps)]
        metrics["skipped_steps"] = [Double(history.skippedSteps)]
        metrics["diverged_epoch"] = [history.divergence?.epoch ?? .nan]
        let timings = ["init_seconds": (initialized - start).seconds,
                       "train_seconds": (finished - initialized - analysisTime).seconds,
                       "analysis_seconds": analysisTime.seconds]
        return ExperimentResult(metrics: metrics, timings: timings, divergence: history.divergence?.message)
    }
}
