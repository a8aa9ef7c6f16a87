/// Growth: a new file whose rows are every existing row first (in their order, with all their
/// data) and then the plan's new trials, renamed over the old file. Until the rename the old
/// file is untouched, so completed results are never at risk.
extension ResultsStore {
    static func grow(path: String, plan: Plan, provenance: Provenance) throws -> PreparedOutput {
        let old = try ResultsReader(path: path)
        defer { old.close() }
        let oldIds = try old.ids()
        let oldRows = oldIds.count
        let known = Set(oldIds)
        let added = plan.trials.filter { !known.contains($0.id) }
        let rowCount = oldRows + added.count

        let oldParameters = try old.parameters()
        let columnNames = old.columnNames + plan.columns.filter { !old.columnNames.contains($0) }
        let metrics = try mergedMetrics(stored: old.metrics, planned: plan.metrics, path: path)
        let pendingCount = added.count

        var table = ResultsTable(
            attributes: attributes(plan: plan, provenance: provenance,
                                   created: old.attributes.created.isEmpty ? UTCTime.iso8601() : old.attributes.created,
                                   updated: UTCTime.iso8601()),
            specText: plan.specText,
            ids: oldIds + added.map(\.id),
            parameterTexts: try old.parameterTexts() + added.map(\.parametersText),
            columns: columnNames.map { name in (name, oldParameters.map { $0[name] } + added.map { $0.parameter(name) }) },
            statuses: try old.statuses().map(\.rawValue) + Array(repeating: TrialStatus.pending.rawValue, count: pendingCount),
            seconds: try old.seconds() + Array(repeating: .nan, count: pendingCount),
            ranks: try old.ranks() + Array(repeating: -1, count: pendingCount),
            hosts: try old.hosts() + Array(repeating: "", count: pendingCount),
            errors: try old.errors() + Array(repeating: "", count: pendingCount),
            metrics: metrics,
            metricValues: { _ in nil })
        let storedShapes = Dictionary(old.metrics.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        // Stored timings first, then the plan's new ones; old rows keep their values.
        let storedTimings = old.timingNames
        table.timings = storedTimings + plan.timings.filter { !storedTimings.contains($0) }
        table.timingValues = { name in
            guard storedTimings.contains(name) else { return nil }
            return try old.timingValues(name) + Array(repeating: .nan, count: pendingCount)
        }
        table.metricValues = { metric in
            guard let storedShape = storedShapes[metric.name] else { return nil }
            let stored = try old.metricValues(metric.name)
            return embedRows(stored, rows: oldRows, from: storedShape, into: metric.shape, totalRows: rowCount)
        }
        try ResultsBuilder.buildAtomically(table, at: path)

        var rowOfId: [String: Int] = [:]
        for (row, id) in table.ids.enumerated() { rowOfId[id] = row }
        let rows = plan.trials.map { rowOfId[$0.id]! }
        return PreparedOutput(action: .grown(added: added.count), rowOfTrial: rows,
                              statusOfTrial: rows.map { TrialStatus(rawValue: table.statuses[$0]) ?? .pending },
                              rowCount: rowCount)
    }

    /// Stored metrics first (each as large as the largest of stored and planned shape), then the
    /// plan's new ones.
    private static func mergedMetrics(stored: [MetricSpec], planned: [MetricSpec], path: String) throws -> [MetricSpec] {
        var merged: [MetricSpec] = []
        for metric in stored {
            guard let plannedMetric = planned.first(where: { $0.name == metric.name }) else {
                merged.append(metric)
                continue
            }
            guard plannedMetric.shape.count == metric.shape.count else {
                throw StoreError(.invalidPlan, "metric \"\(metric.name)\" has shape \(metric.shape) in \(path) but \(plannedMetric.shape) "
                                 + "in the sweep (use --restart to start over, or --output for another file)")
            }
            merged.append(MetricSpec(name: metric.name, shape: zip(metric.shape, plannedMetric.shape).map { max($0, $1) },
                                     axes: plannedMetric.axes))
        }
        merged += planned.filter { plannedMetric in !stored.contains { $0.name == plannedMetric.name } }
        return merged
    }

    /// Copies `rows` rows of shape `source` into the top-left corner of rows of shape `target`
    /// (NaN elsewhere), followed by NaN rows up to `totalRows`.
    static func embedRows(_ values: [Double], rows: Int, from source: [Int], into target: [Int], totalRows: Int) -> [Double] {
        let sourceCount = source.reduce(1, *)
        let targetCount = target.reduce(1, *)
        var result = [Double](repeating: .nan, count: totalRows * targetCount)
        if source == target {
            result.replaceSubrange(0..<(rows * sourceCount), with: values.prefix(rows * sourceCount))
            return result
        }
        for row in 0..<rows {
            embed(values, at: row * sourceCount, shape: source, into: &result, at: row * targetCount, shape: target)
        }
        return result
    }

    /// Copies one row-major array of shape `sourceShape` into the corner of one of `targetShape`
    /// (same rank; each target dimension may be smaller, which cuts, or larger, which pads).
    static func embed(_ source: [Double], at sourceStart: Int, shape sourceShape: [Int],
                      into target: inout [Double], at targetStart: Int, shape targetShape: [Int]) {
        let copyShape = zip(sourceShape, targetShape).map { min($0, $1) }
        let count = copyShape.reduce(1, *)
        guard count > 0 else { return }
        if copyShape.isEmpty {
            target[targetStart] = source[sourceStart]
            return
        }
        // Walk every index of the copied block; the last axis is copied as one run.
        let rank = copyShape.count
        let run = copyShape[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        while true {
            var sourceOffset = 0, targetOffset = 0
            for axis in 0..<rank {
                sourceOffset = sourceOffset * sourceShape[axis] + index[axis]
                targetOffset = targetOffset * targetShape[axis] + index[axis]
            }
            for element in 0..<run {
                target[targetStart + targetOffset + element] = source[sourceStart + sourceOffset + element]
            }
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < copyShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}
