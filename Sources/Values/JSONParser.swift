/// A syntax error in JSON text, located by 1-based line and column (columns count Unicode
/// scalars, so they match what an editor shows for UTF-8 text).
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public init(line: Int, column: Int, message: String) {
        self.line = line; self.column = column; self.message = message
    }
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Strict RFC 8259 parser. Rejects everything the RFC does not allow (comments, trailing
/// commas, NaN, leading zeros, control characters in strings, lone surrogates, invalid UTF-8),
/// plus what would silently lose information for a sweep: duplicate keys and numbers that
/// do not fit a Double. Iterative, so deep nesting is an error and never a stack overflow.
public enum JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        return try reader.parseDocument()
    }
}

/// The parser's state: a byte cursor and an explicit stack of open containers.
private struct JSONReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is not part of the text (RFC 8259 section 8.1 allows ignoring it).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    }

    /// An open array or object. A class, so that appending to the innermost container
    /// mutates it in place (an enum payload popped off the stack would be copied).
    private final class Container {
        let isObject: Bool
        var elements: [JSONValue] = []
        var members: [JSONObject.Member] = []
        /// Where each key starts in the text, in order (the pending key's last).
        var keyOffsets: [Int] = []
        /// Key -> index, once the object has many members (a small one is searched directly:
        /// most objects are small, and hashing every key would cost more than the search).
        var keyIndex: [String: Int]?
        var pendingKey = ""
        init(isObject: Bool) { self.isObject = isObject }

        /// The index of an earlier member with this key.
        func earlierMember(withKey key: String) -> Int? {
            if let keyIndex { return keyIndex[key] }
            guard members.count >= 16 else { return members.firstIndex { $0.key == key } }
            var index: [String: Int] = [:]
            for (position, member) in members.enumerated() { index[member.key] = position }
            keyIndex = index
            return index[key]
        }

        func addKey(_ key: String, at offset: Int) {
            keyIndex?[key] = keyOffsets.count
            keyOffsets.append(offset)
            pendingKey = key
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        if offset >= bytes.count {
            throw error(at: offset, "expected a JSON value, found end of input (the text is empty)")
        }
        let value = try parseNestedValue()
        skipWhitespace()
        if offset < bytes.count {
            throw error(at: offset, "expected end of input after the top-level value, found \(found(at: offset))")
        }
        return value
    }

    /// Parses one value, however deeply nested, keeping open containers on an explicit stack.
    private mutating func parseNestedValue() throws(JSONParseError) -> JSONValue {
        var stack: [Container] = []
        while true {
            // Start of a value: open containers until a complete value is produced.
            skipWhitespace()
            var produced: JSONValue
            if peek() == UInt8(ascii: "{") || peek() == UInt8(ascii: "[") {
                if stack.count >= JSONParser.maximumDepth {
                    throw error(at: offset, "nesting deeper than \(JSONParser.maximumDepth) levels")
                }
                let container = Container(isObject: peek() == UInt8(ascii: "{"))
                offset += 1
                skipWhitespace()
                if container.isObject {
                    if peek() == UInt8(ascii: "}") {
                        offset += 1
                        produced = .object(JSONObject())
                    } else {
                        let (key, keyOffset) = try parseKey(expected: "expected a string key or '}'")
                        container.addKey(key, at: keyOffset)
                        stack.append(container)
                        continue
                    }
                } else if peek() == UInt8(ascii: "]") {
                    offset += 1
                    produced = .array([])
                } else {
                    stack.append(container)
                    continue
                }
            } else {
                produced = try parseScalar()
            }

            // A value is complete: hand it to the innermost container, and close containers
            // for as long as their closing bracket follows.
            while let top = stack.last {
                skipWhitespace()
                if top.isObject {
                    top.members.append(JSONObject.Member(key: top.pendingKey, value: produced))
                    if peek() == UInt8(ascii: ",") {
                        offset += 1
                        skipWhitespace()
                        let (key, keyOffset) = try parseKey(expected: "expected a string key")
                        if let first = top.earlierMember(withKey: key) {
                            let (line, column) = location(of: top.keyOffsets[first])
                            throw error(at: keyOffset, "duplicate key \(JSONFormat.quoted(key)) in object (first at line \(line), column \(column))")
                        }
                        top.addKey(key, at: keyOffset)
                        break
                    } else if peek() == UInt8(ascii: "}") {
                        offset += 1
                        stack.removeLast()
                        produced = .object(JSONObject(uniqueMembers: top.members))
                    } else {
                        throw error(at: offset, "expected ',' or '}' after object member, found \(found(at: offset))")
                    }
                } else {
                    top.elements.append(produced)
                    if peek() == UInt8(ascii: ",") {
                        offset += 1
                        break
                    } else if peek() == UInt8(ascii: "]") {
                        offset += 1
                        stack.removeLast()
                        produced = .array(top.elements)
                    } else {
                        throw error(at: offset, "expected ',' or ']' after array element, found \(found(at: offset))")
                    }
                }
            }
            if stack.isEmpty { return produced }
        }
    }

    private mutating func parseKey(expected: String) throws(JSONParseError) -> (String, Int) {
        guard peek() == UInt8(ascii: "\"") else {
            var message = "\(expected), found \(found(at: offset))"
            if peek() == UInt8(ascii: "}") { message += " (trailing commas are not allowed)" }
            if peek() == UInt8(ascii: "'") { message += " (strings use double quotes)" }
            throw error(at: offset, message)
        }
        let keyOffset = offset
        let key = try parseString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else {
            throw error(at: offset, "expected ':' after object key, found \(found(at: offset))")
        }
        offset += 1
        return (key, keyOffset)
    }

    private mutating func parseScalar() throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else {
            throw error(at: offset, "expected a JSON value, found end of input")
        }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            return try parseLiteral()
        default:
            var message = "expected a JSON value, found \(found(at: offset))"
            switch byte {
            case UInt8(ascii: "]"): message += " (trailing commas are not allowed)"
            case UInt8(ascii: "/"), UInt8(ascii: "#"): message += " (JSON does not allow comments)"
            case UInt8(ascii: "'"): message += " (strings use double quotes)"
            default: break
            }
            throw error(at: offset, message)
        }
    }

    private mutating func parseLiteral() throws(JSONParseError) -> JSONValue {
        let start = offset
        var end = offset
        while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
        let word = String(decoding: bytes[start..<end], as: UTF8.self)
        switch word {
        case "true": offset = end; return .bool(true)
        case "false": offset = end; return .bool(false)
        case "null": offset = end; return .null
        default:
            var message = "expected a JSON value, found '\(truncated(word))'"
            let lower = word.lowercased()
            if ["true", "false", "null"].contains(lower) {
                message += " (literals are lowercase: \(lower))"
            } else if ["nan", "infinity", "inf"].contains(lower) {
                message += " (JSON has no NaN or Infinity)"
            } else {
                message += " (strings need double quotes)"
            }
            throw error(at: start, message)
        }
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// number = [ "-" ] ( "0" / digit1-9 *digit ) [ "." 1*digit ] [ ( "e" / "E" ) [ "-" / "+" ] 1*digit ]
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek(), isDigit(first) else {
            throw error(at: offset, "expected a digit after '-', found \(found(at: offset))")
        }
        offset += 1
        if first == UInt8(ascii: "0"), let next = peek(), isDigit(next) {
            throw error(at: start, "number '\(numberText(from: start))' has a leading zero")
        }
        var mantissaIsZero = first == UInt8(ascii: "0")
        while let byte = peek(), isDigit(byte) { mantissaIsZero = mantissaIsZero && byte == UInt8(ascii: "0"); offset += 1 }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard let byte = peek(), isDigit(byte) else {
                throw error(at: offset, "expected a digit after '.', found \(found(at: offset))")
            }
            while let byte = peek(), isDigit(byte) { mantissaIsZero = mantissaIsZero && byte == UInt8(ascii: "0"); offset += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard let byte = peek(), isDigit(byte) else {
                throw error(at: offset, "expected a digit in the exponent, found \(found(at: offset))")
            }
            while let byte = peek(), isDigit(byte) { offset += 1 }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(at: start, "number \(truncated(text)) is too large for a 64-bit float")
        }
        if value == 0 && !mantissaIsZero {
            throw error(at: start, "number \(truncated(text)) is too small for a 64-bit float (it would become 0)")
        }
        return value
    }

    private func numberText(from start: Int) -> String {
        var end = start
        while end < bytes.count, isDigit(bytes[end]) || bytes[end] == UInt8(ascii: "-")
            || bytes[end] == UInt8(ascii: ".") { end += 1 }
        return truncated(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Parses a string starting at the opening quote; validates UTF-8 and escapes.
    private mutating func parseString() throws(JSONParseError) -> String {
        let opening = offset
        offset += 1
        // Valid UTF-8 without escapes (almost every string) becomes the String in one step; the
        // bytes are collected only once an escape needs decoding.
        var decoded: [UInt8]?
        var runStart = offset
        while true {
            guard let byte = peek() else {
                let (line, column) = location(of: opening)
                throw error(at: offset, "unexpected end of input in the string that starts at line \(line), column \(column)")
            }
            switch byte {
            case UInt8(ascii: "\""):
                let text: String
                if var collected = decoded {
                    collected.append(contentsOf: bytes[runStart..<offset])
                    text = String(decoding: collected, as: UTF8.self)
                } else {
                    text = String(decoding: bytes[runStart..<offset], as: UTF8.self)
                }
                offset += 1
                return text
            case UInt8(ascii: "\\"):
                var collected = decoded ?? []
                collected.append(contentsOf: bytes[runStart..<offset])
                collected.append(contentsOf: String(try parseEscape()).utf8)
                decoded = collected
                runStart = offset
            case 0..<0x20:
                throw error(at: offset, "unescaped control character in a string: \(found(at: offset)) (write an escape such as \\n or \\u0001)")
            case 0x20..<0x80:
                offset += 1
            default:
                // Checked here, so that the run is valid UTF-8 when it is decoded.
                guard let (_, length) = decodeUTF8(at: offset) else {
                    throw error(at: offset, "invalid UTF-8 byte 0x\(hex(byte, width: 2)) in a string")
                }
                offset += length
            }
        }
    }

    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        let escapeStart = offset
        offset += 1
        guard let byte = peek() else {
            throw error(at: offset, "unexpected end of input in an escape sequence")
        }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: escapeStart)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low surrogate.
                guard peek() == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw error(at: escapeStart, "lone surrogate \\u\(hex(unit, width: 4)) (a high surrogate must be followed by a low one)")
                }
                let lowStart = offset
                offset += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(at: escapeStart, "lone surrogate \\u\(hex(unit, width: 4)) (followed by \\u\(hex(low, width: 4)), not a low surrogate)")
                }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                return Unicode.Scalar(value)!
            case 0xDC00...0xDFFF:
                throw error(at: escapeStart, "lone surrogate \\u\(hex(unit, width: 4)) (a low surrogate without a high one)")
            default:
                return Unicode.Scalar(unit)!
            }
        default:
            offset -= 1
            throw error(at: escapeStart, "invalid escape '\\\(foundCharacter(at: offset))' in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else {
                throw error(at: offset, "unexpected end of input in a \\u escape")
            }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw error(at: escapeStart, "invalid \\u escape: expected 4 hex digits, found \(found(at: offset))")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    /// Decodes one well-formed UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF).
    private func decodeUTF8(at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        var lowestSecond: UInt8 = 0x80
        var highestSecond: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0: length = 3; value = UInt32(lead & 0x0F); lowestSecond = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xED: length = 3; value = UInt32(lead & 0x0F); highestSecond = 0x9F
        case 0xF0: length = 4; value = UInt32(lead & 0x07); lowestSecond = 0x90
        case 0xF1...0xF3: length = 4; value = UInt32(lead & 0x07)
        case 0xF4: length = 4; value = UInt32(lead & 0x07); highestSecond = 0x8F
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for position in 1..<length {
            let byte = bytes[index + position]
            let low: UInt8 = position == 1 ? lowestSecond : 0x80
            let high: UInt8 = position == 1 ? highestSecond : 0xBF
            guard byte >= low && byte <= high else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    private func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    // MARK: Error reporting

    private func error(at index: Int, _ message: String) -> JSONParseError {
        let (line, column) = location(of: index)
        return JSONParseError(line: line, column: column, message: message)
    }

    /// Line and column of a byte offset: lines end at "\n"; columns count Unicode scalars
    /// (UTF-8 continuation bytes do not start a column).
    func location(of index: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var cursor = 0
        let end = min(index, bytes.count)
        while cursor < end {
            let byte = bytes[cursor]
            if byte == 0x0A {
                line += 1; column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            cursor += 1
        }
        return (line, column)
    }

    /// What stands at an offset, for "found ..." in messages.
    private func found(at index: Int) -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        switch byte {
        case 0x0A: return "a newline"
        case 0x0D: return "a carriage return"
        case 0x09: return "a tab"
        case 0..<0x20, 0x7F: return "U+\(hex(UInt16(byte), width: 4))"
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            if let (scalar, _) = decodeUTF8(at: index) {
                return "'\(Character(scalar))' (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            }
            return "byte 0x\(hex(byte, width: 2)) (not UTF-8)"
        }
    }

    private func foundCharacter(at index: Int) -> String {
        guard index < bytes.count else { return "" }
        if let (scalar, _) = decodeUTF8(at: index) { return String(Character(scalar)) }
        let byte = bytes[index]
        return byte < 0x80 && byte >= 0x20 ? String(Character(Unicode.Scalar(byte))) : "<0x\(hex(byte, width: 2))>"
    }

    private func truncated(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(37)) + "..."
    }

    private func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
