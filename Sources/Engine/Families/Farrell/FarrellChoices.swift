/// Named choices of the Farrell family's parameters, spelled as in the reference code.

public enum NetworkKind: String, Sendable, CaseIterable {
    case vanillaRNN = "vanilla_rnn"
    case feedforward
}

public enum InputWeightsKind: String, Sendable, CaseIterable {
    /// Orthogonal columns, normalised so that every entry has mean |w| = input_scale / √D.
    case orthog
    /// Rectangular identity: input coordinate i drives hidden unit i only.
    case diagonalFirstTwo = "diagonal_first_two"

    static let aliases: [String: InputWeightsKind] = ["orth": .orthog, "orthogonal": .orthog,
                                                      "identity": .diagonalFirstTwo]
}

public enum LossKind: String, Sendable, CaseIterable {
    case cce
    case mse
    case mseScalar = "mse_scalar"

    static let aliases: [String: LossKind] = ["categorical_crossentropy": .cce, "mean_square_error": .mse]

    /// The reference's targets for the mse losses: 0.7 one-hot (mse) or ±0.7 (mse_scalar).
    static let targetMagnitude: Float = 0.7

    /// The loss kernel with the reference's constants.
    var loss: ClassificationLoss {
        switch self {
        case .cce: .crossEntropy
        case .mse: .meanSquared(target: Self.targetMagnitude)
        case .mseScalar: .meanSquaredScalar(target: Self.targetMagnitude)
        }
    }
}

public enum OptimizerKind: String, Sendable, CaseIterable {
    case rmsprop, sgd, adam

    /// The update rule with the reference's constants: RMSprop with α = 0.9 (PyTorch's default is
    /// 0.99) and ε = 1e-8; Adam with PyTorch's defaults and no momentum (the reference forces it to 0).
    func rule(momentum: Double) -> OptimizerRule {
        switch self {
        case .rmsprop: .rmsprop(smoothing: 0.9, epsilon: 1e-8, momentum: momentum)
        case .sgd: .sgd(momentum: momentum)
        case .adam: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        }
    }
}

/// How the cluster-holdout analysis chooses held-out clusters.
public enum HoldoutSplitKind: String, Sendable, CaseIterable {
    /// A fresh random partition per repeat (seeded): the fix of the reference's fixed split.
    case random
    /// The reference's split: clusters with index > round(0.8 K) are held out, identical repeats.
    case reference
}

/// The analyses a Farrell experiment can perform at its checkpoints.
public enum AnalysisKind: String, Sendable, CaseIterable {
    case dimLayers = "dim_layers"
    case dimThroughTraining = "dim_through_training"
    case clustHoldout = "clust_holdout"
    case accOverTraining = "acc_over_training"
    case lyapunov
    case pca
    case saturation

    /// Everything but the large PCA snapshots.
    public static let defaults: [AnalysisKind] = [.dimLayers, .dimThroughTraining, .clustHoldout,
                                                  .accOverTraining, .lyapunov, .saturation]
}

/// When checkpoints are taken (`saves_per_epoch`).
public enum SavesPerEpoch: Hashable, Sendable {
    /// n >= 1 saves within every epoch (n = 1: at the start of each epoch).
    case perEpoch(Int)
    /// One save every k epochs (`saves_per_epoch` = 1/k).
    case everyEpochs(Int)
    /// Per-epoch save counts, one entry per epoch.
    case schedule([Int])
}

/// The Farrell family's random streams (each keyed by the seed and an index).
enum FarrellStream {
    static let clusterCenters = RandomPurpose(rawValue: 1)
    static let weights = RandomPurpose(rawValue: 2)
    static let trainingData = RandomPurpose(rawValue: 3)
    static let validationData = RandomPurpose(rawValue: 4)
    static let evaluationData = RandomPurpose(rawValue: 5)
    static let lyapunovInitialConditions = RandomPurpose(rawValue: 6)
    static let unitNoise = RandomPurpose(rawValue: 7)
    static let holdoutSplit = RandomPurpose(rawValue: 8)
    static let frozenData = RandomPurpose(rawValue: 9)
}
