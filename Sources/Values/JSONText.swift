/// Serialisation of JSON values.
///
/// Number format (shared by every serialiser, and the basis of trial identity): the shortest
/// decimal digits that round-trip to the same Double (Swift's `description` digits), laid out
/// as ECMAScript's Number::toString does (what `JSON.stringify` writes):
/// - 0 and -0 -> "0"; integral values below 1e21 -> plain integers ("1" for 1 and 1.0,
///   "9007199254740993" is never produced because that value is not a Double);
/// - decimal exponent from -6 to 21 -> plain decimals ("0.001", "0.000001", "123.456");
/// - otherwise one digit, an optional fraction and a signed exponent ("1e-7", "1.5e+300").
/// The digits come from the standard library's shortest round-trip algorithm; the layout is
/// our own so that it cannot change with the standard library's formatting choices.
extension JSONValue {
    /// Canonical text: object keys sorted by their UTF-8 bytes, no whitespace, numbers as
    /// above, strings escaped minimally. Equal values (1 and 1.0, any key order) give equal
    /// text, which is what a trial's identity is hashed from.
    public var canonicalText: String {
        var output = ""
        JSONWriter(sortKeys: true, indent: nil).write(self, into: &output, depth: 0)
        return output
    }

    /// Compact text in file order (for messages and for storing values as JSON text).
    public var compactText: String {
        var output = ""
        JSONWriter(sortKeys: false, indent: nil).write(self, into: &output, depth: 0)
        return output
    }

    /// Indented text in file order, for files meant to be read by people.
    public func prettyText(indent: Int = 2) -> String {
        var output = ""
        JSONWriter(sortKeys: false, indent: indent).write(self, into: &output, depth: 0)
        return output
    }
}

extension JSONObject {
    public var canonicalText: String { JSONValue.object(self).canonicalText }
    public var compactText: String { JSONValue.object(self).compactText }

    /// The canonical (or compact) text cut around the value of the member `key`: the text is
    /// `before` + that value's text + `after`, so objects that differ only in that value are
    /// written by pasting (what a plan of many seeds does). Nil when there is no such member.
    public func textParts(around key: String, canonical: Bool) -> (before: String, after: String)? {
        guard self[key] != nil else { return nil }
        var members = members
        if canonical { members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
        let writer = JSONWriter(sortKeys: canonical, indent: nil)
        var output = "{"
        var before = ""
        for (index, member) in members.enumerated() {
            if index > 0 { output += "," }
            JSONFormat.appendQuoted(member.key, to: &output)
            output += ":"
            if member.key == key {
                before = output
                output = ""
                continue
            }
            writer.write(member.value, into: &output, depth: 1)
        }
        output += "}"
        return (before, output)
    }
}

private struct JSONWriter {
    let sortKeys: Bool
    let indent: Int?

    func write(_ value: JSONValue, into output: inout String, depth: Int) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number): output += JSONFormat.number(number)
        case .string(let text): JSONFormat.appendQuoted(text, to: &output)
        case .array(let elements):
            if elements.isEmpty { output += "[]"; return }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                newline(into: &output, depth: depth + 1)
                write(element, into: &output, depth: depth + 1)
            }
            newline(into: &output, depth: depth)
            output += "]"
        case .object(let object):
            if object.isEmpty { output += "{}"; return }
            var members = object.members
            if sortKeys { members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                newline(into: &output, depth: depth + 1)
                JSONFormat.appendQuoted(member.key, to: &output)
                output += indent == nil ? ":" : ": "
                write(member.value, into: &output, depth: depth + 1)
            }
            newline(into: &output, depth: depth)
            output += "}"
        }
    }

    private func newline(into output: inout String, depth: Int) {
        guard let indent else { return }
        output += "\n" + String(repeating: " ", count: indent * depth)
    }
}

/// The number and string formats of the serialisers, usable on their own (statistics output uses them).
public enum JSONFormat {
    /// Shortest round-trip text of a finite Double in the layout documented on `JSONValue`.
    /// Non-finite values (which JSON cannot hold) are written "NaN", "Infinity", "-Infinity".
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity") }
        if value == 0 { return "0" }
        // Integers that a Double holds exactly (seeds, sizes, epochs): their plain digits are the
        // layout below, without the detour through `description`.
        if value.magnitude < 0x1p53, value.rounded(.towardZero) == value { return String(Int64(value)) }
        let (digits, exponent) = shortestDigits(of: value.magnitude)
        let sign = value < 0 ? "-" : ""
        let count = digits.count
        // value = 0.d1d2...dk x 10^exponent
        if count <= exponent && exponent <= 21 {
            return sign + digits + String(repeating: "0", count: exponent - count)
        }
        if 0 < exponent && exponent <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: exponent)
            return sign + digits[..<split] + "." + digits[split...]
        }
        if -6 < exponent && exponent <= 0 {
            return sign + "0." + String(repeating: "0", count: -exponent) + digits
        }
        let power = exponent - 1
        let mantissa = count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        return sign + mantissa + "e" + (power < 0 ? "-" : "+") + String(power.magnitude)
    }

    /// Significant digits (no leading or trailing zeros) and exponent n with
    /// value = 0.digits x 10^n, read from Swift's shortest round-trip `description`
    /// (forms such as "123.456", "1e-07", "1.5e+300", "1000000.0").
    static func shortestDigits(of value: Double) -> (digits: String, exponent: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var allDigits = ""
        var pointPosition = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." { seenPoint = true; continue }
            allDigits.append(character)
            if !seenPoint { pointPosition += 1 }
        }
        let leadingZeros = allDigits.prefix(while: { $0 == "0" }).count
        var significant = allDigits.dropFirst(leadingZeros)
        while significant.last == "0" { significant = significant.dropLast() }
        return (String(significant), pointPosition - leadingZeros + exponent)
    }

    /// Appends a JSON string literal: escapes '"', '\\' and control characters only
    /// (short forms where JSON has them, else \u00XX), everything else as UTF-8.
    public static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            default:
                if let escape = controlEscape(scalar) { output += escape } else { output.unicodeScalars.append(scalar) }
            }
        }
        output += "\""
    }

    /// The text with control characters written as JSON escapes ("\n", "\u0001"), so that
    /// a message quoting user input stays on one line.
    public static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            if let escape = controlEscape(scalar) { output += escape } else { output.unicodeScalars.append(scalar) }
        }
        return output
    }

    private static func controlEscape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\u{08}": return "\\b"
        case "\u{0C}": return "\\f"
        case "\u{00}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return nil
        }
    }

    public static func quoted(_ text: String) -> String {
        var output = ""
        appendQuoted(text, to: &output)
        return output
    }
}
