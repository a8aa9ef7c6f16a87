import Sweep

/// A small model for the sweep tests, with the contract of the real one:
/// - a: number > 0, default 1;  b: "x" or "y" (case-insensitive, stored lowercase), default "x";
/// - c: integer >= 0, default 0;  d: any string, default "p";  analyses: array of strings (optional);
/// - seed: integer >= 0, required;  resolved parameters also carry "area" = a * a (derived).
/// Metrics: "curve" [ceil(a)] (time), "pair" [2, 3] (row, col), and "extra" [1] (k) when b == "y".
struct TestModel: TrialModel {
    /// When set, trials with b == "y" give "curve" other axis names (a model inconsistency).
    var inconsistentAxes = false
    /// When set, "c" defaults to the seed: a resolution that depends on the seed.
    var cDefaultsToSeed = false

    var parameterNames: [String] { ["a", "b", "c", "d", "analyses", "seed"] }
    var timingNames: [String] { ["step_seconds"] }

    func resolve(_ parameters: JSONObject) throws(ParameterError) -> ResolvedTrial {
        let resolved = try resolveParameters(parameters)
        return ResolvedTrial(parameters: resolved, metrics: metrics(for: resolved), cost: cost(for: resolved))
    }

    private func resolveParameters(_ parameters: JSONObject) throws(ParameterError) -> JSONObject {
        for key in parameters.keys where !parameterNames.contains(key) {
            throw ParameterError(field: key, value: parameters[key]!.compactText, reason: "unknown parameter")
        }
        var resolved = JSONObject()
        let a = try number(parameters, "a", default: 1)
        guard a > 0 else { throw ParameterError(field: "a", value: JSONFormat.number(a), reason: "must be > 0") }
        resolved["a"] = .number(a)
        switch parameters["b"] ?? .string("x") {
        case .string(let text) where ["x", "y"].contains(text.lowercased()):
            resolved["b"] = .string(text.lowercased())
        case let other:
            throw ParameterError(field: "b", value: other.compactText, reason: "must be \"x\" or \"y\"")
        }
        let seedDefault: Double = if cDefaultsToSeed, case .number(let seed)? = parameters["seed"] { seed } else { 0 }
        let c = try number(parameters, "c", default: seedDefault)
        guard c >= 0, c.rounded() == c else {
            throw ParameterError(field: "c", value: JSONFormat.number(c), reason: "must be a whole number >= 0")
        }
        resolved["c"] = .number(c)
        switch parameters["d"] ?? .string("p") {
        case .string(let text): resolved["d"] = .string(text)
        case let other: throw ParameterError(field: "d", value: other.compactText, reason: "must be a string")
        }
        if let analyses = parameters["analyses"] { resolved["analyses"] = analyses }
        guard let seedValue = parameters["seed"], case .number(let seed) = seedValue, seed >= 0 else {
            throw ParameterError(field: "seed", value: parameters["seed"]?.compactText ?? "missing",
                                 reason: "must be an integer >= 0")
        }
        resolved["seed"] = .number(seed)
        resolved["area"] = .number(a * a)
        return resolved
    }

    private func number(_ parameters: JSONObject, _ key: String, default value: Double) throws(ParameterError) -> Double {
        guard let given = parameters[key] else { return value }
        guard case .number(let number) = given else {
            throw ParameterError(field: key, value: given.compactText, reason: "must be a number")
        }
        return number
    }

    func metrics(for resolved: JSONObject) -> [MetricSpec] {
        guard case .number(let a)? = resolved["a"], case .string(let b)? = resolved["b"] else { return [] }
        var metrics = [
            MetricSpec(name: "curve", shape: [Int(a.rounded(.up))], axes: [inconsistentAxes && b == "y" ? "step" : "time"]),
            MetricSpec(name: "pair", shape: [2, 3], axes: ["row", "col"]),
        ]
        if b == "y" { metrics.append(MetricSpec(name: "extra", shape: [1], axes: ["k"])) }
        return metrics
    }

    func cost(for resolved: JSONObject) -> Double {
        guard case .number(let a)? = resolved["a"] else { return 0 }
        return 10 * a
    }

    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome {
        TrialOutcome(kind: .done)
    }
}

/// Expands a spec with the test model.
func plan(_ text: String, model: TestModel = TestModel(), seeds: String? = nil) throws(SweepSpecError) -> Plan {
    try makePlan(specText: text, model: model, seedsOverride: seeds)
}

/// The error a spec gives, or nil when it expands.
func specError(_ text: String, model: TestModel = TestModel(), seeds: String? = nil) -> SweepSpecError? {
    do {
        _ = try plan(text, model: model, seeds: seeds)
        return nil
    } catch {
        return error
    }
}
