/// Farrell et al. 2022 (Nature Machine Intelligence): vanilla RNNs (and their feed-forward twins)
/// trained on delayed classification of Gaussian clusters, with dimensionality, cluster hold-out,
/// Lyapunov spectra and accuracy over training (docs/families/farrell.md).
public struct FarrellFamily: ExperimentFamily {
    public init() {}

    public var name: String { "farrell" }
    public var summary: String {
        "Farrell et al. 2022: vanilla RNNs on delayed Gaussian-cluster classification; dimensionality, hold-out, Lyapunov"
    }

    public var timingNames: [String] { ["init_seconds", "train_seconds", "analysis_seconds"] }

    public func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> FarrellConfig {
        try FarrellConfig(reading: &reader)
    }

    public func validate(_ configuration: FarrellConfig) throws(ParameterError) {
        try configuration.validateCombinations()
    }

    public func experiment(_ configuration: FarrellConfig, resolved: JSONObject) -> any Experiment {
        FarrellExperiment(configuration)
    }
}
