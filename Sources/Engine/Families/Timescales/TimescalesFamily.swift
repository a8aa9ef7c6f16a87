/// Khajehabdollahi, Zeraati et al. 2024 ("Emergent mechanisms for long timescales depend on
/// training curriculum and affect performance in memory tasks", ICLR; code LevinaLab/
/// rnn_timescale_public): leaky RNNs with a trainable time constant per unit learn N-parity and
/// N-DMS through single-head, multi-head and sliding curricula; at every N reached, the trained
/// time constants, the network-mediated timescales τ_net and the dimension of the activity
/// (docs/families/timescales.md).
public struct TimescalesFamily: ExperimentFamily {
    public init() {}

    public var name: String { "timescales" }
    public var summary: String {
        "Khajehabdollahi, Zeraati et al. 2024: per-unit timescales on N-parity and N-DMS with curricula; tau, tau_net, dimension"
    }

    public var timingNames: [String] { ["init_seconds", "train_seconds", "analysis_seconds"] }

    public func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> TimescalesConfig {
        try TimescalesConfig(reading: &reader)
    }

    public func validate(_ configuration: TimescalesConfig) throws(ParameterError) {
        try configuration.validateCombinations()
    }

    public func experiment(_ configuration: TimescalesConfig, resolved: JSONObject) -> any Experiment {
        TimescalesExperiment(configuration)
    }
}
