import Foundation
import Testing
import Sweep

extension EndToEnd {
    /// Long trials save checkpoints (`<output>.checkpoints/<id>.ckpt`) and a killed or drained
    /// run resumes them mid-way; the results equal an uninterrupted run's bit for bit.
    @Suite struct Checkpoints {
        /// Two trials of 20 stages of 60 ms each (1.2 s of CPU per trial), checkpointing at every stage.
        static func longTrials(_ workspace: Workspace) throws -> String {
            try workspace.trials("long.json", sweep: "long", seeds: 1, [
                "{\"x\": 1, \"work_ms\": 1200, \"stages\": 20}", "{\"x\": 2, \"work_ms\": 1200, \"stages\": 20}",
            ])
        }

        static func checkpointFiles(_ output: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: output + ".checkpoints")) ?? []).filter { $0.hasSuffix(".ckpt") }
        }

        /// The stage a resumed trial started from, per "resumed x=.. seed=.. at stage k" log line.
        static func resumedStages(_ lines: [String]) -> [Int] {
            lines.filter { $0.hasPrefix("resumed") }.compactMap { Int($0.split(separator: " ").last ?? "") }
        }

        @Test func aKilledJobResumesItsTrialsFromTheirCheckpoints() throws {
            let workspace = Workspace()
            let trials = try Self.longTrials(workspace)
            let reference = workspace.file("reference.h5")
            #expect(try Harness.run(ranks: 1, [trials, "--output", reference]).status == 0)
            let expected = try ResultsChecks.metricBytesById(reference)
            #expect(Self.checkpointFiles(reference).isEmpty, "the default interval (10 min) saves nothing in a short run")

            let output = workspace.file("killed.h5")
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output, "--checkpoint-interval", "0"])
            // Kill once both trials have saved a few stages.
            let deadline = Date().addingTimeInterval(30)
            while Self.checkpointFiles(output).count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            Thread.sleep(forTimeInterval: 0.3)
            job.killEverything()
            _ = job.finish()
            #expect(Self.checkpointFiles(output).count == 2, "no checkpoints before the kill")
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .pending })

            let rerun = try Harness.run(ranks: 2, [trials, "--output", output, "--checkpoint-interval", "0"],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("rerun.log")])
            #expect(rerun.status == 0, "\(rerun.output)")
            let resumed = Self.resumedStages(workspace.logLines("rerun.log"))
            #expect(resumed.count == 2 && resumed.allSatisfy { $0 > 0 && $0 < 20 }, "\(workspace.logLines("rerun.log"))")
            #expect(try ResultsChecks.metricBytesById(output) == expected)
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
            // Finished trials leave no checkpoint behind.
            #expect(!FileManager.default.fileExists(atPath: output + ".checkpoints"))
        }

        @Test func aDrainedTrialSavesItsStateAndTheRerunContinuesIt() throws {
            let workspace = Workspace()
            let trials = try Self.longTrials(workspace)
            let output = workspace.file("drained.h5")
            // The default interval never falls due: the only checkpoint is the one saved when the
            // drain stops the trial.
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output, "--grace", "0"])
            #expect(job.waitForOutput("to run on"))
            Thread.sleep(forTimeInterval: 0.5)
            job.signal(SIGUSR1)
            let drained = job.finish()
            #expect(drained.status == 75, "\(drained.output)")
            #expect(Self.checkpointFiles(output).count == 2)

            let rerun = try Harness.run(ranks: 2, [trials, "--output", output],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("rerun.log")])
            #expect(rerun.status == 0, "\(rerun.output)")
            #expect(Self.resumedStages(workspace.logLines("rerun.log")).count == 2)
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
            #expect(!FileManager.default.fileExists(atPath: output + ".checkpoints"))
        }

        @Test func restartMovesTheCheckpointsAwayWithTheOldFile() throws {
            let workspace = Workspace()
            let trials = try Self.longTrials(workspace)
            let output = workspace.file("restart.h5")
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output, "--grace", "0"])
            #expect(job.waitForOutput("to run on"))
            Thread.sleep(forTimeInterval: 0.4)
            job.signal(SIGUSR1)
            #expect(job.finish().status == 75)
            #expect(Self.checkpointFiles(output).count == 2)
            let restarted = try Harness.run(ranks: 2, [trials, "--output", output, "--restart"],
                                            environment: ["SWEEP_HARNESS_LOG": workspace.file("restart.log")])
            #expect(restarted.status == 0, "\(restarted.output)")
            #expect(Self.resumedStages(workspace.logLines("restart.log")).isEmpty, "a restart starts every trial over")
            let backups = try FileManager.default.contentsOfDirectory(atPath: workspace.file(""))
                .filter { $0.hasPrefix("restart.h5.") && $0.hasSuffix(".bak.checkpoints") }
            #expect(backups.count == 1, "\(backups)")
        }
    }
}
