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

    /// Trains the remaining batches, calling `shouldStop` with the fraction done after each.
    /// Throws `Divergence` when the loss or the weights stop being finite.
    func train(shouldStop: (Double) -> Bool) throws {
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
            if shouldStop(Double(batchesDone) / Double(config.n_batch)) { throw ExperimentCancelled() }
        }
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
