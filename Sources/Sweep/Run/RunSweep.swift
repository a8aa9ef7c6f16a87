#if canImport(Glibc)
import Glibc
#endif

/// Runs `plan` on every rank of `communicator` (each rank calls this with the same plan and
/// options) and returns the exit status, identical on every rank (see `SweepExit`).
///
/// Rank 0 alone decides what to do with the output (create, resume, grow, restart, or refuse
/// with one error line) before anything collective happens; every rank then opens the file,
/// rank 0 dispatches trials (most expensive first) while training too, each rank writes its own
/// trials' rows, and all close the file together. SIGTERM, SIGINT, SIGUSR1 or SIGUSR2 on any
/// rank drains the run: it returns `SweepExit.interrupted` (75) with the file consistent, and
/// running the same command again resumes it.
public func runSweep(plan: Plan, model: any TrialModel, options: RunOptions, communicator: Communicator) -> Int32 {
    let savedSignals = DrainSignals.install()
    defer { DrainSignals.restore(savedSignals) }
    // Past a file-size limit (ulimit -f) a write must fail with EFBIG, reported as an error
    // naming the file, instead of SIGXFSZ killing the rank and leaving a half-built .partial.
    let savedFileSizeAction = signal(SIGXFSZ, SIG_IGN)
    defer { signal(SIGXFSZ, savedFileSizeAction) }

    let setupStarted = monotonicSeconds()
    let setup: RunSetup
    switch RunSetup.agree(plan: plan, options: options, communicator: communicator) {
    case .ready(let agreed): setup = agreed
    case .failed(let code): return code
    }
    let host = communicator.processorName
    let writer: ResultsWriter
    do {
        writer = try ResultsWriter(path: options.output, communicator: communicator)
    } catch {
        RunOutput.error(options.programName, "rank \(communicator.rank) on \(host): cannot open \(options.output) for writing: \(error)")
        communicator.abort(code: SweepExit.ioError.rawValue)
    }

    let order = DispatchOrder(plan: plan, statuses: setup.statusOfTrial, rerunFailed: options.rerunFailed)
    let executor = BatchExecutor(plan: plan, model: model, order: order, rowOfTrial: setup.rowOfTrial, writer: writer,
                                 communicator: communicator, host: host, grace: options.grace,
                                 checkpointInterval: options.checkpointInterval, programName: options.programName)
    var code = SweepExit.success
    var summary = ""
    let started = monotonicSeconds()
    if communicator.rank == 0 {
        let previously = ProgressReporter.Counts(statuses: setup.statusOfTrial, excluding: Set(order.trials))
        // The set-up: agreeing on the plan, creating, growing or inspecting the file, opening it.
        RunOutput.show("\(plan.name): \(plan.trials.count) trials, \(order.count) to run on \(communicator.size) "
                    + "rank\(communicator.size == 1 ? "" : "s") -> \(options.output) (\(setup.actionText), "
                    + "set up in \(ProgressReporter.duration(started - setupStarted)))\n")
        if !options.provenance.openBLASCore.isEmpty {
            RunOutput.show("  OpenBLAS core \(options.provenance.openBLASCore) (\(options.provenance.openBLASCoreNote)), one thread per rank\n")
        }
        let progress = ProgressReporter(sweepName: plan.name, mode: options.progress, interval: options.progressInterval,
                                        total: plan.trials.count, previously: previously, started: started)
        let coordinator = Coordinator(communicator: communicator, executor: executor, order: order, progress: progress)
        coordinator.run()
        let unfinished = order.count - coordinator.thisRun.finished
        code = unfinished == 0 ? .success : (coordinator.drainSignal != nil ? .interrupted : .internalError)
        summary = RunSummary(sweepName: plan.name, output: options.output, total: plan.trials.count,
                             previously: previously, thisRun: coordinator.thisRun, unfinished: unfinished,
                             signal: coordinator.drainSignal, seconds: monotonicSeconds() - started).line(for: code)
        if communicator.size > 1 && coordinator.thisRun.finished > 0 {
            summary += "\n\(plan.name): \(coordinator.balance.line)"
        }
    } else {
        Worker(communicator: communicator, executor: executor).run()
    }

    // Every rank waits here (sleeping, not spinning) until rank 0 is done, learns the exit status
    // and the update time, and then closes the file collectively.
    let status = Int32(communicator.broadcast([Int64(code.rawValue)])[0])
    let updated = communicator.broadcast(communicator.rank == 0 ? UTCTime.iso8601() : "")
    do {
        try writer.close(updated: updated)
    } catch {
        RunOutput.error(options.programName, "rank \(communicator.rank) on \(host): closing \(options.output) failed: \(error)")
        communicator.abort(code: SweepExit.ioError.rawValue)
    }
    setup.lock?.release()
    if communicator.rank == 0 { RunOutput.show(summary + "\n") }
    return status
}
