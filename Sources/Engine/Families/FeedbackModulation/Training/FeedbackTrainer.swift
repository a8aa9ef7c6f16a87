/// The reference's Runner.train: for every batch, a fresh set of B contexts, one closed-loop
/// segment of n_sample steps from the carried state, the summed SmoothL1 loss (plus the L1 penalty),
/// its gradient clipped entrywise to ±max_grad_value, one Adam step, and the state carried on
/// without gradient. The whole training state is the parameter store, Adam's buffers and step
/// count, the carried state, the batch index and the losses so far; batch k's data depends on k only.
final class FeedbackTrainer {
    let config: FeedbackConfig
    let network: FeedbackNetwork
    let loop: ClosedLoop
    let optimizer: Optimizer
    let batches: TrainingBatches
    /// Batches trained so far.
    private(set) var batchesDone = 0
    /// [n_batch] loss of every batch (NaN beyond the last one trained).
    private(set) var losses: [Double]

    /// Where the loss or the weights stopped being finite.
    struct Divergence: Error {
        var batch: Int
        var message: String
    }

    init(config: FeedbackConfig, network: FeedbackNetwork, signals: SourceSignals) {
        self.config = config
        self.network = network
        loop = ClosedLoop(network: network, steps: config.n_sample, batch: config.batch_size)
        // torch.optim.Adam's defaults.
        optimizer = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), parameters: network.parameters)
        batches = TrainingBatches(config: config, signals: signals)
        losses = [Double](repeating: .nan, count: config.n_batch)
        var stream = RandomStream(seed: config.seed, purpose: FeedbackStream.initialization, index: 1)
        loop.resetCarriedState(stream: &stream, gainSD: 0.01)
    }

    /// Trains the remaining batches. After each, polls `control` with the fraction done (a stop
    /// saves a checkpoint, then throws `ExperimentCancelled`) and saves a checkpoint when one is
    /// due; a saved state given by `control` at the start is continued. Throws `Divergence` when the
    /// loss or the weights stop being finite.
    func train(control: ExperimentControl) throws {
        if let saved = control.restoreCheckpoint() {
            // A state that does not fit (another build's, damaged) is ignored: the trial starts over.
            try? restore(saved)
        }
        while batchesDone < config.n_batch {
            let loss = step()
            guard loss.isFinite else {
                throw Divergence(batch: batchesDone, message: "training loss became \(loss) at batch \(batchesDone)")
            }
            losses[batchesDone] = loss
            guard network.parameters.allFinite() else {
                throw Divergence(batch: batchesDone, message: "weights became non-finite in the update of batch \(batchesDone)")
            }
            batchesDone += 1
            if control.shouldStop(progress: Double(batchesDone) / Double(config.n_batch)) {
                try control.saveCheckpoint(state())
                throw ExperimentCancelled()
            }
            if batchesDone < config.n_batch && control.checkpointDue() { try control.saveCheckpoint(state()) }
        }
    }

    /// Everything training continues from after a batch: the weights, Adam's moments and step
    /// count, the state carried to the next batch, the batch index and the losses so far (the
    /// data of batch k depends on k only).
    func state() -> ExperimentState {
        let p = network.parameters, b = config.batch_size
        var state = ExperimentState()
        state.store("parameters", p.values, count: p.count)
        state.store("adam_first", optimizer.first, count: p.count)
        state.store("adam_second", optimizer.second, count: p.count)
        state.store("carried_hidden", loop.carriedHidden, count: b * loop.hiddenSize)
        state.store("carried_cell", loop.carriedCell, count: b * loop.hiddenSize)
        state.store("carried_state", loop.carriedState, count: b * loop.stateSize)
        state["adam_steps"] = .integer([Int64(optimizer.steps)])
        state["batches_done"] = .integer([Int64(batchesDone)])
        state["losses"] = .double(losses)
        return state
    }

    /// Continues from a saved state; throws (changing nothing) unless every entry fits this trial.
    func restore(_ state: ExperimentState) throws(ExperimentStateError) {
        let p = network.parameters, b = config.batch_size
        let done = try state.integer("batches_done"), steps = try state.integer("adam_steps")
        let saved = try state.doubles("losses", count: config.n_batch)
        let sizes = ["parameters": p.count, "adam_first": p.count, "adam_second": p.count,
                     "carried_hidden": b * loop.hiddenSize, "carried_cell": b * loop.hiddenSize, "carried_state": b * loop.stateSize]
        for (name, count) in sizes {
            guard case .float(let values)? = state[name], values.count == count else {
                throw ExperimentStateError("no \(count) Float values named \(name)")
            }
        }
        guard (0...config.n_batch).contains(done), steps >= 0 else { throw ExperimentStateError("batches_done \(done) out of range") }
        try state.load("parameters", into: p.values, count: p.count)
        try state.load("adam_first", into: optimizer.first, count: p.count)
        try state.load("adam_second", into: optimizer.second, count: p.count)
        try state.load("carried_hidden", into: loop.carriedHidden, count: b * loop.hiddenSize)
        try state.load("carried_cell", into: loop.carriedCell, count: b * loop.hiddenSize)
        try state.load("carried_state", into: loop.carriedState, count: b * loop.stateSize)
        optimizer.steps = steps
        batchesDone = done
        losses = saved
    }

    /// One batch: its data, forward, backward, clip, Adam; returns the loss (NaN/inf without an update).
    func step() -> Double {
        batches.fill(batch: batchesDone, sources: loop.sources, mixtures: loop.mixtures)
        return trainLoadedBatch()
    }

    /// Forward, backward, clip, Adam and carry on the batch already in the loop's buffers;
    /// `inspect` sees the gradients before they are clipped.
    func trainLoadedBatch(inspect: ((ParameterStore) -> Void)? = nil) -> Double {
        network.parameters.zeroGradients()
        let loss = loop.forward()
        guard loss.isFinite else { return loss }
        loop.backward()
        inspect?(network.parameters)
        GradientClipping.clipValue(network.parameters, limit: Float(config.max_grad_value))
        optimizer.step(learningRate: config.learning_rate)
        loop.carry()
        return loss
    }
}
