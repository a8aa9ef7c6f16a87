/// A network = a recurrent cell (or feed-forward stack) + a linear readout, with all
/// parameters in one store.
public final class Network {
    public let config: RunConfig
    public let parameters: ParameterStore
    public let cell: any RecurrentCell
    public let readout: Readout

    /// `maxTrainingBatch`: the largest batch `forward(training: true)` will see.
    public init(config: RunConfig, maxTrainingBatch: Int) {
        self.config = config
        switch config.network {
        case .vanillaRNN:
            parameters = ParameterStore(VanillaRNNCell.parameterSpecs(config) + Readout.parameterSpecs(config))
            cell = VanillaRNNCell(config: config, parameters: parameters, maxTrainingBatch: maxTrainingBatch)
        case .feedforward:
            parameters = ParameterStore(FeedforwardStack.parameterSpecs(config) + Readout.parameterSpecs(config))
            cell = FeedforwardStack(config: config, parameters: parameters, maxTrainingBatch: maxTrainingBatch)
        }
        readout = Readout(config: config, parameters: parameters)
    }

    /// Initial weights for the config's seed.
    public func initialize() throws {
        try cell.initialize(seed: config.seed)
        readout.initialize(seed: config.seed)
    }
}
