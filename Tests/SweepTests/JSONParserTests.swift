import Testing
@testable import Sweep

@Suite struct JSONParserTests {
    /// The error message for a text, or nil when it parses.
    private func parseError(_ text: String) -> String? {
        do { _ = try JSONParser.parse(text); return nil } catch { return error.description }
    }

    private func parseError(bytes: [UInt8]) -> JSONParseError? {
        do { _ = try JSONParser.parse(bytes: bytes); return nil } catch { return error }
    }

    @Test func acceptsValidDocuments() throws {
        #expect(try JSONParser.parse("1") == .number(1))
        #expect(try JSONParser.parse(" \"x\" ") == .string("x"))
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("[true, false, null]") == .array([.bool(true), .bool(false), .null]))
        #expect(try JSONParser.parse("[-0, 1E+2, 0.5e-3, -12.25, 1e308]")
            == .array([.number(-0.0), .number(100), .number(0.0005), .number(-12.25), .number(1e308)]))
        #expect(try JSONParser.parse(#"["\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]"#)
            == .array([.string("\"\\/\u{08}\u{0C}\n\r\t\u{E9}\u{1F600}")]))
        #expect(try JSONParser.parse("[\"é😀\"]") == .array([.string("é😀")]))
        #expect(try JSONParser.parse("\u{FEFF}{}") == .object(JSONObject()))
        #expect(try JSONParser.parse("{\"a\" : {\"b\": []}, \"c\":{}}\n")
            == .object(JSONObject([("a", .object(JSONObject([("b", .array([]))]))), ("c", .object(JSONObject()))])))
    }

    @Test func keepsObjectKeyOrder() throws {
        guard case .object(let object) = try JSONParser.parse(#"{"z": 1, "a": 2, "m": 3}"#) else {
            Issue.record("not an object"); return
        }
        #expect(object.keys == ["z", "a", "m"])
    }

    /// Each rejected text with the exact message it must give.
    @Test(arguments: [
        ("", "line 1, column 1: expected a JSON value, found end of input (the text is empty)"),
        ("  \n   ", "line 2, column 4: expected a JSON value, found end of input (the text is empty)"),
        ("{\n  \"a\": 1,\n  \"keys\": [1]]\n}", "line 3, column 14: expected ',' or '}' after object member, found ']'"),
        ("{\"a\": [1, 2", "line 1, column 12: expected ',' or ']' after array element, found end of input"),
        ("{\"a\": 1,}", "line 1, column 9: expected a string key, found '}' (trailing commas are not allowed)"),
        ("[1, 2,]", "line 1, column 7: expected a JSON value, found ']' (trailing commas are not allowed)"),
        ("[1, 2]]", "line 1, column 7: expected end of input after the top-level value, found ']'"),
        ("{} x", "line 1, column 4: expected end of input after the top-level value, found 'x'"),
        ("{\"a\": 1, \"b\": 2, \"a\": 3}", "line 1, column 18: duplicate key \"a\" in object (first at line 1, column 2)"),
        ("{\"a\" 1}", "line 1, column 6: expected ':' after object key, found '1'"),
        ("{a: 1}", "line 1, column 2: expected a string key or '}', found 'a'"),
        ("[\"a\\x\"]", "line 1, column 4: invalid escape '\\x' in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        ("[\"a\tb\"]", "line 1, column 4: unescaped control character in a string: a tab (write an escape such as \\n or \\u0001)"),
        ("[\"a\nb\"]", "line 1, column 4: unescaped control character in a string: a newline (write an escape such as \\n or \\u0001)"),
        ("[\"abc", "line 1, column 6: unexpected end of input in the string that starts at line 1, column 2"),
        ("[1e400]", "line 1, column 2: number 1e400 is too large for a 64-bit float"),
        ("[-1e400]", "line 1, column 2: number -1e400 is too large for a 64-bit float"),
        ("[1e-400]", "line 1, column 2: number 1e-400 is too small for a 64-bit float (it would become 0)"),
        ("[\"\\ud800\"]", "line 1, column 3: lone surrogate \\uD800 (a high surrogate must be followed by a low one)"),
        ("[\"\\udc00\"]", "line 1, column 3: lone surrogate \\uDC00 (a low surrogate without a high one)"),
        ("[\"\\ud800\\u0041\"]", "line 1, column 3: lone surrogate \\uD800 (followed by \\u0041, not a low surrogate)"),
        ("[\"\\u12g4\"]", "line 1, column 3: invalid \\u escape: expected 4 hex digits, found 'g'"),
        ("[01]", "line 1, column 2: number '01' has a leading zero"),
        ("[1.]", "line 1, column 4: expected a digit after '.', found ']'"),
        ("[-]", "line 1, column 3: expected a digit after '-', found ']'"),
        ("[1e]", "line 1, column 4: expected a digit in the exponent, found ']'"),
        ("[.5]", "line 1, column 2: expected a JSON value, found '.'"),
        ("[+1]", "line 1, column 2: expected a JSON value, found '+'"),
        ("[NaN]", "line 1, column 2: expected a JSON value, found 'NaN' (JSON has no NaN or Infinity)"),
        ("[True]", "line 1, column 2: expected a JSON value, found 'True' (literals are lowercase: true)"),
        ("[tru]", "line 1, column 2: expected a JSON value, found 'tru' (strings need double quotes)"),
        ("// note\n{}", "line 1, column 1: expected a JSON value, found '/' (JSON does not allow comments)"),
        ("['a']", "line 1, column 2: expected a JSON value, found ''' (strings use double quotes)"),
        ("[\"é\", x]", "line 1, column 7: expected a JSON value, found 'x' (strings need double quotes)"),
        ("{\"a\":\n\n  \u{0001}}", "line 3, column 3: expected a JSON value, found U+0001"),
    ])
    func rejectsWithLineAndColumn(text: String, message: String) {
        #expect(parseError(text) == message)
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let error = parseError(bytes: Array("[\"a".utf8) + [0xFF] + Array("\"]".utf8))
        #expect(error?.description == "line 1, column 4: invalid UTF-8 byte 0xFF in a string")
        // An overlong encoding of '/' and an encoded surrogate are not UTF-8 either.
        #expect(parseError(bytes: [0x22, 0xC0, 0xAF, 0x22]) != nil)
        #expect(parseError(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]) != nil)
        #expect(parseError(bytes: [0xFF])?.description == "line 1, column 1: expected a JSON value, found byte 0xFF (not UTF-8)")
    }

    @Test func nestingLimit() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONParser.parse(deepest) != .null)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(parseError(tooDeep) == "line 1, column 513: nesting deeper than 512 levels")
        // Far deeper input is refused at the limit, without recursion.
        let huge = String(repeating: "{\"a\":", count: 200_000)
        #expect(parseError(huge) == "line 1, column 2561: nesting deeper than 512 levels")
    }

    @Test func everyTruncationOfAValidFileIsAnError() throws {
        let text = """
        {"name": "fig5", "base": {"N": 200, "loss": "mse", "lr": 1.5e-3, "on": true, "none": null},
         "grid": {"g": [20, 250.5, -3]}, "s": "a\\"b\\u00e9\\ud83d\\ude00", "e": [], "o": {}}
        """
        let bytes = Array(text.utf8)
        _ = try JSONParser.parse(bytes: bytes)
        for length in 0..<bytes.count {
            let error = parseError(bytes: Array(bytes[0..<length]))
            #expect(error != nil, "prefix of \(length) bytes parsed")
            if let error { #expect(error.line >= 1 && error.column >= 1) }
        }
    }

    @Test func neverCrashesOnRandomBytes() {
        // A fixed-seed generator so a failure can be reproduced.
        var generator = SplitMix64(seed: 12345)
        let alphabet = Array("{}[]\",:0123456789-+.eEtrufalsn \\u\n\t/".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xED, 0xFF]
        let valid = Array(#"{"a": [1, -2.5e3, "x\u00e9", {"b": null}], "c": true}"#.utf8)
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<generator.next(below: 40)).map { _ in alphabet[generator.next(below: alphabet.count)] }
            } else {
                // Mutations of a valid document: a few random byte replacements.
                bytes = valid
                for _ in 0...generator.next(below: 3) {
                    bytes[generator.next(below: bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            if let error = parseError(bytes: bytes) {
                #expect(error.line >= 1 && error.column >= 1 && !error.message.isEmpty)
            } else {
                parsed += 1
            }
        }
        #expect(parsed > 0)
    }

    @Test func largeArraysAndObjectsParseInLinearTime() throws {
        let count = 200_000
        let array = "[" + (0..<count).map(String.init).joined(separator: ",") + "]"
        guard case .array(let elements) = try JSONParser.parse(array) else { Issue.record("not an array"); return }
        #expect(elements.count == count && elements.last == .number(Double(count - 1)))
        let object = "{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        guard case .object(let members) = try JSONParser.parse(object) else { Issue.record("not an object"); return }
        #expect(members.count == count)
    }
}
