import Foundation

/// Everything one latent_dynamics trial (one sequential autoencoder: data, training, metrics)
/// depends on. Names follow the reference code (snel-repo/expressive-latent-dynamics-paper:
/// configs/datamodule, configs/model, the Lightning trainer), defaults its configs.
/// `LatentDynamicsFamily.readParameters` declares them.
public struct LatentDynamicsConfig: Sendable {
    public var seed: Int
    // Data set
    public var system: ChaoticSystemKind
    public var obs_dim: Int
    public var data_seed: Int
    public var n_samples: Int
    public var n_timesteps: Int
    public var pts_per_period: Int
    public var integration_tolerance: Double
    // Model
    public var model: LatentModel
    public var latent_size: Int
    public var encoder_size: Int
    public var mlp_hidden_size: Int
    public var mlp_activation: MLPActivation
    public var dt: Double
    public var ode_steps_per_bin: Int
    public var dropout: Double
    // Training
    public var learning_rate: Double
    public var weight_decay: Double
    public var points_per_group: Int
    public var epochs_per_group: Int
    public var batch_size: Int
    public var max_epochs: Int
    public var summary_epochs: Int

    /// Reads and checks a config (the resolved parameters are `LatentDynamicsFamily().configuration`'s).
    public init(_ values: JSONObject) throws(ParameterError) {
        self = try LatentDynamicsFamily().configuration(values).0
    }

    /// Reads every parameter in the fixed order of the resolved parameter set (never reorder:
    /// the order is part of every stored trial's identity).
    init(reading r: inout ParameterReader) throws(ParameterError) {
        seed = try r.integer("seed", default: 0, 0...Int(Int32.max), "seed of the initial weights, the minibatch order and the dropout masks (the reference's seed)")
        system = try r.choice("system", default: .arneodo, aliases: ChaoticSystemKind.aliases,
                              "chaotic system of the latent dynamics (dysts' parameters and initial condition)")
        obs_dim = try r.integer("obs_dim", default: 10, 1...10_000, "n, spiking neurons observed")
        data_seed = try r.integer("data_seed", default: 0, 0...Int(Int32.max), "seed of the data set: readout, spikes, train/valid/test split (the reference's data-module seed, 0 in every run)")
        n_samples = try r.integer("n_samples", default: 2000, 3...1_000_000, "trials: consecutive windows of one trajectory, split 64/16/20 % into train/valid/test")
        n_timesteps = try r.integer("n_timesteps", default: 70, 5...100_000, "T, bins per trial")
        let systemPoints = system == .lorenz ? 100 : 35
        pts_per_period = try r.integer("pts_per_period", default: systemPoints, 2...100_000, defaultText: "35 (lorenz: 100)",
                                       "bins per period of the system (the bin is period / pts_per_period)")
        integration_tolerance = try r.number("integration_tolerance", default: 1e-9, .positive, "relative and absolute tolerance of the Dormand-Prince 5(4) integration of the system (mackey_glass: fixed-step Euler, unused)")
        model = try r.choice("model", default: .gru, aliases: LatentModel.aliases,
                             "decoder: gru, node (RK4 neural ODE), node-discrete, or an ablation of node-discrete; also sets the defaults below")
        let defaults = model.defaults
        latent_size = try r.integer("latent_size", default: defaults.latentSize, 1...1024,
                                    defaultText: "25 (gru), 10 (node-discrete), 3 (other models)", "L, dimension of the decoder's state")
        encoder_size = try r.integer("encoder_size", default: 64, 1...4096, "hidden units of each direction of the bidirectional GRU encoder")
        mlp_hidden_size = try r.integer("mlp_hidden_size", default: 128, 1...4096, "hidden units of the decoder MLP (node, node-discrete, rm-pass, rm-gradual)")
        mlp_activation = try r.choice("mlp_activation", default: .tanh, "activation of the decoder MLP (the shipped ablation runs used relu)")
        dt = try r.number("dt", default: 0.1, .positive, "step of the residual decoders: z_t = z_{t-1} + dt f(z_{t-1}) (node-discrete, rm-mlp, rm-gradual)")
        ode_steps_per_bin = try r.integer("ode_steps_per_bin", default: 1, 1...1000, "RK4 steps per bin of the node decoder (t in [0, 1] over n_timesteps points)")
        dropout = try r.number("dropout", default: 0.05, .probability, "dropout of the encoder's final states and of the initial condition, in training")
        let learningRateText = "1e-3 (gru, rm-pass), 5e-3 (node), 5e-4 (node-discrete), 1e-2 (rm-mlp, rm-gradual, vanilla)"
        learning_rate = try r.number("learning_rate", default: defaults.learningRate, .positive, defaultText: learningRateText, "Adam's learning rate")
        weight_decay = try r.number("weight_decay", default: defaults.weightDecay, .nonNegative,
                                    defaultText: "1e-4 (gru), 1e-5 (node), 0 (other models)", "Adam's L2 weight decay, added to the gradient (torch.optim.Adam)")
        points_per_group = try r.integer("points_per_group", default: defaults.pointsPerGroup, 1...100_000,
                                         defaultText: "70 (gru, rm-gradual, vanilla), 5 (node), 20 (other models)",
                                         "time curriculum: the loss reads the first min(T, points_per_group (floor(epoch / epochs_per_group) + 1)) bins")
        epochs_per_group = try r.integer("epochs_per_group", default: defaults.epochsPerGroup, 1...1_000_000,
                                         defaultText: "3000 (gru, rm-gradual, vanilla), 150 (node), 500 (other models)", "time curriculum: epochs per group")
        batch_size = try r.integer("batch_size", default: 650, 1...1_000_000, "training trials per minibatch (the last one of an epoch may be smaller)")
        max_epochs = try r.integer("max_epochs", default: 3000, 0...1_000_000, "epochs of training (no early stopping)")
        summary_epochs = try r.integer("summary_epochs", default: 500, 1...1_000_000, "the medians cover the last min(summary_epochs, max_epochs) epochs (the paper's figures: 500)")
    }

    func validateCombinations() throws(ParameterError) {
        let bins = Double(n_samples) * Double(n_timesteps)
        if bins > 20_000_000 {
            throw ParameterError(field: "n_samples", value: .number(Double(n_samples)),
                                 reason: "n_samples x n_timesteps = \(Int(bins)) bins: at most 20000000")
        }
        if system == .mackeyGlass {
            // Euler steps of the delay equation: period / dt per period, n_samples x n_timesteps / pts_per_period periods.
            let steps = bins / Double(pts_per_period) * ChaoticSystem.mackeyGlassPeriod / ChaoticSystem.mackeyGlassStep
            if steps > 2e9 {
                throw ParameterError(field: "pts_per_period", value: .number(Double(pts_per_period)),
                                     reason: String(format: "mackey_glass would need %.2g Euler steps (at most 2e9): use more points per period or fewer bins", steps))
            }
        }
        let bytes = LatentMemory.estimatedBytes(self)
        if bytes > 8 * (1 << 30) {
            throw ParameterError(field: "batch_size", value: .number(Double(batch_size)),
                                 reason: String(format: "this configuration needs about %.1f GiB of memory (limit 8 GiB)", Double(bytes) / Double(1 << 30)))
        }
    }
}

// MARK: - Derived quantities

extension LatentDynamicsConfig {
    /// D, the dimension of the true latents.
    public var systemDimension: Int { system == .mackeyGlass ? ChaoticSystem.delayEmbedding : 3 }

    /// The split of the trials (the reference's two sklearn train_test_split calls with
    /// test_size 0.2: test = ⌈0.2 S⌉, then valid = ⌈0.2 (S − test)⌉).
    public var splitSizes: (train: Int, valid: Int, test: Int) {
        let test = Int((0.2 * Double(n_samples)).rounded(.up))
        let valid = Int((0.2 * Double(n_samples - test)).rounded(.up))
        return (n_samples - test - valid, valid, test)
    }

    public var trainBatchesPerEpoch: Int { (splitSizes.train + batch_size - 1) / batch_size }

    /// The largest training minibatch.
    public var largestBatch: Int { min(batch_size, splitSizes.train) }

    /// Bins the loss reads in epoch e (the time curriculum).
    public func curriculumPoints(epoch e: Int) -> Int {
        min(n_timesteps, (e / epochs_per_group + 1) * points_per_group)
    }

    /// The bin ranges of the thirds of a trial (torch.chunk(T, 3): chunks of ⌈T/3⌉).
    public var thirds: [Range<Int>] {
        let size = (n_timesteps + 2) / 3
        return [0..<size, size..<(2 * size), (2 * size)..<n_timesteps]
    }

    /// Epochs whose metrics enter the medians.
    public var summaryRange: Range<Int> { max(0, max_epochs - summary_epochs)..<max_epochs }
}
