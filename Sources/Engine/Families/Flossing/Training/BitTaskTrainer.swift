/// Training on the delayed bit task (docs/families/flossing.md "Training"): per epoch one fresh
/// batch of B sequences, the BCE-with-logits loss over the scored steps, BPTT, Flux's per-tensor
/// ClipNorm and one AdamW step on every parameter; and the held-out test. Buffers are allocated
/// once:
///   inputs [T, B, 1], targets [T − L, B], states/dStates [T+1, B, N], logits/dLogits [T − L, B]
public final class BitTaskTrainer {
    let config: FlossingConfig
    let network: RateNetwork
    let task: DelayedBitTask
    /// Its whole state is its moments and step count (a checkpoint saves them).
    public let optimizer: Optimizer
    let batch: Int, steps: Int, units: Int, lossStart: Int, scoredEntries: Int
    let inputs, targets, states, dStates, logits, dLogits: UnsafeMutablePointer<Float>

    /// What one training step measured.
    public struct Step {
        public var loss: Double
        public var accuracy: Double
        /// Global L2 norm of the gradient before clipping.
        public var gradientNorm: Double
    }

    public init(config: FlossingConfig, network: RateNetwork) {
        self.config = config
        self.network = network
        task = DelayedBitTask(level: config.xorLevel, delay: config.delay, amplitude: config.I1, steps: config.T,
                              lossStart: config.lossStart)
        // AdamW with decay 0 and Flux's ε (Flux.Optimiser(ClipNorm(0.03), ADAMW(lr, (b1, b2), 0))).
        optimizer = Optimizer(.adam(beta1: config.b1, beta2: config.b2, epsilon: 1e-8, weightDecay: 0, decoupled: true),
                              parameters: network.parameters)
        batch = config.B; steps = config.T; units = config.N; lossStart = config.lossStart
        scoredEntries = config.lossSteps * config.B
        inputs = .allocate(capacity: steps * batch)
        targets = .allocate(capacity: scoredEntries)
        states = .allocate(capacity: (steps + 1) * batch * units)
        dStates = .allocate(capacity: (steps + 1) * batch * units)
        logits = .allocate(capacity: scoredEntries)
        dLogits = .allocate(capacity: scoredEntries)
    }

    deinit {
        for buffer in [inputs, targets, states, dStates, logits, dLogits] { buffer.deallocate() }
    }

    /// One epoch: the gradient on the batch of epoch `epoch`, Flux's per-tensor ClipNorm and one
    /// AdamW step. The loss and accuracy are those of the weights before the update (as the
    /// reference computes them); a non-finite loss returns before any update.
    public func trainingStep(epoch: Int) -> Step {
        var step = gradient(epoch: epoch)
        guard step.loss.isFinite else { return step }
        step.gradientNorm = GradientClipping.clipNormPerTensor(network.parameters, maxNorm: config.clip_norm)
        optimizer.step(learningRate: config.lr)
        return step
    }

    /// Draws the batch of epoch `epoch` and leaves the gradient of its loss (unclipped) in the
    /// parameter store; the weights are not changed.
    public func gradient(epoch: Int) -> Step {
        var stream = RandomStream(seed: config.seed, purpose: FlossingStream.trainingData, index: UInt64(epoch))
        task.draw(batch: batch, inputs: inputs, targets: targets, stream: &stream)
        let parameters = network.parameters
        parameters.zeroGradients()
        let scale = 1 / Float(scoredEntries)
        let (total, correct) = forwardAndLoss(batch: batch, dLogitsScale: scale)
        let loss = total / Double(scoredEntries), accuracy = Double(correct) / Double(scoredEntries)
        guard loss.isFinite else { return Step(loss: loss, accuracy: accuracy, gradientNorm: .nan) }
        // Readout, then the recurrence (dStates rows 0...L receive the propagated part only).
        let bn = batch * units, scored = states + (lossStart + 1) * bn
        dStates.update(repeating: 0, count: (steps + 1) * bn)
        network.readout.backward(scored, dOutput: dLogits, batch: scoredEntries, dInput: dStates + (lossStart + 1) * bn)
        network.recurrence.backward(inputs: inputs, steps: steps, batch: batch, dStates: dStates)
        return Step(loss: loss, accuracy: accuracy, gradientNorm: GradientClipping.norm(parameters))
    }

    /// The inputs [T, B] and targets [T − L, B] of the last batch drawn (for traces and tests).
    public var lastBatch: (inputs: [Float], targets: [Float]) {
        (Array(UnsafeBufferPointer(start: inputs, count: steps * batch)), Array(UnsafeBufferPointer(start: targets, count: scoredEntries)))
    }

    /// The forward pass of the `size` sequences in `inputs` from the first `size` initial
    /// states, the readout at the scored steps and Σ BCE; with a scale, dL/dlogits too.
    private func forwardAndLoss(batch size: Int, dLogitsScale: Float?) -> (total: Double, correct: Int) {
        network.recurrence.forward(inputs: inputs, steps: steps, batch: size, states: states)
        let entries = config.lossSteps * size
        network.readout.forward(states + (lossStart + 1) * size * units, batch: entries, output: logits)
        return BinaryCrossEntropy.evaluate(logits: logits, targets: targets, count: entries,
                                           dLogits: dLogitsScale == nil ? nil : dLogits, gradientScale: dLogitsScale ?? 1)
    }

    /// Loss and accuracy on `test_samples` fresh sequences (batches of up to B, each sequence
    /// starting from the initial state of its row), with the current weights.
    public func test() -> (loss: Double, accuracy: Double) {
        var total = 0.0, correct = 0
        for index in 0..<config.testBatches {
            let size = min(batch, config.test_samples - index * batch)
            var stream = RandomStream(seed: config.seed, purpose: FlossingStream.testData, index: UInt64(index))
            task.draw(batch: size, inputs: inputs, targets: targets, stream: &stream)
            let (batchTotal, batchCorrect) = forwardAndLoss(batch: size, dLogitsScale: nil)
            total += batchTotal
            correct += batchCorrect
        }
        let entries = Double(config.test_samples * config.lossSteps)
        return (total / entries, Double(correct) / entries)
    }
}
