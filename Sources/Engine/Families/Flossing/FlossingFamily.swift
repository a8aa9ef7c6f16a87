/// Engelken 2023, "Gradient flossing: improving gradient descent through dynamic control of
/// Jacobians" (NeurIPS): tanh rate RNNs on delayed copy and XOR tasks, whose leading Lyapunov
/// exponents are pushed towards zero before (preflossing) and during (interflossing) training
/// (docs/families/flossing.md).
public struct FlossingFamily: ExperimentFamily {
    public init() {}

    public var name: String { "flossing" }
    public var summary: String {
        "Engelken 2023: gradient flossing of tanh rate RNNs on delayed copy and XOR; Lyapunov spectra, test accuracy"
    }

    public var timingNames: [String] { ["init_seconds", "train_seconds", "flossing_seconds", "analysis_seconds"] }

    public func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> FlossingConfig {
        try FlossingConfig(reading: &reader)
    }

    public func validate(_ configuration: FlossingConfig) throws(ParameterError) {
        try configuration.validateCombinations()
    }

    public func experiment(_ configuration: FlossingConfig, resolved: JSONObject) -> any Experiment {
        FlossingExperiment(configuration)
    }
}
