/// One network through its curriculum (training/train.py's loop), with the analyses at every
/// milestone and checkpoints. Random streams are keyed by the epoch and the minibatch, so the
/// state after any minibatch is complete: the weights, the momentum buffer and the step count,
/// the curriculum's list, the position (epoch, minibatch, the epoch's loss so far) and the results
/// filled so far. A resumed run continues bit-identically.
final class CurriculumRun {
    let config: TimescalesConfig
    let network: TimescaleNetwork
    let trainer: CurriculumTrainer
    let timescales: NetworkTimescales?
    let robustness: RobustnessAnalyses?
    var results: TimescalesResults
    var curriculum: Curriculum
    var epoch = 0, batch = 0
    var lossSum = 0.0
    /// Set when the loss or the weights became NaN or infinite.
    var divergence: String?
    /// Seconds spent in the milestone analyses by this run.
    var analysisSeconds = 0.0

    init(_ config: TimescalesConfig) {
        self.config = config
        network = TimescaleNetwork(config: config, maxSteps: config.maxSequenceLength, maxBatch: config.batch_size)
        trainer = CurriculumTrainer(config: config, network: network)
        timescales = config.simulates ? NetworkTimescales(config: config, network: network) : nil
        robustness = config.analyses.contains(.ablation) || config.analyses.contains(.perturbation)
            ? RobustnessAnalyses(config: config, network: network) : nil
        results = TimescalesResults(config)
        curriculum = Curriculum(config)
    }

    /// The checkpoint of `control` when it fits this experiment; otherwise a fresh network.
    /// Returns whether it resumed.
    @discardableResult
    func start(_ control: ExperimentControl) -> Bool {
        if let state = control.restoreCheckpoint() {
            do {
                try restore(state)
                control.resumed(at: "epoch \(epoch), minibatch \(batch)")
                return true
            } catch {
                // A checkpoint that does not fit: start over.
                results = TimescalesResults(config)
                curriculum = Curriculum(config)
                epoch = 0; batch = 0; lossSum = 0
            }
        }
        network.initialize()
        network.parameters.gradients.update(repeating: 0, count: network.parameters.count)
        trainer.optimizer.first.update(repeating: 0, count: network.parameters.count)
        trainer.optimizer.steps = 0
        return false
    }

    /// The fraction done, for the drain's projection: epochs against max_epochs or Ns against
    /// the curriculum's range, whichever is further.
    var progress: Double {
        let epochs = (Double(epoch) + Double(batch) / Double(config.train_steps)) / Double(max(config.max_epochs, 1))
        let start = Curriculum(config).newest
        let ns = config.n_max > start ? Double(curriculum.newest - start) / Double(config.n_max - start) : 0
        return min(max(epochs, ns), 1)
    }

    /// Trains to the end of the curriculum or of max_epochs; throws `ExperimentCancelled` when
    /// the control asks to stop (after saving a checkpoint).
    func train(_ control: ExperimentControl) throws {
        let clock = ContinuousClock()
        epochs: while epoch < config.max_epochs {
            let ns = curriculum.ns
            while batch < config.train_steps {
                let loss = trainer.trainingStep(ns: ns, epoch: epoch, index: batch)
                guard loss.isFinite else {
                    divergence = "training loss became \(loss) at epoch \(epoch), minibatch \(batch)"
                    break epochs
                }
                lossSum += Double(loss)
                batch += 1
                if control.shouldStop(progress: progress) {
                    try? control.saveCheckpoint(checkpoint())
                    throw ExperimentCancelled()
                }
                if control.checkpointDue() { try? control.saveCheckpoint(checkpoint()) }
            }
            let accuracies = trainer.testAccuracy(ns: ns, epoch: epoch)
            results.set("loss", row: epoch, [lossSum / Double(config.train_steps)])
            results.set("accuracy", row: epoch,
                        accuracies + [Double](repeating: .nan, count: config.headsNeeded - accuracies.count))
            results.set("n_newest", row: epoch, [Double(curriculum.newest)])
            guard network.parameters.allFinite() else {
                divergence = "weights became non-finite in epoch \(epoch)"
                break
            }
            var complete = false
            if Curriculum.shouldAdvance(accuracies: accuracies, threshold: config.advance_accuracy) {
                let started = clock.now
                try milestone()
                analysisSeconds += (clock.now - started).seconds
                complete = !curriculum.advance()
            }
            epoch += 1
            batch = 0
            lossSum = 0
            if complete { break }
            if control.checkpointDue() { try? control.saveCheckpoint(checkpoint()) }
        }
        results.set("epochs", Double(epoch))
    }

    /// What the network is at the milestone of the curriculum's newest N.
    private func milestone() throws {
        let n = curriculum.newest, q = n - config.n_min
        results.set("milestone_epoch", row: q, [Double(epoch)])
        results.set("largest_n", Double(n))
        let tau = Array(UnsafeBufferPointer(start: network.parameters.values("tau"), count: config.hidden_size)).map(Double.init)
        results.set("tau", row: q, tau)
        let (mean, deviation) = NetworkTimescales.meanAndDeviation(tau)
        results.set("tau_mean", row: q, [mean])
        results.set("tau_std", row: q, [deviation])
        try timescales?.analyse(n: n, row: q, into: &results)
        let head = curriculum.ns.count - 1
        if config.analyses.contains(.ablation), let a = config.ablation_ns.firstIndex(of: n) {
            robustness?.ablate(n: n, head: head, row: a, into: &results)
        }
        if config.analyses.contains(.perturbation), let p = config.perturbation_ns.firstIndex(of: n) {
            robustness?.perturb(n: n, head: head, row: p, into: &results)
        }
    }

    // MARK: Checkpoints

    func checkpoint() -> ExperimentState {
        var state = ExperimentState()
        let parameters = network.parameters
        state.store("parameters", parameters.values, count: parameters.count)
        state.store("momentum", trainer.optimizer.first, count: parameters.count)
        state["optimizer_steps"] = .integer([Int64(trainer.optimizer.steps)])
        state["position"] = .integer([Int64(epoch), Int64(batch)])
        state["epoch_loss_sum"] = .double([lossSum])
        state["curriculum"] = .integer(curriculum.ns.map(Int64.init))
        results.store(in: &state)
        return state
    }

    private func restore(_ state: ExperimentState) throws(ExperimentStateError) {
        let parameters = network.parameters
        var loaded = TimescalesResults(config)
        try loaded.load(from: state)
        let position = try state.integers("position", count: 2)
        let ns = try state.integers("curriculum").map(Int.init)
        guard !ns.isEmpty, ns.count <= config.headsNeeded, position[0] >= 0, position[0] < config.max_epochs,
              position[1] >= 0, position[1] <= config.train_steps else {
            throw ExperimentStateError("the position does not fit the experiment")
        }
        let lossSum = try state.doubles("epoch_loss_sum", count: 1)[0]
        let steps = try state.integer("optimizer_steps")
        try state.load("parameters", into: parameters.values, count: parameters.count)
        try state.load("momentum", into: trainer.optimizer.first, count: parameters.count)
        trainer.optimizer.steps = steps
        results = loaded
        curriculum = Curriculum(config, ns: ns)
        epoch = Int(position[0]); batch = Int(position[1])
        self.lossSum = lossSum
        network.recurrence.prepare()
    }
}
