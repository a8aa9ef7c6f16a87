import Foundation
import Testing
import Sweep

extension EndToEnd {
    @Suite struct Resume {
        /// 30 trials of about 40 ms of CPU each: well under a second on two ranks.
        static func killableTrials(_ workspace: Workspace) throws -> String {
            try workspace.trials("kill.json", sweep: "kill", seeds: 15, [
                "{\"x\": 1, \"work_ms\": 40}", "{\"x\": 2, \"work_ms\": 40, \"size\": 6}",
            ])
        }

        @Test func wholeJobKilledRepeatedlyLosesNothingAndResumes() throws {
            let workspace = Workspace()
            let trials = try Self.killableTrials(workspace)
            let reference = workspace.file("reference.h5")
            #expect(try Harness.run(ranks: 1, [trials, "--output", reference]).status == 0)
            let expected = try ResultsChecks.metricBytesById(reference)

            let output = workspace.file("killed.h5")
            var doneBefore: Set<String> = []
            // Kill points: during start-up and set-up (before the start line), then at several
            // moments of the training, each time on the file the previous kill left.
            let killPoints: [(afterStartLine: Bool, delay: Double)] =
                [(false, 0.05), (false, 0.25), (true, 0.0), (true, 0.1), (true, 0.2), (true, 0.3), (true, 0.15)]
            for (index, point) in killPoints.enumerated() {
                let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output])
                if point.afterStartLine { _ = job.waitForOutput("to run on") }
                Thread.sleep(forTimeInterval: point.delay)
                job.killEverything()
                _ = job.finish()
                guard FileManager.default.fileExists(atPath: output) else {
                    #expect(index < 2, "no results file after kill \(index)")
                    continue
                }
                try ResultsChecks.openWithExternalTools(output)
                let reader = try ResultsReader(path: output)
                let ids = try reader.ids()
                let statuses = try reader.statuses()
                let done = Set(zip(ids, statuses).filter { $0.1 == .done }.map(\.0))
                #expect(done.isSuperset(of: doneBefore), "kill \(index) lost finished trials")
                doneBefore = done
                // Every row marked done holds exactly the values of the uninterrupted run.
                let stored = try ResultsChecks.metricBytesById(output)
                for id in done {
                    #expect(stored[id + "/values"] == expected[id + "/values"] && stored[id + "/total"] == expected[id + "/total"])
                }
            }
            // The rerun computes exactly the trials that are not done.
            let pending = 30 - doneBefore.count
            let rerun = try Harness.run(ranks: 2, [trials, "--output", output],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("rerun.log")])
            #expect(rerun.status == 0, "\(rerun.output)")
            #expect(rerun.output.contains("\(pending) to run"), "\(rerun.output)")
            #expect(workspace.logLines("rerun.log").count == pending)
            #expect(try ResultsChecks.metricBytesById(output) == expected)
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
            try ResultsChecks.openWithExternalTools(output)
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        }

        @Test func growingFromThreeToFiveSeedsComputesOnlyNewTrialsAndKeepsOldRows() throws {
            let workspace = Workspace()
            let entries = ["{\"x\": 1, \"size\": 3}", "{\"x\": 2, \"work_ms\": 2}"]
            let small = try workspace.trials("three.json", sweep: "grow", seeds: 3, entries)
            let large = try workspace.trials("five.json", sweep: "grow", seeds: 5, entries + ["{\"x\": 7, \"size\": 9}"])
            let output = workspace.file("grow.h5")
            #expect(try Harness.run(ranks: 2, [small, "--output", output]).status == 0)
            let before = try ResultsReader(path: output)
            let oldIds = try before.ids(), oldSeconds = try before.seconds(), oldRanks = try before.ranks()
            let oldHosts = try before.hosts(), oldParameters = try before.parameterTexts()
            let oldValues = try before.metricValues("values"), oldTotals = try before.metricValues("total")
            let oldShape = before.metrics.first { $0.name == "values" }!.shape
            let created = before.attributes.created
            before.close()

            let grown = try Harness.run(ranks: 2, [large, "--output", output],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("grow.log")])
            #expect(grown.status == 0, "\(grown.output)")
            #expect(grown.output.contains("grown by 9 trials"), "\(grown.output)")
            #expect(workspace.logLines("grow.log").count == 9)
            try ResultsChecks.openWithExternalTools(output)

            let after = try ResultsReader(path: output)
            #expect(after.trialCount == 15)
            #expect(Array(try after.ids().prefix(6)) == oldIds)
            #expect(Array(try after.seconds().prefix(6)).map(\.bitPattern) == oldSeconds.map(\.bitPattern))
            #expect(Array(try after.ranks().prefix(6)) == oldRanks)
            #expect(Array(try after.hosts().prefix(6)) == oldHosts)
            #expect(Array(try after.parameterTexts().prefix(6)) == oldParameters)
            #expect(after.attributes.created == created)
            let newShape = after.metrics.first { $0.name == "values" }!.shape
            #expect(oldShape == [4] && newShape == [9])
            let newValues = try after.metricValues("values", rows: 0..<6)
            for row in 0..<6 {
                #expect(newValues[(row * 9)..<(row * 9 + 4)].map(\.bitPattern) == oldValues[(row * 4)..<(row * 4 + 4)].map(\.bitPattern))
                #expect(newValues[(row * 9 + 4)..<(row * 9 + 9)].allSatisfy { $0.isNaN })
            }
            #expect(try after.metricValues("total", rows: 0..<6).map(\.bitPattern) == oldTotals.map(\.bitPattern))
            #expect(try after.statuses().allSatisfy { $0 == .done })

            // The same sweep again, and the smaller one (a subset), leave the file as it is.
            let fileBytes = workspace.bytes("grow.h5")
            let subset = try Harness.run(ranks: 2, [small, "--output", output])
            #expect(subset.status == 0 && subset.output.contains("0 to run"), "\(subset.output)")
            let reader = try ResultsReader(path: output)
            #expect(reader.trialCount == 15)
            reader.close()
            // Only the "updated" attribute may change.
            #expect(workspace.bytes("grow.h5")?.count == fileBytes?.count)
        }

        @Test func staleTemporaryFromAKilledCreationIsRemoved() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("stale.json", sweep: "stale", seeds: 2, ["{\"x\": 1}"])
            let output = workspace.file("stale.h5")
            try Data("half-written".utf8).write(to: URL(fileURLWithPath: output + ".partial"))
            let result = try Harness.run(ranks: 2, [trials, "--output", output])
            #expect(result.status == 0, "\(result.output)")
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
            #expect(try ResultsChecks.statuses(output) == [.done, .done])
        }
    }
}
