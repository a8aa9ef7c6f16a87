import Foundation

/// Everything one flossing trial (one network: preflossing, training with interflossing,
/// analyses) depends on. Names and defaults are the reference's (`trainRNNflossing`'s positional
/// arguments as its README names them, docs/families/flossing.md), each with a readable alias;
/// `FlossingFamily.readParameters` declares them.
public struct FlossingConfig: Sendable {
    public var seed: Int
    // Task
    /// 0: delayed copy; −h: delayed XOR of level h.
    public var task: Int
    public var delay: Int
    public var I1: Double
    public var T: Int
    // Network
    public var N: Int
    public var IC: CouplingKind
    public var g: Double
    public var gbar: Double
    public var wsS: Double, wsM: Double, wrS: Double, wrM: Double, bS: Double, bM: Double
    // Training
    public var B: Int
    public var E: Int
    public var lr: Double
    public var b1: Double
    public var b2: Double
    public var clip_norm: Double
    // Flossing
    public var nLE: Int
    public var Tp: Int
    public var Ep: Int
    public var Ef: Int
    public var Ei: Int
    public var Ni: Int
    public var Lwnt: Double
    // Analyses
    public var spectrum_steps: Int
    public var test_samples: Int
    public var accuracy_threshold: Double

    /// Reads and checks a config (without `family`); unknown names are errors.
    public init(_ values: JSONObject) throws(ParameterError) {
        self = try FlossingFamily().configuration(values).0
    }

    public static var defaults: FlossingConfig { try! FlossingConfig(JSONObject()) }

    /// Reads every parameter in the fixed order of the resolved parameter set (never reorder:
    /// the order is part of every stored trial's identity).
    init(reading r: inout ParameterReader) throws(ParameterError) {
        let sizeLimit = 1 << 20
        seed = try r.integer("seed", default: 0, 0...Int(Int32.max), "seed of every random stream of the trial (the reference's sIC, sIn, sNet and sONS)")
        // Task
        task = try Self.readTask(&r)
        try r.alias(["d"], of: "delay")
        delay = try r.integer("delay", default: 10, 1...100_000, "d, the delay in steps")
        try r.alias(["input_amplitude"], of: "I1")
        I1 = try r.number("I1", default: 1, .finite, "amplitude of the input bits (each step's input is 0 or I1)")
        try r.alias(["trial_length"], of: "T")
        T = try r.integer("T", default: 300, 1...1_000_000, "steps of a training sequence")
        // Network
        N = try r.integer("N", default: 80, 1...4096, "recurrent units")
        try r.alias(["coupling"], of: "IC")
        IC = try Self.readCoupling(&r)
        g = try r.number("g", default: 1, .nonNegative, "gain of the initial recurrent matrix")
        try r.alias(["coupling_mean"], of: "gbar")
        gbar = try r.number("gbar", default: 0, .finite, "mean coupling of the gaussian J (adds gbar/N to every entry)")
        wsS = try r.number("wsS", default: 1, .finite, "initial input weights ws = wsS N(0, 1) + wsM")
        wsM = try r.number("wsM", default: 0, .finite, "mean of the initial input weights")
        wrS = try r.number("wrS", default: 1, .finite, "initial readout weights wr = wrS N(0, 1) + wrM")
        wrM = try r.number("wrM", default: 0, .finite, "mean of the initial readout weights")
        bS = try r.number("bS", default: 0.1, .finite, "initial bias b = bM + bS U(0, 1)")
        bM = try r.number("bM", default: 0, .finite, "offset of the initial bias")
        // Training
        try r.alias(["batch_size"], of: "B")
        B = try r.integer("B", default: 16, 1...sizeLimit, "sequences per training batch, and trainable initial states")
        try r.alias(["epochs"], of: "E")
        E = try r.integer("E", default: 3001, 0...10_000_000, "training epochs: one fresh batch and one AdamW update each")
        try r.alias(["learning_rate"], of: "lr")
        lr = try r.number("lr", default: 1e-3, .positive, "learning rate of training and of flossing (AdamW, decay 0, eps 1e-8)")
        b1 = try r.number("b1", default: 0.9, .probability, "AdamW beta1")
        b2 = try r.number("b2", default: 0.999, .probability, "AdamW beta2")
        clip_norm = try r.number("clip_norm", default: 0.03, .positive, "training gradients are clipped to this norm, each tensor on its own (Flux's ClipNorm)")
        // Flossing
        try r.alias(["k"], of: "nLE")
        nLE = try r.integer("nLE", default: min(75, N), 1...65_536, defaultText: "min(75, N)", "k, the leading Lyapunov exponents flossed and recorded")
        try r.alias(["flossing_steps"], of: "Tp")
        Tp = try r.integer("Tp", default: 55, 1...100_000, "steps of a flossing spectrum estimate; the first 10 + ceil(Tp/10) are discarded")
        try r.alias(["preflossing_updates"], of: "Ep")
        Ep = try r.integer("Ep", default: 500, 0...10_000_000, "flossing updates before training (0: no preflossing)")
        try r.alias(["interflossing_period"], of: "Ef")
        Ef = try r.integer("Ef", default: 100, 1...10_000_000, "interflossing before every Ef-th epoch (1-based, epoch 1 excepted)")
        try r.alias(["interflossing_updates"], of: "Ei")
        Ei = try r.integer("Ei", default: 500, 0...10_000_000, "flossing updates per interflossing phase")
        try r.alias(["interflossing_phases"], of: "Ni")
        Ni = try r.integer("Ni", default: 2, 0...100_000, "interflossing phases at most (0: no interflossing)")
        try r.alias(["target_exponent"], of: "Lwnt")
        Lwnt = try r.number("Lwnt", default: 0, .finite, "the value flossing pushes the k exponents to: loss mean_i (lambda_i - Lwnt)^2")
        // Analyses
        spectrum_steps = try r.integer("spectrum_steps", default: 1000, 1...10_000_000,
                                       "steps of the recorded spectra (initial, after each flossing phase, final); the first 10 + ceil(steps/10) are discarded")
        test_samples = try r.integer("test_samples", default: 512, 1...sizeLimit, "held-out fresh sequences of the final test accuracy")
        accuracy_threshold = try r.number("accuracy_threshold", default: 0.95, .positive, "success: training accuracy above it (success_epoch); test accuracy at least it (success rate)")
    }

    /// `task`: any integer is read; what it means is checked with the others (an unknown task
    /// gets a message that says which tasks exist).
    private static func readTask(_ r: inout ParameterReader) throws(ParameterError) -> Int {
        let key = "task"
        r.declare(key, kind: "integer", defaultText: "-1", allowed: "0 (copy), -1 ... -10 (XOR of level 1 ... 10)",
                  "0: delayed copy (target s_{t-d}); -h: delayed XOR of level h (parity of the 2^h bits d, 2d, ..., 2^h d steps back)")
        guard let value = r.take(key) else { r.record(key, .number(-1)); return -1 }
        guard case .number(let x) = value, x == x.rounded(), abs(x) < 1e9 else {
            throw ParameterError(field: key, value: value, reason: "expected an integer: 0 (copy) or -h (delayed XOR of level h)")
        }
        r.record(key, .number(x))
        return Int(x)
    }

    /// `IC`: "gaussian" or "orthogonal", or the reference's codes 1 and 3.
    private static func readCoupling(_ r: inout ParameterReader) throws(ParameterError) -> CouplingKind {
        let key = "IC"
        let names = CouplingKind.allCases.map { JSONFormat.quoted($0.rawValue) }.joined(separator: ", ")
        r.declare(key, kind: "choice", defaultText: JSONFormat.quoted(CouplingKind.gaussian.rawValue),
                  allowed: names + " (or the reference's 1 and 3)", "initial recurrent matrix: g G/sqrt(N) + gbar/N, or g times an orthogonal matrix")
        var kind = CouplingKind.gaussian
        if let value = r.take(key) {
            switch value {
            case .string(let name) where CouplingKind(rawValue: name) != nil:
                kind = CouplingKind(rawValue: name)!
            case .number(let code) where code == code.rounded() && CouplingKind.referenceCodes[Int(code)] != nil:
                kind = CouplingKind.referenceCodes[Int(code)]!
            default:
                throw ParameterError(field: r.givenName(key), value: value, reason: "expected one of \(names), or the reference's 1 (gaussian) and 3 (orthogonal)")
            }
        }
        r.record(key, .string(kind.rawValue))
        return kind
    }

    func validateCombinations() throws(ParameterError) {
        guard task <= 0 && task >= -10 else {
            throw ParameterError(field: "task", value: .number(Double(task)),
                                 reason: "unknown task: 0 is the delayed copy, -h the delayed XOR of level h (1 <= h <= 10)")
        }
        guard lossStart < T else {
            let rule = task == 0 ? "2 d (copy)" : "d 2^h (XOR of level \(xorLevel))"
            throw ParameterError(field: "delay", value: .number(Double(delay)),
                                 reason: "too large for T = \(T): the loss starts at step \(rule) = \(lossStart), which must be < T")
        }
        guard nLE <= N else {
            throw ParameterError(field: "nLE", value: .number(Double(nLE)), reason: "must be <= N (\(N)): k exponents of an N-unit network")
        }
        guard flossingTransient < Tp || !flosses else {
            throw ParameterError(field: "Tp", value: .number(Double(Tp)),
                                 reason: "must exceed the \(flossingTransient) discarded steps (10 + ceil(Tp/10)); the smallest is 13")
        }
        guard Self.transient(steps: spectrum_steps) < spectrum_steps else {
            throw ParameterError(field: "spectrum_steps", value: .number(Double(spectrum_steps)),
                                 reason: "must exceed the \(Self.transient(steps: spectrum_steps)) discarded steps (10 + ceil(steps/10)); the smallest is 13")
        }
        guard accuracy_threshold <= 1 else {
            throw ParameterError(field: "accuracy_threshold", value: .number(accuracy_threshold), reason: "must be in (0, 1]")
        }
        let bytes = FlossingMemory.estimatedBytes(self)
        if bytes > 8 * (1 << 30) {
            throw ParameterError(field: "N", value: .number(Double(N)),
                                 reason: String(format: "this configuration needs about %.1f GiB of memory (limit 8 GiB)", Double(bytes) / Double(1 << 30)))
        }
    }
}

// MARK: - Derived quantities

extension FlossingConfig {
    /// h of a delayed XOR (0 for the copy task).
    public var xorLevel: Int { -task }

    /// The first step (0-based) whose target enters the loss: 2d for the copy task, d 2^h for the
    /// XOR of level h — the first step whose target depends only on bits the network was shown.
    public var lossStart: Int { task == 0 ? 2 * delay : delay << xorLevel }
    /// Steps in the loss, T − lossStart.
    public var lossSteps: Int { T - lossStart }

    /// The reference's discarded steps of an estimate over `steps` steps: 10 + ceil(steps/10).
    static func transient(steps: Int) -> Int { 10 + (steps + 9) / 10 }
    var flossingTransient: Int { Self.transient(steps: Tp) }
    var spectrumTransient: Int { Self.transient(steps: spectrum_steps) }

    /// The epochs (0-based: training updates done before) of the interflossing phases: 1-based
    /// epochs k Ef, k = 1, 2, ..., the first Ni of them; the reference never interflosses at
    /// its epoch 1 (its preflossing branch takes that epoch).
    public var interflossingEpochs: [Int] {
        guard Ni > 0 && Ei > 0 else { return [] }
        var epochs: [Int] = []
        var epoch = Ef
        while epoch <= E && epochs.count < Ni {
            if epoch > 1 { epochs.append(epoch - 1) }
            epoch += Ef
        }
        return epochs
    }

    /// Preflossing updates: Ep, before the first epoch (none without epochs, as the reference,
    /// whose preflossing runs inside its epoch loop).
    public var preflossingUpdates: Int { E > 0 ? Ep : 0 }
    /// Whether any flossing update happens.
    public var flosses: Bool { preflossingUpdates > 0 || !interflossingEpochs.isEmpty }
    /// Rows of the per-phase metrics: preflossing, then every interflossing phase.
    public var flossingPhases: Int { 1 + interflossingEpochs.count }
    /// Flossing updates over the whole trial.
    public var flossingUpdates: Int { preflossingUpdates + interflossingEpochs.count * Ei }
    /// Columns of the per-update flossing metrics: the longest phase.
    public var updatesPerPhase: Int { max(1, preflossingUpdates, interflossingEpochs.isEmpty ? 0 : Ei) }
    /// Batches of the test set.
    public var testBatches: Int { (test_samples + B - 1) / B }
}
