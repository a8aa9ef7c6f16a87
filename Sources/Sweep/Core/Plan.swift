/// One trial of a sweep: a fully resolved parameter set and its identity.
///
/// Trials that differ only in their seed share one resolution (a `SeedGroup`), so that a plan of
/// a million trials holds about a hundred bytes per trial rather than a parameter object each.
public struct Trial: Hashable, Sendable {
    /// Content hash of `parameters` (lowercase hex): the trial's identity across runs,
    /// rank counts and growth of the sweep.
    public var id: String
    /// Relative cost from `TrialModel.resolve`, for most-expensive-first scheduling.
    public var cost: Double
    /// The arrays the trial produces, with its own shapes (empty: not known to the plan).
    public var metrics: [MetricSpec]
    private var storage: Storage

    private enum Storage: Sendable {
        case explicit(JSONObject)
        case seeded(SeedGroup, seed: Int)
    }

    public init(id: String, parameters: JSONObject, cost: Double, metrics: [MetricSpec] = []) {
        self.id = id; self.cost = cost; self.metrics = metrics
        storage = .explicit(parameters)
    }

    init(group: SeedGroup, seed: Int) {
        id = group.id(seed: seed)
        cost = group.cost
        metrics = group.metrics
        storage = .seeded(group, seed: seed)
    }

    /// Fully resolved parameters (defaults filled in, numbers normalised), as returned by
    /// `TrialModel.resolve`. Includes "seed".
    public var parameters: JSONObject {
        get {
            switch storage {
            case .explicit(let parameters): parameters
            case .seeded(let group, let seed): group.parameters(seed: seed)
            }
        }
        set { storage = .explicit(newValue) }
    }

    /// One resolved parameter (without building the whole object).
    public func parameter(_ key: String) -> JSONValue? {
        switch storage {
        case .explicit(let parameters): parameters[key]
        case .seeded(let group, let seed): key == "seed" ? .number(Double(seed)) : group.resolved[key]
        }
    }

    /// The compact JSON text of `parameters` (what /trials/parameters stores).
    public var parametersText: String {
        switch storage {
        case .explicit(let parameters): parameters.compactText
        case .seeded(let group, let seed): group.compact.before + JSONFormat.number(Double(seed)) + group.compact.after
        }
    }

    /// The resolution this trial shares with the other seeds of its group, if any.
    var seedGroup: SeedGroup? {
        if case .seeded(let group, _) = storage { return group }
        return nil
    }

    public static func == (a: Trial, b: Trial) -> Bool {
        a.id == b.id && a.cost == b.cost && a.metrics == b.metrics && a.parameters == b.parameters
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// The resolution shared by trials that differ only in their seed: the parameters resolved for one
/// seed, and their texts cut around the seed's value, so that a trial's identity and stored text
/// are pasted together rather than written and hashed from scratch.
final class SeedGroup: Sendable {
    let resolved: JSONObject
    let metrics: [MetricSpec]
    let cost: Double
    let compact: (before: String, after: String)
    let canonical: (before: String, after: String)
    /// SHA-256 state after the canonical text before the seed.
    private let hashedPrefix: SHA256

    /// Nil when `trial` has no numeric "seed" member to vary.
    init?(_ trial: ResolvedTrial) {
        guard case .number? = trial.parameters["seed"],
              let compact = trial.parameters.textParts(around: "seed", canonical: false),
              let canonical = trial.parameters.textParts(around: "seed", canonical: true) else { return nil }
        resolved = trial.parameters
        metrics = trial.metrics
        cost = trial.cost
        self.compact = compact
        self.canonical = canonical
        var hasher = SHA256()
        hasher.update(canonical.before)
        hashedPrefix = hasher
    }

    func parameters(seed: Int) -> JSONObject {
        var parameters = resolved
        parameters["seed"] = .number(Double(seed))
        return parameters
    }

    /// `TrialIdentity.id(of: parameters(seed: seed))`, without building the object.
    func id(seed: Int) -> String {
        var hasher = hashedPrefix
        hasher.update(JSONFormat.number(Double(seed)))
        hasher.update(canonical.after)
        return TrialIdentity.id(digest: hasher.finalize())
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
