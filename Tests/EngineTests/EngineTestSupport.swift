@testable import Engine

extension FarrellConfig {
    /// A config from a dictionary literal (keys in sorted order).
    init(_ values: [String: JSONValue]) throws(ParameterError) {
        try self.init(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }
}

extension Network {
    /// A network for the config's own task (the Gaussian clusters).
    convenience init(config: FarrellConfig, maxTrainingBatch: Int) {
        self.init(config: config, task: GaussianClusterTask(config), maxTrainingBatch: maxTrainingBatch)
    }
}
