/// Naumann, Keijser and Sprekeler 2022 (eLife), "Invariant neural subspaces maintained by feedback
/// modulation": an LSTM controller learns to modulate a sensory network through feedback so that
/// it unmixes two sources whose mixing changes from context to context; signal clarity, linear
/// decoding and the freeze experiment (docs/families/feedback_modulation.md).
public struct FeedbackFamily: ExperimentFamily {
    public init() {}

    public var name: String { "feedback_modulation" }
    public var summary: String {
        "Naumann et al. 2022: LSTM feedback controllers that keep an unmixing invariant across contexts; clarity, decoding, freeze angles"
    }

    public var timingNames: [String] { ["init_seconds", "train_seconds", "test_seconds"] }

    public func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> FeedbackConfig {
        try FeedbackConfig(reading: &reader)
    }

    public func validate(_ configuration: FeedbackConfig) throws(ParameterError) {
        try configuration.validateCombinations()
    }

    public func experiment(_ configuration: FeedbackConfig, resolved: JSONObject) -> any Experiment {
        FeedbackExperiment(configuration)
    }
}
