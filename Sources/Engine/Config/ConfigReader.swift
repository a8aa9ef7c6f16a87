/// Reads typed parameters out of a key -> value dictionary, applying defaults and recording
/// each parameter's resolved (canonical) value in reading order. Reading a parameter is the
/// only place its name, default and constraints are written, so the list of valid names,
/// the defaults and the resolved parameter set all come from the same code.
struct ConfigReader {
    private let given: [String: ConfigValue]
    private(set) var resolved: [(key: String, value: ConfigValue)] = []
    private var read: Set<String> = []

    init(_ values: [String: ConfigValue]) { given = values }

    /// Keys that were given but never read.
    var unreadKeys: [String] { given.keys.filter { !read.contains($0) }.sorted() }

    var names: [String] { resolved.map(\.key) }

    private mutating func take(_ key: String) -> ConfigValue? {
        read.insert(key)
        if case .null? = given[key] { return nil }
        return given[key]
    }

    func wasGiven(_ key: String) -> Bool {
        if let value = given[key], value != .null { return true }
        return false
    }

    mutating func record(_ key: String, _ value: ConfigValue) {
        if let index = resolved.firstIndex(where: { $0.key == key }) {
            resolved[index].value = value
        } else {
            resolved.append((key, value))
        }
    }

    mutating func integer(_ key: String, default defaultValue: Int, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = take(key) else { record(key, .number(Double(defaultValue))); return defaultValue }
        guard case .number(let x) = value else { throw ConfigError(key: key, value: value, reason: "expected an integer") }
        guard x.isFinite, x == x.rounded() else { throw ConfigError(key: key, value: value, reason: "expected an integer") }
        guard x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
            throw ConfigError(key: key, value: value, reason: "must be in \(describe(range))")
        }
        record(key, .number(x))
        return Int(x)
    }

    mutating func number(_ key: String, default defaultValue: Double,
                         _ constraint: NumberConstraint = .finite) throws(ConfigError) -> Double {
        guard let value = take(key) else { record(key, .number(defaultValue)); return defaultValue }
        guard case .number(let x) = value, x.isFinite else {
            throw ConfigError(key: key, value: value, reason: "expected a finite number")
        }
        if let reason = constraint.violation(x) { throw ConfigError(key: key, value: value, reason: reason) }
        record(key, .number(x))
        return x
    }

    mutating func flag(_ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        guard let value = take(key) else { record(key, .bool(defaultValue)); return defaultValue }
        guard case .bool(let b) = value else { throw ConfigError(key: key, value: value, reason: "expected true or false") }
        record(key, .bool(b))
        return b
    }

    /// A name from a fixed set; `aliases` map alternative spellings (as in the reference code)
    /// to the canonical name, which is what gets recorded.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T,
                                                            aliases: [String: T] = [:]) throws(ConfigError) -> T
    where T.RawValue == String {
        guard let value = take(key) else { record(key, .string(defaultValue.rawValue)); return defaultValue }
        guard case .string(let name) = value else {
            throw ConfigError(key: key, value: value, reason: "expected one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        guard let choice = T(rawValue: name) ?? aliases[name] else {
            throw ConfigError(key: key, value: value, reason: "unknown name; expected one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        record(key, .string(choice.rawValue))
        return choice
    }

    /// The raw value of a parameter with a special grammar, read by the caller.
    mutating func raw(_ key: String) -> ConfigValue? { take(key) }

    private func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return ">= \(range.lowerBound)" }
        return "\(range.lowerBound)...\(range.upperBound)"
    }
}

enum NumberConstraint {
    case finite, positive, nonNegative, probability, unitOpen

    func violation(_ x: Double) -> String? {
        switch self {
        case .finite: nil
        case .positive: x > 0 ? nil : "must be > 0"
        case .nonNegative: x >= 0 ? nil : "must be >= 0"
        case .probability: (x >= 0 && x < 1) ? nil : "must be in [0, 1)"
        case .unitOpen: (x > 0 && x < 1) ? nil : "must be in (0, 1)"
        }
    }
}
