/// One timescales network: trained through its curriculum, analysed at every milestone, with
/// checkpoints. Pure computation: a config in, named arrays out.
public struct TimescalesExperiment: Experiment {
    public let config: TimescalesConfig

    public init(_ config: TimescalesConfig) { self.config = config }

    /// A config from parameters (without `family`), defaults filled in.
    public init(_ values: JSONObject) throws(ParameterError) {
        self.init(try TimescalesFamily().configuration(values).0)
    }

    public var metrics: [MetricSpec] { TimescalesResults.specs(config) }

    public var estimatedFLOPs: Double { config.estimatedFLOPs }

    public var estimatedSeconds: Double { config.estimatedSeconds }

    public func run(_ control: ExperimentControl) throws -> ExperimentResult {
        let clock = ContinuousClock()
        let start = clock.now
        let run = CurriculumRun(config)
        run.start(control)
        let initialized = clock.now
        try run.train(control)
        let finished = clock.now
        let timings = ["init_seconds": (initialized - start).seconds,
                       "train_seconds": (finished - initialized).seconds - run.analysisSeconds,
                       "analysis_seconds": run.analysisSeconds]
        return ExperimentResult(metrics: run.results.values, timings: timings, divergence: run.divergence)
    }
}
