/// A sweep file expanded into its plan, with what the `plan` command shows about it.
public struct SweepExpansion: Sendable {
    /// A parameter column and its distinct resolved values, in trial order.
    public struct AxisValues: Sendable {
        public var name: String
        public var values: [JSONValue]
    }

    public var spec: SweepSpec
    public var plan: Plan
    /// Index in expansion order (before `exclude`) of each plan trial (parallel to `plan.trials`).
    public var expandedIndices: [Int]
    /// Trials before `exclude` was applied.
    public var expandedCount: Int
    /// For every column of the plan, its distinct values in trial order.
    public var axisValues: [AxisValues]

    public var excludedCount: Int { expandedCount - plan.trials.count }

    /// Position of plan trial `index` on the sweep's axes.
    public func position(ofTrial index: Int) -> TrialPosition { spec.position(at: expandedIndices[index]) }

    /// Position of each plan trial on the sweep's axes (parallel to `plan.trials`; built on demand).
    public var positions: [TrialPosition] { expandedIndices.map(spec.position(at:)) }
}

/// Expands a sweep file into its plan. Every rank calls this with the same text and gets the
/// same plan; any problem is one `SweepSpecError` naming the field and the value.
public func makePlan(specText: String, model: any TrialModel, seedsOverride: String? = nil,
                     overrides: JSONObject = JSONObject()) throws(SweepSpecError) -> Plan {
    try expandSweep(specText: specText, model: model, seedsOverride: seedsOverride, overrides: overrides).plan
}

/// `makePlan` with the details the `plan` command reports (positions, axis values, summary).
/// `overrides` (`--set`) are set in every trial over what the file sets.
///
/// Nothing here grows faster than the number of trials: the seeds of one combination of the
/// other axes share a resolution (see `TrialModel.resolve`), and every per-trial step is a
/// lookup, a pasted text or a hash.
public func expandSweep(specText: String, model: any TrialModel, seedsOverride: String? = nil,
                        overrides: JSONObject = JSONObject()) throws(SweepSpecError) -> SweepExpansion {
    var spec = try SweepSpec(text: specText, seedsOverride: seedsOverride)
    if let seed = overrides["seed"] {
        throw SweepSpecError(field: "--set seed", value: seed.compactText, message: "the seeds of a sweep are chosen with --seeds")
    }
    spec.overrides = overrides
    try checkParameterNames(spec, model: model)
    let expanded = try resolveAll(spec, model: model)

    // Exclusion compares with resolved values, so that an entry names what a trial really is.
    var kept: [Int] = []
    kept.reserveCapacity(expanded.count)
    var entryMatched = [Bool](repeating: false, count: spec.exclude.count)
    for (index, trial) in expanded.enumerated() {
        var excluded = false
        for (entryIndex, entry) in spec.exclude.enumerated() where entry.allSatisfy({ trial.parameter($0.key) == $0.value }) {
            entryMatched[entryIndex] = true
            excluded = true
        }
        if !excluded { kept.append(index) }
    }
    if let unmatched = entryMatched.firstIndex(of: false) {
        throw SweepSpecError("exclude[\(unmatched)]", .object(spec.exclude[unmatched]),
                             "exclude[\(unmatched)] matches no trial (values are compared with the resolved parameters)")
    }
    if kept.isEmpty {
        throw SweepSpecError("exclude", nil, "every one of the \(expanded.count) trials is excluded: nothing to run")
    }

    var trials: [Trial] = []
    trials.reserveCapacity(kept.count)
    var firstWithID: [String: Int] = [:]
    firstWithID.reserveCapacity(kept.count)
    for index in kept {
        let trial = expanded[index]
        if let earlier = firstWithID[trial.id] {
            let (a, b) = (spec.position(at: earlier), spec.position(at: index))
            let culprit = spec.firstDifference(a, b)
            throw SweepSpecError(culprit.field, culprit.value,
                                 "trial \(index) (\(spec.describe(b))) resolves to the same parameters as trial \(earlier) (\(spec.describe(a))): the sweep would run one trial twice")
        }
        firstWithID[trial.id] = index
        trials.append(trial)
    }

    let representatives = distinctResolutions(trials)
    let metrics = try metricUnion(trials: trials, representatives: representatives, kept: kept, spec: spec)
    let columns = planColumns(spec: spec, trials: trials, representatives: representatives)
    let plan = Plan(name: spec.name, specText: specText, output: spec.output, trials: trials,
                    metrics: metrics, timings: model.timingNames, columns: columns,
                    hash: TrialIdentity.planHash(ids: trials.map(\.id)))
    return SweepExpansion(spec: spec, plan: plan, expandedIndices: kept, expandedCount: expanded.count,
                          axisValues: distinctValues(of: columns, in: trials, representatives: representatives))
}

/// Every key the file sets, and every key an exclude entry tests, must be a parameter of
/// the model; a misspelling gets the nearest valid name.
private func checkParameterNames(_ spec: SweepSpec, model: any TrialModel) throws(SweepSpecError) {
    let names = model.parameterNames
    func check(_ key: String, field: String, value: JSONValue?) throws(SweepSpecError) {
        if names.contains(key) { return }
        throw SweepSpecError(field, value, "unknown parameter \"\(key)\"\(didYouMean(key, among: names))")
    }
    for member in spec.base {
        try check(member.key, field: member.key == "analyses" && spec.analysesFromSugar ? "analyses" : "base.\(member.key)", value: member.value)
    }
    for (index, entry) in (spec.cases ?? []).enumerated() {
        for member in entry { try check(member.key, field: "cases[\(index)].\(member.key)", value: member.value) }
    }
    for axis in spec.grid { try check(axis.name, field: "grid.\(axis.name)", value: .array(axis.values)) }
    for (index, group) in spec.zips.enumerated() {
        for (name, values) in zip(group.names, group.values) {
            try check(name, field: "zip[\(index)].\(name)", value: .array(values))
        }
    }
    for member in spec.overrides { try check(member.key, field: "--set \(member.key)", value: member.value) }
    for (index, entry) in spec.exclude.enumerated() {
        for member in entry where member.key != "seed" {
            try check(member.key, field: "exclude[\(index)].\(member.key)", value: member.value)
        }
    }
}

/// Resolves every trial, in expansion order. The seeds of one combination of the other axes
/// (consecutive: seeds are the innermost axis) share one resolution when the first and the last
/// seed resolve alike. The first rejection is reported at the place in the file that set the
/// value, with the trial's coordinates; trials failing the same way are counted rather than listed.
private func resolveAll(_ spec: SweepSpec, model: any TrialModel) throws(SweepSpecError) -> [Trial] {
    let total = (try? spec.trialCount()) ?? 0
    let seeds = spec.seeds.values
    let combinations = total / max(1, seeds.count)
    var trials: [Trial] = []
    trials.reserveCapacity(total)
    var firstError: (error: ParameterError, trial: Int)?
    var sameErrorCount = 0
    for combination in 0..<combinations {
        let firstIndex = combination * seeds.count
        var raw = spec.rawParameters(at: spec.position(at: firstIndex))
        if firstError == nil, seeds.count > 2, let group = seedGroup(raw, seeds: seeds, model: model) {
            for seed in seeds { trials.append(Trial(group: group, seed: seed)) }
            continue
        }
        for (offset, seed) in seeds.enumerated() {
            raw["seed"] = .number(Double(seed))
            do {
                let resolved = try model.resolve(raw)
                if firstError == nil {
                    trials.append(Trial(id: TrialIdentity.id(of: resolved.parameters), parameters: resolved.parameters,
                                        cost: resolved.cost, metrics: resolved.metrics))
                }
            } catch {
                if let firstError {
                    if error == firstError.error { sameErrorCount += 1 }
                } else {
                    firstError = (error, firstIndex + offset)
                }
            }
        }
    }
    guard let (error, trial) = firstError else { return trials }
    let position = spec.position(at: trial)
    var message = "\(error.reason) (trial \(trial): \(spec.describe(position))"
    if sameErrorCount > 0 {
        message += "; the same error in \(sameErrorCount) other trial\(sameErrorCount == 1 ? "" : "s")"
    }
    message += ")"
    if !model.parameterNames.contains(error.field) && error.field != "seed" {
        message += didYouMean(error.field, among: model.parameterNames)
    }
    let field = spec.origin(of: error.field, at: position) ?? error.field
    throw SweepSpecError(field: field, value: SweepSpecError.shortened(error.value), message: message)
}

/// One resolution for every seed of `raw`, when its first and last seed resolve to the same
/// parameters (but the seed), metrics and cost; nil otherwise (then each seed is resolved).
private func seedGroup(_ raw: JSONObject, seeds: [Int], model: any TrialModel) -> SeedGroup? {
    var raw = raw
    raw["seed"] = .number(Double(seeds[0]))
    guard let first = try? model.resolve(raw) else { return nil }
    raw["seed"] = .number(Double(seeds[seeds.count - 1]))
    guard let last = try? model.resolve(raw) else { return nil }
    var expected = first
    expected.parameters["seed"] = .number(Double(seeds[seeds.count - 1]))
    guard first.parameters["seed"] == .number(Double(seeds[0])), last == expected else { return nil }
    return SeedGroup(first)
}

/// The trials whose resolution differs from every earlier trial's but for the seed: one per seed
/// group, and every trial resolved on its own (indices into `trials`, in order).
private func distinctResolutions(_ trials: [Trial]) -> [Int] {
    var seen: Set<ObjectIdentifier> = []
    var representatives: [Int] = []
    for (index, trial) in trials.enumerated() {
        if let group = trial.seedGroup, !seen.insert(ObjectIdentifier(group)).inserted { continue }
        representatives.append(index)
    }
    return representatives
}

/// Union of the trials' metrics by name (first appearance order); each dimension is the
/// largest over the trials, so every trial's array fits (shorter ones are NaN-padded).
/// Trials of one seed group share their metrics: one representative stands for them.
private func metricUnion(trials: [Trial], representatives: [Int], kept: [Int],
                         spec: SweepSpec) throws(SweepSpecError) -> [MetricSpec] {
    var union: [MetricSpec] = []
    var indexByName: [String: Int] = [:]
    var firstTrial: [String: Int] = [:]
    for trialIndex in representatives {
        for metric in trials[trialIndex].metrics {
            guard let index = indexByName[metric.name] else {
                indexByName[metric.name] = union.count
                firstTrial[metric.name] = trialIndex
                union.append(metric)
                continue
            }
            let known = union[index]
            if known.axes != metric.axes {
                let first = firstTrial[metric.name]!
                throw SweepSpecError(field: "metrics.\(metric.name)", value: "",
                                     message: "the metric has axes [\(known.axes.joined(separator: ", "))] in trial \(first) (\(spec.describe(spec.position(at: kept[first])))) but [\(metric.axes.joined(separator: ", "))] in trial \(trialIndex) (\(spec.describe(spec.position(at: kept[trialIndex])))): one metric must have the same dimensions in every trial")
            }
            for dimension in known.shape.indices where metric.shape[dimension] > known.shape[dimension] {
                union[index].shape[dimension] = metric.shape[dimension]
            }
        }
    }
    return union
}

/// Columns stored per trial: keys the file sets (first-mention order), "seed", then any
/// other parameter whose resolved value is not the same in every trial. Only the seed varies
/// within a seed group, so its representative stands for it.
private func planColumns(spec: SweepSpec, trials: [Trial], representatives: [Int]) -> [String] {
    var presentKeys: Set<String> = []
    var resolvedOrder: [String] = []
    let objects = representatives.map { trials[$0].parameters }
    for parameters in objects {
        for key in parameters.keys where presentKeys.insert(key).inserted { resolvedOrder.append(key) }
    }
    // A key the model renames or drops has no column.
    var columns = spec.mentionedKeys.filter { $0 != "seed" && presentKeys.contains($0) }
    columns.append("seed")
    let reference = objects[0]
    for key in resolvedOrder where !columns.contains(key) {
        if objects.contains(where: { $0[key] != reference[key] }) { columns.append(key) }
    }
    return columns
}

private func distinctValues(of columns: [String], in trials: [Trial], representatives: [Int]) -> [SweepExpansion.AxisValues] {
    columns.map { column in
        var seen: Set<JSONValue> = []
        var values: [JSONValue] = []
        // Within a seed group only the seed differs.
        let indices = column == "seed" ? Array(trials.indices) : representatives
        for index in indices {
            let value = trials[index].parameter(column) ?? .null
            if seen.insert(value).inserted { values.append(value) }
        }
        return SweepExpansion.AxisValues(name: column, values: values)
    }
}
