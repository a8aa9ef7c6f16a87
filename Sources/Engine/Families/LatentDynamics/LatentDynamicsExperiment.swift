/// One sequential autoencoder: its data set (shared by the process's trials), training with
/// per-epoch validation metrics, and the medians the paper's figures plot.
public struct LatentDynamicsExperiment: Experiment {
    public let config: LatentDynamicsConfig

    public init(_ config: LatentDynamicsConfig) { self.config = config }

    public var metrics: [MetricSpec] {
        let epochs = config.max_epochs
        return [
            MetricSpec("r2_observ", [epochs, 4], axes: ["epoch", "part"]),
            MetricSpec("r2_latent", [epochs, 4], axes: ["epoch", "part"]),
            MetricSpec("loss", [epochs, 3], axes: ["epoch", "kind"]),
            MetricSpec("num_points", [epochs], axes: ["epoch"]),
            MetricSpec("r2_observ_median", [4], axes: ["part"]),
            MetricSpec("r2_latent_median", [4], axes: ["part"]),
            MetricSpec("optimizer_steps", [], axes: []),
            MetricSpec("diverged_epoch", [], axes: []),
        ]
    }

    public var estimatedFLOPs: Double { config.estimatedFLOPs }
    public var estimatedSeconds: Double { config.estimatedSeconds }

    public func run(_ control: ExperimentControl) throws -> ExperimentResult {
        let clock = ContinuousClock()
        let start = clock.now
        let dataset = try DatasetCache.dataset(for: config)
        let model = SequentialAutoencoder(config, maxBatch: max(config.largestBatch, dataset.valid.count))
        model.initialize()
        let trainer = LatentTrainer(config: config, dataset: dataset, model: model)
        let prepared = clock.now
        let history = try trainer.train(control)
        let finished = clock.now
        var metrics: [String: [Double]] = [
            "r2_observ": history.r2Observ, "r2_latent": history.r2Latent, "loss": history.losses,
            "num_points": history.points,
            "r2_observ_median": Self.medians(history.r2Observ, config.summaryRange),
            "r2_latent_median": Self.medians(history.r2Latent, config.summaryRange),
            "optimizer_steps": [Double(history.optimizerSteps)],
            "diverged_epoch": [history.divergence?.epoch ?? .nan],
        ]
        if history.divergence != nil {
            metrics["r2_observ_median"] = [Double](repeating: .nan, count: 4)
            metrics["r2_latent_median"] = [Double](repeating: .nan, count: 4)
        }
        let timings = ["data_seconds": (prepared - start).seconds,
                       "train_seconds": (finished - prepared).seconds - trainer.metricSeconds,
                       "metric_seconds": trainer.metricSeconds]
        return ExperimentResult(metrics: metrics, timings: timings, divergence: history.divergence?.message)
    }

    /// The median of each of the 4 parts over the epochs of `range` ([E, 4] values), NaN values
    /// left out as pandas does (NaN when none is left).
    static func medians(_ values: [Double], _ range: Range<Int>) -> [Double] {
        (0..<4).map { part in
            let column = range.map { values[$0 * 4 + part] }.filter { !$0.isNaN }.sorted()
            guard !column.isEmpty else { return .nan }
            let middle = column.count / 2
            return column.count % 2 == 1 ? column[middle] : (column[middle - 1] + column[middle]) / 2
        }
    }
}
