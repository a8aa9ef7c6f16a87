/// Named choices of the configuration, spelled as in the reference code.

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
}

public enum OptimizerKind: String, Sendable, CaseIterable {
    case rmsprop, sgd, adam
}

public enum SchedulerKind: String, Sendable, CaseIterable {
    case plateau, steplr, cyclic
    case cyclicHalving = "cyclic_halving"
    case onecyclelr
}

/// How the cluster-holdout analysis chooses held-out clusters.
public enum HoldoutSplitKind: String, Sendable, CaseIterable {
    /// A fresh random partition per repeat (seeded): the fix of the reference's fixed split.
    case random
    /// The reference's split: clusters with index > round(0.8 K) are held out, identical repeats.
    case reference
}

/// The analyses a run can perform at its checkpoints.
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
