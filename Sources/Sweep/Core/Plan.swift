/// One trial of a sweep: a fully resolved parameter set and its identity.
public struct Trial: Hashable, Sendable {
    /// Content hash of `parameters` (lowercase hex): the trial's identity across runs,
    /// rank counts and growth of the sweep.
    public var id: String
    /// Fully resolved parameters (defaults filled in, numbers normalised), as returned by
    /// `TrialModel.resolve`. Includes "seed".
    public var parameters: JSONObject
    /// Relative cost from `TrialModel.cost`, for most-expensive-first scheduling.
    public var cost: Double

    public init(id: String, parameters: JSONObject, cost: Double) {
        self.id = id; self.parameters = parameters; self.cost = cost
    }
}

/// The expanded sweep: what every rank computes identically from the same sweep file.
public struct Plan: Sendable {
    /// The sweep's name (from the sweep file); a results file belongs to one name.
    public var name: String
    /// The sweep file text exactly as read.
    public var specText: String
    /// Default output path from the sweep file (the command line may override it).
    public var output: String
    /// Trials in deterministic expansion order.
    public var trials: [Trial]
    /// Union of the trials' metrics; each dimension is the largest over the trials.
    public var metrics: [MetricSpec]
    /// Timings stored per trial under /timings (seconds).
    public var timings: [String]
    /// Parameters stored as /trials/<name> columns: every parameter set in the sweep file
    /// or varying across trials, in first-mention order ("seed" always included).
    public var columns: [String]
    /// Hash of the ordered trial ids.
    public var hash: String

    public init(name: String, specText: String, output: String, trials: [Trial],
                metrics: [MetricSpec], timings: [String] = [], columns: [String], hash: String) {
        self.name = name; self.specText = specText; self.output = output; self.trials = trials
        self.metrics = metrics; self.timings = timings; self.columns = columns; self.hash = hash
    }
}
