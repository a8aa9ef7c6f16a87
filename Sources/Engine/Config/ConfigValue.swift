/// A configuration value as read from JSON: the Engine's own small value type, so that it
/// depends on no parser. Numbers are Doubles (1 and 1.0 are the same value).
public enum ConfigValue: Hashable, Sendable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([ConfigValue])
    case null

    public var description: String {
        switch self {
        case .number(let x):
            if x == x.rounded(), abs(x) < 9.007_199_254_740_992e15 { return String(Int64(x)) }
            return String(x)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .null: return "null"
        }
    }
}

/// A rejected configuration entry, named with the value that was given.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var reason: String
    public init(key: String, value: String, reason: String) {
        self.key = key; self.value = value; self.reason = reason
    }
    public init(key: String, value: ConfigValue, reason: String) {
        self.init(key: key, value: value.description, reason: reason)
    }
    public var description: String { "\(key) = \(value): \(reason)" }
}
