/// A sweep file expanded into its plan, with what the `plan` command shows about it.
public struct SweepExpansion: Sendable {
    /// A parameter column and its distinct resolved values, in trial order.
    public struct AxisValues: Sendable {
        public var name: String
        public var values: [JSONValue]
    }

    public var spec: SweepSpec
    public var plan: Plan
    /// Position of each plan trial on the sweep's axes (parallel to `plan.trials`).
    public var positions: [TrialPosition]
    /// Trials before `exclude` was applied.
    public var expandedCount: Int
    /// For every column of the plan, its distinct values in trial order.
    public var axisValues: [AxisValues]

    public var excludedCount: Int { expandedCount - plan.trials.count }
}

/// Expands a sweep file into its plan. Every rank calls this with the same text and gets the
/// same plan; any problem is one `SweepSpecError` naming the field and the value.
public func makePlan(specText: String, model: any TrialModel, seedsOverride: String? = nil,
                     overrides: JSONObject = JSONObject()) throws(SweepSpecError) -> Plan {
    try expandSweep(specText: specText, model: model, seedsOverride: seedsOverride, overrides: overrides).plan
}

/// `makePlan` with the details the `plan` command reports (positions, axis values, summary).
/// `overrides` (`--set`) are set in every trial over what the file sets.
public func expandSweep(specText: String, model: any TrialModel, seedsOverride: String? = nil,
                        overrides: JSONObject = JSONObject()) throws(SweepSpecError) -> SweepExpansion {
    var spec = try SweepSpec(text: specText, seedsOverride: seedsOverride)
    if let seed = overrides["seed"] {
        throw SweepSpecError(field: "--set seed", value: seed.compactText, message: "the seeds of a sweep are chosen with --seeds")
    }
    spec.overrides = overrides
    try checkParameterNames(spec, model: model)
    let expandedPositions = spec.positions()
    let resolved = try resolveAll(spec, positions: expandedPositions, model: model)

    // Exclusion compares with resolved values, so that an entry names what a trial really is.
    var kept: [Int] = []
    var entryMatched = [Bool](repeating: false, count: spec.exclude.count)
    for (index, parameters) in resolved.enumerated() {
        var excluded = false
        for (entryIndex, entry) in spec.exclude.enumerated() where entry.allSatisfy({ parameters[$0.key] == $0.value }) {
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
        throw SweepSpecError("exclude", nil, "every one of the \(resolved.count) trials is excluded: nothing to run")
    }

    var trials: [Trial] = []
    trials.reserveCapacity(kept.count)
    var firstWithID: [String: Int] = [:]
    for index in kept {
        let parameters = resolved[index]
        let id = TrialIdentity.id(of: parameters)
        if let earlier = firstWithID[id] {
            let (a, b) = (expandedPositions[earlier], expandedPositions[index])
            let culprit = spec.firstDifference(a, b)
            throw SweepSpecError(culprit.field, culprit.value,
                                 "trial \(index) (\(spec.describe(b))) resolves to the same parameters as trial \(earlier) (\(spec.describe(a))): the sweep would run one trial twice")
        }
        firstWithID[id] = index
        trials.append(Trial(id: id, parameters: parameters, cost: model.cost(for: parameters)))
    }

    let positions = kept.map { expandedPositions[$0] }
    let metrics = try metricUnion(trials: trials, positions: positions, spec: spec, model: model)
    let columns = planColumns(spec: spec, trials: trials)
    let plan = Plan(name: spec.name, specText: specText, output: spec.output, trials: trials,
                    metrics: metrics, timings: model.timingNames, columns: columns,
                    hash: TrialIdentity.planHash(ids: trials.map(\.id)))
    return SweepExpansion(spec: spec, plan: plan, positions: positions, expandedCount: resolved.count,
                          axisValues: distinctValues(of: columns, in: trials))
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

/// Resolves every trial. The first rejection is reported at the place in the file that set
/// the value, with the trial's coordinates; trials failing the same way are counted rather
/// than listed.
private func resolveAll(_ spec: SweepSpec, positions: [TrialPosition], model: any TrialModel) throws(SweepSpecError) -> [JSONObject] {
    var resolved: [JSONObject] = []
    resolved.reserveCapacity(positions.count)
    var firstError: (error: ParameterError, trial: Int)?
    var sameErrorCount = 0
    for (index, position) in positions.enumerated() {
        do {
            let parameters = try model.resolve(spec.rawParameters(at: position))
            if firstError == nil { resolved.append(parameters) }
        } catch {
            if let firstError {
                if error == firstError.error { sameErrorCount += 1 }
            } else {
                firstError = (error, index)
            }
        }
    }
    guard let (error, trial) = firstError else { return resolved }
    let position = positions[trial]
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

/// Union of the trials' metrics by name (first appearance order); each dimension is the
/// largest over the trials, so every trial's array fits (shorter ones are NaN-padded).
private func metricUnion(trials: [Trial], positions: [TrialPosition], spec: SweepSpec,
                         model: any TrialModel) throws(SweepSpecError) -> [MetricSpec] {
    var union: [MetricSpec] = []
    var indexByName: [String: Int] = [:]
    var firstTrial: [String: Int] = [:]
    for (trialIndex, trial) in trials.enumerated() {
        for metric in model.metrics(for: trial.parameters) {
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
                                     message: "the metric has axes [\(known.axes.joined(separator: ", "))] in trial \(first) (\(spec.describe(positions[first]))) but [\(metric.axes.joined(separator: ", "))] in trial \(trialIndex) (\(spec.describe(positions[trialIndex]))): one metric must have the same dimensions in every trial")
            }
            for dimension in known.shape.indices where metric.shape[dimension] > known.shape[dimension] {
                union[index].shape[dimension] = metric.shape[dimension]
            }
        }
    }
    return union
}

/// Columns stored per trial: keys the file sets (first-mention order), "seed", then any
/// other parameter whose resolved value is not the same in every trial.
private func planColumns(spec: SweepSpec, trials: [Trial]) -> [String] {
    var presentKeys: Set<String> = []
    var resolvedOrder: [String] = []
    for trial in trials {
        for key in trial.parameters.keys where presentKeys.insert(key).inserted { resolvedOrder.append(key) }
    }
    // A key the model renames or drops has no column.
    var columns = spec.mentionedKeys.filter { $0 != "seed" && presentKeys.contains($0) }
    columns.append("seed")
    let reference = trials[0].parameters
    for key in resolvedOrder where !columns.contains(key) {
        if trials.contains(where: { $0.parameters[key] != reference[key] }) { columns.append(key) }
    }
    return columns
}

private func distinctValues(of columns: [String], in trials: [Trial]) -> [SweepExpansion.AxisValues] {
    columns.map { column in
        var seen: Set<JSONValue> = []
        var values: [JSONValue] = []
        for trial in trials {
            let value = trial.parameters[column] ?? .null
            if seen.insert(value).inserted { values.append(value) }
        }
        return SweepExpansion.AxisValues(name: column, values: values)
    }
}
