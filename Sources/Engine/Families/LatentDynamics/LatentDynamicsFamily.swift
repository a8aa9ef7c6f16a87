/// Sedler, Versteeg and Pandarinath 2023 ("Expressive architectures enhance interpretability of
/// dynamics-based neural population models", NBDT): sequential autoencoders with GRU and
/// neural-ODE decoders on spiking observations of low-dimensional chaotic systems; how well the
/// inferred latents and rates match the true ones (docs/families/latent_dynamics.md).
public struct LatentDynamicsFamily: ExperimentFamily {
    public init() {}

    public var name: String { "latent_dynamics" }
    public var summary: String {
        "Sedler et al. 2023: GRU vs neural-ODE sequential autoencoders on spiking chaotic attractors; latent and rate R2"
    }

    public var timingNames: [String] { ["data_seconds", "train_seconds", "metric_seconds"] }

    public func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> LatentDynamicsConfig {
        try LatentDynamicsConfig(reading: &reader)
    }

    public func validate(_ configuration: LatentDynamicsConfig) throws(ParameterError) {
        try configuration.validateCombinations()
    }

    public func experiment(_ configuration: LatentDynamicsConfig, resolved: JSONObject) -> any Experiment {
        LatentDynamicsExperiment(configuration)
    }
}
