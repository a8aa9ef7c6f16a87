/// Where a trial sits on the sweep's axes: its case, its index along every grid axis and zip
/// group, and its seed.
public struct TrialPosition: Hashable, Sendable {
    /// Index into the file's cases (0 when the file has none).
    public var caseIndex: Int
    /// One index per grid axis, in file order.
    public var gridIndices: [Int]
    /// One index per zip group, in file order.
    public var zipIndices: [Int]
    public var seed: Int
}

extension SweepSpec {
    /// The radices of the expansion, outermost first: cases, grid axes, zip groups, seeds.
    private var radices: [Int] {
        [cases?.count ?? 1] + grid.map(\.values.count) + zips.map(\.count) + [seeds.count]
    }

    /// All positions in expansion order: cases (outermost, file order) x grid axes (first
    /// axis outermost) x zip groups x seeds (innermost, in the order given).
    /// Call `trialCount()` first: this allocates one position per trial.
    public func positions() -> [TrialPosition] {
        let radices = radices
        let total = radices.reduce(1, *)
        let seedValues = seeds.values
        var positions: [TrialPosition] = []
        positions.reserveCapacity(total)
        var digits = [Int](repeating: 0, count: radices.count)
        for _ in 0..<total {
            positions.append(TrialPosition(
                caseIndex: digits[0],
                gridIndices: Array(digits[1..<(1 + grid.count)]),
                zipIndices: Array(digits[(1 + grid.count)..<(1 + grid.count + zips.count)]),
                seed: seedValues[digits[radices.count - 1]]))
            // Odometer increment, innermost digit fastest.
            var place = radices.count - 1
            while place >= 0 {
                digits[place] += 1
                if digits[place] < radices[place] { break }
                digits[place] = 0
                place -= 1
            }
        }
        return positions
    }

    /// The position of the trial at `index` in expansion order (mixed-radix digits of the index,
    /// innermost fastest), without listing the others.
    public func position(at index: Int) -> TrialPosition {
        let radices = radices
        var digits = [Int](repeating: 0, count: radices.count)
        var rest = index
        for place in radices.indices.reversed() {
            digits[place] = rest % radices[place]
            rest /= radices[place]
        }
        return TrialPosition(caseIndex: digits[0],
                             gridIndices: Array(digits[1..<(1 + grid.count)]),
                             zipIndices: Array(digits[(1 + grid.count)..<(1 + grid.count + zips.count)]),
                             seed: seeds.value(at: digits[radices.count - 1]))
    }

    /// The trial's parameters before the model sees them: base, overridden by the case,
    /// the grid point, the zip point, the command line's overrides, then "seed".
    public func rawParameters(at position: TrialPosition) -> JSONObject {
        var parameters = base
        if let cases {
            for member in cases[position.caseIndex] { parameters[member.key] = member.value }
        }
        for (axis, index) in zip(grid, position.gridIndices) {
            parameters[axis.name] = axis.values[index]
        }
        for (group, index) in zip(zips, position.zipIndices) {
            for (name, values) in zip(group.names, group.values) { parameters[name] = values[index] }
        }
        for member in overrides { parameters[member.key] = member.value }
        parameters["seed"] = .number(Double(position.seed))
        return parameters
    }

    /// Where the value of `key` for the trial at `position` was written in the file
    /// (`grid.g_radius[1]`, `zip[0].loss[2]`, `cases[3].N`, `base.N`, `seeds`), or nil when
    /// the file does not set it (a model default).
    public func origin(of key: String, at position: TrialPosition) -> String? {
        if key == "seed" { return "seeds" }
        if overrides[key] != nil { return "--set \(key)" }
        for (groupIndex, group) in zips.enumerated() where group.names.contains(key) {
            return "zip[\(groupIndex)].\(key)[\(position.zipIndices[groupIndex])]"
        }
        for (axisIndex, axis) in grid.enumerated() where axis.name == key {
            return "grid.\(key)[\(position.gridIndices[axisIndex])]"
        }
        if let cases, cases[position.caseIndex][key] != nil {
            return "cases[\(position.caseIndex)].\(key)"
        }
        if base[key] != nil { return key == "analyses" && analysesFromSugar ? "analyses" : "base.\(key)" }
        return nil
    }

    /// "case 1, g_radius=20, loss="mse", learning_rate=0.001, seed=3": the trial's coordinates
    /// on every axis, for messages.
    public func describe(_ position: TrialPosition) -> String {
        var parts: [String] = []
        if cases != nil { parts.append("case \(position.caseIndex)") }
        for (axis, index) in zip(grid, position.gridIndices) {
            parts.append("\(axis.name)=\(SweepSpecError.shortened(axis.values[index].compactText))")
        }
        for (group, index) in zip(zips, position.zipIndices) {
            for (name, values) in zip(group.names, group.values) {
                parts.append("\(name)=\(SweepSpecError.shortened(values[index].compactText))")
            }
        }
        parts.append("seed=\(position.seed)")
        return parts.joined(separator: ", ")
    }

    /// The first axis on which two positions differ, as a field path with its value there
    /// (to name the culprit when two trials turn out to be the same).
    func firstDifference(_ a: TrialPosition, _ b: TrialPosition) -> (field: String, value: JSONValue?) {
        if let cases, a.caseIndex != b.caseIndex {
            return ("cases[\(b.caseIndex)]", .object(cases[b.caseIndex]))
        }
        for (axisIndex, axis) in grid.enumerated() where a.gridIndices[axisIndex] != b.gridIndices[axisIndex] {
            let index = b.gridIndices[axisIndex]
            return ("grid.\(axis.name)[\(index)]", axis.values[index])
        }
        for (groupIndex, group) in zips.enumerated() where a.zipIndices[groupIndex] != b.zipIndices[groupIndex] {
            let index = b.zipIndices[groupIndex]
            return ("zip[\(groupIndex)][\(index)]", .array(group.values.map { $0[index] }))
        }
        return ("seeds", .number(Double(b.seed)))
    }
}
