import Foundation

/// Everything one feedback_modulation trial (one controller trained on one sensory network, then
/// tested) depends on. Names follow the reference code (sprekelerlab/feedback_modulation_Naumann22,
/// docs/families/feedback_modulation.md) where it has one.
public struct FeedbackConfig: Sendable {
    public var seed: Int
    public var model: FeedbackModelKind
    // Data
    public var signals: SourceKind
    public var base_freq: Double
    public var signal_duration: Double
    public var sample_rate: Double
    public var det_threshold: Double
    public var mix_noise: Double
    public var n_sample: Int
    // Controller and sensory network
    public var n_hid: Int
    public var input_to_net: ControllerInput
    public var tau: Double
    public var additive: Bool
    public var w0_sd: Double
    public var Nz: Int
    public var Nm: Int
    public var mod_width: Double
    public var NzL: Int
    public var inh_frac: Double
    public var mod_target: ModulationTarget
    // Training
    public var batch_size: Int
    public var n_batch: Int
    public var learning_rate: Double
    public var max_grad_value: Double
    public var lambda_reg: Double
    // Test
    public var n_test: Int

    /// Reads and checks a config (unknown names are errors, with the nearest valid name).
    public init(_ values: JSONObject) throws(ParameterError) {
        self = try FeedbackFamily().configuration(values).0
    }

    /// The reference defaults.
    public static var defaults: FeedbackConfig { try! FeedbackConfig(JSONObject()) }

    /// Reads every parameter in the fixed order of the resolved parameter set (never reorder:
    /// the order is part of every stored trial's identity).
    init(reading r: inout ParameterReader) throws(ParameterError) {
        let sizeLimit = 4096
        seed = try r.integer("seed", default: 0, 0...Int(Int32.max), "seed of every random stream of the trial (the reference sets none)")
        model = try r.choice("model", default: .modulation, aliases: FeedbackModelKind.aliases,
                             "sensory network: ModulationNet (modulated 2x2 readout), SpatialNet (Nz units, Nm diffuse modulators) or DaleRateNet")
        // Data
        signals = try r.choice("signals", default: .chords, "sources: two sines, two chords, or sine/square/sawtooth")
        base_freq = try r.number("base_freq", default: 100, .positive, "base frequency of the sources (Hz)")
        signal_duration = try r.number("signal_duration", default: 2, .positive, "length of the source signals (s); they repeat in the test")
        sample_rate = try r.number("sample_rate", default: 8000, .positive, "samples per second of the sources")
        // Row-normalised 2x2 contexts have |det| < 1: near 1 almost every draw would be rejected.
        det_threshold = try r.number("det_threshold", default: 0.2, in: 0...0.9, "contexts A (U(0,1) entries, rows normalised to sum 1) with |det A| <= this are redrawn")
        mix_noise = try r.number("mix_noise", default: 0.001, .nonNegative, "standard deviation of the noise added to the mixtures x = A s")
        n_sample = try r.integer("n_sample", default: 1000, 10...1_000_000, "time steps per context (the truncated-BPTT length)")
        // Controller and sensory network
        n_hid = try r.integer("n_hid", default: 100, 1...4096, "LSTM units of the controller")
        input_to_net = try r.choice("input_to_net", default: .xy, "what the controller sees: the mixture x and the output y, or one of them")
        // A leaky integrator with tau < 1 overshoots its target (and diverges below 1/2).
        tau = try r.number("tau", default: model == .modulation ? 1 : 100, in: 1...1e9,
                           defaultText: "1 for modulation, 100 for spatial and dale",
                           "timescale of the modulation (steps): M_t = M_{t-1} + (target - M_{t-1}) / tau")
        additive = try r.flag("additive", default: false, "modulation: W driven towards W0 + U (W0 ~ N(0, w0_sd)) instead of W0 * U (W0 ~ N(1, w0_sd))")
        w0_sd = try r.number("w0_sd", default: 0.001, .nonNegative, "modulation: standard deviation of the fixed baseline W0 (the reference's w0_var)")
        Nz = try r.integer("Nz", default: 100, 1...sizeLimit, "spatial, dale: units of the modulated population z")
        Nm = try r.integer("Nm", default: 4, 1...sizeLimit, "spatial, dale: modulation units (controller outputs)")
        mod_width = try r.number("mod_width", default: 0.2, .nonNegative, "spatial, dale: width kappa of the von Mises modulation kernel (0: boxes, >= 10: flat)")
        NzL = try r.integer("NzL", default: 40, 1...sizeLimit, "dale: units of the unmodulated lower population z_L")
        inh_frac = try r.number("inh_frac", default: 0.5, in: 0...1, "dale: inhibitory interneurons as a fraction of NzL")
        mod_target = try r.choice("mod_target", default: .both, "dale: what the gain p scales: the rectified input (0), excitation (1) or inhibition (2)")
        // Training
        batch_size = try r.integer("batch_size", default: 32, 1...4096, "contexts trained in parallel per batch")
        n_batch = try r.integer("n_batch", default: 10000, 0...10_000_000, "training batches (the shipped models: 10000; the reference advises >= 3000)")
        learning_rate = try r.number("learning_rate", default: 1e-3, .positive, "Adam's learning rate")
        max_grad_value = try r.number("max_grad_value", default: 1, .positive, "every gradient entry is clipped to [-max_grad_value, max_grad_value]")
        lambda_reg = try r.number("lambda_reg", default: 0, .nonNegative, "weight of the L1 penalty on the controller's outputs (the reference suggests 1e-5 for dale)")
        // Test
        n_test = try r.integer("n_test", default: 20, 2...10_000, "test contexts (one continuous run); decoders fit on the first half, score the rest")
    }
}

extension FeedbackConfig {
    /// Sources available to draw from (two, or three for ica_style).
    var sourceCount: Int { signals == .icaStyle ? 3 : 2 }
    /// Samples of each source signal, len(np.arange(0, duration, 1 / rate)) = ⌈duration / (1 / rate)⌉
    /// (capped far above what `validate` accepts, so that an absurd value is reported, not trapped).
    var signalSamples: Int { Int(min((signal_duration / (1 / sample_rate)).rounded(.up), 1e15)) }
    /// Controller outputs per step: the 2x2 modulation, or the Nm modulators.
    var controlSize: Int { model == .modulation ? 4 : Nm }
    /// Units of the middle population z (none for the modulation model).
    var middleSize: Int { model == .modulation ? 0 : Nz }
    /// Inhibitory interneurons of the DaleRateNet, round(inh_frac · NzL) as Python rounds.
    var inhibitoryCount: Int { Int((inh_frac * Double(NzL)).rounded(.toNearestOrEven)) }
    /// Test contexts the decoders are fitted on.
    var decoderFitContexts: Int { n_test / 2 }
    /// Contexts whose trajectory and readout error are stored.
    var excerptContexts: Int { min(3, n_test) }
    /// Steps the feedback stays frozen in the freeze experiment (the reference's 500 of 1000).
    var freezeSteps: Int { n_sample / 2 }

    /// Checks what depends on several parameters.
    func validateCombinations() throws(ParameterError) {
        if signalSamples <= n_sample {
            throw ParameterError(field: "n_sample", value: .number(Double(n_sample)),
                                 reason: "must be below the \(signalSamples) samples of a source (signal_duration \(JSONFormat.number(signal_duration)) s x sample_rate \(JSONFormat.number(sample_rate)) Hz)")
        }
        if signalSamples > 10_000_000 {
            throw ParameterError(field: "signal_duration", value: .number(signal_duration), reason: "gives \(JSONFormat.number((signal_duration * sample_rate).rounded(.up))) samples per source (signal_duration x sample_rate); at most 10000000")
        }
        if additive && model != .modulation {
            throw ParameterError(field: "additive", value: .bool(true), reason: "applies to model modulation only (model is \(model.rawValue))")
        }
        if model == .dale && inhibitoryCount < 1 {
            throw ParameterError(field: "inh_frac", value: .number(inh_frac), reason: "gives round(inh_frac x NzL) = \(inhibitoryCount) inhibitory units; needs >= 1")
        }
        let bytes = FeedbackMemory.estimatedBytes(self)
        if bytes > FeedbackMemory.limit {
            throw ParameterError(field: "batch_size", value: .number(Double(batch_size)),
                                 reason: String(format: "a trial would need about %.1f GiB (n_sample x batch_size x the network's sizes); at most 8 GiB",
                                                Double(bytes) / Double(1 << 30)))
        }
    }
}

/// Memory a trial allocates, estimated from the config before anything is allocated.
enum FeedbackMemory {
    static let limit = 8 << 30

    static func estimatedBytes(_ c: FeedbackConfig) -> Int {
        let t = c.n_sample, b = c.batch_size, h = c.n_hid, d = c.input_to_net.size, o = c.controlSize
        let parameters = 4 * h * (d + h + 2) + o * (h + 1)
        var floats = 4 * parameters                                      // values, gradients, Adam's moments
        floats += t * b * (d + 3 * h + 4 * h) + 2 * b * h                // LSTM tape
        floats += t * b * (2 * o + 6)                                    // controls, their gradients, s, x, y
        floats += (t + 1) * b * SensoryNetworkState.size(c) + t * b * 3 * c.middleSize  // states, Dale's E and I
        let testSteps = c.n_test * c.n_sample
        let fitRows = c.decoderFitContexts * c.n_sample
        var doubles = testSteps * (6 + c.middleSize) + 2 * c.middleSize * c.middleSize + 2 * c.signalSamples * c.sourceCount
        doubles += fitRows * (c.middleSize + 2) + testSteps * 2                          // a decoder's copies
        return floats * 4 + doubles * 8
    }
}

extension ParameterReader {
    /// A number in a closed range (the range is what `params` lists as allowed).
    mutating func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>,
                         defaultText: String? = nil, _ description: String) throws(ParameterError) -> Double {
        let allowed = "\(JSONFormat.number(range.lowerBound))...\(JSONFormat.number(range.upperBound))"
        declare(key, kind: "number", defaultText: defaultText ?? JSONFormat.number(defaultValue), allowed: allowed, description)
        guard let value = take(key) else { record(key, .number(defaultValue)); return defaultValue }
        guard case .number(let x) = value, x.isFinite else {
            throw ParameterError(field: key, value: value, reason: "expected a finite number")
        }
        guard range.contains(x) else { throw ParameterError(field: key, value: value, reason: "must be in \(allowed)") }
        record(key, .number(x))
        return x
    }
}
