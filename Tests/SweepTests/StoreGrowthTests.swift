import Foundation
import Testing
@testable import Sweep

extension RuntimeTests {
    @Suite struct StoreGrowthTests {
        @Test func embeddingCopiesTheTopLeftCorner() {
            // 2x2 into 3x3: the corner, NaN elsewhere.
            var target = [Double](repeating: .nan, count: 9)
            ResultsStore.embed([1, 2, 3, 4], at: 0, shape: [2, 2], into: &target, at: 0, shape: [3, 3])
            #expect(target.map { $0.isNaN ? -1 : $0 } == [1, 2, -1, 3, 4, -1, -1, -1, -1])
            // 2x3 into 3x2: the last column is cut.
            var smaller = [Double](repeating: .nan, count: 6)
            ResultsStore.embed([1, 2, 3, 4, 5, 6], at: 0, shape: [2, 3], into: &smaller, at: 0, shape: [3, 2])
            #expect(smaller.map { $0.isNaN ? -1 : $0 } == [1, 2, 4, 5, -1, -1])
            let rows = ResultsStore.embedRows([1, 2, 3, 4], rows: 2, from: [2], into: [3], totalRows: 3)
            #expect(rows.map { $0.isNaN ? -1 : $0 } == [1, 2, -1, 3, 4, -1, -1, -1, -1])
        }

        @Test func growthKeepsOldRowsAndAddsTrialsColumnsAndRoom() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("grow.h5")
            let small = StoreFixtures.plan(seeds: 0..<2, curveLength: 3)
            _ = try ResultsStore.prepare(plan: small, path: path, restart: false, provenance: StoreFixtures.provenance)
            // Give the old rows results, as a run would.
            let communicator = Communicator.world()
            let writer = try ResultsWriter(path: path, communicator: communicator)
            try writer.write([
                RowRecord(row: 3, status: .done, seconds: 1.5, rank: 0, host: "node7", error: "",
                          metrics: ["curve": [1, 2, 3], "grid": [1, 2, 3, 4, 5, 6]], metricShapes: ["curve": [3], "grid": [2, 3]]),
                RowRecord(row: 1, status: .failed, seconds: 0.25, rank: 2, host: "node8", error: "boom",
                          metrics: [:], metricShapes: [:]),
            ])
            try writer.close(updated: "2030-01-01T00:00:00Z")

            let large = StoreFixtures.plan(seeds: 0..<3, curveLength: 5)
            let prepared = try ResultsStore.prepare(plan: large, path: path, restart: false, provenance: StoreFixtures.provenance)
            #expect(prepared.action == .grown(added: 2))
            #expect(prepared.rowCount == 6)
            #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

            let reader = try ResultsReader(path: path)
            let ids = try reader.ids()
            #expect(Array(ids.prefix(4)) == small.trials.map(\.id))
            #expect(Set(ids) == Set(large.trials.map(\.id)))
            #expect(prepared.rowOfTrial.map { ids[$0] } == large.trials.map(\.id))
            #expect(try reader.statuses() == [.pending, .failed, .pending, .done, .pending, .pending])
            #expect(prepared.statusOfTrial.filter { $0 != .pending }.count == 2)
            #expect(try reader.errors()[1] == "boom")
            #expect(try reader.hosts()[3] == "node7")
            #expect(try reader.ranks() == [-1, 2, -1, 0, -1, -1])
            #expect(try reader.seconds()[3] == 1.5)
            #expect(reader.metrics.first { $0.name == "curve" }?.shape == [5])
            let curve = try reader.metricValues("curve", rows: 3..<4)
            #expect(Array(curve.prefix(3)) == [1, 2, 3] && curve.dropFirst(3).allSatisfy(\.isNaN))
            #expect(try reader.metricValues("grid", rows: 3..<4) == [1, 2, 3, 4, 5, 6])
            #expect(reader.attributes.planHash == large.hash)
            reader.close()

            // A new parameter becomes a column; the old rows, which lack it, get NaN.
            let extended = StoreFixtures.plan(seeds: 0..<3, curveLength: 5, extraColumn: true)
            let grown = try ResultsStore.prepare(plan: extended, path: path, restart: false, provenance: StoreFixtures.provenance)
            #expect(grown.action == .grown(added: 6))
            let wider = try ResultsReader(path: path)
            #expect(wider.columnNames == extended.columns)
            guard case .float(let noise) = try wider.column("noise") else { Issue.record("noise is not float"); return }
            #expect(noise.prefix(6).allSatisfy(\.isNaN) && noise.dropFirst(6).allSatisfy { $0 == 0.1 })
            #expect(try wider.statuses().prefix(6) == [.pending, .failed, .pending, .done, .pending, .pending])
            wider.close()

            // A plan that the file already holds is resumed in place, without a rewrite.
            let before = try #require(FileManager.default.contents(atPath: path))
            let again = try ResultsStore.prepare(plan: small, path: path, restart: false, provenance: StoreFixtures.provenance)
            #expect(again.action == .resumed)
            #expect(again.rowOfTrial == [0, 1, 2, 3])
            #expect(again.statusOfTrial == [.pending, .failed, .pending, .done])
            #expect(FileManager.default.contents(atPath: path) == before)
        }

        @Test func aMetricThatChangedRankIsRefusedAndTheFileKept() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("rank.h5")
            _ = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: path, restart: false, provenance: StoreFixtures.provenance)
            let before = try #require(FileManager.default.contents(atPath: path))
            var changed = StoreFixtures.plan(seeds: 0..<4)
            changed.metrics[0] = MetricSpec(name: "curve", shape: [4, 2], axes: ["epoch", "unit"])
            let error = #expect(throws: StoreError.self) {
                try ResultsStore.prepare(plan: changed, path: path, restart: false, provenance: StoreFixtures.provenance)
            }
            #expect(error?.kind == .invalidPlan)
            #expect(FileManager.default.contents(atPath: path) == before)
        }

        @Test func restartKeepsTheOldFileAsABackup() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("restart.h5")
            try Data("not results".utf8).write(to: URL(fileURLWithPath: path))
            let prepared = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: path, restart: true,
                                                    provenance: StoreFixtures.provenance)
            guard case .restarted(let backup) = prepared.action else { Issue.record("not restarted"); return }
            #expect(backup.hasPrefix(path + ".") && backup.hasSuffix("Z.bak"))
            #expect(FileManager.default.contents(atPath: backup) == Data("not results".utf8))
            #expect(try ResultsReader(path: path).trialCount == 6)
        }

        @Test func aFailedBuildLeavesTheOldFileUntouched() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("kept.h5")
            _ = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: path, restart: false, provenance: StoreFixtures.provenance)
            let before = try #require(FileManager.default.contents(atPath: path))
            // A directory where the temporary file must go makes the growth fail.
            try FileManager.default.createDirectory(atPath: path + ".partial", withIntermediateDirectories: false)
            let error = #expect(throws: StoreError.self) {
                try ResultsStore.prepare(plan: StoreFixtures.plan(seeds: 0..<5), path: path, restart: false,
                                         provenance: StoreFixtures.provenance)
            }
            #expect(error?.kind == .cannotCreate)
            #expect(FileManager.default.contents(atPath: path) == before)
        }
    }
}
