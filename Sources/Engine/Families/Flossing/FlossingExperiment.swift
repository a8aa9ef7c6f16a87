/// One flossing trial: initialise, preflossing, training with interflossing, the recorded
/// spectra and the held-out test. Pure computation: a config in, named arrays out.
public struct FlossingExperiment: Experiment {
    public let config: FlossingConfig

    public init(_ config: FlossingConfig) { self.config = config }

    /// Every array a run produces, with its exact shape, known before it runs. Phase 0 of the
    /// per-phase arrays is preflossing, phase p > 0 the p-th interflossing (NaN where none ran).
    public var metrics: [MetricSpec] {
        let epochs = max(1, config.E), k = config.nLE, phases = config.flossingPhases
        return [
            MetricSpec("train_loss", [epochs], axes: ["epoch"]),
            MetricSpec("train_accuracy", [epochs], axes: ["epoch"]),
            MetricSpec("gradient_norm", [epochs], axes: ["epoch"]),
            MetricSpec("flossing_loss", [phases, config.updatesPerPhase], axes: ["flossing_phase", "update"]),
            MetricSpec("flossing_phase_epochs", [phases], axes: ["flossing_phase"]),
            MetricSpec("spectrum_initial", [k], axes: ["exponent"]),
            MetricSpec("spectrum_after_flossing", [phases, k], axes: ["flossing_phase", "exponent"]),
            MetricSpec("spectrum_final", [k], axes: ["exponent"]),
            MetricSpec("test_loss", [], axes: []),
            MetricSpec("test_accuracy", [], axes: []),
            MetricSpec("success_epoch", [], axes: []),
            MetricSpec("diverged_epoch", [], axes: []),
        ]
    }

    public var estimatedFLOPs: Double { config.estimatedFLOPs }
    public var estimatedSeconds: Double { config.estimatedSeconds }

    /// Runs the trial; the control is polled after every epoch and every flossing update with the
    /// fraction of the estimated work done, and a checkpoint is saved there when the control asks
    /// for one or stops the trial. A divergence is a result: the arrays keep what was computed
    /// before it.
    public func run(_ control: ExperimentControl) throws -> ExperimentResult {
        let clock = ContinuousClock()
        let start = clock.now
        let network = RateNetwork(config: config)
        try network.initialize()
        let trainer = BitTaskTrainer(config: config, network: network)
        let flosser = try Flosser(config: config, network: network)
        var record = FlossingRecord(config)
        // A checkpoint that does not fit is ignored: the trial starts over.
        var resume: FlossingCheckpoint?
        if let state = control.restoreCheckpoint() {
            resume = try? FlossingCheckpoint.restore(state, network: network, trainer: trainer, flosser: flosser, record: &record)
        }
        let initialized = clock.now
        var trainTime = Duration.zero, flossingTime = Duration.zero, analysisTime = Duration.zero
        let total = config.estimatedFLOPs
        var done = Double(resume?.epoch ?? 0) * config.epochFLOPs + Double(flosser.updates) * config.flossingUpdateFLOPs
        /// After a unit of work that leaves the trial before `epoch` with `phaseUpdates` of its
        /// flossing phase done.
        func poll(_ flops: Double, epoch: Int, phaseUpdates: Int) throws {
            done += flops
            let stop = control.shouldStop(progress: min(1, done / total))
            if stop || control.checkpointDue() {
                try control.saveCheckpoint(FlossingCheckpoint.save(epoch: epoch, phaseUpdates: phaseUpdates, network: network,
                                                                   trainer: trainer, flosser: flosser, record: record))
            }
            if stop { throw ExperimentCancelled() }
        }
        func analysed<T>(_ body: () throws -> T) rethrows -> T {
            let before = clock.now
            defer { analysisTime += clock.now - before }
            return try body()
        }

        if resume == nil { record.spectrumInitial = try analysed { try flosser.recordedSpectrum() } }
        let interflossing = config.interflossingEpochs
        epochs: for epoch in (resume?.epoch ?? 0)..<config.E {
            var phase: (index: Int, updates: Int)?
            if epoch == 0 && config.preflossingUpdates > 0 { phase = (0, config.preflossingUpdates) }
            if let index = interflossing.firstIndex(of: epoch) { phase = (index + 1, config.Ei) }
            if let (index, updates) = phase {
                let before = clock.now
                record.phaseEpochs[index] = Double(epoch)
                let first = epoch == resume?.epoch ? resume!.phaseUpdates : 0
                for update in first..<updates {
                    let loss = try flosser.update()
                    record.flossingLoss[index * config.updatesPerPhase + update] = loss
                    guard loss.isFinite, network.parameters.allFinite() else {
                        record.diverge(epoch: epoch, loss.isFinite
                                       ? "weights became non-finite in flossing phase \(index), update \(update), before epoch \(epoch)"
                                       : "flossing loss became \(loss) in flossing phase \(index), update \(update), before epoch \(epoch)")
                        flossingTime += clock.now - before
                        break epochs
                    }
                    try poll(config.flossingUpdateFLOPs, epoch: epoch, phaseUpdates: update + 1)
                }
                flossingTime += clock.now - before
                let spectrum = try analysed { try flosser.recordedSpectrum() }
                record.spectrumAfterFlossing.replaceSubrange((index * config.nLE)..<((index + 1) * config.nLE), with: spectrum)
            }
            let before = clock.now
            let step = trainer.trainingStep(epoch: epoch)
            trainTime += clock.now - before
            record.trainLoss[epoch] = step.loss
            record.trainAccuracy[epoch] = step.accuracy
            record.gradientNorm[epoch] = step.gradientNorm
            guard step.loss.isFinite, network.parameters.allFinite() else {
                record.diverge(epoch: epoch, step.loss.isFinite ? "weights became non-finite in epoch \(epoch)"
                                                                : "training loss became \(step.loss) in epoch \(epoch)")
                break
            }
            if record.successEpoch.isNaN && step.accuracy > config.accuracy_threshold { record.successEpoch = Double(epoch) }
            try poll(config.epochFLOPs, epoch: epoch + 1, phaseUpdates: 0)
        }
        if record.divergence == nil {
            try analysed {
                record.spectrumFinal = try flosser.recordedSpectrum()
                (record.testLoss, record.testAccuracy) = trainer.test()
            }
        }
        let timings = ["init_seconds": (initialized - start).seconds,
                       "train_seconds": trainTime.seconds,
                       "flossing_seconds": flossingTime.seconds,
                       "analysis_seconds": analysisTime.seconds]
        return ExperimentResult(metrics: record.metrics, timings: timings, divergence: record.divergence)
    }
}

/// What a trial records, in flat arrays of the metrics' shapes (NaN until computed): with the
/// parameters and the two optimizers' state, the whole state of a trial (`FlossingCheckpoint`).
struct FlossingRecord {
    var trainLoss, trainAccuracy, gradientNorm: [Double]
    var flossingLoss: [Double]                   // [phases, updatesPerPhase]
    var phaseEpochs: [Double]                    // [phases]
    var spectrumInitial, spectrumFinal: [Double] // [k]
    var spectrumAfterFlossing: [Double]          // [phases, k]
    var testLoss = Double.nan, testAccuracy = Double.nan
    var successEpoch = Double.nan
    var divergedEpoch = Double.nan
    var divergence: String?

    init(_ c: FlossingConfig) {
        let epochs = max(1, c.E), k = c.nLE
        trainLoss = Array(repeating: .nan, count: epochs)
        trainAccuracy = trainLoss
        gradientNorm = trainLoss
        flossingLoss = Array(repeating: .nan, count: c.flossingPhases * c.updatesPerPhase)
        phaseEpochs = Array(repeating: .nan, count: c.flossingPhases)
        spectrumInitial = Array(repeating: .nan, count: k)
        spectrumFinal = spectrumInitial
        spectrumAfterFlossing = Array(repeating: .nan, count: c.flossingPhases * k)
    }

    mutating func diverge(epoch: Int, _ message: String) {
        divergedEpoch = Double(epoch)
        divergence = message
    }

    var metrics: [String: [Double]] {
        ["train_loss": trainLoss, "train_accuracy": trainAccuracy, "gradient_norm": gradientNorm,
         "flossing_loss": flossingLoss, "flossing_phase_epochs": phaseEpochs,
         "spectrum_initial": spectrumInitial, "spectrum_after_flossing": spectrumAfterFlossing, "spectrum_final": spectrumFinal,
         "test_loss": [testLoss], "test_accuracy": [testAccuracy], "success_epoch": [successEpoch], "diverged_epoch": [divergedEpoch]]
    }
}
