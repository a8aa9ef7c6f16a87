import Foundation

/// Everything one Farrell experiment (one network: train + analyse) depends on. Parameter names
/// and defaults follow the reference code (docs/families/farrell-spec.md E.1), so that a config reads like the
/// original. `FarrellFamily.readParameters` declares them.
public struct FarrellConfig: Sendable {
    // Task (docs/families/farrell-spec.md A)
    public var seed: Int
    public var X_clusters: Int
    public var X_dim: Int
    public var num_classes: Int
    public var clust_sig: Double
    public var n_lag: Int
    public var n_hold: Int
    public var n_out: Int
    public var freeze_input: Bool
    // Model (B)
    public var network: NetworkKind
    public var N: Int
    public var g_radius: Double
    public var dt: Double
    public var Win: InputWeightsKind
    public var input_scale: Double
    public var wout_scale: Double
    public var hid_nonlin: Nonlinearity
    public var use_biases: Bool
    public var train_output_weights: Bool
    public var dropout_p: Double
    public var unit_injected_noise: Double
    /// The reference applies dropout in evaluation too (a bug, B.8); false fixes it.
    public var dropout_in_eval: Bool
    // Training (C)
    public var loss: LossKind
    public var optimizer: OptimizerKind
    public var learning_rate: Double
    public var momentum: Double
    public var l2_regularization: Double
    public var scheduler: SchedulerKind
    public var learning_patience: Int
    public var scheduler_factor: Double
    public var onecycle_final_div_factor: Double
    public var patience_before_stopping: Int
    public var batch_size: Int
    public var num_epochs: Int
    public var num_train_samples_per_epoch: Int
    public var num_test_samples_per_epoch: Int
    public var saves_per_epoch: SavesPerEpoch
    // Analyses (D)
    public var analyses: [AnalysisKind]
    public var dim_samples: Int
    public var dim_time_steps: Int
    public var holdout_samples: Int
    public var holdout_split: HoldoutSplitKind
    public var holdout_repeats: Int
    public var acc_samples: Int
    /// Epochs at which the Lyapunov spectrum is computed; -1 means the final epoch.
    public var lyap_epochs: [Int]
    public var lyap_exponents: Int
    public var lyap_max_steps: Int
    public var lyap_max_ics: Int
    /// Per initial condition, stop once the running estimates settle below this (the reference's
    /// 2e-4 rule); 0 runs every initial condition for lyap_max_steps steps.
    public var lyap_step_tolerance: Double
    public var pca_samples: Int
    public var pca_points: Int
    public var pca_time_steps: Int

    /// The resolved parameters in canonical order (aliases replaced by canonical names, defaults
    /// filled in): the experiment's identity.
    public private(set) var resolved = JSONObject()

    /// Reads and checks a config; unknown names are errors (with the nearest valid name).
    public init(_ values: JSONObject) throws(ParameterError) {
        let (configuration, resolved) = try FarrellFamily().configuration(values)
        self = configuration
        self.resolved = resolved
    }

    /// The reference defaults (docs/families/farrell-spec.md E.1) with the default analyses.
    public static var defaults: FarrellConfig { try! FarrellConfig(JSONObject()) }

    /// Reads every parameter in the fixed order of the resolved parameter set (never reorder:
    /// the order is part of every stored trial's identity).
    init(reading r: inout ParameterReader) throws(ParameterError) {
        let sizeLimit = 1 << 20
        seed = try r.integer("seed", default: 0, 0...Int(Int32.max), "seed of every random stream of the experiment (the reference's model_seed)")
        // Task
        X_clusters = try r.integer("X_clusters", default: 60, 1...sizeLimit, "K, Gaussian clusters of the input distribution; cluster k has class k mod num_classes")
        X_dim = try r.integer("X_dim", default: 200, 1...sizeLimit, "D, input dimension (cluster centres uniform in [-2, 2]^D)")
        num_classes = try r.integer("num_classes", default: 2, 2...sizeLimit, "C, classes")
        clust_sig = try r.number("clust_sig", default: 0.02, .nonNegative, "standard deviation of the samples around their cluster centre")
        n_lag = try r.integer("n_lag", default: 10, 0...100_000, "T, time steps of a training sequence (feed-forward: hidden layers with n_hold)")
        n_hold = try r.integer("n_hold", default: 1, 1...100_000, "steps at which the input is presented (zero afterwards)")
        n_out = try r.integer("n_out", default: 1, 1...100_000, "last steps whose outputs enter the loss")
        freeze_input = try r.flag("freeze_input", default: false, "train on one fixed sample set instead of fresh samples every epoch")
        // Model
        network = try r.choice("network", default: .vanillaRNN, "vanilla_rnn, or its unrolled feed-forward twin with untied weights")
        N = try r.integer("N", default: 200, 1...65_536, "hidden units")
        g_radius = try r.number("g_radius", default: 20, .nonNegative, "g, spectral radius of the random part of the initial recurrent matrix (20 edge of chaos, 250 strongly chaotic)")
        dt = try r.number("dt", default: 0.01, .positive, "initial Wrec = (1 - dt) I + dt g J / rho(J)")
        Win = try r.choice("Win", default: .orthog, aliases: InputWeightsKind.aliases, "input weights: orthogonal (mean |w| = input_scale / sqrt(D)) or the rectangular identity")
        input_scale = try r.number("input_scale", default: 1, .finite, "scale of the input weights")
        wout_scale = try r.number("wout_scale", default: 1, .finite, "scale of the initial readout weights (wout_scale 0.3 / sqrt(N) N(0, 1))")
        hid_nonlin = try r.choice("hid_nonlin", default: .tanh, "hidden nonlinearity")
        use_biases = try r.flag("use_biases", default: true, "train the recurrent and readout biases (else they stay 0)")
        train_output_weights = try r.flag("train_output_weights", default: true, "train the readout weights (else they stay at their initial values)")
        dropout_p = try r.number("dropout_p", default: 0, .probability, "dropout probability of the hidden units in training")
        unit_injected_noise = try r.number("unit_injected_noise", default: 0, .nonNegative, "standard deviation of Gaussian noise added to the hidden units in training")
        dropout_in_eval = try r.flag("dropout_in_eval", default: false, "keep dropout on in validation, as the reference does by mistake")
        // Training
        loss = try r.choice("loss", default: .cce, aliases: LossKind.aliases, "cross-entropy, or mean square error against 0.7 one-hot (mse) or +-0.7 (mse_scalar)")
        optimizer = try r.choice("optimizer", default: .rmsprop, "rmsprop (alpha 0.9, eps 1e-8), sgd, or adam (PyTorch defaults)")
        learning_rate = try r.number("learning_rate", default: 1e-3, .positive, "initial learning rate")
        momentum = try r.number("momentum", default: 0, .probability, "momentum of rmsprop and sgd")
        l2_regularization = try r.number("l2_regularization", default: 0, .nonNegative, "lambda of the reference's L2 term: lambda times the mean over parameter tensors of ||p||_F / N")
        (scheduler, onecycle_final_div_factor) = try Self.readScheduler(&r)
        learning_patience = try r.integer("learning_patience", default: 5, 0...Int.max, "plateau: epochs without improvement; steplr: step size; cyclic: half-cycle; onecyclelr: warm-up epochs")
        scheduler_factor = try r.number("scheduler_factor", default: 0.5, .positive, "plateau, steplr: multiplier; cyclic: base rate / learning_rate; onecyclelr: initial division factor")
        patience_before_stopping = try r.integer("patience_before_stopping", default: 6000, 1...Int.max, "onecyclelr's total steps (no early stopping, as the reference)")
        batch_size = try r.integer("batch_size", default: 10, 1...sizeLimit, "minibatch size")
        num_epochs = try r.integer("num_epochs", default: 40, 0...1_000_000, "epochs of training")
        num_train_samples_per_epoch = try r.integer("num_train_samples_per_epoch", default: 800, 1...(1 << 30), "fresh training samples per epoch")
        // The reference's default: 15 % of the training samples, rounded half to even as Python does.
        let defaultTest = Int((0.15 * Double(num_train_samples_per_epoch)).rounded(.toNearestOrEven))
        num_test_samples_per_epoch = try r.integer("num_test_samples_per_epoch", default: max(1, defaultTest), 1...(1 << 30),
                                                   defaultText: "15 % of num_train_samples_per_epoch (120)", "fresh validation samples per epoch")
        saves_per_epoch = try Self.readSaves(&r, epochs: num_epochs)
        // Analyses
        analyses = try Self.readAnalyses(&r, network: network)
        dim_samples = try r.integer("dim_samples", default: 500, 2...sizeLimit, "balanced samples of dim_layers, dim_through_training and saturation")
        dim_time_steps = try r.integer("dim_time_steps", default: 15, 0...100_000, "steps the dimensionality analyses run (past the training window)")
        holdout_samples = try r.integer("holdout_samples", default: 500, 2...sizeLimit, "balanced samples of clust_holdout")
        holdout_split = try r.choice("holdout_split", default: .random, "held-out clusters: random partitions, or the reference's fixed split")
        holdout_repeats = try r.integer("holdout_repeats", default: 5, 1...1000, "random partitions of clust_holdout (averaged)")
        acc_samples = try r.integer("acc_samples", default: 1000, 1...sizeLimit, "balanced samples of acc_over_training")
        lyap_epochs = try Self.readLyapunovEpochs(&r, epochs: num_epochs)
        lyap_exponents = try r.integer("lyap_exponents", default: min(10, N), 1...65_536,
                                       defaultText: "min(10, N)", "leading Lyapunov exponents computed")
        lyap_max_steps = try r.integer("lyap_max_steps", default: 1000, 1...10_000_000, "QR steps per initial condition")
        lyap_max_ics = try r.integer("lyap_max_ics", default: 10, 1...10_000, "initial conditions of the Lyapunov analysis")
        lyap_step_tolerance = try r.number("lyap_step_tolerance", default: 0, .nonNegative, "stop an initial condition once its running estimates settle below this (the reference's 2e-4); 0 runs every step")
        pca_samples = try r.integer("pca_samples", default: 800, 2...sizeLimit, "balanced samples of the pca snapshots")
        pca_points = try r.integer("pca_points", default: 600, 1...sizeLimit, "samples stored per pca snapshot")
        pca_time_steps = try r.integer("pca_time_steps", default: 32, 1...100_000, "steps of the pca snapshots")
    }
}

// MARK: - Parameters with their own grammar

extension FarrellConfig {
    /// `scheduler`, with the reference's "onecyclelr_<F>" spelling folded into
    /// `onecycle_final_div_factor` (default 1e4).
    private static func readScheduler(_ r: inout ParameterReader) throws(ParameterError) -> (SchedulerKind, Double) {
        var finalDivision = 1e4
        var kind = SchedulerKind.plateau
        let key = "scheduler"
        let names = SchedulerKind.allCases.map { JSONFormat.quoted($0.rawValue) }.joined(separator: ", ")
        r.declare(key, kind: "choice", defaultText: JSONFormat.quoted(kind.rawValue), allowed: names + ", \"onecyclelr_<final division factor>\"",
                  "learning-rate schedule, stepped after every epoch's validation")
        if let value = r.take(key) {
            guard case .string(let name) = value else {
                throw ParameterError(field: key, value: value, reason: "expected a scheduler name")
            }
            if name.hasPrefix("onecyclelr_") {
                guard let factor = Double(name.dropFirst("onecyclelr_".count)), factor > 0, factor.isFinite else {
                    throw ParameterError(field: key, value: value, reason: "expected \"onecyclelr_<final division factor>\"")
                }
                kind = .onecyclelr; finalDivision = factor
            } else if let known = SchedulerKind(rawValue: name) {
                kind = known
            } else {
                let reason = name == "multisteplr" || name.lowercased() == "none"
                    ? "not supported; expected one of \(names)" : "unknown name; expected one of \(names)"
                throw ParameterError(field: key, value: value, reason: reason)
            }
        }
        r.record(key, .string(kind.rawValue))
        let description = "onecyclelr's final division factor (also written as scheduler onecyclelr_<factor>)"
        if r.wasGiven("onecycle_final_div_factor") {
            finalDivision = try r.number("onecycle_final_div_factor", default: finalDivision, .positive, description)
        } else {
            _ = try r.number("onecycle_final_div_factor", default: finalDivision, .positive, defaultText: "10000", description)
        }
        return (kind, finalDivision)
    }

    private static func readSaves(_ r: inout ParameterReader, epochs: Int) throws(ParameterError) -> SavesPerEpoch {
        let key = "saves_per_epoch"
        r.declare(key, kind: "number or list", defaultText: "1", allowed: "an integer >= 1, a fraction 1/k, or one count per epoch",
                  "checkpoints: n per epoch (1 = at each epoch start), one every k epochs, or a per-epoch list")
        guard let value = r.take(key) else { r.record(key, .number(1)); return .perEpoch(1) }
        switch value {
        case .number(let x) where x.isFinite && x >= 1 && x == x.rounded() && x <= 1e6:
            r.record(key, value)
            return .perEpoch(Int(x))
        case .number(let x) where x.isFinite && x > 0 && x < 1:
            // A fraction 1/k: one save every k epochs (k = round(1/f), as the reference).
            let k = Int((1 / x).rounded(.toNearestOrEven))
            r.record(key, value)
            return .everyEpochs(k)
        case .array(let items):
            var counts: [Int] = []
            for item in items {
                guard case .number(let x) = item, x.isFinite, x >= 0, x == x.rounded(), x <= 1e6 else {
                    throw ParameterError(field: key, value: value, reason: "a list must hold non-negative integers")
                }
                counts.append(Int(x))
            }
            guard counts.count == epochs else {
                throw ParameterError(field: key, value: value, reason: "a list needs one entry per epoch (num_epochs = \(epochs)), got \(counts.count)")
            }
            r.record(key, value)
            return .schedule(counts)
        default:
            throw ParameterError(field: key, value: value, reason: "expected an integer >= 1, a fraction 1/k, or a list of per-epoch counts")
        }
    }

    private static func readAnalyses(_ r: inout ParameterReader, network: NetworkKind) throws(ParameterError) -> [AnalysisKind] {
        let key = "analyses"
        r.declare(key, kind: "list", defaultText: "every analysis but pca (and lyapunov for feedforward)",
                  allowed: AnalysisKind.allCases.map { JSONFormat.quoted($0.rawValue) }.joined(separator: ", "),
                  "analyses at the checkpoints")
        guard let value = r.take(key) else {
            // A feed-forward network has no dynamics to take a Lyapunov spectrum of.
            let defaults = AnalysisKind.defaults.filter { network == .vanillaRNN || $0 != .lyapunov }
            r.record(key, .array(defaults.map { .string($0.rawValue) }))
            return defaults
        }
        guard case .array(let items) = value else {
            throw ParameterError(field: key, value: value, reason: "expected a list of analysis names")
        }
        var kinds: [AnalysisKind] = []
        for item in items {
            let names = AnalysisKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            guard case .string(let name) = item, let kind = AnalysisKind(rawValue: name) else {
                throw ParameterError(field: key, value: item, reason: "unknown analysis; expected one of \(names)")
            }
            guard !kinds.contains(kind) else { throw ParameterError(field: key, value: item, reason: "listed twice") }
            kinds.append(kind)
        }
        // Canonical order, so that the same set in another order is the same run.
        let ordered = AnalysisKind.allCases.filter(kinds.contains)
        r.record(key, .array(ordered.map { .string($0.rawValue) }))
        return ordered
    }

    private static func readLyapunovEpochs(_ r: inout ParameterReader, epochs: Int) throws(ParameterError) -> [Int] {
        let key = "lyap_epochs"
        r.declare(key, kind: "list", defaultText: "[0,-1]", allowed: "integers in 0...num_epochs, -1 for the final epoch",
                  "epochs at which the Lyapunov spectrum is computed")
        guard let value = r.take(key) else { r.record(key, .array([.number(0), .number(-1)])); return [0, -1] }
        guard case .array(let items) = value, !items.isEmpty else {
            throw ParameterError(field: key, value: value, reason: "expected a non-empty list of epochs (-1 = final)")
        }
        var result: [Int] = []
        for item in items {
            guard case .number(let x) = item, x == x.rounded(), x >= -1, x <= Double(epochs) else {
                throw ParameterError(field: key, value: item, reason: "each epoch must be an integer in 0...num_epochs (\(epochs)) or -1 for the final epoch")
            }
            result.append(Int(x))
        }
        r.record(key, value)
        return result
    }

    func validateCombinations() throws(ParameterError) {
        if n_out > n_lag, network == .vanillaRNN {
            throw ParameterError(field: "n_out", value: .number(Double(n_out)), reason: "must be <= n_lag (\(n_lag)): the loss reads the last n_out steps")
        }
        if n_hold > max(n_lag, 1), network == .vanillaRNN {
            throw ParameterError(field: "n_hold", value: .number(Double(n_hold)), reason: "must be <= n_lag (\(n_lag))")
        }
        if network == .vanillaRNN, n_lag < 1 {
            throw ParameterError(field: "n_lag", value: .number(Double(n_lag)), reason: "a recurrent network needs n_lag >= 1")
        }
        if X_clusters < num_classes {
            throw ParameterError(field: "X_clusters", value: .number(Double(X_clusters)), reason: "must be >= num_classes (\(num_classes)) so every class has a cluster")
        }
        if loss == .mseScalar, num_classes != 2 {
            throw ParameterError(field: "loss", value: .string(loss.rawValue), reason: "mse_scalar needs num_classes = 2 (got \(num_classes))")
        }
        if Win == .diagonalFirstTwo, X_dim > N {
            throw ParameterError(field: "Win", value: .string(Win.rawValue), reason: "diagonal_first_two needs X_dim (\(X_dim)) <= N (\(N))")
        }
        switch scheduler {
        case .plateau where scheduler_factor >= 1:
            throw ParameterError(field: "scheduler_factor", value: .number(scheduler_factor), reason: "the plateau scheduler needs a factor < 1")
        case .cyclic where scheduler_factor > 1, .cyclicHalving where scheduler_factor > 1:
            throw ParameterError(field: "scheduler_factor", value: .number(scheduler_factor), reason: "a cyclic scheduler needs a factor <= 1 (base lr = factor x learning_rate)")
        case .steplr where learning_patience < 1, .cyclic where learning_patience < 1, .cyclicHalving where learning_patience < 1:
            throw ParameterError(field: "learning_patience", value: .number(Double(learning_patience)), reason: "must be >= 1 for the \(scheduler.rawValue) scheduler")
        case .onecyclelr where patience_before_stopping < num_epochs:
            throw ParameterError(field: "patience_before_stopping", value: .number(Double(patience_before_stopping)), reason: "onecyclelr runs for patience_before_stopping epochs and must cover num_epochs (\(num_epochs))")
        case .onecyclelr where learning_patience > patience_before_stopping:
            throw ParameterError(field: "learning_patience", value: .number(Double(learning_patience)), reason: "onecyclelr's warm-up (learning_patience) must be <= patience_before_stopping (\(patience_before_stopping))")
        default: break
        }
        if network == .feedforward {
            if analyses.contains(.lyapunov) {
                throw ParameterError(field: "analyses", value: .string("lyapunov"), reason: "the Lyapunov spectrum needs a recurrent network (network = feedforward)")
            }
            if dropout_p > 0 || unit_injected_noise > 0 {
                throw ParameterError(field: dropout_p > 0 ? "dropout_p" : "unit_injected_noise",
                                  value: .number(max(dropout_p, unit_injected_noise)),
                                  reason: "dropout and injected noise exist for vanilla_rnn only")
            }
        }
        if analyses.contains(.lyapunov), lyap_exponents > N {
            throw ParameterError(field: "lyap_exponents", value: .number(Double(lyap_exponents)), reason: "must be <= N (\(N))")
        }
        if analyses.contains(.pca), pca_points > pca_samples {
            throw ParameterError(field: "pca_points", value: .number(Double(pca_points)), reason: "must be <= pca_samples (\(pca_samples))")
        }
        if analyses.contains(.clustHoldout), X_clusters < 2 {
            throw ParameterError(field: "X_clusters", value: .number(Double(X_clusters)), reason: "cluster holdout needs at least 2 clusters")
        }
        let bytes = FarrellMemory.estimatedBytes(self)
        if bytes > 8 * (1 << 30) {
            throw ParameterError(field: "N", value: .number(Double(N)), reason: String(format: "this configuration needs about %.1f GiB of memory (limit 8 GiB)", Double(bytes) / Double(1 << 30)))
        }
    }
}

// MARK: - Derived quantities

extension FarrellConfig {
    /// Output units: one per class, or a single unit for mse_scalar.
    public var outputSize: Int { loss == .mseScalar ? 1 : num_classes }

    /// Time steps of one training sequence (recurrent) or hidden layers (feedforward).
    public var sequenceLength: Int { network == .vanillaRNN ? n_lag : n_lag + n_hold }

    /// Time steps that enter the loss: [n_lag - n_out, n_lag). The reference's range extends
    /// past the sequence end when n_hold > 1 (a bug, A.6); it is clipped to the sequence here.
    public var lossSteps: Range<Int> {
        network == .vanillaRNN ? (n_lag - n_out)..<n_lag : (sequenceLength - 1)..<sequenceLength
    }

    /// Steps at which the input is presented (recurrent: the first n_hold; feedforward: the first layer).
    public var inputSteps: Int { network == .vanillaRNN ? n_hold : 1 }

    public var trainBatchesPerEpoch: Int { (num_train_samples_per_epoch + batch_size - 1) / batch_size }
    public var validationBatchesPerEpoch: Int { (num_test_samples_per_epoch + batch_size - 1) / batch_size }

    /// Layers seen by the layer-wise analyses: 0 = input, k = state after k steps.
    public var analysisLayers: Int { network == .vanillaRNN ? dim_time_steps + 1 : sequenceLength + 1 }
    /// Layers of the cluster-holdout analysis (no time padding: 0 ... sequence length).
    public var holdoutLayers: Int { sequenceLength + 1 }
    /// Steps the layer-wise analyses run: dim_time_steps (at least the training window) for a
    /// recurrent network, the layer count for a feed-forward one.
    public var layerSteps: Int { network == .vanillaRNN ? max(dim_time_steps, sequenceLength) : sequenceLength }
    /// Steps of the PCA snapshots (every layer of a feed-forward network).
    public var pcaSteps: Int { network == .vanillaRNN ? pca_time_steps : sequenceLength }
}
