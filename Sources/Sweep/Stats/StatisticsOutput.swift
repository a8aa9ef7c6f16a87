/// Text renderings of grouped statistics. All three share one row model: one row per group
/// and metric element, with the group's values, the element's index, the statistics and the
/// group's counts of failed, diverged and pending trials.
extension GroupedStatistics {
    /// Names of the statistic columns, after the group and element columns.
    public static let statisticColumns = [
        "n", "mean", "std", "sem", "median", "ci_low", "ci_high", "n_failed", "n_diverged", "n_pending",
    ]

    /// Header names of the group columns: the parameter names, with "_param" appended to
    /// one that would clash with a statistic column.
    public var groupHeader: [String] {
        groupColumns.map { Self.statisticColumns.contains($0) ? $0 + "_param" : $0 }
    }

    /// Columns naming the element index, one per metric dimension, named after the metric's
    /// axes (with "_index" appended where an axis shares a name with another column).
    public var elementColumns: [String] {
        var taken = Set(groupHeader + Self.statisticColumns)
        return metric.axes.enumerated().map { dimension, axis in
            var name = axis.isEmpty ? "dim\(dimension)" : axis
            while taken.contains(name) { name += "_index" }
            taken.insert(name)
            return name
        }
    }

    /// Aligned text for people: numbers with 6 significant digits, the element index as
    /// "[1, 5]" under a header naming the axes.
    public func table() -> String {
        var header = groupHeader
        let hasElement = !metric.shape.isEmpty
        if hasElement { header.append("[" + elementColumns.joined(separator: ", ") + "]") }
        header += Self.statisticColumns
        var lines: [[String]] = [header]
        forEachRow { group, index, statistics in
            var cells = group.values.map(Self.plainText)
            if hasElement { cells.append("[" + index.map(String.init).joined(separator: ", ") + "]") }
            cells.append(String(statistics.n))
            cells += [statistics.mean, statistics.standardDeviation, statistics.standardError, statistics.median,
                      statistics.confidenceLow, statistics.confidenceHigh].map { formatSignificant($0) }
            cells += [group.failedCount, group.divergedCount, group.pendingCount].map(String.init)
            lines.append(cells)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for line in lines { for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) } }
        return lines.map { line in
            line.enumerated().map { column, cell in
                column == line.count - 1 ? cell : cell.padding(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// CSV (RFC 4180) with a header row; numbers in shortest round-trip form, NaN as "NaN".
    public func csv() -> String {
        var output = (groupHeader + elementColumns + Self.statisticColumns).map(Self.csvField).joined(separator: ",") + "\n"
        forEachRow { group, index, statistics in
            var cells = group.values.map { Self.csvField(Self.plainText($0)) }
            cells += index.map(String.init)
            cells += Self.statisticValues(group, statistics).map(JSONFormat.number)
            output += cells.joined(separator: ",") + "\n"
        }
        return output
    }

    /// A JSON array with one object per row (keys as the CSV header); NaN becomes null.
    public func json() -> String {
        let keys = groupHeader + elementColumns + Self.statisticColumns
        var objects: [String] = []
        forEachRow { group, index, statistics in
            let values = group.values + index.map { JSONValue.number(Double($0)) }
                + Self.statisticValues(group, statistics).map { $0.isFinite ? JSONValue.number($0) : .null }
            objects.append(JSONObject(uniqueMembers: zip(keys, values).map { JSONObject.Member(key: $0, value: $1) }).compactText)
        }
        return objects.isEmpty ? "[]\n" : "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    private func forEachRow(_ body: (Group, [Int], ElementStatistics) -> Void) {
        for group in groups {
            for (flat, statistics) in group.elements.enumerated() {
                body(group, Self.multiIndex(flat, shape: metric.shape), statistics)
            }
        }
    }

    /// Row-major index of a flat position.
    static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for dimension in shape.indices.reversed() where shape[dimension] > 0 {
            index[dimension] = rest % shape[dimension]
            rest /= shape[dimension]
        }
        return index
    }

    private static func statisticValues(_ group: Group, _ statistics: ElementStatistics) -> [Double] {
        [Double(statistics.n), statistics.mean, statistics.standardDeviation, statistics.standardError,
         statistics.median, statistics.confidenceLow, statistics.confidenceHigh,
         Double(group.failedCount), Double(group.divergedCount), Double(group.pendingCount)]
    }

    /// A parameter value as a cell: strings bare (JSON-quoted if they hold control
    /// characters, to keep one row per line), null empty, everything else as JSON.
    private static func plainText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text) where text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }): text
        case .null: ""
        default: value.compactText
        }
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingQuotes() + "\""
    }
}

private extension String {
    func replacingQuotes() -> String {
        var output = ""
        for character in self { output += character == "\"" ? "\"\"" : String(character) }
        return output
    }
}
