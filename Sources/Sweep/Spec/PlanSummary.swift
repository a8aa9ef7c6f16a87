extension SweepExpansion {
    /// What the `plan` command prints: the sweep, its size and how it arises, the distinct
    /// values of every column, the metrics and the cost.
    public var summary: String {
        let plan = plan
        var lines: [String] = []
        lines.append("sweep \(plan.name)" + (spec.description.map { ": \($0)" } ?? ""))
        lines.append("output: \(plan.output)")
        var factors: [String] = []
        if let cases = spec.cases { factors.append("\(cases.count) cases") }
        factors += spec.grid.map { "\($0.values.count) \($0.name)" }
        factors += spec.zips.map { "\($0.count) (\($0.names.joined(separator: ", ")))" }
        factors.append("\(spec.seeds.count) seed\(spec.seeds.count == 1 ? "" : "s")")
        var size = "trials: \(plan.trials.count)"
        if factors.count > 1 || excludedCount > 0 {
            size += " = " + factors.joined(separator: " x ")
            if excludedCount > 0 { size += " - \(excludedCount) excluded" }
        }
        lines.append(size)
        lines.append("plan hash: \(plan.hash)")
        lines.append("parameters:")
        let nameWidth = axisValues.map(\.name.count).max() ?? 0
        for axis in axisValues {
            let shown = axis.values.prefix(12).map { SweepSpecError.shortened($0.compactText) }
            var text = shown.joined(separator: ", ")
            if axis.values.count > shown.count { text += ", ... (\(axis.values.count) values)" }
            lines.append("  " + axis.name.padding(to: nameWidth) + "  " + text)
        }
        lines.append("metrics:")
        for metric in plan.metrics {
            let shape = metric.shape.map(String.init).joined(separator: ", ")
            let axes = metric.axes.isEmpty ? "" : " (\(metric.axes.joined(separator: ", ")))"
            lines.append("  \(metric.name) [\(shape)]\(axes)")
        }
        let costs = plan.trials.map(\.cost)
        let total = costs.reduce(0, +)
        lines.append("estimated time on one core: \(formatDuration(total)) in all, \(formatDuration(costs.max() ?? 0)) for the largest trial")
        return lines.joined(separator: "\n")
    }
}

/// "0.42 s", "42 s", "3.5 min", "2.1 h".
public func formatDuration(_ seconds: Double) -> String {
    func oneDecimal(_ x: Double) -> String { formatSignificant((x * 10).rounded() / 10, digits: 4) }
    if seconds < 10 { return formatSignificant(seconds, digits: 2) + " s" }
    if seconds < 120 { return formatSignificant(seconds.rounded(), digits: 3) + " s" }
    if seconds < 7200 { return oneDecimal(seconds / 60) + " min" }
    return oneDecimal(seconds / 3600) + " h"
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
