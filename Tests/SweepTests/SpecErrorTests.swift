import Testing
@testable import Sweep
@testable import Values

/// Every way a sweep file can be wrong gives one error naming the field and the value.
@Suite struct SpecErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var spec: String
        var field: String
        var value: String
        /// A part of the message that says what is wrong.
        var says: String
        var testDescription: String { "\(field): \(says)" }
    }

    static let cases: [Case] = [
        // Syntax and top level
        Case(spec: "{\"name\": \"a\",\n \"grid\": {\"a\": [1 2]}}", field: "", value: "",
             says: "line 2, column 19: expected ',' or ']' after array element, found '2'"),
        Case(spec: "", field: "", value: "", says: "line 1, column 1: expected a JSON value, found end of input"),
        Case(spec: "[1]", field: "", value: "[1]", says: "a sweep file must be a JSON object"),
        Case(spec: #"{"name": "a", "gird": {"a": [1]}}"#, field: "gird", value: "",
             says: #"unknown key "gird" (did you mean "grid"?)"#),
        Case(spec: #"{"name": "a", "Seeds": 3}"#, field: "Seeds", value: "", says: #"(did you mean "seeds"?)"#),
        // name, description, output
        Case(spec: #"{"grid": {"a": [1]}}"#, field: "name", value: "", says: "missing"),
        Case(spec: #"{"name": 5}"#, field: "name", value: "5", says: "expected a string, found a number"),
        Case(spec: #"{"name": "fig 5"}"#, field: "name", value: #""fig 5""#, says: "1 to 64 characters from A-Z a-z 0-9 _ . -"),
        Case(spec: #"{"name": ""}"#, field: "name", value: #""""#, says: "1 to 64 characters"),
        Case(spec: "{\"name\": \"\(String(repeating: "n", count: 65))\"}", field: "name",
             value: "\"\(String(repeating: "n", count: 56))...", says: "1 to 64 characters"),
        Case(spec: #"{"name": "a", "description": ["x"]}"#, field: "description", value: #"["x"]"#, says: "expected a string, found an array"),
        Case(spec: #"{"name": "a", "output": ""}"#, field: "output", value: #""""#, says: "must not be empty"),
        Case(spec: #"{"name": "a", "output": 3}"#, field: "output", value: "3", says: "expected a string"),
        // base and analyses
        Case(spec: #"{"name": "a", "base": [1]}"#, field: "base", value: "[1]", says: "expected an object of parameters, found an array"),
        Case(spec: #"{"name": "a", "base": {"analyses": []}, "analyses": ["x"]}"#, field: "analyses", value: #"["x"]"#,
             says: "analyses are given twice"),
        Case(spec: #"{"name": "a", "analyses": "dim"}"#, field: "analyses", value: #""dim""#, says: "expected an array of analysis names"),
        Case(spec: #"{"name": "a", "analyses": ["dim", 3]}"#, field: "analyses[1]", value: "3", says: "expected an analysis name"),
        // cases
        Case(spec: #"{"name": "a", "cases": {"a": 1}}"#, field: "cases", value: #"{"a":1}"#, says: "expected an array of parameter objects"),
        Case(spec: #"{"name": "a", "cases": []}"#, field: "cases", value: "[]", says: "no cases given"),
        Case(spec: #"{"name": "a", "cases": [{"a": 1}, 2]}"#, field: "cases[1]", value: "2", says: "expected an object of parameters"),
        // grid
        Case(spec: #"{"name": "a", "grid": [1]}"#, field: "grid", value: "[1]", says: "expected an object of parameters"),
        Case(spec: #"{"name": "a", "grid": {}}"#, field: "grid", value: "{}", says: "the grid has no axes"),
        Case(spec: #"{"name": "a", "grid": {"a": 5}}"#, field: "grid.a", value: "5", says: "expected an array of values, found a number (write [5]"),
        Case(spec: #"{"name": "a", "grid": {"a": []}}"#, field: "grid.a", value: "[]", says: "the list is empty"),
        Case(spec: #"{"name": "a", "grid": {"a": [1, 2, 1.0]}}"#, field: "grid.a[2]", value: "1", says: "repeats grid.a[0]"),
        // zip
        Case(spec: #"{"name": "a", "zip": {"a": [1]}}"#, field: "zip", value: #"{"a":[1]}"#, says: "expected an array of groups"),
        Case(spec: #"{"name": "a", "zip": []}"#, field: "zip", value: "[]", says: "no zip groups given"),
        Case(spec: #"{"name": "a", "zip": [{}]}"#, field: "zip[0]", value: "{}", says: "the zip group has no lists"),
        Case(spec: #"{"name": "a", "zip": [{"a": []}]}"#, field: "zip[0].a", value: "[]", says: "the list is empty"),
        Case(spec: #"{"name": "a", "zip": [{"a": [1, 2], "b": ["x", "y", "x"]}]}"#, field: "zip[0]", value: "",
             says: "lists must have equal lengths: a has 2 values, b has 3"),
        Case(spec: #"{"name": "a", "zip": [{"a": [1, 2, 1], "b": ["x", "y", "x"]}]}"#, field: "zip[0][2]", value: #"[1,"x"]"#,
             says: "the same combination as zip[0][0]"),
        // one key, two axes; seed as a parameter
        Case(spec: #"{"name": "a", "cases": [{"b": "x"}, {"a": 2}], "grid": {"a": [1]}}"#, field: "grid.a", value: "[1]",
             says: #""a" is set both by cases and by grid"#),
        Case(spec: #"{"name": "a", "zip": [{"a": [1]}, {"a": [2]}]}"#, field: "zip[1].a", value: "[2]",
             says: #""a" is set both by zip[0] and by zip[1]"#),
        Case(spec: #"{"name": "a", "base": {"seed": 3}}"#, field: "base.seed", value: "3", says: "seeds given twice"),
        Case(spec: #"{"name": "a", "cases": [{"seed": 3}]}"#, field: "cases[0].seed", value: "3", says: #"use the top-level "seeds""#),
        Case(spec: #"{"name": "a", "grid": {"seed": [1, 2]}}"#, field: "grid.seed", value: "[1,2]", says: #"top-level "seeds""#),
        Case(spec: #"{"name": "a", "zip": [{"seed": [1], "a": [1]}]}"#, field: "zip[0].seed", value: "[1]", says: "seeds given twice"),
        // seeds
        Case(spec: #"{"name": "a", "seeds": 0}"#, field: "seeds", value: "0", says: "seed count 0 gives no trials"),
        Case(spec: #"{"name": "a", "seeds": "0-4,3"}"#, field: "seeds", value: #""0-4,3""#, says: "seed 3 is given more than once"),
        Case(spec: #"{"name": "a", "seeds": "1--2"}"#, field: "seeds", value: #""1--2""#, says: "not a seed or a range"),
        Case(spec: #"{"name": "a", "seeds": [5, -1]}"#, field: "seeds[1]", value: "-1", says: "seed out of range"),
        Case(spec: #"{"name": "a", "seeds": []}"#, field: "seeds", value: "[]", says: "no seeds given"),
        // exclude
        Case(spec: #"{"name": "a", "exclude": {"a": 1}}"#, field: "exclude", value: #"{"a":1}"#, says: "expected an array of parameter objects"),
        Case(spec: #"{"name": "a", "exclude": [{}]}"#, field: "exclude[0]", value: "{}", says: "an empty entry would exclude every trial"),
        Case(spec: #"{"name": "a", "exclude": [3]}"#, field: "exclude[0]", value: "3", says: "expected an object of parameters"),
        Case(spec: #"{"name": "a", "grid": {"a": [1, 2]}, "exclude": [{"a": 1}, {"a": 3}]}"#, field: "exclude[1]", value: #"{"a":3}"#,
             says: "exclude[1] matches no trial"),
        Case(spec: #"{"name": "a", "grid": {"a": [1, 2]}, "exclude": [{"aa": 1}]}"#, field: "exclude[0].aa", value: "1",
             says: #"unknown parameter "aa" (did you mean "a"?)"#),
        Case(spec: #"{"name": "a", "grid": {"a": [1, 2]}, "exclude": [{"a": 1}, {"a": 2}]}"#, field: "exclude", value: "",
             says: "every one of the 2 trials is excluded"),
        // parameters the model does not know or rejects
        Case(spec: #"{"name": "a", "base": {"bb": 1}}"#, field: "base.bb", value: "1", says: #"unknown parameter "bb" (did you mean "b"?)"#),
        Case(spec: #"{"name": "a", "cases": [{"a": 1}, {"analyse": ["x"]}]}"#, field: "cases[1].analyse", value: #"["x"]"#,
             says: #"(did you mean "analyses"?)"#),
        Case(spec: #"{"name": "a", "grid": {"zzz": [1]}}"#, field: "grid.zzz", value: "[1]", says: #"unknown parameter "zzz""#),
        Case(spec: #"{"name": "a", "grid": {"a": [1, -1]}, "seeds": 3}"#, field: "grid.a[1]", value: "-1",
             says: "must be > 0 (trial 3: a=-1, seed=0; the same error in 2 other trials)"),
        Case(spec: #"{"name": "a", "cases": [{"b": "x"}, {"b": "z"}]}"#, field: "cases[1].b", value: #""z""#,
             says: #"must be "x" or "y" (trial 1: case 1, seed=0)"#),
        Case(spec: #"{"name": "a", "base": {"c": 1.5}, "grid": {"a": [1, 2]}}"#, field: "base.c", value: "1.5",
             says: "must be a whole number >= 0 (trial 0: a=1, seed=0; the same error in 1 other trial)"),
        Case(spec: #"{"name": "a", "zip": [{"a": [1, 2], "d": ["p", 4]}]}"#, field: "zip[0].d[1]", value: "4",
             says: "must be a string (trial 1: a=2, d=4, seed=0)"),
        // two trials that resolve to the same parameters
        Case(spec: #"{"name": "a", "grid": {"b": ["x", "X"]}}"#, field: "grid.b[1]", value: #""X""#,
             says: #"trial 1 (b="X", seed=0) resolves to the same parameters as trial 0 (b="x", seed=0)"#),
        Case(spec: #"{"name": "a", "cases": [{"a": 2}, {"c": 0}, {"a": 2, "c": 0}]}"#, field: "cases[2]", value: #"{"a":2,"c":0}"#,
             says: "trial 2 (case 2, seed=0) resolves to the same parameters as trial 0 (case 0, seed=0)"),
        Case(spec: #"{"name": "a", "cases": [{}, {"a": 1}]}"#, field: "cases[1]", value: #"{"a":1}"#,
             says: "resolves to the same parameters as trial 0"),
    ]

    @Test(arguments: cases)
    func rejected(_ example: Case) throws {
        let error = try #require(specError(example.spec))
        #expect(error.field == example.field)
        #expect(error.value == example.value)
        #expect(error.description.contains(example.says), "\(error.description)")
        #expect(!error.description.contains("\n"))
    }

    @Test func controlCharactersInKeysStayEscaped() throws {
        let error = try #require(specError(#"{"name": "a", "base": {"x\ny": 1}}"#))
        #expect(error.description == #"base.x\ny = 1: unknown parameter "x\ny""#)
        let duplicate = try #require(specError(#"{"name": "a", "base": {"\t": 1, "\t": 2}}"#))
        #expect(duplicate.description == #"line 1, column 33: duplicate key "\t" in object (first at line 1, column 24)"#)
    }

    @Test func fileSeedsAreCheckedEvenWhenOverridden() {
        #expect(specError(#"{"name": "a", "seeds": "3-1"}"#, seeds: "0-2")?.field == "seeds")
    }

    @Test func descriptionIsOneLineWithFieldAndValue() throws {
        let error = try #require(specError(#"{"name": "a", "grid": {"a": [1, 2, 1.0]}}"#))
        #expect(error.description == "grid.a[2] = 1: repeats grid.a[0]")
        let long = try #require(specError("{\"name\": \"a\", \"base\": [\"\(String(repeating: "x", count: 100))\"]}"))
        #expect(long.value.count == 60 && long.value.hasSuffix("..."))
    }

    /// 10 axes of 10,000 values would be 10^40 trials: refused from the sizes alone (the time limit
    /// only guards against enumerating them; a loaded machine needs seconds to parse the text).
    @Test(.timeLimit(.minutes(5)))
    func enormousGridFailsFast() throws {
        let axis = "[" + (0..<10_000).map(String.init).joined(separator: ",") + "]"
        let axes = (0..<10).map { "\"p\($0)\": \(axis)" }.joined(separator: ", ")
        let spec = "{\"name\": \"huge\", \"grid\": {\(axes)}}"
        let error = specError(spec)
        // 10,000 x 10,000 passes the limit at the second axis.
        #expect(error?.field == "grid.p1")
        #expect(error?.description.contains("more than 10000000 trials (10000 grid.p0 x 10000 grid.p1 x ") == true)
        // Just over the limit, without overflow: 2 x 5,000,001 trials.
        let overLimit = specError(#"{"name": "x", "grid": {"a": [1, 2]}, "seeds": "0-5000000"}"#)
        #expect(overLimit?.description == "seeds: the sweep would have more than 10000000 trials (2 grid.a x 5000001 seeds): split it into several sweeps")
        // Seeds alone, as a range of 2^31, are counted without being listed.
        #expect(specError(#"{"name": "x", "seeds": "0-2147483647"}"#)?.field == "seeds")
        #expect(specError(#"{"name": "x"}"#, seeds: "0-2147483647")?.field == "seeds")
    }
}

@Suite struct SuggestionTests {
    @Test func nearestName() {
        let names = ["name", "description", "output", "base", "analyses", "cases", "grid", "zip", "seeds", "exclude"]
        #expect(suggestion(for: "gird", among: names) == "grid")
        #expect(suggestion(for: "GRID", among: names) == "grid")
        #expect(suggestion(for: "seed", among: names) == "seeds")
        #expect(suggestion(for: "analysis", among: names) == "analyses")
        #expect(suggestion(for: "descrption", among: names) == "description")
        #expect(suggestion(for: "xyz", among: names) == nil)
        #expect(suggestion(for: "learning_rat", among: ["learning_rate", "lr"]) == "learning_rate")
        #expect(suggestion(for: "", among: ["a"]) == nil)
        #expect(suggestion(for: "abc", among: []) == nil)
    }

    @Test func editDistanceValues() {
        func distance(_ a: String, _ b: String) -> Int { editDistance(Array(a), Array(b)) }
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("", "abc") == 3)
        #expect(distance("abc", "abc") == 0)
        #expect(distance("ab", "ba") == 1)
        #expect(distance("gird", "grid") == 1)
        #expect(distance("ca", "abc") == 3)
    }
}
