/// Error bars across replicates: one metric's statistics per group of trials.
public struct GroupedStatistics: Sendable {
    public struct Group: Sendable {
        /// The group's parameter values, parallel to `groupColumns`.
        public var values: [JSONValue]
        /// Indices of every trial in the group, whatever its status.
        public var trials: [Int]
        public var failedCount: Int
        public var divergedCount: Int
        /// Trials not yet run (the file may still be being written).
        public var pendingCount: Int
        /// One entry per metric element, in row-major order of the metric's shape.
        public var elements: [ElementStatistics]
    }

    public var metric: MetricSpec
    /// Parameters that identify a group: the `by` keys, or every non-seed parameter that
    /// varies across the trials.
    public var groupColumns: [String]
    /// Groups in order of their first trial.
    public var groups: [Group]
    /// Confidence level of the bootstrap interval.
    public var level: Double
}

/// Groups trials and computes, per group and metric element, n, mean, standard deviation,
/// standard error, median and a percentile-bootstrap confidence interval of the mean.
///
/// - parameters: resolved parameters per trial; `statuses` and `rows` are parallel to it.
///   rows[t] holds trial t's metric in row-major order (NaN = missing; a short row is
///   NaN-padded). Only done trials contribute values; failed and diverged trials are
///   counted per group, as are pending ones.
/// - by: group by these keys only (trials equal on all of them form a group); nil groups
///   trials that differ only in "seed".
/// - resamples: bootstrap resamples (0 leaves the interval NaN). Each element's generator is
///   seeded from the group's values and the element index, so output is reproducible.
public func groupStatistics(metric: MetricSpec, rows: [[Double]], parameters: [JSONObject],
                            statuses: [TrialStatus], by: [String]? = nil,
                            resamples: Int = 10_000, level: Double = 0.95) throws(ParameterError) -> GroupedStatistics {
    guard rows.count == parameters.count, statuses.count == parameters.count else {
        throw ParameterError(field: "rows", value: "\(rows.count) rows, \(statuses.count) statuses, \(parameters.count) parameter sets",
                             reason: "one row, one status and one parameter set per trial are needed")
    }
    guard resamples >= 0, level > 0, level < 1 else {
        throw ParameterError(field: "bootstrap", value: "\(resamples) resamples at level \(level)",
                             reason: "resamples must be >= 0 and the level between 0 and 1")
    }
    let columns = try groupColumns(parameters: parameters, by: by)

    // Trials with equal values in every group column share a group; groups keep first-seen order.
    var groups: [GroupedStatistics.Group] = []
    var groupKeys: [String] = []
    var groupIndexByKey: [String: Int] = [:]
    for (trial, trialParameters) in parameters.enumerated() {
        let values = columns.map { trialParameters[$0] ?? .null }
        let key = JSONValue.array(values).canonicalText
        let groupIndex: Int
        if let existing = groupIndexByKey[key] {
            groupIndex = existing
        } else {
            groupIndex = groups.count
            groupIndexByKey[key] = groupIndex
            groupKeys.append(key)
            groups.append(.init(values: values, trials: [], failedCount: 0, divergedCount: 0, pendingCount: 0, elements: []))
        }
        groups[groupIndex].trials.append(trial)
        switch statuses[trial] {
        case .failed: groups[groupIndex].failedCount += 1
        case .diverged: groups[groupIndex].divergedCount += 1
        case .pending: groups[groupIndex].pendingCount += 1
        case .done: break
        }
    }

    // Scratch buffers, allocated once: one element's replicate values and the resample means.
    let elementCount = metric.elementCount
    let replicates = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, parameters.count))
    let means = UnsafeMutableBufferPointer<Double>.allocate(capacity: resamples)
    defer { replicates.deallocate(); means.deallocate() }

    for groupIndex in groups.indices {
        let doneTrials = groups[groupIndex].trials.filter { statuses[$0] == .done }
        let groupSeed = seedWords(of: groupKeys[groupIndex])
        var elements: [ElementStatistics] = []
        elements.reserveCapacity(elementCount)
        for element in 0..<elementCount {
            var count = 0
            for trial in doneTrials where element < rows[trial].count && !rows[trial][element].isNaN {
                replicates[count] = rows[trial][element]
                count += 1
            }
            let seed = groupSeed &+ UInt64(element) &* 0x9E37_79B9_7F4A_7C15
            elements.append(elementStatistics(UnsafeMutableBufferPointer(rebasing: replicates[0..<count]),
                                              seed: seed, level: level, means: means))
        }
        groups[groupIndex].elements = elements
    }
    return GroupedStatistics(metric: metric, groupColumns: columns, groups: groups, level: level)
}

/// Statistics of one element's replicate values (reorders them).
func elementStatistics(_ values: UnsafeMutableBufferPointer<Double>, seed: UInt64, level: Double,
                       means: UnsafeMutableBufferPointer<Double>) -> ElementStatistics {
    guard values.count > 0 else { return .empty }
    let readOnly = UnsafeBufferPointer(values)
    let average = mean(readOnly)
    let deviation = sampleStandardDeviation(readOnly, mean: average)
    // The bootstrap must see the values in trial order (sorting first would change the draws).
    let interval = bootstrapMeanInterval(readOnly, seed: seed, level: level, means: means)
    var sorted = values  // the same memory: sorting reorders the caller's scratch buffer
    sorted.sort()
    return ElementStatistics(n: values.count, mean: average, standardDeviation: deviation,
                             standardError: deviation / Double(values.count).squareRoot(),
                             median: medianOfSorted(UnsafeBufferPointer(sorted)),
                             confidenceLow: interval.low, confidenceHigh: interval.high)
}

/// The group columns: `by` (checked against the parameters, duplicates dropped), or every
/// non-seed parameter whose value is not the same in all trials (first-seen key order).
private func groupColumns(parameters: [JSONObject], by: [String]?) throws(ParameterError) -> [String] {
    var allKeys: [String] = []
    var seen: Set<String> = []
    var previous: [JSONObject.Member] = []
    for trialParameters in parameters {
        // Trials of one sweep have the same keys in the same order: only a new list is looked at.
        if sameKeys(trialParameters.members, previous) { continue }
        previous = trialParameters.members
        for key in trialParameters.keys where seen.insert(key).inserted { allKeys.append(key) }
    }
    if let by {
        var columns: [String] = []
        for key in by where !columns.contains(key) {
            guard seen.contains(key) || parameters.isEmpty else {
                throw ParameterError(field: "by", value: key, reason: "no trial has this parameter\(didYouMean(key, among: allKeys))")
            }
            columns.append(key)
        }
        return columns
    }
    guard let reference = parameters.first else { return [] }
    // A key varies when some trial's value differs from the first trial's; trials with the first
    // trial's keys in its order are compared member by member, without looking keys up.
    var varying: Set<String> = []
    let referenceMembers = reference.members
    for trialParameters in parameters.dropFirst() {
        let members = trialParameters.members
        if sameKeys(members, referenceMembers) {
            for index in members.indices where members[index].value != referenceMembers[index].value {
                varying.insert(members[index].key)
            }
        } else {
            for key in allKeys where trialParameters[key] != reference[key] { varying.insert(key) }
        }
    }
    return allKeys.filter { $0 != "seed" && varying.contains($0) }
}

private func sameKeys(_ a: [JSONObject.Member], _ b: [JSONObject.Member]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key }
}

/// 64 bits of SHA-256 of the group's canonical key text.
private func seedWords(of key: String) -> UInt64 {
    SHA256.digest(key.utf8).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
}
