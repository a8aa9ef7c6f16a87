/// One feedback_modulation trial: build, train, test, analyse. A config in, named arrays out.
public struct FeedbackExperiment: Experiment {
    public let config: FeedbackConfig

    public init(_ config: FeedbackConfig) { self.config = config }

    /// Every array a trial of `config` produces, with its exact shape, known before it runs.
    public var metrics: [MetricSpec] {
        let c = config, contexts = c.n_test, n = c.n_sample
        var specs = [
            MetricSpec("loss", [c.n_batch], axes: ["batch"]),
            MetricSpec("clarity", [3, contexts], axes: ["population", "context"]),
            MetricSpec("decoding_r2", [3, contexts - c.decoderFitContexts], axes: ["population", "context"]),
            MetricSpec("correlation_x", [contexts, 2, 2], axes: ["context", "source", "unit"]),
            MetricSpec("correlation_y", [contexts, 2, 2], axes: ["context", "source", "unit"]),
            MetricSpec("trajectory", [c.excerptContexts * n, 6], axes: ["step", "signal"]),
            MetricSpec("diverged_batch", [], axes: []),
        ]
        if c.model != .dale {
            specs.append(MetricSpec("readout_error", [c.excerptContexts, n], axes: ["context", "step"]))
        }
        if c.model.hasMiddleLayer {
            specs += [MetricSpec("correlation_z", [contexts, 2, c.Nz], axes: ["context", "source", "unit"]),
                      MetricSpec("freeze_angles", [2], axes: ["comparison"]),
                      MetricSpec("freeze_subspace", [2 * n, 3], axes: ["step", "coordinate"])]
        }
        return specs
    }

    public var estimatedFLOPs: Double { config.estimatedFLOPs }

    public var estimatedSeconds: Double { config.estimatedSeconds }

    /// Trains, tests and analyses. The control is polled after every batch with the fraction of
    /// training done, and keeps checkpoints (every batch boundary is a complete state): a trial
    /// stopped or killed continues from its last checkpoint bit-identically. A divergence is a
    /// result: the losses up to it are kept, the test is skipped.
    public func run(_ control: ExperimentControl) throws -> ExperimentResult {
        let clock = ContinuousClock()
        let start = clock.now
        let signals = SourceSignals(config)
        let network = FeedbackNetwork(config, maxSteps: config.n_sample, maxBatch: config.batch_size)
        network.initialize()
        let trainer = FeedbackTrainer(config: config, network: network, signals: signals)
        let initialized = clock.now
        var divergence: FeedbackTrainer.Divergence?
        do {
            try trainer.train(control: control)
        } catch let error as FeedbackTrainer.Divergence {
            divergence = error
        }
        let trained = clock.now
        var metrics: [String: [Double]] = ["loss": trainer.losses, "diverged_batch": [divergence.map { Double($0.batch) } ?? .nan]]
        if divergence == nil {
            FeedbackTest(config: config, network: network, signals: signals).run(into: &metrics)
        }
        let timings = ["init_seconds": (initialized - start).seconds, "train_seconds": (trained - initialized).seconds,
                       "test_seconds": (clock.now - trained).seconds]
        return ExperimentResult(metrics: metrics, timings: timings, divergence: divergence?.message)
    }
}
