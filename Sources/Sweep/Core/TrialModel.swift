@_exported import Values

/// What the sweep needs to know about the computation behind a trial, and nothing more:
/// the Sweep module never learns what a trial computes. The executable implements this
/// protocol with the Engine.
public protocol TrialModel: Sendable {
    /// Every parameter name the model accepts (used to suggest the nearest valid name).
    var parameterNames: [String] { get }

    /// Fills in defaults, normalises and validates one trial's parameters, and says what the trial
    /// will produce and cost. The resolved parameters are the trial's full, canonical parameter
    /// set: their content hash is the trial's identity.
    ///
    /// The seed must change nothing but the value of "seed" itself (not another parameter, the
    /// metrics or the cost): a plan resolves the first and the last seed of every combination of
    /// the other axes and, when they agree, derives the seeds between them, so that a sweep of
    /// 100,000 seeds plans in a second. (Where they do not agree, every seed is resolved.)
    func resolve(_ parameters: JSONObject) throws(ParameterError) -> ResolvedTrial

    /// Names of the wall-clock timings (seconds) a trial reports besides its metrics, stored
    /// under /timings so that /metrics stays bit-identical between runs.
    var timingNames: [String] { get }

    /// Runs one trial. `control` is polled between units of work (e.g. once per epoch);
    /// when it returns true the trial is abandoned and its outcome is `.abandoned`.
    /// Errors inside the computation are reported as a `.failed` outcome, never thrown.
    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome
}

/// One trial as the model resolved it: everything the Sweep needs before the trial runs.
public struct ResolvedTrial: Sendable, Equatable {
    /// The full, canonical parameter set (defaults filled in, numbers normalised), with "seed".
    public var parameters: JSONObject
    /// The arrays the trial produces, with their exact shapes, known before anything runs so
    /// that the results file can be laid out up front.
    public var metrics: [MetricSpec]
    /// The estimated seconds of the trial on one core: the most expensive trials are scheduled
    /// first, and `plan` prints the time a sweep needs (a model may use another unit; only the
    /// printed time then means nothing).
    public var cost: Double

    public init(parameters: JSONObject, metrics: [MetricSpec], cost: Double) {
        self.parameters = parameters; self.metrics = metrics; self.cost = cost
    }
}

/// Polled by a running trial between units of work.
public protocol TrialControl: AnyObject {
    /// Called once per unit of work (e.g. per epoch) with the fraction of the trial done.
    /// Returning true asks the trial to stop as soon as possible; a trial that checkpoints saves
    /// its state first, so that the next run resumes it.
    func shouldStop(progress: Double) -> Bool

    /// The state the trial saved in an earlier run that did not finish (a drain, a kill), or nil
    /// to start from scratch. Long trials call it once, at their start.
    func restoreCheckpoint() -> [UInt8]?

    /// Whether it is time to save a checkpoint (the run's `--checkpoint-interval` has passed since
    /// the trial started or last saved). Long trials ask at points where their state is complete.
    func checkpointDue() -> Bool

    /// Stores the trial's state durably, replacing the previous checkpoint. Throws when it cannot
    /// be written (the trial may go on without it).
    func saveCheckpoint(_ state: [UInt8]) throws

    /// Told by a trial that continues from its restored checkpoint, with where it resumes (in the
    /// trial's own terms); the run reports it.
    func resumed(at position: String)
}

extension TrialControl {
    public func resumed(at position: String) {}
}

/// Stored per trial in /trials/status.
public enum TrialStatus: Int8, Sendable, CaseIterable {
    case pending = 0
    case done = 1
    case failed = 2
    case diverged = 3

    public var name: String {
        switch self {
        case .pending: "pending"
        case .done: "done"
        case .failed: "failed"
        case .diverged: "diverged"
        }
    }
}

/// The result of running one trial.
public struct TrialOutcome: Sendable {
    public enum Kind: Sendable, Equatable {
        case done
        /// The computation produced NaN or infinity; the metrics hold whatever was computed.
        case diverged
        /// The computation threw; `message` says why.
        case failed
        /// Stopped on request (draining); nothing is recorded and the trial stays pending.
        case abandoned
    }
    public var kind: Kind
    /// Metric name -> values in row-major order of the metric's shape. A missing metric, or a
    /// shorter array, is padded with NaN when stored.
    public var metrics: [String: [Double]]
    /// Error message (failed) or where the divergence happened (diverged); empty otherwise.
    public var message: String
    /// Timing name -> seconds (not results: they differ from run to run).
    public var timings: [String: Double]

    public init(kind: Kind, metrics: [String: [Double]] = [:], message: String = "", timings: [String: Double] = [:]) {
        self.kind = kind; self.metrics = metrics; self.message = message; self.timings = timings
    }

    public var status: TrialStatus? {
        switch kind {
        case .done: .done
        case .diverged: .diverged
        case .failed: .failed
        case .abandoned: nil
        }
    }
}
