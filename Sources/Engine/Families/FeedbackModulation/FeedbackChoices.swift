/// Named choices of the feedback_modulation family's parameters.

/// The sensory network the controller modulates (the reference's model classes).
public enum FeedbackModelKind: String, Sendable, CaseIterable {
    /// ModulationNet: y_t = W_{t−1} x_t with W driven towards W0 ⊙ U_t (Fig. 1–2).
    case modulation
    /// SpatialNet: a middle layer z of Nz units whose gains a few spatially diffuse modulators set (Fig. 3–5).
    case spatial
    /// DaleRateNet: rectified rate units with positive weights and feed-forward inhibition (Fig. 6–7).
    case dale

    static let aliases: [String: FeedbackModelKind] = ["ModulationNet": .modulation, "SpatialNet": .spatial,
                                                       "DaleRateNet": .dale]
    /// Whether the network has a middle population z (the analyses of x, z and y need one).
    var hasMiddleLayer: Bool { self != .modulation }
}

/// The source signals (data_maker.py's generators).
public enum SourceKind: String, Sendable, CaseIterable {
    /// Two sines at 1 and 1.8 times the base frequency.
    case sines
    /// Two chords {1, 1.25} and {1.5, 2.1} times the base frequency, each scaled to max |s| = 1.
    case chords
    /// A sine (1.2), a square wave (0.8) and a sawtooth (1.4 times the base frequency); training
    /// uses a random pair of them per batch, testing the first two.
    case icaStyle = "ica_style"
}

/// What the controller LSTM sees (the reference's input_to_net).
public enum ControllerInput: String, Sendable, CaseIterable {
    case xy, x, y

    /// Width of the LSTM's input for two sources.
    public var size: Int { self == .xy ? 4 : 2 }
}

/// Which inputs of the DaleRateNet's modulated layer the gain p scales (the reference's mod_target 0, 1, 2).
public enum ModulationTarget: String, Sendable, CaseIterable {
    /// z_H = p ⊙ relu(E − I): the whole rectified input (0).
    case both
    /// z_H = relu(p ⊙ E − I) (1).
    case excitation
    /// z_H = relu(E − p ⊙ I) (2).
    case inhibition
}

/// The family's random streams: each purpose has its own stream per seed, indexed by the batch
/// (training) or by the use (initialisation, test), never by the rank or the order of the trials.
enum FeedbackStream {
    /// LSTM, readout and sensory weights (index 0) and the DaleRateNet's initial gains (index 1).
    static let initialization = RandomPurpose(rawValue: 1)
    /// The contexts of training batch k (index k).
    static let trainingContexts = RandomPurpose(rawValue: 2)
    /// The source windows (start offsets, and the ica_style pair) of training batch k.
    static let trainingSources = RandomPurpose(rawValue: 3)
    /// The mixing noise of training batch k.
    static let trainingNoise = RandomPurpose(rawValue: 4)
    /// The test contexts (index 0) and the freeze experiment's contexts (index 1).
    static let testContexts = RandomPurpose(rawValue: 5)
    /// The mixing noise of the test (index 0) and of the freeze experiment (index 1).
    static let testNoise = RandomPurpose(rawValue: 6)
    /// The DaleRateNet's initial gains at the start of the test (index 0) and the freeze experiment (index 1).
    static let testGains = RandomPurpose(rawValue: 7)
}
