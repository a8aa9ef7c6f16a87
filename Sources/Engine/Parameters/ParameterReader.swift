import Values

/// One parameter of a family as its reader declares it: what `sweep-mpi params` prints and
/// docs/families/<family>.md lists.
public struct ParameterDeclaration: Sendable, Equatable {
    public var name: String
    /// integer, number, flag, choice, list or text.
    public var kind: String
    /// The default as JSON text, or a sentence when it depends on other parameters.
    public var defaultText: String
    /// The values accepted, in words ("1...65536", "> 0", "\"tanh\", \"relu\", \"linear\"").
    public var allowed: String
    public var description: String
}

/// Reads typed parameters out of a JSON object, applying defaults and recording each parameter's
/// resolved (canonical) value in reading order. Reading a parameter is the only place its name,
/// default, constraint and description are written: the list of valid names, the documentation,
/// the defaults and the resolved parameter set all come from the same calls.
public struct ParameterReader {
    private let given: [String: JSONValue]
    private let givenOrder: [String]
    private var read: Set<String> = []
    public private(set) var resolved: [JSONObject.Member] = []
    private var resolvedIndex: [String: Int] = [:]
    public private(set) var declarations: [ParameterDeclaration] = []
    /// Whether `declare` records declarations (their texts cost more than reading a value, and
    /// resolving a trial does not need them).
    private let declaring: Bool

    /// `declaring: false` reads values only: `declarations` stays empty.
    public init(_ values: JSONObject, declaring: Bool = true) {
        var given: [String: JSONValue] = [:]
        for member in values { given[member.key] = member.value }
        self.given = given
        givenOrder = values.keys
        self.declaring = declaring
    }

    /// Names given but never read, in the order given.
    public var unreadKeys: [String] { givenOrder.filter { !read.contains($0) } }

    /// The resolved parameters in reading order.
    public var resolvedObject: JSONObject { JSONObject(uniqueMembers: resolved) }

    /// Whether `key` was given with a non-null value.
    public func wasGiven(_ key: String) -> Bool {
        if let value = given[key], value != .null { return true }
        return false
    }

    /// The value given for `key` (nil when absent or null), marking it read. For parameters with
    /// a grammar of their own; declare them with `declare` and record the canonical value.
    public mutating func take(_ key: String) -> JSONValue? {
        read.insert(key)
        if case .null? = given[key] { return nil }
        return given[key]
    }

    public mutating func declare(_ key: String, kind: String, defaultText: @autoclosure () -> String,
                                 allowed: @autoclosure () -> String, _ description: String) {
        guard declaring, !declarations.contains(where: { $0.name == key }) else { return }
        declarations.append(ParameterDeclaration(name: key, kind: kind, defaultText: defaultText(), allowed: allowed(),
                                                 description: description))
    }

    /// Sets the resolved value of `key` (replacing an earlier one, keeping its position).
    public mutating func record(_ key: String, _ value: JSONValue) {
        if let index = resolvedIndex[key] {
            resolved[index].value = value
        } else {
            resolvedIndex[key] = resolved.count
            resolved.append(JSONObject.Member(key: key, value: value))
        }
    }

    public mutating func integer(_ key: String, default defaultValue: Int, _ range: ClosedRange<Int>,
                                 defaultText: String? = nil, _ description: String) throws(ParameterError) -> Int {
        declare(key, kind: "integer", defaultText: defaultText ?? String(defaultValue), allowed: Self.describe(range), description)
        guard let value = take(key) else { record(key, .number(Double(defaultValue))); return defaultValue }
        guard case .number(let x) = value, x.isFinite, x == x.rounded() else {
            throw ParameterError(field: key, value: value, reason: "expected an integer")
        }
        guard x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
            throw ParameterError(field: key, value: value, reason: "must be in \(Self.describe(range))")
        }
        record(key, .number(x))
        return Int(x)
    }

    public mutating func number(_ key: String, default defaultValue: Double, _ constraint: NumberConstraint = .finite,
                                defaultText: String? = nil, _ description: String) throws(ParameterError) -> Double {
        declare(key, kind: "number", defaultText: defaultText ?? JSONFormat.number(defaultValue), allowed: constraint.text, description)
        guard let value = take(key) else { record(key, .number(defaultValue)); return defaultValue }
        guard case .number(let x) = value, x.isFinite else {
            throw ParameterError(field: key, value: value, reason: "expected a finite number")
        }
        if let reason = constraint.violation(x) { throw ParameterError(field: key, value: value, reason: reason) }
        record(key, .number(x))
        return x
    }

    public mutating func flag(_ key: String, default defaultValue: Bool, _ description: String) throws(ParameterError) -> Bool {
        declare(key, kind: "flag", defaultText: defaultValue ? "true" : "false", allowed: "true, false", description)
        guard let value = take(key) else { record(key, .bool(defaultValue)); return defaultValue }
        guard case .bool(let b) = value else { throw ParameterError(field: key, value: value, reason: "expected true or false") }
        record(key, .bool(b))
        return b
    }

    /// A name from a fixed set; `aliases` map alternative spellings (as in a reference code) to
    /// the canonical name, which is what gets recorded.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T,
                                                                   aliases: [String: T] = [:],
                                                                   _ description: String) throws(ParameterError) -> T
    where T.RawValue == String {
        var names: String { T.allCases.map { JSONFormat.quoted($0.rawValue) }.joined(separator: ", ") }
        var aliasText: String {
            aliases.isEmpty ? "" : " (aliases: " + aliases.keys.sorted().map { "\(JSONFormat.quoted($0)) = \(JSONFormat.quoted(aliases[$0]!.rawValue))" }.joined(separator: ", ") + ")"
        }
        declare(key, kind: "choice", defaultText: JSONFormat.quoted(defaultValue.rawValue), allowed: names + aliasText, description)
        guard let value = take(key) else { record(key, .string(defaultValue.rawValue)); return defaultValue }
        guard case .string(let name) = value else {
            throw ParameterError(field: key, value: value, reason: "expected one of \(names)")
        }
        guard let choice = T(rawValue: name) ?? aliases[name] else {
            throw ParameterError(field: key, value: value, reason: "unknown name; expected one of \(names)")
        }
        record(key, .string(choice.rawValue))
        return choice
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return ">= \(range.lowerBound)" }
        return "\(range.lowerBound)...\(range.upperBound)"
    }
}

/// Constraints on a real-valued parameter (beyond being finite).
public enum NumberConstraint: Sendable {
    case finite, positive, nonNegative, probability

    func violation(_ x: Double) -> String? {
        switch self {
        case .finite: nil
        case .positive: x > 0 ? nil : "must be > 0"
        case .nonNegative: x >= 0 ? nil : "must be >= 0"
        case .probability: (x >= 0 && x < 1) ? nil : "must be in [0, 1)"
        }
    }

    var text: String {
        switch self {
        case .finite: "any finite number"
        case .positive: "> 0"
        case .nonNegative: ">= 0"
        case .probability: "[0, 1)"
        }
    }
}
