/// The training step and the test pass of training/train.py, on buffers allocated once:
/// forward over the minibatch, the sum over the heads in play of their mean cross-entropy at the
/// last step, backward, clipping of the global gradient norm, one SGD step with Nesterov momentum.
///   inputs [M, B], labels [heads, B], states and dStates [M+1, B, H], logits and dLogits [B, 2 heads],
///   headLogits and dHeadLogits [B, 2] (one head's logits, as the loss kernel reads them)
final class CurriculumTrainer {
    let config: TimescalesConfig
    let network: TimescaleNetwork
    let optimizer: Optimizer
    let batch: Int, hidden: Int, maxSteps: Int, heads: Int
    let inputs: UnsafeMutablePointer<Float>
    let labels: UnsafeMutablePointer<Int32>
    let states, dStates: UnsafeMutablePointer<Float>
    let logits, dLogits, headLogits, dHeadLogits: UnsafeMutablePointer<Float>

    init(config: TimescalesConfig, network: TimescaleNetwork) {
        self.config = config
        self.network = network
        optimizer = Optimizer(.sgd(momentum: config.momentum, nesterov: true), parameters: network.parameters)
        batch = config.batch_size
        hidden = config.hidden_size
        maxSteps = config.maxSequenceLength
        heads = config.headsNeeded
        inputs = .allocate(capacity: maxSteps * batch)
        labels = .allocate(capacity: heads * batch)
        states = .allocate(capacity: (maxSteps + 1) * batch * hidden)
        dStates = .allocate(capacity: (maxSteps + 1) * batch * hidden)
        logits = .allocate(capacity: batch * 2 * heads)
        dLogits = .allocate(capacity: batch * 2 * heads)
        headLogits = .allocate(capacity: batch * 2)
        dHeadLogits = .allocate(capacity: batch * 2)
    }

    deinit {
        inputs.deallocate(); labels.deallocate(); states.deallocate(); dStates.deallocate()
        logits.deallocate(); dLogits.deallocate(); headLogits.deallocate(); dHeadLogits.deallocate()
    }

    /// Draws minibatch `index` of `epoch` (training or test stream) into the buffers: inputs,
    /// labels and the initial states in states[0]; returns M.
    func draw(ns: [Int], purpose: RandomPurpose, epoch: Int, index: Int, length fixedLength: Int? = nil) -> Int {
        var stream = RandomStream(seed: config.seed, purpose: purpose, index: TimescalesStream.batchIndex(epoch: epoch, batch: index))
        return BitSequences.draw(config.task, ns: ns, batch: batch, hiddenSize: hidden, stream: &stream,
                                 inputs: inputs, labels: labels, initialStates: states, length: fixedLength)
    }

    /// Runs the network over the minibatch in the buffers (M steps) and computes the logits of
    /// the heads in play.
    func forward(heads count: Int, length: Int, recording: Bool) {
        network.recurrence.forward(inputs: inputs, steps: length, batch: batch, states: states, recording: recording)
        network.readout.forward(states + length * batch * hidden, batch: batch, rows: 2 * count, output: logits)
    }

    /// Copies head k's logits [B, 2] out of logits [B, 2 heads].
    private func gatherHead(_ k: Int, count: Int) {
        for b in 0..<batch {
            headLogits[2 * b] = logits[b * 2 * count + 2 * k]
            headLogits[2 * b + 1] = logits[b * 2 * count + 2 * k + 1]
        }
    }

    /// One update on training minibatch `index` of `epoch` (of length `length` instead of a
    /// random M when given, for benchmarks); returns the minibatch loss.
    func trainingStep(ns: [Int], epoch: Int, index: Int, length fixedLength: Int? = nil) -> Float {
        let length = draw(ns: ns, purpose: TimescalesStream.trainingBatch, epoch: epoch, index: index, length: fixedLength)
        let loss = computeGradients(heads: ns.count, length: length)
        guard loss.isFinite else { return loss }
        update()
        return loss
    }

    /// Clipping of the global gradient norm and one SGD step.
    func update() {
        GradientClipping.clipNorm(network.parameters, maxNorm: config.clip_norm)
        optimizer.step(learningRate: config.learning_rate)
    }

    /// The loss of the minibatch in the buffers and, in the parameters' gradients, its gradient
    /// (not clipped).
    func computeGradients(heads count: Int, length: Int) -> Float {
        network.parameters.zeroGradients()
        forward(heads: count, length: length, recording: true)
        let loss = headLosses(count: count, gradients: true)
        guard loss.isFinite else { return loss }
        let bh = batch * hidden
        dStates.update(repeating: 0, count: (length + 1) * bh)
        network.readout.backward(states + length * bh, dOutput: dLogits, batch: batch, rows: 2 * count,
                                 dInput: dStates + length * bh)
        network.recurrence.backward(inputs: inputs, steps: length, batch: batch, states: states, dStates: dStates)
        return loss
    }

    /// The loss of training minibatch `index` of `epoch`, without gradients.
    func minibatchLoss(ns: [Int], epoch: Int, index: Int) -> Float {
        let length = draw(ns: ns, purpose: TimescalesStream.trainingBatch, epoch: epoch, index: index)
        forward(heads: ns.count, length: length, recording: false)
        return headLosses(count: ns.count, gradients: false)
    }

    /// Σ over the heads in play of their mean cross-entropy on the logits of the last forward
    /// pass; with `gradients`, dL/dlogits into dLogits.
    func headLosses(count: Int, gradients: Bool) -> Float {
        var loss: Float = 0
        let scale = 1 / Float(batch)
        for k in 0..<count {
            gatherHead(k, count: count)
            let total = ClassificationLoss.crossEntropy.evaluate(logits: headLogits, labels: labels + k * batch, batch: batch,
                                                                 outputs: 2, dLogits: gradients ? dHeadLogits : nil,
                                                                 gradientScale: scale)
            loss += total / Float(batch)
            guard gradients else { continue }
            for b in 0..<batch {
                dLogits[b * 2 * count + 2 * k] = dHeadLogits[2 * b]
                dLogits[b * 2 * count + 2 * k + 1] = dHeadLogits[2 * b + 1]
            }
        }
        return loss
    }

    /// Accuracy (percent) of every head in play over the test minibatches of `epoch`, computed as
    /// train.py does: 100 · correct_k / (batches · B · heads) · heads.
    func testAccuracy(ns: [Int], epoch: Int) -> [Double] {
        let count = ns.count
        var correct = [Int](repeating: 0, count: count)
        for j in 0..<config.test_batches {
            let length = draw(ns: ns, purpose: TimescalesStream.testBatch, epoch: epoch, index: j)
            forward(heads: count, length: length, recording: false)
            for k in 0..<count {
                gatherHead(k, count: count)
                correct[k] += ClassificationLoss.crossEntropy.correctCount(logits: headLogits, labels: labels + k * batch,
                                                                           batch: batch, outputs: 2)
            }
        }
        let total = Double(config.test_batches * batch * count)
        return correct.map { 100 * Double($0) / total * Double(count) }
    }
}
