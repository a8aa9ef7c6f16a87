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
        printError(options.programName, "rank \(communicator.rank) on \(host): cannot open \(options.output) for writing: \(error)")
        communicator.abort(code: SweepExit.ioError.rawValue)
    }

    let order = DispatchOrder(plan: plan, statuses: setup.statusOfTrial, rerunFailed: options.rerunFailed)
    let executor = BatchExecutor(plan: plan, model: model, order: order, rowOfTrial: setup.rowOfTrial, writer: writer,
                                 communicator: communicator, host: host, grace: options.grace,
                                 programName: options.programName)
    var summary: [Int64] = []
    let started = monotonicSeconds()
    if communicator.rank == 0 {
        var previously = ProgressReporter.Counts()
        let running = Set(order.trials)
        for (index, status) in setup.statusOfTrial.enumerated() where !running.contains(index) {
            switch status {
            case .done: previously.done += 1
            case .failed: previously.failed += 1
            case .diverged: previously.diverged += 1
            case .pending: break
            }
        }
        Console.out("\(plan.name): \(plan.trials.count) trials, \(order.count) to run on \(communicator.size) "
                    + "rank\(communicator.size == 1 ? "" : "s") -> \(options.output) (\(setup.actionText))\n")
        let progress = ProgressReporter(sweepName: plan.name, mode: options.progress, interval: options.progressInterval,
                                        total: plan.trials.count, previously: previously, started: started)
        let coordinator = Coordinator(communicator: communicator, executor: executor, order: order, progress: progress)
        coordinator.run()
        let unfinished = order.count - coordinator.thisRun.finished
        let code: SweepExit = unfinished == 0 ? .success : (coordinator.drainSignal != nil ? .interrupted : .internalError)
        let finished = previously.finished + coordinator.thisRun.finished
        let counts = "\(previously.done + coordinator.thisRun.done) done, \(previously.failed + coordinator.thisRun.failed) failed, "
            + "\(previously.diverged + coordinator.thisRun.diverged) diverged"
        let elapsed = ProgressReporter.duration(monotonicSeconds() - started)
        let line: String
        switch code {
        case .success:
            line = "\(plan.name): \(plan.trials.count) trials finished: \(counts) (\(coordinator.thisRun.finished) run now in \(elapsed)) -> \(options.output)"
        case .interrupted:
            line = "\(plan.name): interrupted by \(DrainSignals.name(coordinator.drainSignal ?? 0)): \(finished) of "
                + "\(plan.trials.count) trials finished (\(counts)), \(plan.trials.count - finished) pending; "
                + "rerun the same command to resume -> \(options.output)"
        default:
            line = "\(plan.name): \(unfinished) trials stopped without a result although no signal asked for it; "
                + "rerun the same command to run them -> \(options.output)"
        }
        summary = [Int64(code.rawValue)] + Array(line.utf8).map { Int64($0) }
    } else {
        Worker(communicator: communicator, executor: executor).run()
    }

    // Every rank waits here (sleeping, not spinning) until rank 0 is done, learns the exit status
    // and the update time, and then closes the file collectively.
    summary = communicator.broadcast(summary)
    let updated = communicator.broadcast(communicator.rank == 0 ? UTCTime.iso8601() : "")
    do {
        try writer.close(updated: updated)
    } catch {
        printError(options.programName, "rank \(communicator.rank) on \(host): closing \(options.output) failed: \(error)")
        communicator.abort(code: SweepExit.ioError.rawValue)
    }
    if communicator.rank == 0 {
        Console.out(String(decoding: summary.dropFirst().map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) + "\n")
    }
    return Int32(summary[0])
}
