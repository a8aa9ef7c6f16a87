/// A rejected parameter (or sweep field), named with the value that was given and why.
public struct ParameterError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field; self.value = value; self.reason = reason
    }

    /// The value as compact JSON text.
    public init(field: String, value: JSONValue, reason: String) {
        self.init(field: field, value: value.compactText, reason: reason)
    }

    public var description: String { "\(field) = \(value): \(reason)" }
}
