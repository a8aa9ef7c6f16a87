@_exported import Kernels
@_exported import Values

/// An experiment family: one paper's models, tasks, training and analyses, selected by the
/// parameter `family`. A family declares its parameters once, in `readParameters` (name, default,
/// constraint, description), and composes kernels in its own trainer.
public protocol ExperimentFamily: Sendable {
    associatedtype Configuration: Sendable
    /// The value of `family` that selects it.
    var name: String { get }
    /// One line for `sweep-mpi params` and the documentation.
    var summary: String { get }
    /// Names of the wall-clock timings (seconds) its experiments report.
    var timingNames: [String] { get }
    /// Reads (and thereby declares) every parameter, in a fixed order: that order is the order of
    /// the resolved parameters, whose hash is a trial's identity.
    func readParameters(_ reader: inout ParameterReader) throws(ParameterError) -> Configuration
    /// Checks what depends on several parameters, once all are read.
    func validate(_ configuration: Configuration) throws(ParameterError)
    /// The experiment of a valid configuration.
    func experiment(_ configuration: Configuration, resolved: JSONObject) -> any Experiment
}

extension ExperimentFamily {
    /// Every parameter with its default, constraint and description, in reading order.
    public var parameters: [ParameterDeclaration] {
        var reader = ParameterReader(JSONObject())
        _ = try? readParameters(&reader)
        return reader.declarations
    }

    /// Reads, checks and resolves `values` (without `family`): the experiment and the resolved
    /// parameters.
    public func configure(_ values: JSONObject) throws(ParameterError) -> (experiment: any Experiment, resolved: JSONObject) {
        let (configuration, resolved) = try configuration(values)
        return (experiment(configuration, resolved: resolved), resolved)
    }

    /// Reads and checks `values`: the configuration and the resolved parameters (canonical names,
    /// defaults filled in, in reading order). An unknown name is reported before anything its
    /// absence implies.
    public func configuration(_ values: JSONObject) throws(ParameterError) -> (Configuration, JSONObject) {
        var reader = ParameterReader(values, declaring: false)
        let configuration: Configuration
        do {
            configuration = try readParameters(&reader)
        } catch {
            let known = acceptedNames
            if let unknown = values.keys.first(where: { !known.contains($0) }) { throw unknownParameter(unknown, values[unknown]!) }
            throw error
        }
        if let unknown = reader.unreadKeys.first { throw unknownParameter(unknown, values[unknown]!) }
        try validate(configuration)
        return (configuration, reader.resolvedObject)
    }

    public var parameterNames: [String] { parameters.map(\.name) }

    /// Every name a parameter may be given under: the canonical names, then their aliases.
    public var acceptedNames: [String] { parameterNames + parameters.flatMap(\.aliases) }

    private func unknownParameter(_ name: String, _ value: JSONValue) -> ParameterError {
        ParameterError(field: name, value: value,
                       reason: "unknown parameter of family \(self.name)\(didYouMean(name, among: acceptedNames))")
    }
}

/// One configured trial of a family: what it will produce, what it costs, and how to run it.
public protocol Experiment {
    /// Every array the experiment produces, with its exact shape, known before it runs.
    var metrics: [MetricSpec] { get }
    /// Estimated floating-point operations of the matrix products (the benchmark turns seconds
    /// into GFLOP/s with it).
    var estimatedFLOPs: Double { get }
    /// Estimated seconds on one reference core (docs/performance.md): the scheduler runs
    /// expensive trials first and `plan` prints the time a sweep needs. By default the FLOPs at
    /// `referenceCoreFLOPRate`; a family whose parts run at very different rates models them.
    var estimatedSeconds: Double { get }
    /// Trains and analyses. A divergence is a result, not an error.
    func run(_ control: ExperimentControl) throws -> ExperimentResult
}

extension Experiment {
    public var estimatedSeconds: Double { estimatedFLOPs / referenceCoreFLOPRate }
}

/// Sustained FLOP rate of one reference core on a family's training work, for a family that
/// does not model its time (FLOP/s).
public let referenceCoreFLOPRate = 3e10

/// What an experiment produced.
public struct ExperimentResult: Sendable {
    /// Metric name -> values in row-major order of its `MetricSpec` shape.
    public var metrics: [String: [Double]]
    /// Timing name -> seconds.
    public var timings: [String: Double]
    /// Set when the loss or the weights became NaN or infinite: where, and what.
    public var divergence: String?

    public init(metrics: [String: [Double]], timings: [String: Double] = [:], divergence: String? = nil) {
        self.metrics = metrics; self.timings = timings; self.divergence = divergence
    }
}

/// Polled by a running experiment between units of work.
///
/// Checkpoints, for experiments that run long (minutes to hours): at its start an experiment asks
/// `restoreCheckpoint()` and, given a state, continues from it; at every point where its state is
/// complete (an epoch boundary) it asks `checkpointDue()` and, if so, calls `saveCheckpoint`; and
/// when `shouldStop` returns true it saves a checkpoint before it throws `ExperimentCancelled`. A
/// resumed experiment must give bit-identical results to one that ran without interruption.
public protocol ExperimentControl: AnyObject {
    /// Called after every unit of work with the fraction done; true asks the experiment to stop
    /// (it then throws `ExperimentCancelled`).
    func shouldStop(progress: Double) -> Bool
    /// The state the experiment saved in an earlier, unfinished run, or nil.
    func restoreCheckpoint() -> ExperimentState?
    /// Whether it is time to save a checkpoint.
    func checkpointDue() -> Bool
    /// Stores the experiment's state, replacing the previous checkpoint.
    func saveCheckpoint(_ state: ExperimentState) throws
    /// Told by an experiment that continues from the restored state, with where it resumes in
    /// its own terms (e.g. "epoch 3, minibatch 120"); one that cannot use the state (it does not
    /// fit) starts over without calling it.
    func resumed(at position: String)
}

extension ExperimentControl {
    /// Without a place to keep them, there are no checkpoints.
    public func restoreCheckpoint() -> ExperimentState? { nil }
    public func checkpointDue() -> Bool { false }
    public func saveCheckpoint(_ state: ExperimentState) throws {}
    public func resumed(at position: String) {}
}

/// A control that never stops the experiment (and keeps no checkpoints).
public final class RunToCompletion: ExperimentControl {
    public init() {}
    public func shouldStop(progress: Double) -> Bool { false }
}

/// Raised when an experiment is asked to stop (draining); nothing of it is kept.
public struct ExperimentCancelled: Error {}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
