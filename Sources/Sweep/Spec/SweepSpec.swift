/// A sweep file, decoded and checked for shape (types, empty axes, repeats, key conflicts,
/// size); what the parameters mean is checked later by the model, trial by trial. Immutable,
/// so that the size check made on decoding holds for every later expansion.
///
///     {
///       "name": "fig5",                       required, [A-Za-z0-9_.-]{1,64}
///       "description": "...",                 optional text
///       "output": "results/fig5.h5",          optional; default "results/<name>.h5"
///       "base": { "N": 200 },                 parameters common to all trials
///       "analyses": ["dim_layers"],           sugar for base.analyses
///       "cases": [ {"X_dim": 200}, ... ],     explicit parameter sets (outermost axis)
///       "grid": { "g_radius": [20, 250] },    Cartesian axes, first outermost
///       "zip": [ { "loss": [...], "learning_rate": [...] } ],  lists that vary together
///       "seeds": 5 | "0-29" | [0, 3, 7],      replicate axis (innermost); default [0]
///       "exclude": [ {"g_radius": 250} ]      drop trials matching every key of an entry
///     }
public struct SweepSpec: Sendable {
    public struct GridAxis: Sendable {
        public var name: String
        public var values: [JSONValue]
    }

    /// Lists of equal length that vary together: point i takes the i-th value of each.
    public struct ZipGroup: Sendable {
        public var names: [String]
        /// values[k] is the list of the k-th name.
        public var values: [[JSONValue]]
        public var count: Int { values.first?.count ?? 0 }
    }

    public let name: String
    public let description: String?
    public let output: String
    public let base: JSONObject
    /// Whether "analyses" came from the top-level sugar (for naming it in messages).
    public let analysesFromSugar: Bool
    /// The explicit cases, or nil when the file has none (one empty case).
    public let cases: [JSONObject]?
    public let grid: [GridAxis]
    public let zips: [ZipGroup]
    public let seeds: SeedSet
    public let exclude: [JSONObject]
    /// Values set from the command line (`--set key=value`) for every trial, over everything the
    /// file sets (but the seed).
    public var overrides = JSONObject()

    public static let topLevelKeys = [
        "name", "description", "output", "base", "analyses", "cases", "grid", "zip", "seeds", "exclude",
    ]

    /// The largest plan accepted; checked before anything is expanded.
    public static let maximumTrials = 10_000_000

    /// Decodes a sweep file. `seedsOverride` (command-line grammar of `SeedSet.parse`)
    /// replaces the file's seeds.
    public init(text: String, seedsOverride: String? = nil) throws(SweepSpecError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw SweepSpecError(field: "", value: "", message: error.description)
        }
        guard case .object(let top) = root else {
            throw SweepSpecError("", root, "a sweep file must be a JSON object with at least \"name\", found \(root.kindName)")
        }
        for key in top.keys where !SweepSpec.topLevelKeys.contains(key) {
            throw SweepSpecError(field: key, value: "",
                                 message: "unknown key \"\(key)\"\(didYouMean(key, among: SweepSpec.topLevelKeys)) (valid: \(SweepSpec.topLevelKeys.joined(separator: ", ")))")
        }

        guard let nameValue = top["name"] else {
            throw SweepSpecError(field: "name", value: "", message: "missing: every sweep needs a \"name\" (letters, digits, '_', '.', '-')")
        }
        name = try SweepSpec.decodeName(nameValue)
        description = try top["description"].map { value throws(SweepSpecError) in try string(value, field: "description") }
        output = try top["output"].map { value throws(SweepSpecError) in try string(value, field: "output", nonEmpty: true) }
            ?? "results/\(name).h5"

        var base = try top["base"].map { value throws(SweepSpecError) in try object(value, field: "base") } ?? JSONObject()
        analysesFromSugar = top["analyses"] != nil
        if let analyses = top["analyses"] {
            if base["analyses"] != nil {
                throw SweepSpecError("analyses", analyses, "analyses are given twice (also in base.analyses): keep one")
            }
            guard case .array(let names) = analyses else {
                throw SweepSpecError("analyses", analyses, "expected an array of analysis names, found \(analyses.kindName)")
            }
            for (index, element) in names.enumerated() {
                guard case .string = element else {
                    throw SweepSpecError("analyses[\(index)]", element, "expected an analysis name (a string), found \(element.kindName)")
                }
            }
            base["analyses"] = analyses
        }
        self.base = base

        cases = try top["cases"].map { value throws(SweepSpecError) in try SweepSpec.decodeCases(value) }
        grid = try top["grid"].map { value throws(SweepSpecError) in try SweepSpec.decodeGrid(value) } ?? []
        zips = try top["zip"].map { value throws(SweepSpecError) in try SweepSpec.decodeZips(value) } ?? []
        // The file's seeds are checked even when the command line replaces them.
        let fileSeeds = try top["seeds"].map { value throws(SweepSpecError) in try SeedSet.fromJSON(value) } ?? SeedSet.onlyZero
        seeds = try seedsOverride.map { text throws(SweepSpecError) in try SeedSet.parse(text, field: "--seeds") } ?? fileSeeds
        exclude = try top["exclude"].map { value throws(SweepSpecError) in try SweepSpec.decodeExclude(value) } ?? []

        try checkKeyOwnership()
        _ = try trialCount()
    }

    // MARK: Field decoders

    private static func decodeName(_ value: JSONValue) throws(SweepSpecError) -> String {
        let name = try string(value, field: "name")
        let allowed = name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
        }
        guard allowed, (1...64).contains(name.unicodeScalars.count) else {
            throw SweepSpecError("name", value, "a name is 1 to 64 characters from A-Z a-z 0-9 _ . -")
        }
        return name
    }

    private static func decodeCases(_ value: JSONValue) throws(SweepSpecError) -> [JSONObject] {
        guard case .array(let elements) = value else {
            throw SweepSpecError("cases", value, "expected an array of parameter objects, found \(value.kindName)")
        }
        if elements.isEmpty {
            throw SweepSpecError("cases", value, "no cases given (leave \"cases\" out for a single case)")
        }
        var cases: [JSONObject] = []
        for (index, element) in elements.enumerated() {
            cases.append(try object(element, field: "cases[\(index)]"))
        }
        return cases
    }

    private static func decodeGrid(_ value: JSONValue) throws(SweepSpecError) -> [GridAxis] {
        let axes = try object(value, field: "grid")
        if axes.isEmpty { throw SweepSpecError("grid", value, "the grid has no axes (leave \"grid\" out instead)") }
        var grid: [GridAxis] = []
        for member in axes {
            let field = "grid.\(member.key)"
            let values = try list(member.value, field: field)
            grid.append(GridAxis(name: member.key, values: values))
        }
        return grid
    }

    private static func decodeZips(_ value: JSONValue) throws(SweepSpecError) -> [ZipGroup] {
        guard case .array(let elements) = value else {
            throw SweepSpecError("zip", value, "expected an array of groups like {\"a\": [1, 2], \"b\": [3, 4]}, found \(value.kindName)")
        }
        if elements.isEmpty { throw SweepSpecError("zip", value, "no zip groups given (leave \"zip\" out instead)") }
        var groups: [ZipGroup] = []
        for (groupIndex, element) in elements.enumerated() {
            let groupField = "zip[\(groupIndex)]"
            let members = try object(element, field: groupField)
            if members.isEmpty { throw SweepSpecError(groupField, element, "the zip group has no lists") }
            var group = ZipGroup(names: [], values: [])
            for member in members {
                let values = try list(member.value, field: "\(groupField).\(member.key)", allowRepeats: true)
                if let first = group.names.first, values.count != group.count {
                    throw SweepSpecError(groupField, nil, "lists must have equal lengths: \(first) has \(group.count) values, \(member.key) has \(values.count)")
                }
                group.names.append(member.key)
                group.values.append(values)
            }
            // Within one group a single list may repeat values, but a repeated point would be
            // the same trial twice.
            let points = (0..<group.count).map { index in JSONValue.array(group.values.map { $0[index] }) }
            if let repeated = firstRepeat(in: points) {
                throw SweepSpecError("\(groupField)[\(repeated.second)]", points[repeated.second],
                                     "the same combination as \(groupField)[\(repeated.first)]")
            }
            groups.append(group)
        }
        return groups
    }

    private static func decodeExclude(_ value: JSONValue) throws(SweepSpecError) -> [JSONObject] {
        guard case .array(let elements) = value else {
            throw SweepSpecError("exclude", value, "expected an array of parameter objects, found \(value.kindName)")
        }
        var entries: [JSONObject] = []
        for (index, element) in elements.enumerated() {
            let entry = try object(element, field: "exclude[\(index)]")
            if entry.isEmpty {
                throw SweepSpecError("exclude[\(index)]", element, "an empty entry would exclude every trial")
            }
            entries.append(entry)
        }
        return entries
    }

    // MARK: Whole-file checks

    /// A parameter may be set in base and by one axis (the axis wins), but not by two of
    /// cases, grid and zip groups; "seed" belongs to "seeds" alone.
    private func checkKeyOwnership() throws(SweepSpecError) {
        var owner: [String: String] = [:]
        func claim(_ key: String, by place: String, value: JSONValue) throws(SweepSpecError) {
            if let previous = owner[key], previous != place {
                throw SweepSpecError("\(place).\(key)", value, "\"\(key)\" is set both by \(previous) and by \(place): a parameter can vary along one axis only")
            }
            owner[key] = place
        }
        for member in base where member.key == "seed" {
            throw SweepSpecError("base.seed", member.value, SweepSpec.seedMessage)
        }
        for (index, entry) in (cases ?? []).enumerated() {
            for member in entry {
                if member.key == "seed" { throw SweepSpecError("cases[\(index)].seed", member.value, SweepSpec.seedMessage) }
                try claim(member.key, by: "cases", value: member.value)
            }
        }
        for axis in grid {
            if axis.name == "seed" { throw SweepSpecError("grid.seed", .array(axis.values), SweepSpec.seedMessage) }
            try claim(axis.name, by: "grid", value: .array(axis.values))
        }
        for (index, group) in zips.enumerated() {
            for (name, values) in zip(group.names, group.values) {
                if name == "seed" { throw SweepSpecError("zip[\(index)].seed", .array(values), SweepSpec.seedMessage) }
                try claim(name, by: "zip[\(index)]", value: .array(values))
            }
        }
    }

    static let seedMessage = "seeds given twice: use the top-level \"seeds\" (e.g. \"seeds\": 5 or \"0-29\") instead of a \"seed\" parameter"

    /// Number of trials before exclusion, computed with overflow checks so that an absurd
    /// grid is refused without allocating anything. The error names the axis at which the
    /// product passes the limit.
    public func trialCount() throws(SweepSpecError) -> Int {
        var factors: [(name: String, size: Int)] = cases.map { [("cases", $0.count)] } ?? []
        factors += grid.map { ("grid.\($0.name)", $0.values.count) }
        factors += zips.enumerated().map { ("zip[\($0.offset)]", $0.element.count) }
        factors.append(("seeds", seeds.count))
        var total = 1
        for factor in factors {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor.size)
            if overflow || product > SweepSpec.maximumTrials {
                let sizes = factors.map { "\($0.size) \($0.name)" }.joined(separator: " x ")
                throw SweepSpecError(field: factor.name, value: "",
                                     message: "the sweep would have more than \(SweepSpec.maximumTrials) trials (\(sizes)): split it into several sweeps")
            }
            total = product
        }
        return total
    }

    /// Every parameter key the file mentions, in first-mention order (base, cases, grid, zip).
    public var mentionedKeys: [String] {
        var keys: [String] = []
        var seen: Set<String> = []
        func add(_ key: String) { if seen.insert(key).inserted { keys.append(key) } }
        base.keys.forEach(add)
        (cases ?? []).forEach { $0.keys.forEach(add) }
        grid.forEach { add($0.name) }
        zips.forEach { $0.names.forEach(add) }
        overrides.keys.forEach(add)
        return keys
    }
}

// MARK: Typed accessors shared by the decoders

func string(_ value: JSONValue, field: String, nonEmpty: Bool = false) throws(SweepSpecError) -> String {
    guard case .string(let text) = value else {
        throw SweepSpecError(field, value, "expected a string, found \(value.kindName)")
    }
    if nonEmpty && text.isEmpty { throw SweepSpecError(field, value, "must not be empty") }
    return text
}

func object(_ value: JSONValue, field: String) throws(SweepSpecError) -> JSONObject {
    guard case .object(let members) = value else {
        throw SweepSpecError(field, value, "expected an object of parameters, found \(value.kindName)")
    }
    return members
}

/// An axis: a non-empty array, without repeated values unless allowed.
func list(_ value: JSONValue, field: String, allowRepeats: Bool = false) throws(SweepSpecError) -> [JSONValue] {
    guard case .array(let values) = value else {
        throw SweepSpecError(field, value, "expected an array of values, found \(value.kindName) (write [\(SweepSpecError.shortened(value.compactText))] for a single value)")
    }
    if values.isEmpty { throw SweepSpecError(field, value, "the list is empty (it would give no trials)") }
    if !allowRepeats, let repeated = firstRepeat(in: values) {
        throw SweepSpecError("\(field)[\(repeated.second)]", values[repeated.second], "repeats \(field)[\(repeated.first)]")
    }
    return values
}
