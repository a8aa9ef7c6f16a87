import Foundation
import Testing
import Sweep

/// Signals and a dying rank with the real `sweep-mpi` binary (Engine trials) under mpirun.
extension EndToEnd {
    @Suite struct EngineSignals {
        /// 32 trials of about 150 ms: some two and a half seconds of training on two ranks.
        static let sweepText = EngineSweep.text("signals", base: EngineSweep.slow, #"{"grid": {"g_radius": [20, 250]}, "seeds": 16}"#)
        static let trialCount = 32

        struct Started {
            var workspace: Workspace
            var sweep: String
            var output: String
            var job: Harness.Job
        }

        /// Starts the sweep on two ranks and returns once two rows are done, with most of the
        /// training still ahead.
        func start(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Started {
            let workspace = Workspace()
            let sweep = try workspace.write("\(name).json", Self.sweepText)
            let output = workspace.file("\(name).h5")
            let job = try Harness.Job(ranks: 2, arguments: [sweep, "--output", output, "--progress", "none"],
                                      program: Harness.sweepMPI)
            #expect(job.waitForOutput("to run on"), "\(job.output)", sourceLocation: sourceLocation)
            let deadline = Date().addingTimeInterval(20)
            while job.isRunning && Date() < deadline,
                  ((try? ResultsChecks.statusById(output)) ?? [:]).values.filter({ $0 == .done }).count < 2 {
                Thread.sleep(forTimeInterval: 0.01)
            }
            #expect(job.isRunning, "the sweep ended before the signal: \(job.output)", sourceLocation: sourceLocation)
            return Started(workspace: workspace, sweep: sweep, output: output, job: job)
        }

        /// After an interruption: the file opens with h5py and h5dump, some trials are done and
        /// some are not; the rerun runs exactly the rest, keeps the done rows as they were, and
        /// ends with the metrics of an uninterrupted run.
        func expectConsistentThenResumed(_ started: Started, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let output = started.output
            try ResultsChecks.openWithExternalTools(output, sourceLocation: sourceLocation)
            let statuses = try ResultsChecks.statusById(output)
            let done = Set(statuses.filter { $0.value == .done }.map(\.key))
            #expect(statuses.count == Self.trialCount, sourceLocation: sourceLocation)
            #expect(!done.isEmpty && done.count < Self.trialCount, "\(done.count) of \(Self.trialCount) done",
                    sourceLocation: sourceLocation)
            #expect(statuses.values.allSatisfy { $0 == .done || $0 == .pending }, sourceLocation: sourceLocation)
            let doneRows = try ResultsChecks.metricBytesById(output).filter { done.contains(String($0.key.prefix { $0 != "/" })) }
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"), sourceLocation: sourceLocation)

            let rerun = try Harness.run(ranks: 2, [started.sweep, "--output", output, "--progress", "none"],
                                        program: Harness.sweepMPI)
            #expect(rerun.status == 0, "\(rerun.output)", sourceLocation: sourceLocation)
            #expect(rerun.output.contains("\(Self.trialCount - done.count) to run on 2 ranks"), "\(rerun.output)",
                    sourceLocation: sourceLocation)
            let after = try ResultsChecks.metricBytesById(output)
            #expect(doneRows.allSatisfy { after[$0.key] == $0.value }, "the rerun changed a done row", sourceLocation: sourceLocation)
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done }, sourceLocation: sourceLocation)
            #expect(try ResultsChecks.computedBytesById(output) == ReferenceRuns.shared.computedBytes(of: Self.sweepText),
                    "resumed metrics differ from an uninterrupted run", sourceLocation: sourceLocation)
        }

        /// What a user sees when mpirun itself gets SIGTERM (as from `kill`, or Slurm's scancel
        /// when mpirun runs inside the batch script): mpirun does not forward SIGTERM as such; it
        /// starts its own shutdown, which sends the ranks SIGTERM after odls_base_sigkill_timeout
        /// (1 s) and SIGKILL one second later, and mpirun exits 1 whatever the ranks return. The
        /// ranks drain within that second (grace 0.5 s), so the file is consistent and resumable.
        @Test func sigtermToMpirunDrainsBeforeMpirunKillsTheRanks() throws {
            let started = try start("mpirun-term")
            let signalled = Date()
            started.job.signal(SIGTERM)
            let result = started.job.finish()
            #expect(result.status == 1, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGTERM"), "\(result.output)")
            #expect(result.output.contains("rerun the same command to resume"), "\(result.output)")
            #expect(Date().timeIntervalSince(signalled) < 6)
            try expectConsistentThenResumed(started)
        }

        /// SIGUSR1 (or SIGUSR2) to mpirun is forwarded to every rank at once: the drain starts at
        /// once, and the ranks' own status 75 comes through.
        @Test func sigusr1ToMpirunDrainsWithStatus75() throws {
            let started = try start("mpirun-usr1")
            let signalled = Date()
            started.job.signal(SIGUSR1)
            let result = started.job.finish()
            #expect(result.status == 75, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGUSR1"), "\(result.output)")
            #expect(Date().timeIntervalSince(signalled) < 5)
            try expectConsistentThenResumed(started)
        }

        /// SIGTERM to one rank (as when Slurm signals the tasks of a step, or a rank's node is
        /// drained): that rank tells rank 0, and the whole job drains with status 75.
        @Test(arguments: [0, 1])
        func sigtermToOneRankDrainsTheJobWithStatus75(rank: Int) throws {
            let started = try start("rank\(rank)-term")
            let pid = try #require(started.job.pid(ofRank: rank))
            let signalled = Date()
            kill(pid, SIGTERM)
            let result = started.job.finish()
            #expect(result.status == 75, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGTERM"), "\(result.output)")
            // Grace 0.5 s, the rows, closing; mpirun adds about 1 s when a rank exits non-zero.
            #expect(Date().timeIntervalSince(signalled) < 5)
            try expectConsistentThenResumed(started)
        }

        /// A rank that dies (a crash, the OOM killer): mpirun notices, names the rank, stops the
        /// others within its kill timeout, and exits non-zero; nothing hangs. The rerun resumes.
        @Test(arguments: [1, 0])
        func aRankKilledEndsTheJobPromptlyAndTheRerunResumes(rank: Int) throws {
            let started = try start("rank\(rank)-kill")
            let pid = try #require(started.job.pid(ofRank: rank))
            let killed = Date()
            kill(pid, SIGKILL)
            let result = started.job.finish(timeout: 30)
            let seconds = Date().timeIntervalSince(killed)
            #expect(seconds < 15, "the job took \(seconds) s to end after rank \(rank) died")
            #expect(result.status != 0, "\(result.output)")
            #expect(result.output.contains("process rank \(rank) with PID"), "\(result.output)")
            #expect(result.output.contains("exited on signal 9 (Killed)"), "\(result.output)")
            try expectConsistentThenResumed(started)
        }
    }
}
