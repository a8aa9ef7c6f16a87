import Foundation

/// What training produced, per epoch (NaN for epochs not reached).
struct LatentHistory {
    /// [E, 4]: whole trial, early, middle, late third.
    var r2Observ: [Double]
    var r2Latent: [Double]
    /// [E, 3]: training loss (mean over the minibatches), validation loss over the curriculum's
    /// bins, validation loss over all bins.
    var losses: [Double]
    /// [E]: bins the loss read.
    var points: [Double]
    var optimizerSteps = 0
    var divergence: (epoch: Double, message: String)?

    init(epochs: Int) {
        r2Observ = [Double](repeating: .nan, count: epochs * 4)
        r2Latent = [Double](repeating: .nan, count: epochs * 4)
        losses = [Double](repeating: .nan, count: epochs * 3)
        points = [Double](repeating: .nan, count: epochs)
    }
}

/// The reference's training loop (Lightning, paper_src/models.py): every epoch, the training
/// trials in a fresh random order in minibatches of `batch_size` (the last one smaller), each a
/// forward pass with dropout, the Poisson loss over the curriculum's first bins, the backward
/// pass and one Adam step (L2 weight decay added to the gradient); then the validation trials in
/// one evaluation pass (no dropout): its losses and metrics. No schedule, clipping or early
/// stopping. The whole state between epochs is the parameter store, the optimizer's moments
/// and step count, the epoch index and the history: the random streams are keyed by epoch.
final class LatentTrainer {
    let config: LatentDynamicsConfig
    let dataset: SpikingDataset
    let model: SequentialAutoencoder
    let optimizer: Optimizer
    let metrics: ValidationMetrics
    let bins: Int, neurons: Int
    /// One minibatch of spikes [T, B, n]; the validation spikes [T, V, n] (gathered once).
    let spikes: UnsafeMutablePointer<Float>, validationSpikes: UnsafeMutablePointer<Float>
    /// Seconds spent in the validation metrics.
    private(set) var metricSeconds = 0.0

    init(config: LatentDynamicsConfig, dataset: SpikingDataset, model: SequentialAutoencoder) {
        self.config = config
        self.dataset = dataset
        self.model = model
        bins = config.n_timesteps
        neurons = config.obs_dim
        optimizer = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: config.weight_decay),
                              parameters: model.parameters)
        metrics = ValidationMetrics(config, dataset: dataset)
        spikes = .allocate(capacity: bins * config.largestBatch * neurons)
        validationSpikes = .allocate(capacity: bins * dataset.valid.count * neurons)
        SpikingDataset.gather(dataset.spikes, width: neurons, bins: bins, trials: dataset.valid, into: validationSpikes)
    }

    deinit {
        spikes.deallocate()
        validationSpikes.deallocate()
    }

    /// The training trials of epoch e in minibatch order.
    func order(epoch e: Int) -> [Int] {
        var order = dataset.train
        var stream = RandomStream(seed: config.seed, purpose: LatentStream.batchOrder, index: UInt64(e))
        stream.shuffle(&order)
        return order
    }

    /// One training minibatch: forward with dropout, loss, backward, Adam step. Returns the loss.
    /// `observe` sees the model after the backward pass, before the update (differential traces).
    func step(trials: ArraySlice<Int>, points: Int, dropoutIndex: UInt64,
              observe: ((SequentialAutoencoder, Double) -> Void)? = nil) -> Double {
        let batch = trials.count
        SpikingDataset.gather(dataset.spikes, width: neurons, bins: bins, trials: trials, into: spikes)
        model.forward(spikes: spikes, batch: batch, dropoutIndex: dropoutIndex)
        let loss = model.loss(counts: spikes, bins: points, gradient: true)
        guard loss.isFinite else { return loss }
        model.parameters.zeroGradients()
        model.backward(bins: points)
        observe?(model, loss)
        optimizer.step(learningRate: config.learning_rate)
        return loss
    }

    /// The validation pass of the current weights: its losses over `points` bins and over all
    /// bins, and the metrics.
    func validate(points: Int) -> (loss: Double, fullLoss: Double, observ: [Double], latent: [Double]) {
        model.forward(spikes: validationSpikes, batch: dataset.valid.count, dropoutIndex: nil)
        let validationLoss = model.loss(counts: validationSpikes, bins: points, gradient: false)
        let fullLoss = points == bins ? validationLoss : model.loss(counts: validationSpikes, bins: bins, gradient: false)
        let (observ, latent) = metrics.evaluate(logRates: model.logRates, latents: model.latents)
        return (validationLoss, fullLoss, observ, latent)
    }

    /// Trains for max_epochs, polling the control with the fraction done after every minibatch.
    /// Checkpoints (ExperimentControl): a saved state is restored first; at every epoch boundary
    /// the state is saved when one is due; a stop request is honoured at the end of the epoch it
    /// arrives in, after saving the state there (an epoch is a second or so).
    func train(_ control: ExperimentControl) throws -> LatentHistory {
        let epochs = config.max_epochs, batches = config.trainBatchesPerEpoch, size = config.batch_size
        var history = LatentHistory(epochs: epochs)
        var first = 0
        if let state = control.restoreCheckpoint() {
            // A state that does not fit this trial is ignored: the trial starts over.
            if let epoch = try? restore(state, into: &history) { first = epoch }
        }
        let clock = ContinuousClock()
        var stopRequested = false
        epochLoop: for e in first..<epochs {
            let points = config.curriculumPoints(epoch: e)
            let order = order(epoch: e)
            var lossSum = 0.0
            for i in 0..<batches {
                let trials = order[(i * size)..<min(order.count, (i + 1) * size)]
                let loss = step(trials: trials, points: points, dropoutIndex: UInt64(e * batches + i))
                guard loss.isFinite else {
                    history.divergence = (Double(e) + Double(i) / Double(batches),
                                          "training loss became \(loss) at epoch \(e), minibatch \(i)")
                    break epochLoop
                }
                history.optimizerSteps += 1
                lossSum += loss
                if control.shouldStop(progress: (Double(e) + Double(i + 1) / Double(batches)) / Double(epochs)) { stopRequested = true }
            }
            let started = clock.now
            let (validationLoss, fullLoss, observ, latent) = validate(points: points)
            metricSeconds += (clock.now - started).seconds
            history.losses.replaceSubrange((e * 3)..<(e * 3 + 3), with: [lossSum / Double(batches), validationLoss, fullLoss])
            history.r2Observ.replaceSubrange((e * 4)..<(e * 4 + 4), with: observ)
            history.r2Latent.replaceSubrange((e * 4)..<(e * 4 + 4), with: latent)
            history.points[e] = Double(points)
            guard fullLoss.isFinite, model.parameters.allFinite() else {
                history.divergence = (Double(e + 1), fullLoss.isFinite ? "weights became non-finite in epoch \(e)"
                                                                       : "validation loss became \(fullLoss) in epoch \(e)")
                break
            }
            if stopRequested || (e + 1 < epochs && control.checkpointDue()) {
                try control.saveCheckpoint(state(nextEpoch: e + 1, history))
            }
            if stopRequested { throw ExperimentCancelled() }
        }
        return history
    }

    /// The whole training state at the start of epoch `nextEpoch`.
    func state(nextEpoch: Int, _ history: LatentHistory) -> ExperimentState {
        var state = ExperimentState()
        let count = model.parameters.count
        state["epoch"] = .integer([Int64(nextEpoch)])
        state.store("parameters", model.parameters.values, count: count)
        state.store("adam_first", optimizer.first, count: count)
        state.store("adam_second", optimizer.second, count: count)
        state["adam_steps"] = .integer([Int64(optimizer.steps)])
        state["optimizer_steps"] = .integer([Int64(history.optimizerSteps)])
        state["r2_observ"] = .double(history.r2Observ)
        state["r2_latent"] = .double(history.r2Latent)
        state["loss"] = .double(history.losses)
        state["num_points"] = .double(history.points)
        return state
    }

    /// Restores a saved state; returns the epoch to continue from.
    func restore(_ state: ExperimentState, into history: inout LatentHistory) throws(ExperimentStateError) -> Int {
        let epoch = try state.integer("epoch"), count = model.parameters.count, epochs = config.max_epochs
        guard epoch >= 0 && epoch <= epochs else { throw ExperimentStateError("epoch \(epoch) is outside 0...\(epochs)") }
        var restored = LatentHistory(epochs: epochs)
        restored.r2Observ = try state.doubles("r2_observ", count: epochs * 4)
        restored.r2Latent = try state.doubles("r2_latent", count: epochs * 4)
        restored.losses = try state.doubles("loss", count: epochs * 3)
        restored.points = try state.doubles("num_points", count: epochs)
        restored.optimizerSteps = try state.integer("optimizer_steps")
        let steps = try state.integer("adam_steps")
        // Every check before the first write: a state that does not fit leaves the model untouched.
        for name in ["parameters", "adam_first", "adam_second"] {
            guard case .float(let values)? = state[name], values.count == count else {
                throw ExperimentStateError("no \(count) Float values named \(name)")
            }
        }
        try state.load("parameters", into: model.parameters.values, count: count)
        try state.load("adam_first", into: optimizer.first, count: count)
        try state.load("adam_second", into: optimizer.second, count: count)
        optimizer.steps = steps
        history = restored
        return epoch
    }
}
