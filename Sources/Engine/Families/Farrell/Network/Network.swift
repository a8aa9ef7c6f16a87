/// A Farrell network = a recurrent cell (or feed-forward stack) + a linear readout, with all
/// parameters in one store. Its input and output sizes come from the task it learns.
///   readout: logits [B, C'] = h Woutᵀ + bout, Wout [C', N], bout [C']
public final class Network {
    public let config: FarrellConfig
    public let parameters: ParameterStore
    public let cell: any RecurrentCell
    public let readout: LinearLayer
    /// D: the task's input size.
    public let inputSize: Int
    /// C': one output per class of the task, or one for mse_scalar.
    public let outputSize: Int

    /// `maxTrainingBatch`: the largest batch a training forward pass will see.
    public init(config: FarrellConfig, task: any ClassificationTask, maxTrainingBatch: Int) {
        self.config = config
        inputSize = task.inputSize
        outputSize = config.loss == .mseScalar ? 1 : task.classes
        parameters = ParameterStore(Self.parameterSpecs(config, inputSize: inputSize, outputSize: outputSize))
        switch config.network {
        case .vanillaRNN: cell = VanillaRNNCell(config: config, parameters: parameters, maxTrainingBatch: maxTrainingBatch)
        case .feedforward: cell = FeedforwardStack(config: config, parameters: parameters, maxTrainingBatch: maxTrainingBatch)
        }
        readout = LinearLayer(parameters, weights: "Wout", bias: "bout")
    }

    /// The cell's tensors, then the readout's: Wout [C', N], bout [C'].
    static func parameterSpecs(_ config: FarrellConfig, inputSize: Int, outputSize: Int) -> [TensorSpec] {
        let cell = config.network == .vanillaRNN ? VanillaRNNCell.parameterSpecs(config, inputSize: inputSize)
                                                 : FeedforwardStack.parameterSpecs(config, inputSize: inputSize)
        return cell + [TensorSpec("Wout", [outputSize, config.N], trainable: config.train_output_weights),
                       TensorSpec("bout", [outputSize], trainable: config.use_biases)]
    }

    /// Initial weights for the config's seed: the cell's, then Wout = wout_scale 0.3/√N N(0, 1), bout = 0.
    public func initialize() throws {
        try cell.initialize(seed: config.seed)
        var stream = RandomStream(seed: config.seed, purpose: FarrellStream.weights, index: 1)
        stream.fillNormal(readout.weights, count: outputSize * config.N, scale: config.wout_scale * 0.3 / Double(config.N).squareRoot())
        readout.bias.update(repeating: 0, count: outputSize)
        parameters.valuesChanged()
    }
}

extension Network {
    /// The readout and the loss at every loss step of states [T+1, B, N] (row t+1 = the state after
    /// step t), in the reference's order: returns the loss summed over the batch and the loss steps
    /// (Float32, without the L2 term) and the number of samples classified correctly at the last
    /// loss step. Logits of loss step k go to `logits + k · logitsStride` [B, C'] (stride 0 reuses
    /// one slot); with `dLogits` (same layout) also gradientScale · dℓ/dlogits.
    func readoutLoss(states: UnsafePointer<Float>, batch: Int, labels: UnsafePointer<Int32>,
                     logits: UnsafeMutablePointer<Float>, logitsStride: Int,
                     dLogits: UnsafeMutablePointer<Float>? = nil, gradientScale: Float = 1) -> (total: Float, correct: Int) {
        let loss = config.loss.loss, stepSize = batch * config.N
        var total: Float = 0
        var correct = 0
        for (k, t) in config.lossSteps.enumerated() {
            let y = logits + k * logitsStride
            readout.forward(states + (t + 1) * stepSize, batch: batch, output: y)
            total += loss.evaluate(logits: y, labels: labels, batch: batch, outputs: outputSize,
                                   dLogits: dLogits.map { $0 + k * logitsStride }, gradientScale: gradientScale)
            if t == config.lossSteps.upperBound - 1 {
                correct = loss.correctCount(logits: y, labels: labels, batch: batch, outputs: outputSize)
            }
        }
        return (total, correct)
    }
}
