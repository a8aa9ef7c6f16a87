import Foundation
import Testing
import Sweep

/// The whole job (mpirun and every rank) killed with SIGKILL at many moments of a real sweep.
extension EndToEnd {
    @Suite struct EngineKills {
        /// 12 trials of about 150 ms: about a second of training on two ranks after half a second
        /// of start-up.
        static let sweepText = EngineSweep.text("kills", base: EngineSweep.slow, #"{"grid": {"g_radius": [20, 250]}, "seeds": 6}"#)
        static let trialCount = 12

        /// When to kill a run.
        enum Trigger: CustomStringConvertible {
            /// Seconds after mpirun was started (start-up and set-up).
            case delay(Double)
            /// As soon as `<output>.partial` exists: rank 0 is building the new file.
            case partialFile
            /// This fraction into the training that is left: after rank 0's start line, the
            /// fraction of the uninterrupted run's training time scaled by the trials not yet done.
            case training(Double)
            /// As soon as one more row reads done than when the run started: rows are being written.
            case nextDoneRow
            /// As soon as every row reads done: the ranks are closing the file and finalising.
            case allRowsDone
            /// As soon as rank 0 has printed its summary: the very end (MPI_Finalize, mpirun's exit).
            case summaryLine

            var description: String {
                switch self {
                case .delay(let seconds): String(format: "%.2f s after the start", seconds)
                case .partialFile: "while the .partial file exists"
                case .training(let fraction): String(format: "%.0f%% into the training", fraction * 100)
                case .nextDoneRow: "right after a row was written"
                case .allRowsDone: "after the last row"
                case .summaryLine: "after the summary line"
                }
            }
        }

        /// Each episode starts without a file; every run resumes what the kill before it left.
        static let episodes: [[Trigger]] = [
            [.delay(0), .partialFile, .training(0.3), .nextDoneRow, .training(0.5), .allRowsDone, .summaryLine],
            [.delay(0.1), .partialFile, .training(0.5), .nextDoneRow, .training(0.3), .allRowsDone, .summaryLine],
            [.delay(0.25), .training(0.2), .nextDoneRow, .training(0.6), .nextDoneRow, .allRowsDone],
            [.partialFile, .training(0.4), .training(0.7), .nextDoneRow, .allRowsDone, .summaryLine],
        ]
        /// Episodes run until this many runs were killed while running (a run may end before its
        /// kill point on a busy machine; it does not count).
        static let killsWanted = 24

        enum Phase: String, CaseIterable {
            case setUp = "set-up", training, end
        }

        /// The file's state between kills.
        struct Observed {
            var statuses: [String: TrialStatus] = [:]
            var allBytes: [String: [UInt64]] = [:]
            var done: Set<String> { Set(statuses.filter { $0.value == .done }.map(\.key)) }
        }

        @Test func wholeJobKilledAtTwentyFourPointsLosesNothingAndEndsBitIdentical() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("kills.json", Self.sweepText)
            let output = workspace.file("kills.h5")
            let arguments = [sweep, "--output", output, "--progress", "none"]

            // An uninterrupted run: the expected values, and how long its training takes.
            let reference = try Harness.Job(ranks: 2, arguments: [sweep, "--output", workspace.file("reference.h5"), "--progress", "none"],
                                            program: Harness.sweepMPI)
            #expect(reference.waitForOutput("to run on"))
            let trainingStarted = Date()
            let referenceResult = reference.finish()
            try #require(referenceResult.status == 0, "\(referenceResult.output)")
            let training = Date().timeIntervalSince(trainingStarted)
            let expected = try ResultsChecks.computedBytesById(workspace.file("reference.h5"))

            var phases: [Phase: Int] = [:]
            var killedWhileBuilding = 0
            var missed: [String] = []
            var episode = 0
            while phases.values.reduce(0, +) < Self.killsWanted && episode < 2 * Self.episodes.count {
                defer { episode += 1 }
                try? FileManager.default.removeItem(atPath: output)
                var before = Observed()
                for trigger in Self.episodes[episode % Self.episodes.count] {
                    // A .partial left by an earlier kill is not this run building its file.
                    let stalePartial = Self.identity(of: output + ".partial")
                    let job = try Harness.Job(ranks: 2, arguments: arguments, program: Harness.sweepMPI)
                    wait(for: trigger, job: job, output: output, doneAtStart: before.done.count, stalePartial: stalePartial,
                         trainingLeft: training * Double(Self.trialCount - before.done.count) / Double(Self.trialCount))
                    let startLineSeen = job.output.contains("to run on")
                    let partial = Self.identity(of: output + ".partial")
                    let building = partial != nil && partial != stalePartial
                    // A run that ended before its kill point is checked alike but not counted.
                    let killed = job.isRunning
                    if killed { job.killEverything() }
                    _ = job.finish()

                    let after = try observe(output)
                    let phase: Phase = !startLineSeen ? .setUp : after.done.count == Self.trialCount ? .end : .training
                    if killed {
                        phases[phase, default: 0] += 1
                        if building { killedWhileBuilding += 1 }
                    } else {
                        missed.append("episode \(episode), \(trigger)")
                    }
                    let context = "episode \(episode), \(killed ? "killed" : "not killed") \(trigger) (\(phase.rawValue))"
                    if FileManager.default.fileExists(atPath: output) { try ResultsChecks.openWithExternalTools(output) }
                    // Nothing done before the kill is lost or changed; every done row holds the
                    // values of the uninterrupted run.
                    #expect(after.done.isSuperset(of: before.done), "\(context): lost done trials")
                    for id in before.done {
                        for (key, bytes) in before.allBytes where key.hasPrefix(id + "/") {
                            #expect(after.allBytes[key] == bytes, "\(context): \(key) changed")
                        }
                    }
                    for id in after.done {
                        for (key, bytes) in expected where key.hasPrefix(id + "/") {
                            #expect(after.allBytes[key] == bytes, "\(context): \(key) differs from the uninterrupted run")
                        }
                    }
                    #expect(after.statuses.values.allSatisfy { $0 == .done || $0 == .pending }, "\(context)")
                    before = after
                }
                // The rerun finishes exactly what is left, bit-identical to the uninterrupted run.
                let rerun = try Harness.run(ranks: 2, arguments, program: Harness.sweepMPI)
                #expect(rerun.status == 0, "\(rerun.output)")
                #expect(rerun.output.contains("\(Self.trialCount - before.done.count) to run"), "\(rerun.output)")
                try ResultsChecks.openWithExternalTools(output)
                #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
                #expect(try ResultsChecks.computedBytesById(output) == expected, "episode \(episode): final metrics differ")
                #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
            }

            let kills = phases.values.reduce(0, +)
            print("SIGKILL points: \(kills) kills (\(Phase.allCases.map { "\(phases[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))), "
                  + "\(killedWhileBuilding) while the .partial file existed; \(missed.count) runs ended before their kill"
                  + (missed.isEmpty ? "" : ": " + missed.joined(separator: "; ")))
            #expect(kills >= Self.killsWanted, "only \(kills) runs were killed while running")
            for phase in Phase.allCases { #expect(phases[phase, default: 0] > 0, "no kill during \(phase.rawValue)") }
            #expect(killedWhileBuilding > 0, "no kill while the .partial file was being built")
        }

        /// Blocks until the moment `trigger` names (or the job ends, or 20 s pass).
        func wait(for trigger: Trigger, job: Harness.Job, output: String, doneAtStart: Int, stalePartial: FileIdentity?,
                  trainingLeft: Double) {
            let deadline = Date().addingTimeInterval(20)
            func doneRows() -> Int {
                guard FileManager.default.fileExists(atPath: output), let reader = try? ResultsReader(path: output) else { return 0 }
                defer { reader.close() }
                return ((try? reader.statuses()) ?? []).filter { $0 == .done }.count
            }
            while job.isRunning && Date() < deadline {
                switch trigger {
                case .delay(let seconds):
                    let left = seconds - Date().timeIntervalSince(job.started)
                    if left <= 0 { return }
                    Thread.sleep(forTimeInterval: min(left, 0.01))
                    continue
                case .training(let fraction):
                    guard job.output.contains("to run on") else { break }
                    Thread.sleep(forTimeInterval: fraction * trainingLeft)
                    return
                case .partialFile:
                    if let partial = Self.identity(of: output + ".partial"), partial != stalePartial { return }
                    Thread.sleep(forTimeInterval: 0.0002)
                    continue
                case .nextDoneRow:
                    if doneRows() > doneAtStart { return }
                case .allRowsDone:
                    if doneRows() == Self.trialCount { return }
                case .summaryLine:
                    if job.output.contains("trials finished") { return }
                }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }

        /// Inode and change time: tells a file apart from an earlier one at the same path.
        struct FileIdentity: Equatable {
            var inode: UInt
            var changed: Int
            var changedNanoseconds: Int
        }

        static func identity(of path: String) -> FileIdentity? {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            return FileIdentity(inode: UInt(info.st_ino), changed: info.st_ctim.tv_sec, changedNanoseconds: info.st_ctim.tv_nsec)
        }

        func observe(_ output: String) throws -> Observed {
            guard FileManager.default.fileExists(atPath: output) else { return Observed() }
            return Observed(statuses: try ResultsChecks.statusById(output), allBytes: try ResultsChecks.metricBytesById(output))
        }
    }
}
