/// What an analysis sees at a checkpoint.
public struct AnalysisContext {
    public let config: FarrellConfig
    public let network: Network
    public let evaluator: Evaluator
    public let task: any ClassificationTask
}

/// An analysis of the network at checkpoints. Each one declares its results from the config,
/// looks at the checkpoints it needs, and fills its arrays; a new analysis is added beside the
/// others (and to `AnalysisSuite.types`), never inside the trainer.
public protocol CheckpointAnalysis: AnyObject {
    /// The arrays this analysis produces for `config`.
    static func results(_ config: FarrellConfig) -> [MetricSpec]
    /// Sizes its workspace for `config` and the task's input size and classes.
    init(_ config: FarrellConfig, task: any ClassificationTask)
    /// Called at every checkpoint, in training order.
    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws
    /// The results (NaN where a checkpoint was never reached).
    func collect(into results: inout [String: [Double]])
}

/// The enabled analyses of an experiment.
final class AnalysisSuite {
    let analyses: [any CheckpointAnalysis]

    static func types(_ config: FarrellConfig) -> [any CheckpointAnalysis.Type] {
        var types: [any CheckpointAnalysis.Type] = []
        for kind in config.analyses {
            switch kind {
            case .accOverTraining: types.append(AccuracyOverTraining.self)
            case .dimLayers: types.append(DimensionalityOverLayers.self)
            case .dimThroughTraining: types.append(DimensionalityThroughTraining.self)
            case .clustHoldout: types.append(ClusterHoldoutAnalysis.self)
            case .lyapunov: types.append(LyapunovAnalysis.self)
            case .pca: types.append(PCASnapshotsAnalysis.self)
            case .saturation: types.append(SaturationAnalysis.self)
            }
        }
        return types
    }

    init(_ config: FarrellConfig, task: any ClassificationTask) {
        analyses = Self.types(config).map { $0.init(config, task: task) }
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        for analysis in analyses { try analysis.visit(checkpoint, context) }
    }

    func collect(into results: inout [String: [Double]]) {
        for analysis in analyses { analysis.collect(into: &results) }
    }
}

/// A result array filled slot by slot, NaN until written.
struct ResultArray {
    var values: [Double]
    init(count: Int) { values = [Double](repeating: .nan, count: count) }
    subscript(i: Int) -> Double {
        get { values[i] }
        set { values[i] = newValue }
    }
}

/// An analysis result kept with the weights it was computed from. A checkpoint whose weights are
/// those of the previous visit (the parameter store's version is unchanged: e.g. every minibatch
/// since had a zero loss, so no update was made) gets the same result without recomputing it:
/// the analyses are functions of the weights and of fixed, seeded samples.
struct ResultAtWeights<Value> {
    private var version: Int?
    private var value: Value?

    mutating func value(at version: Int, _ compute: () throws -> Value) rethrows -> Value {
        if let value, self.version == version { return value }
        let computed = try compute()
        (self.version, value) = (version, computed)
        return computed
    }
}
