import Foundation
import Testing
@testable import Sweep

extension RuntimeTests {
    @Suite struct StoreFileTests {
        @Test func columnKindsFollowTheValues() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("kinds.h5")
            let trials = [
                StoreFixtures.trial([("a", .number(1)), ("b", .number(0.5)), ("c", .bool(true)), ("d", .string("é")),
                                     ("e", .object(JSONObject([("k", .number(1))]))), ("f", .number(3)), ("g", .null)]),
                StoreFixtures.trial([("a", .number(2)), ("b", .number(2)), ("d", .string("long name")),
                                     ("e", .number(4)), ("g", .null)]),
            ]
            let plan = Plan(name: "kinds", specText: "{}", output: path, trials: trials,
                            metrics: [], columns: ["a", "b", "c", "d", "e", "f", "g"], hash: "h")
            _ = try ResultsStore.prepare(plan: plan, path: path, restart: false, provenance: StoreFixtures.provenance)
            let reader = try ResultsReader(path: path)
            #expect(try reader.column("a") == .int([1, 2]))
            #expect(try reader.column("b") == .float([0.5, 2]))
            #expect(try reader.column("c") == .bool([true, nil]))
            #expect(try reader.column("d") == .string(["é", "long name"]))
            #expect(try reader.column("e") == .json(["{\"k\":1}", "4"]))
            // An integral column with a missing value is stored as float with NaN.
            guard case .float(let f) = try reader.column("f") else { Issue.record("f is not float"); return }
            #expect(f[0] == 3 && f[1].isNaN)
            #expect(try reader.column("g") == .json(["", ""]))
            #expect(throws: StoreError.self) { try reader.column("missing") }
            #expect(reader.metrics.isEmpty)
        }

        @Test func reservedOrInvalidNamesAreRejectedBeforeAnythingIsWritten() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("reserved.h5")
            for name in ["status", "rank", "a/b", ""] {
                let plan = Plan(name: "r", specText: "{}", output: path, trials: [StoreFixtures.trial([(name, .number(1))])],
                                metrics: [], columns: [name], hash: "h")
                let error = #expect(throws: StoreError.self) {
                    try ResultsStore.prepare(plan: plan, path: path, restart: false, provenance: StoreFixtures.provenance)
                }
                #expect(error?.kind == .invalidPlan)
                #expect(!FileManager.default.fileExists(atPath: path))
                #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
            }
        }

        @Test func emptyPlanAndLargeSpecTextAreStored() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("empty.h5")
            let spec = String(repeating: "{\"comment\": \"a long sweep file\"}\n", count: 4000) // > 64 KiB
            let plan = Plan(name: "empty", specText: spec, output: path, trials: [],
                            metrics: [MetricSpec(name: "m", shape: [3], axes: ["epoch"])], columns: ["seed"], hash: "h")
            let prepared = try ResultsStore.prepare(plan: plan, path: path, restart: false, provenance: StoreFixtures.provenance)
            #expect(prepared.rowCount == 0)
            let reader = try ResultsReader(path: path)
            #expect(reader.trialCount == 0)
            #expect(try reader.specText() == spec)
            #expect(try reader.metricValues("m").isEmpty)
            #expect(try reader.ids().isEmpty)
        }

        @Test func fixedStringsAreCutAtACharacterBoundary() {
            #expect(FixedStrings.truncatedUTF8("abcdef", maxBytes: 4) == Array("abcd".utf8))
            // "é" is two bytes: a 3-byte cut of "aéé" keeps "aé".
            #expect(FixedStrings.truncatedUTF8("aéé", maxBytes: 4) == Array("aé".utf8))
            #expect(FixedStrings.truncatedUTF8("aéé", maxBytes: 3) == Array("aé".utf8))
            #expect(FixedStrings.truncatedUTF8("aéé", maxBytes: 2) == Array("a".utf8))
            let packed = FixedStrings.pack(["ab", "", "xyz"], size: 3)
            #expect(packed == [97, 98, 0, 0, 0, 0, 120, 121, 122])
            #expect(FixedStrings.unpack(packed, size: 3) == ["ab", "", "xyz"])
        }
    }
}
