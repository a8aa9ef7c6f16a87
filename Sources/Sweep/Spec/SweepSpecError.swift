/// Anything wrong with a sweep file (or a --seeds override), found before any work starts.
/// `field` is a path into the file (`grid.g_radius[2]`, `zip[0].loss`, `seeds`; empty for a
/// JSON syntax error, whose message starts with "line L, column C"), `value` the offending
/// JSON text, shortened to about 60 characters.
public struct SweepSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var message: String

    public init(field: String, value: String, message: String) {
        self.field = field; self.value = value; self.message = message
    }

    /// Builds the error from the offending JSON value (shortened for the message).
    init(_ field: String, _ value: JSONValue?, _ message: String) {
        self.init(field: field, value: value.map { SweepSpecError.shortened($0.compactText) } ?? "", message: message)
    }

    /// One line: `field = value: message`, leaving out what is empty. Control characters
    /// (from keys or values in the file) are shown as escapes so the line never breaks.
    public var description: String {
        var text = field
        if !value.isEmpty { text += text.isEmpty ? value : " = \(value)" }
        text = text.isEmpty ? message : "\(text): \(message)"
        return JSONFormat.escapingControlCharacters(text)
    }

    static let valueLimit = 60

    static func shortened(_ text: String) -> String {
        // Compact JSON text escapes newlines, so the value never breaks the line.
        text.count <= valueLimit ? text : String(text.prefix(valueLimit - 3)) + "..."
    }
}
