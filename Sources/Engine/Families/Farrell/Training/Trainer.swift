import Foundation

/// What training produced besides the weights: per-epoch statistics, computed correctly (the
/// reference's tracker shifts them by one batch, C.7).
public struct TrainingHistory: Sendable {
    /// [E, 4]: train loss, train accuracy, validation loss, validation accuracy (NaN after a divergence).
    public var epochStatistics: [Double]
    /// [E]: learning rate after each epoch's scheduler step.
    public var learningRates: [Double]
    public var optimizerSteps = 0
    /// Minibatches whose loss was exactly 0 (no update, as in the reference).
    public var skippedSteps = 0
    /// Where the loss or the weights stopped being finite, if they did.
    public var divergence: Divergence?

    public struct Divergence: Sendable, Error {
        public var epoch: Double
        public var message: String
    }
}

/// Sees what passes through training, for the differential trace (`sweep-mpi train --trace-out`).
/// `minibatch` runs after the loss (and, when the step is taken, the backward pass) of every
/// training minibatch and before the update, so the parameter store holds the weights after
/// `updates` updates and, when `stepped`, this minibatch's gradients. `epochEnded` runs after
/// each epoch's scheduler step.
public struct TrainingObserver {
    public var minibatch: (_ loss: Float, _ stepped: Bool, _ updates: Int) -> Void
    public var epochEnded: (_ epoch: Int, _ validationLoss: Double, _ learningRate: Double) -> Void
    public init(minibatch: @escaping (Float, Bool, Int) -> Void,
                epochEnded: @escaping (Int, Double, Double) -> Void) {
        self.minibatch = minibatch
        self.epochEnded = epochEnded
    }
}

/// Minibatch training (docs/families/farrell-spec.md C.4): for every epoch, the training pass (forward, loss,
/// backward, optimiser step; skipped when the loss is exactly 0), the validation pass and the
/// scheduler step. All buffers are allocated here, once.
///   inputs [S, B, D], labels [B], states/dStates [T+1, B, N], logits/dLogits [|L|, B, C']
public final class Trainer {
    let config: FarrellConfig
    let network: Network
    let task: any ClassificationTask
    let optimizer: Optimizer
    public private(set) var schedule: LearningRateSchedule
    public let checkpoints: CheckpointSchedule
    /// Optimiser updates so far.
    public var updates: Int { optimizer.steps }
    /// Set only by the differential trace.
    public var observer: TrainingObserver?

    let batch: Int, steps: Int, inputSteps: Int, stateSize: Int, outputs: Int, inputSize: Int
    let lossSteps: Range<Int>
    let inputs: UnsafeMutablePointer<Float>
    let clusterIDs: UnsafeMutablePointer<Int32>, labels: UnsafeMutablePointer<Int32>
    let states: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>, dLogits: UnsafeMutablePointer<Float>
    /// freeze_input: the fixed training and validation sets ([count, D] each), drawn once.
    let frozenTraining: FixedSamples?, frozenValidation: FixedSamples?

    public init(config: FarrellConfig, network: Network, task: any ClassificationTask) {
        self.config = config
        self.network = network
        self.task = task
        optimizer = Optimizer(config.optimizer.rule(momentum: config.momentum), parameters: network.parameters)
        schedule = LearningRateSchedule(kind: config.scheduler, learningRate: config.learning_rate, factor: config.scheduler_factor,
                                        patience: config.learning_patience, totalSteps: config.patience_before_stopping,
                                        finalDivision: config.onecycle_final_div_factor, plateauThreshold: 1e-7)
        checkpoints = CheckpointSchedule(config)
        batch = config.batch_size
        steps = config.sequenceLength
        inputSteps = task.inputSteps
        stateSize = config.N
        outputs = network.outputSize
        inputSize = task.inputSize
        lossSteps = config.lossSteps
        inputs = .allocate(capacity: inputSteps * batch * inputSize)
        clusterIDs = .allocate(capacity: batch)
        labels = .allocate(capacity: batch)
        states = .allocate(capacity: (steps + 1) * batch * stateSize)
        dStates = .allocate(capacity: (steps + 1) * batch * stateSize)
        logits = .allocate(capacity: lossSteps.count * batch * outputs)
        dLogits = .allocate(capacity: lossSteps.count * batch * outputs)
        if config.freeze_input {
            // A fixed training set and a separate fixed validation set (the reference's frozen
            // split leaves the validation set empty, A.7).
            frozenTraining = FixedSamples(task: task, count: config.num_train_samples_per_epoch, seed: config.seed, index: 0)
            frozenValidation = FixedSamples(task: task, count: config.num_test_samples_per_epoch, seed: config.seed, index: 1)
        } else {
            frozenTraining = nil; frozenValidation = nil
        }
    }

    deinit {
        inputs.deallocate(); clusterIDs.deallocate(); labels.deallocate()
        states.deallocate(); dStates.deallocate(); logits.deallocate(); dLogits.deallocate()
    }

    /// Trains for num_epochs, calling `visit` at every checkpoint (every epoch start, every save,
    /// and the end) and `shouldStop` with the fraction done after every minibatch.
    public func train(visit: (Checkpoint) throws -> Void, shouldStop: (Double) -> Bool) throws -> TrainingHistory {
        let epochs = config.num_epochs, batches = config.trainBatchesPerEpoch
        var history = TrainingHistory(epochStatistics: [Double](repeating: .nan, count: epochs * 4),
                                      learningRates: [Double](repeating: .nan, count: epochs))
        var saveIndex = 0
        func checkpoint(epoch e: Int, batch i: Int, isSave: Bool) throws {
            try visit(Checkpoint(saveIndex: isSave ? saveIndex : nil,
                                 epoch: Double(e) + Double(i) / Double(batches),
                                 epochBoundary: i == 0 ? e : nil,
                                 isInitial: e == 0 && i == 0, isFinal: false))
            if isSave { saveIndex += 1 }
        }
        epochLoop: for e in 0..<epochs {
            let saves = checkpoints.saves(inEpoch: e)
            var stream = RandomStream(seed: config.seed, purpose: FarrellStream.trainingData, index: UInt64(e))
            var noise = RandomStream(seed: config.seed, purpose: FarrellStream.unitNoise, index: UInt64(e))
            var order = frozenTraining.map { Array(0..<$0.count) } ?? []
            if !order.isEmpty { stream.shuffle(&order) }
            var lossSum = 0.0, correct = 0
            for i in 0..<batches {
                let isSave = saves.contains(i)
                if i == 0 || isSave { try checkpoint(epoch: e, batch: i, isSave: isSave) }
                let size = min(batch, config.num_train_samples_per_epoch - i * batch)
                if let frozen = frozenTraining {
                    frozen.gather(order[(i * batch)..<(i * batch + size)], into: samples)
                } else {
                    task.drawTraining(count: size, into: samples, stream: &stream)
                }
                let (loss, batchCorrect) = trainingStep(size: size, noise: &noise, history: &history)
                guard loss.isFinite else {
                    history.divergence = .init(epoch: Double(e) + Double(i) / Double(batches),
                                               message: "training loss became \(loss) at epoch \(e), minibatch \(i)")
                    break epochLoop
                }
                lossSum += Double(loss)
                correct += batchCorrect
                if shouldStop((Double(e) + Double(i + 1) / Double(batches)) / Double(max(epochs, 1))) { throw ExperimentCancelled() }
            }
            let (validationLoss, validationAccuracy) = validate(epoch: e)
            history.epochStatistics.replaceSubrange((e * 4)..<(e * 4 + 4), with: [
                lossSum / Double(batches), Double(correct) / Double(config.num_train_samples_per_epoch),
                validationLoss, validationAccuracy])
            guard validationLoss.isFinite, network.parameters.allFinite() else {
                history.divergence = .init(epoch: Double(e + 1), message: validationLoss.isFinite
                                           ? "weights became non-finite in epoch \(e)"
                                           : "validation loss became \(validationLoss) in epoch \(e)")
                break
            }
            schedule.epochEnded(validationLoss: validationLoss)
            history.learningRates[e] = schedule.learningRate
            observer?.epochEnded(e, validationLoss, schedule.learningRate)
        }
        if history.divergence == nil {
            try visit(Checkpoint(saveIndex: saveIndex, epoch: Double(epochs), epochBoundary: epochs,
                                 isInitial: epochs == 0, isFinal: true))
        }
        return history
    }

    /// Forward, loss, and (if the loss is > 0) backward and update. The inputs of the batch
    /// are in `inputs[0]`; returns the batch loss and the number of correct samples.
    private func trainingStep(size: Int, noise: inout RandomStream, history: inout TrainingHistory) -> (Float, Int) {
        let (loss, correct) = forwardAndLoss(size: size, noise: &noise)
        guard loss.isFinite else { return (loss, correct) }
        // The reference skips the update when the loss is not > 0: with cce in Float32 this
        // freezes the weights once every margin is large (C.2). The backward pass is then
        // not needed at all.
        guard loss > 0 else {
            history.skippedSteps += 1
            observer?.minibatch(loss, false, optimizer.steps)
            return (loss, correct)
        }
        backward(size: size)
        observer?.minibatch(loss, true, optimizer.steps)
        optimizer.step(learningRate: schedule.learningRate)
        history.optimizerSteps += 1
        return (loss, correct)
    }

    /// Training-mode forward pass over the batch in `inputs`, the loss (with the L2 term) and
    /// dL/dlogits.
    func forwardAndLoss(size: Int, noise: inout RandomStream) -> (loss: Float, correct: Int) {
        let parameters = network.parameters
        network.cell.forward(inputs: inputs, inputSteps: inputSteps, steps: steps, batch: size,
                             states: states, mode: .training, noise: &noise)
        let scale = 1 / Float(size * lossSteps.count)
        let (total, correct) = network.readoutLoss(states: states, batch: size, labels: labels, logits: logits,
                                                   logitsStride: batch * outputs, dLogits: dLogits, gradientScale: scale)
        var loss = total * scale
        loss += ReferenceL2.value(parameters, strength: config.l2_regularization, stateSize: stateSize)
        return (loss, correct)
    }

    /// The gradients of the last `forwardAndLoss`: the L2 term's, then dL/dlogits back-propagated.
    /// (Only minibatches that step need them: a zero-loss minibatch costs a forward pass only.)
    func backward(size: Int) {
        network.parameters.zeroGradients()
        _ = ReferenceL2.add(network.parameters, strength: config.l2_regularization, stateSize: stateSize)
        dStates.update(repeating: 0, count: (steps + 1) * size * stateSize)
        for (k, t) in lossSteps.enumerated() {
            network.readout.backward(states + (t + 1) * size * stateSize, dOutput: dLogits + k * batch * outputs,
                                     batch: size, dInput: dStates + (t + 1) * size * stateSize)
        }
        network.cell.backward(inputs: inputs, inputSteps: inputSteps, steps: steps, batch: size,
                              states: states, dStates: dStates)
    }

    /// The validation pass: fresh samples, no perturbations (except the reference's optional
    /// always-on dropout), mean of the batch losses and overall accuracy.
    private func validate(epoch e: Int) -> (Double, Double) {
        var stream = RandomStream(seed: config.seed, purpose: FarrellStream.validationData, index: UInt64(e))
        var noise = RandomStream(seed: config.seed, purpose: FarrellStream.unitNoise, index: UInt64(1 << 40) + UInt64(e))
        let count = config.num_test_samples_per_epoch, batches = config.validationBatchesPerEpoch
        var lossSum = 0.0, correct = 0
        for i in 0..<batches {
            let size = min(batch, count - i * batch)
            if let frozen = frozenValidation {
                frozen.gather((i * batch)..<(i * batch + size), into: samples)
            } else {
                task.drawTraining(count: size, into: samples, stream: &stream)
            }
            network.cell.forward(inputs: inputs, inputSteps: inputSteps, steps: steps, batch: size,
                                 states: states, mode: .validation, noise: &noise)
            let (total, batchCorrect) = network.readoutLoss(states: states, batch: size, labels: labels,
                                                            logits: logits, logitsStride: 0)
            var loss = total / Float(size * lossSteps.count)
            loss += ReferenceL2.value(network.parameters, strength: config.l2_regularization, stateSize: stateSize)
            lossSum += Double(loss)
            correct += batchCorrect
        }
        return (lossSum / Double(batches), Double(correct) / Double(count))
    }

    /// Where the task writes a minibatch.
    var samples: SampleBuffer { SampleBuffer(inputs: inputs, labels: labels, groups: clusterIDs) }
}

/// A fixed sample set (freeze_input): inputs [S, count, D], labels and groups [count].
final class FixedSamples {
    let count: Int, inputSteps: Int, inputSize: Int
    var inputs: [Float], labels: [Int32], groups: [Int32]

    init(task: any ClassificationTask, count: Int, seed: Int, index: UInt64) {
        self.count = count
        inputSteps = task.inputSteps
        inputSize = task.inputSize
        inputs = [Float](repeating: 0, count: max(1, task.inputSteps) * count * task.inputSize)
        labels = [Int32](repeating: 0, count: count)
        groups = [Int32](repeating: 0, count: count)
        var stream = RandomStream(seed: seed, purpose: FarrellStream.frozenData, index: index)
        inputs.withUnsafeMutableBufferPointer { i in
            labels.withUnsafeMutableBufferPointer { l in
                groups.withUnsafeMutableBufferPointer { g in
                    task.drawTraining(count: count, into: SampleBuffer(inputs: i.baseAddress!, labels: l.baseAddress!,
                                                                       groups: g.baseAddress!), stream: &stream)
                }
            }
        }
    }

    /// Copies the samples at `indices` into a minibatch buffer ([S, batch, D] for `indices.count` = batch).
    func gather<S: Collection>(_ indices: S, into buffer: SampleBuffer) where S.Element == Int {
        let batch = indices.count, d = inputSize
        for (row, index) in indices.enumerated() {
            for s in 0..<max(inputSteps, 1) {
                for i in 0..<d { buffer.inputs[(s * batch + row) * d + i] = inputs[(s * count + index) * d + i] }
            }
            buffer.labels[row] = labels[index]
            buffer.groups[row] = groups[index]
        }
    }
}
