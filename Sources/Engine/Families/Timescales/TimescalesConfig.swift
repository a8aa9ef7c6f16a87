/// Everything one timescales experiment (one network trained through a curriculum, analysed at
/// each milestone) depends on. Names and defaults follow the reference code
/// (LevinaLab/rnn_timescale_public, training/train.py and the analysis scripts); see
/// docs/families/timescales.md. `TimescalesFamily.readParameters` declares them.
public struct TimescalesConfig: Sendable {
    // Task and curriculum
    public var seed: Int
    public var task: BitTask
    public var curriculum: CurriculumKind
    // Model
    public var model: UpdateRuleKind
    public var activation: PointwiseActivation
    public var hidden_size: Int
    /// One τ shared by every unit and not trained (the reference's `-T`); nil trains τ per unit.
    public var fixed_tau: Double?
    public var readout_heads: Int
    // Curriculum
    public var n_min: Int
    public var n_max: Int
    public var init_heads: Int
    public var add_heads: Int
    public var forget_heads: Int
    // Training
    public var max_epochs: Int
    public var train_steps: Int
    public var test_batches: Int
    public var batch_size: Int
    public var learning_rate: Double
    public var momentum: Double
    public var clip_norm: Double
    public var advance_accuracy: Double
    // Analyses
    public var analyses: [TimescalesAnalysis]
    public var tau_net_trials: Int
    public var tau_net_steps: Int
    public var tau_net_burn_in: Int
    public var ac_lags: Int
    public var fit_lags: Int
    public var fit_max_evaluations: Int
    public var pca_threshold: Double
    public var ablation_ns: [Int]
    public var ablation_neurons: Int
    public var perturbation_ns: [Int]
    public var accuracy_trials: Int
    public var accuracy_steps: Int
    public var accuracy_warmup: Int

    /// Reads every parameter in the fixed order of the resolved parameter set (never reorder:
    /// the order is part of every stored trial's identity).
    init(reading r: inout ParameterReader) throws(ParameterError) {
        seed = try r.integer("seed", default: 0, 0...Int(Int32.max), "seed of every random stream of the experiment")
        task = try r.choice("task", default: .parity, "N-parity (bits ~ Bernoulli(p), p ~ U(0,1) per sequence) or N-DMS (bits ~ Bernoulli(0.5))")
        curriculum = try r.choice("curriculum", default: .cumulative, aliases: ["multi": .cumulative, "multi-head": .cumulative, "single-head": .single],
                                  "single: one head, N grows; cumulative (multi-head): a head per N; sliding: a window of heads")
        model = try r.choice("model", default: .default, "update rule: default h' = f((1-1/tau) h + u/tau), mod h' = (1-1/tau) h + f(u)/tau")
        activation = try r.choice("activation", default: .leakyReLU, "f: LeakyReLU (slope 0.01), ReLU, tanh or sigmoid")
        hidden_size = try r.integer("hidden_size", default: 500, 1...8192, "H, recurrent units")
        fixed_tau = try Self.readFixedTau(&r)
        readout_heads = try r.integer("readout_heads", default: 100, 1...10_000, "readout heads (H -> 2 each) allocated up front; head k serves the k-th N of the current curriculum list")
        n_min = try r.integer("n_min", default: 2, 1...100_000, "the first N of the curriculum (the reference's ns_init)")
        n_max = try r.integer("n_max", default: 101, 1...100_000, "the curriculum stops once its newest N reaches n_max (or the next step would pass it); sizes the per-N results")
        init_heads = try r.integer("init_heads", default: 1, 1...10_000, "cumulative and sliding: heads (consecutive Ns from n_min) to start with; sliding: the window")
        add_heads = try r.integer("add_heads", default: 1, 1...10_000, "cumulative: heads added at each milestone")
        forget_heads = try r.integer("forget_heads", default: 1, 1...10_000, "sliding: heads dropped (oldest N) and added at each milestone")
        max_epochs = try r.integer("max_epochs", default: 1000, 0...1_000_000, "epochs at most")
        train_steps = try r.integer("train_steps", default: 600, 1...1_000_000, "training minibatches per epoch")
        test_batches = try r.integer("test_batches", default: 50, 1...1_000_000, "test minibatches per epoch (the curriculum's accuracy)")
        batch_size = try r.integer("batch_size", default: 256, 1...65_536, "sequences per minibatch")
        learning_rate = try r.number("learning_rate", default: 0.05, .positive, "SGD learning rate (Nesterov momentum)")
        momentum = try r.number("momentum", default: 0.1, .probability, "SGD momentum (Nesterov)")
        clip_norm = try r.number("clip_norm", default: 2, .positive, "gradients clipped to this global L2 norm")
        advance_accuracy = try r.number("advance_accuracy", default: 98, .nonNegative, "percent: the curriculum advances when the mean test accuracy over the heads and the newest head's both exceed it")
        analyses = try Self.readAnalyses(&r)
        tau_net_trials = try r.integer("tau_net_trials", default: 10, 1...1000, "simulated trials of the milestone analyses (one Bernoulli(p), p ~ U(0,1), per trial)")
        tau_net_steps = try r.integer("tau_net_steps", default: 101_000, 2...100_000_000, "steps per simulated trial (10^5 + 500 + 500 as the reference)")
        tau_net_burn_in = try r.integer("tau_net_burn_in", default: 500, 0...100_000_000, "states dropped at the start of a trial (h_0 included)")
        ac_lags = try r.integer("ac_lags", default: 200, 1...100_000, "lags 0 ... ac_lags-1 of the stored population autocorrelation")
        fit_lags = try r.integer("fit_lags", default: 30, 1...10_000, "per-neuron autocorrelations are fitted on lags 0 ... fit_lags")
        fit_max_evaluations = try r.integer("fit_max_evaluations", default: 2000, 1...1_000_000, "function evaluations allowed per exponential fit (the reference's maxfev)")
        pca_threshold = try r.number("pca_threshold", default: 0.9, .probability, "dimension = index of the first principal component whose cumulative explained variance exceeds this")
        ablation_ns = try Self.readNList(&r, "ablation_ns", default: [5, 30, 35], "milestone Ns of the ablation analysis")
        ablation_neurons = try r.integer("ablation_neurons", default: 20, 1...4096, "ablation: the fastest and the slowest neurons (by tau) silenced one at a time, this many of each")
        perturbation_ns = try Self.readNList(&r, "perturbation_ns", default: [30], "milestone Ns of the perturbation analysis")
        accuracy_trials = try r.integer("accuracy_trials", default: 10, 1...10_000, "ablation and perturbation: trials per accuracy (a fresh perturbation each)")
        accuracy_steps = try r.integer("accuracy_steps", default: 1000, 1...10_000_000, "ablation and perturbation: classified steps of one Bernoulli(0.5) stream")
        accuracy_warmup = try r.integer("accuracy_warmup", default: 100, 0...10_000_000, "ablation and perturbation: unclassified steps before them")
    }

    private static func readFixedTau(_ r: inout ParameterReader) throws(ParameterError) -> Double? {
        let key = "fixed_tau"
        r.declare(key, kind: "number or null", defaultText: "null", allowed: ">= 1, or null",
                  "one tau shared by every unit and not trained (the reference's -T); null trains tau per unit from 1 + U(0,1)")
        guard let value = r.take(key) else { r.record(key, .null); return nil }
        guard case .number(let x) = value, x.isFinite else {
            throw ParameterError(field: key, value: value, reason: "expected a number >= 1, or null for trained time constants")
        }
        guard x >= 1 else { throw ParameterError(field: key, value: value, reason: "must be >= 1 (or null for trained time constants)") }
        r.record(key, value)
        return x
    }

    private static func readAnalyses(_ r: inout ParameterReader) throws(ParameterError) -> [TimescalesAnalysis] {
        let key = "analyses"
        let names = TimescalesAnalysis.allCases.map { JSONFormat.quoted($0.rawValue) }.joined(separator: ", ")
        r.declare(key, kind: "list", defaultText: "[\"timescales\",\"dimensionality\"]", allowed: names,
                  "analyses at every milestone (the trained tau is always kept); ablation and perturbation are costly")
        let defaults = TimescalesAnalysis.defaults
        guard let value = r.take(key) else {
            r.record(key, .array(defaults.map { .string($0.rawValue) }))
            return defaults
        }
        guard case .array(let items) = value else {
            throw ParameterError(field: key, value: value, reason: "expected a list of analysis names")
        }
        var kinds: [TimescalesAnalysis] = []
        for item in items {
            guard case .string(let name) = item, let kind = TimescalesAnalysis(rawValue: name) else {
                throw ParameterError(field: key, value: item, reason: "unknown analysis; expected one of \(names)")
            }
            guard !kinds.contains(kind) else { throw ParameterError(field: key, value: item, reason: "listed twice") }
            kinds.append(kind)
        }
        // Canonical order, so that the same set in another order is the same trial.
        let ordered = TimescalesAnalysis.allCases.filter(kinds.contains)
        r.record(key, .array(ordered.map { .string($0.rawValue) }))
        return ordered
    }

    /// A list of distinct Ns (each >= 1), kept in the order given.
    private static func readNList(_ r: inout ParameterReader, _ key: String, default defaults: [Int],
                                  _ description: String) throws(ParameterError) -> [Int] {
        r.declare(key, kind: "list", defaultText: "[" + defaults.map(String.init).joined(separator: ",") + "]",
                  allowed: "distinct integers in n_min...n_max", description)
        guard let value = r.take(key) else {
            r.record(key, .array(defaults.map { .number(Double($0)) }))
            return defaults
        }
        guard case .array(let items) = value else { throw ParameterError(field: key, value: value, reason: "expected a list of Ns") }
        var ns: [Int] = []
        for item in items {
            guard case .number(let x) = item, x.isFinite, x == x.rounded(), x >= 1, x <= 100_000 else {
                throw ParameterError(field: key, value: item, reason: "each N must be an integer >= 1")
            }
            guard !ns.contains(Int(x)) else { throw ParameterError(field: key, value: item, reason: "listed twice") }
            ns.append(Int(x))
        }
        r.record(key, value)
        return ns
    }

    func validateCombinations() throws(ParameterError) {
        func fail(_ field: String, _ value: Int, _ reason: String) -> ParameterError {
            ParameterError(field: field, value: .number(Double(value)), reason: reason)
        }
        if n_max < n_min { throw fail("n_max", n_max, "must be >= n_min (\(n_min))") }
        if task == .dms, n_min < 2 { throw fail("n_min", n_min, "N-DMS compares two different bits: needs n_min >= 2") }
        switch curriculum {
        case .single: break
        case .cumulative:
            if n_min + init_heads - 1 > n_max { throw fail("init_heads", init_heads, "starts past n_max: n_min + init_heads - 1 must be <= n_max (\(n_max))") }
            if headsNeeded > readout_heads {
                throw fail("readout_heads", readout_heads, "the cumulative curriculum from N \(n_min) to \(n_max) needs \(headsNeeded) heads")
            }
        case .sliding:
            if forget_heads > init_heads {
                throw fail("forget_heads", forget_heads, "the sliding window (init_heads = \(init_heads)) must hold the heads it forgets")
            }
            if n_min + init_heads - 1 > n_max { throw fail("init_heads", init_heads, "starts past n_max: n_min + init_heads - 1 must be <= n_max (\(n_max))") }
            if init_heads > readout_heads { throw fail("readout_heads", readout_heads, "the sliding window needs \(init_heads) heads") }
        }
        if analyses.contains(.ablation) {
            for n in ablation_ns where n < n_min || n > n_max { throw fail("ablation_ns", n, "must be in n_min...n_max (\(n_min)...\(n_max))") }
            if 2 * ablation_neurons > hidden_size {
                throw fail("ablation_neurons", ablation_neurons, "twice this must be <= hidden_size (\(hidden_size))")
            }
        }
        if analyses.contains(.perturbation) {
            for n in perturbation_ns where n < n_min || n > n_max { throw fail("perturbation_ns", n, "must be in n_min...n_max (\(n_min)...\(n_max))") }
        }
        if simulates {
            if tau_net_burn_in > tau_net_steps - 1 {
                throw fail("tau_net_burn_in", tau_net_burn_in, "must leave at least 2 states of the tau_net_steps + 1 (\(tau_net_steps + 1))")
            }
            if analyses.contains(.timescales) {
                if fit_lags + 1 > recordedStates - 1 {
                    throw fail("fit_lags", fit_lags, "needs more recorded states (\(recordedStates)) than fit_lags + 2")
                }
                if ac_lags > recordedStates - 1 {
                    throw fail("ac_lags", ac_lags, "must be < the recorded states per trial (\(recordedStates))")
                }
                if fit_lags < 3 { throw fail("fit_lags", fit_lags, "the double-exponential fit has 4 parameters: needs fit_lags >= 3") }
            }
        }
        let streamNs = (analyses.contains(.ablation) ? ablation_ns : []) + (analyses.contains(.perturbation) ? perturbation_ns : [])
        if let largest = streamNs.max(), accuracy_warmup < largest {
            throw fail("accuracy_warmup", accuracy_warmup, "must cover the \(largest) bits the first classified step needs")
        }
        let bytes = TimescalesMemory.estimatedBytes(self)
        if bytes > 16 * (1 << 30) {
            throw ParameterError(field: "hidden_size", value: .number(Double(hidden_size)),
                                 reason: "this configuration needs about \(bytes >> 30) GiB of memory (limit 16 GiB)")
        }
    }
}

// MARK: - Derived quantities

extension TimescalesConfig {
    /// Ns the per-N results cover: n_min ... n_max.
    public var milestoneCount: Int { n_max - n_min + 1 }

    /// Heads the cumulative curriculum uses at most.
    var headsNeeded: Int {
        switch curriculum {
        case .single: 1
        case .cumulative: n_max - n_min + 1
        case .sliding: init_heads
        }
    }

    /// The longest training sequence: M <= 4 n_max + 1.
    public var maxSequenceLength: Int { 4 * n_max + 1 }

    /// Whether a milestone simulates the network (for tau_net, the population AC and the PCA).
    var simulates: Bool { analyses.contains(.timescales) || analyses.contains(.dimensionality) }

    /// States kept per simulated trial: h_burn ... h_steps.
    public var recordedStates: Int { tau_net_steps + 1 - tau_net_burn_in }

    /// The trained time constants start at 1 + U(0,1); a fixed one stays put.
    var trainsTau: Bool { fixed_tau == nil }
}

/// Named choices of the timescales family, spelled as in the reference code.
public enum BitTask: String, Sendable, CaseIterable {
    case parity, dms
}

public enum CurriculumKind: String, Sendable, CaseIterable {
    case single, cumulative, sliding
}

public enum UpdateRuleKind: String, Sendable, CaseIterable {
    case `default`, mod

    var rule: LeakyRecurrence.UpdateRule {
        switch self {
        case .default: .filterThenActivate
        case .mod: .activateThenFilter
        }
    }
}

public enum TimescalesAnalysis: String, Sendable, CaseIterable {
    /// tau_net per neuron (fits of the autocorrelations) and the population autocorrelation.
    case timescales
    /// Dimension of the activity (PCA per simulated trial).
    case dimensionality
    /// Accuracy with the fastest and the slowest neurons silenced one at a time.
    case ablation
    /// Accuracy under random perturbations of the recurrent weights and of tau.
    case perturbation

    static let defaults: [TimescalesAnalysis] = [.timescales, .dimensionality]
}

/// The timescales family's random streams (each keyed by the seed and an index).
enum TimescalesStream {
    static let weights = RandomPurpose(rawValue: 1)
    /// index: epoch << 32 | minibatch.
    static let trainingBatch = RandomPurpose(rawValue: 2)
    static let testBatch = RandomPurpose(rawValue: 3)
    /// index: N of the milestone.
    static let simulation = RandomPurpose(rawValue: 4)
    static let ablationInput = RandomPurpose(rawValue: 5)
    /// index: N << 32 | perturbation kind << 16 | strength.
    static let perturbation = RandomPurpose(rawValue: 6)
    static let perturbationInput = RandomPurpose(rawValue: 7)

    static func batchIndex(epoch: Int, batch: Int) -> UInt64 { UInt64(epoch) << 32 | UInt64(batch) }
}

/// Memory a trial allocates, estimated before anything is allocated.
enum TimescalesMemory {
    static func estimatedBytes(_ c: TimescalesConfig) -> Int {
        let h = c.hidden_size, b = c.batch_size, m = c.maxSequenceLength
        let parameters = h * h + 4 * h + c.readout_heads * 2 * (h + 1)
        var floats = 3 * parameters                        // values, gradients, momentum
        floats += 4 * (m + 1) * b * h                      // states, dStates, the recurrence's two tapes
        var doubles = 0
        if c.simulates {
            doubles += c.tau_net_trials * h * (3 * (c.fit_lags + 1) + 4)     // lagged products, rings
            if c.analyses.contains(.dimensionality) { doubles += c.tau_net_trials * (h * h + 256 * h) }
            doubles += c.tau_net_trials * c.recordedStates                   // population activity
        }
        return floats * 4 + doubles * 8
    }
}
