import Testing
@testable import Sweep

@Suite struct JSONTextTests {
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (100.0, "100"),
        (9007199254740992.0, "9007199254740992"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
        (0.1 + 0.2, "0.30000000000000004"), (0.001, "0.001"), (0.000001, "0.000001"), (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"), (123.456, "123.456"), (-12.25, "-12.25"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (2.5e300, "2.5e+300"), (1234567.125, "1234567.125"),
    ])
    func numberFormat(value: Double, text: String) {
        #expect(JSONFormat.number(value) == text)
    }

    @Test func numbersRoundTrip() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<50_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = JSONFormat.number(value)
            #expect(Double(text) == value, "\(value) written as \(text)")
        }
        for exponent in -330...310 {
            let value = 1.2345 * pow10(exponent)
            if value.isFinite { #expect(Double(JSONFormat.number(value)) == value) }
        }
    }

    private func pow10(_ exponent: Int) -> Double {
        Double("1e\(exponent)")!
    }

    @Test func canonicalTextSortsKeysAndNormalisesNumbers() throws {
        let value = try JSONParser.parse(#"{"b": 1.0, "a": [1, 2.50, "x", {"z": -0.0, "y": 1e-7}], "c": {}, "d": []}"#)
        #expect(value.canonicalText == #"{"a":[1,2.5,"x",{"y":1e-7,"z":0}],"b":1,"c":{},"d":[]}"#)
        #expect(try JSONParser.parse(value.canonicalText) == (try JSONParser.parse(#"{"a":[1,2.5,"x",{"y":1e-7,"z":0}],"b":1,"c":{},"d":[]}"#)))
        // Keys sort by UTF-8 bytes: uppercase before lowercase, "a" before "ab".
        let keys = try JSONParser.parse(#"{"ab": 1, "a": 2, "B": 3, "é": 4}"#)
        #expect(keys.canonicalText == #"{"B":3,"a":2,"ab":1,"é":4}"#)
    }

    @Test func stringEscaping() {
        #expect(JSONValue.string("q\"b\\n\nt\tc\u{01}\u{1F}é/").canonicalText == #""q\"b\\n\nt\tc\u0001\u001fé/""#)
        #expect(JSONValue.string("\u{08}\u{0C}\r").compactText == #""\b\f\r""#)
    }

    @Test func compactAndPrettyTextKeepFileOrder() throws {
        let value = try JSONParser.parse(#"{"z": [1, {"y": true}], "a": null}"#)
        #expect(value.compactText == #"{"z":[1,{"y":true}],"a":null}"#)
        #expect(value.prettyText() == """
        {
          "z": [
            1,
            {
              "y": true
            }
          ],
          "a": null
        }
        """)
        #expect(try JSONParser.parse(value.prettyText()) == value)
    }

    @Test func trialIdentityIgnoresKeyOrderAndNumberSpelling() throws {
        guard case .object(let first) = try JSONParser.parse(#"{"a": 1, "b": "x", "lr": 0.001}"#),
              case .object(let second) = try JSONParser.parse(#"{"lr": 1e-3, "b": "x", "a": 1.0}"#),
              case .object(let third) = try JSONParser.parse(#"{"a": 2, "b": "x", "lr": 0.001}"#)
        else { Issue.record("not objects"); return }
        #expect(TrialIdentity.id(of: first) == TrialIdentity.id(of: second))
        #expect(TrialIdentity.id(of: first) != TrialIdentity.id(of: third))
        // The id is the first 16 hex characters of SHA-256 of the canonical text.
        #expect(first.canonicalText == #"{"a":1,"b":"x","lr":0.001}"#)
        #expect(TrialIdentity.id(of: first) == String(SHA256.hexDigest(of: #"{"a":1,"b":"x","lr":0.001}"#).prefix(16)))
        #expect(TrialIdentity.planHash(ids: ["ab", "cd"]) == String(SHA256.hexDigest(of: "ab\ncd").prefix(16)))
    }
}

@Suite struct JSONTextPartsTests {
    @Test func partsAroundAMemberPasteBackIntoTheText() throws {
        let object = JSONObject([("zeta", .number(0.5)), ("seed", .number(12)), ("alpha", .string("q\"\n")),
                                 ("list", .array([.number(1e-7), .null])), ("nested", .object(JSONObject([("b", .bool(true))])))])
        for key in object.keys {
            let value = object[key]!
            for canonical in [true, false] {
                let parts = try #require(object.textParts(around: key, canonical: canonical))
                let text = canonical ? object.canonicalText : object.compactText
                let valueText = canonical ? value.canonicalText : value.compactText
                #expect(parts.before + valueText + parts.after == text, "\(key), canonical \(canonical)")
            }
        }
        #expect(object.textParts(around: "absent", canonical: true) == nil)
    }

    @Test func integersAndPlainStringsKeepTheirText() {
        // The fast paths give what the general layout gives.
        let expected: [(Double, String)] = [(1, "1"), (-1, "-1"), (42, "42"), (2e15, "2000000000000000"),
                                            (-9007199254740991, "-9007199254740991"), (9007199254740992, "9007199254740992"),
                                            (1e20, "100000000000000000000"), (123456789012, "123456789012"), (0.5, "0.5")]
        for (value, text) in expected { #expect(JSONFormat.number(value) == text) }
        #expect(JSONFormat.number(1e21) == "1e+21")
        #expect(JSONFormat.quoted("plain ü text") == "\"plain ü text\"")
        #expect(JSONFormat.quoted("a\"b\\c\u{1}") == #""a\"b\\c\u0001""#)
    }
}

@Suite struct SHA256Tests {
    @Test func fipsVectors() {
        #expect(SHA256.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(of: "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex(SHA256.digest(repeatElement(UInt8(ascii: "a"), count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesMatchOneShot() {
        // Message lengths around the 55/56/64-byte padding boundaries, fed in uneven pieces.
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var hasher = SHA256()
            var start = 0
            var piece = 1
            while start < length {
                let end = min(length, start + piece)
                hasher.update(message[start..<end])
                start = end
                piece = piece * 3 % 70 + 1
            }
            #expect(hasher.finalize() == SHA256.digest(message))
        }
    }
}
