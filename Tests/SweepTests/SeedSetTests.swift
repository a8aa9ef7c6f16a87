import Testing
@testable import Sweep

@Suite struct SeedSetTests {
    @Test(arguments: [
        ("7", [7]), ("0-4", [0, 1, 2, 3, 4]), ("0,3,7-9", [0, 3, 7, 8, 9]), (" 7 - 9 , 0 ,3 ", [7, 8, 9, 0, 3]),
        ("5-5", [5]), ("2147483647", [2147483647]),
    ])
    func grammar(text: String, seeds: [Int]) throws {
        #expect(try SeedSet.parse(text).values == seeds)
    }

    @Test(arguments: [
        ("3-1", #"seeds = "3-1": range "3-1" is descending (write 1-3)"#),
        ("a-b", #"seeds = "a-b": "a-b" is not a seed or a range ("a" is not a whole number)"#),
        ("1--2", #"seeds = "1--2": "1--2" is not a seed or a range (expected e.g. 7 or 0-29)"#),
        ("-1", #"seeds = "-1": "-1": seeds cannot be negative"#),
        ("0-4,3", #"seeds = "0-4,3": seed 3 is given more than once"#),
        ("1,1", #"seeds = "1,1": seed 1 is given more than once"#),
        ("", #"seeds = "": no seeds given (expected e.g. "0-29" or "0,3,7-9")"#),
        ("1,,2", #"seeds = "1,,2": item 2 is empty (expected a seed or a range like 0-29)"#),
        ("1,", #"seeds = "1,": item 2 is empty (expected a seed or a range like 0-29)"#),
        ("1.5", #"seeds = "1.5": "1.5" is not a seed or a range ("1.5" is not a whole number)"#),
        ("2147483648", #"seeds = "2147483648": seed 2147483648 is out of range (seeds are 0 to 2147483647)"#),
        ("0-99999999999999999999", #"seeds = "0-99999999999999999999": seed 99999999999999999999 is out of range (seeds are 0 to 2147483647)"#),
    ])
    func rejectedStrings(text: String, message: String) {
        #expect(throws: SweepSpecError.self) { try SeedSet.parse(text) }
        do { _ = try SeedSet.parse(text) } catch { #expect(error.description == message) }
    }

    @Test func hugeRangesAreCountedWithoutExpanding() throws {
        let seeds = try SeedSet.parse("0-2147483647")
        #expect(seeds.count == 2_147_483_648)
        // Overlap of large ranges is found without building them.
        #expect(throws: SweepSpecError.self) { try SeedSet.parse("0-2000000000,1999999999-2000000001") }
    }

    @Test func fileForms() throws {
        #expect(try SeedSet.fromJSON(.number(3)).values == [0, 1, 2])
        #expect(try SeedSet.fromJSON(.array([.number(0), .number(3), .number(7)])).values == [0, 3, 7])
        #expect(try SeedSet.fromJSON(.string("2-3")).values == [2, 3])
    }

    @Test(arguments: [
        ("0", "seeds = 0: seed count 0 gives no trials (use at least 1)"),
        ("-2", "seeds = -2: a seed count cannot be negative"),
        ("2.5", "seeds = 2.5: a seed count must be a whole number"),
        ("[]", "seeds = []: no seeds given (at least one is needed)"),
        ("[0, 3, 0]", "seeds[2] = 0: seed is given twice (also seeds[0])"),
        ("[-1]", "seeds[0] = -1: seed out of range (seeds are 0 to 2147483647)"),
        ("[2147483648]", "seeds[0] = 2147483648: seed out of range (seeds are 0 to 2147483647)"),
        ("[\"1\"]", "seeds[0] = \"1\": a seed must be a whole number"),
        ("true", "seeds = true: expected a seed count (5), a string (\"0-29\" or \"0,3,7-9\") or an array of seeds, found a boolean"),
    ])
    func rejectedFileForms(json: String, message: String) throws {
        let value = try JSONParser.parse(json)
        do {
            _ = try SeedSet.fromJSON(value)
            Issue.record("\(json) accepted")
        } catch {
            #expect(error.description == message)
        }
    }
}
