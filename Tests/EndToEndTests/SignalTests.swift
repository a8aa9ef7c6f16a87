import Foundation
import Testing
import Sweep

extension Harness.Job {
    /// The pid of the given MPI rank (from the ranks' environment).
    func pid(ofRank rank: Int) -> Int32? {
        for pid in rankPIDs {
            guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}

extension EndToEnd {
    @Suite struct Signals {
        /// 40 trials of 100 ms CPU: about two seconds on two ranks, so a signal lands mid-run.
        static func trials(_ workspace: Workspace) throws -> String {
            try workspace.trials("drain.json", sweep: "drain", seeds: 20, [
                "{\"x\": 1, \"work_ms\": 100}", "{\"x\": 2, \"work_ms\": 100, \"size\": 5}",
            ])
        }

        /// The file after a drain: consistent, some trials done and some pending; then the rerun
        /// finishes it with the values of an uninterrupted run.
        func expectDrainedThenResumed(_ workspace: Workspace, output: String, trials: String,
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
            try ResultsChecks.openWithExternalTools(output, sourceLocation: sourceLocation)
            let statuses = try ResultsChecks.statuses(output)
            let done = statuses.filter { $0 == .done }.count
            #expect(done > 0 && done < 40, "\(done) of 40 done after the drain", sourceLocation: sourceLocation)
            let rerun = try Harness.run(ranks: 2, [trials, "--output", output],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("rerun.log")])
            #expect(rerun.status == 0, "\(rerun.output)", sourceLocation: sourceLocation)
            #expect(workspace.logLines("rerun.log").count == 40 - done, sourceLocation: sourceLocation)
            let reference = workspace.file("reference.h5")
            if !FileManager.default.fileExists(atPath: reference) {
                #expect(try Harness.run(ranks: 2, [trials, "--output", reference]).status == 0)
            }
            #expect(try ResultsChecks.metricBytesById(output) == ResultsChecks.metricBytesById(reference),
                    sourceLocation: sourceLocation)
        }

        @Test func sigtermToOneWorkerDrainsEveryRankWithStatus75() throws {
            let workspace = Workspace()
            let trials = try Self.trials(workspace)
            let output = workspace.file("worker.h5")
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output])
            #expect(job.waitForOutput("to run on"))
            Thread.sleep(forTimeInterval: 0.4)
            let worker = try #require(job.pid(ofRank: 1))
            let signalled = Date()
            kill(worker, SIGTERM)
            let result = job.finish()
            #expect(result.status == 75, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGTERM"), "\(result.output)")
            // Grace 0.5 s + writing + closing; mpirun adds about 1 s when a rank exits non-zero.
            #expect(Date().timeIntervalSince(signalled) < 4)
            try expectDrainedThenResumed(workspace, output: output, trials: trials)
        }

        @Test func sigusr1ToMpirunIsForwardedAndDrainsWithStatus75() throws {
            let workspace = Workspace()
            let trials = try Self.trials(workspace)
            let output = workspace.file("usr1.h5")
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output])
            #expect(job.waitForOutput("to run on"))
            Thread.sleep(forTimeInterval: 0.2)
            // The file reads fine while the ranks write it (no file lock stands in the way).
            let live = try ResultsReader(path: output)
            #expect(live.trialCount == 40)
            #expect(try live.statuses().count == 40)
            live.close()
            try ResultsChecks.openWithExternalTools(output)
            #expect(job.isRunning)
            job.signal(SIGUSR1)
            let result = job.finish()
            #expect(result.status == 75, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGUSR1"), "\(result.output)")
            try expectDrainedThenResumed(workspace, output: output, trials: trials)
        }

        /// mpirun answers SIGTERM itself: it passes SIGTERM to the ranks after
        /// odls_base_sigkill_timeout (1 s), SIGKILLs them 1 s later and exits 1 whatever the ranks
        /// return. The ranks drain within that window, so the file is consistent and resumable.
        @Test func sigtermToMpirunDrainsTheRanksBeforeMpirunKillsThem() throws {
            let workspace = Workspace()
            let trials = try Self.trials(workspace)
            let output = workspace.file("mpirun.h5")
            let job = try Harness.Job(ranks: 2, arguments: [trials, "--output", output])
            #expect(job.waitForOutput("to run on"))
            Thread.sleep(forTimeInterval: 0.2)
            job.signal(SIGTERM)
            let result = job.finish()
            #expect(result.status != 0, "\(result.output)")
            #expect(result.output.contains("interrupted by SIGTERM"), "\(result.output)")
            try expectDrainedThenResumed(workspace, output: output, trials: trials)
        }
    }
}
