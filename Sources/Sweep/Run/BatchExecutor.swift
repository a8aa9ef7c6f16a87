#if canImport(Glibc)
import Glibc
#endif

/// Runs assigned trials on this rank and writes their rows. Used alike by rank 0 and the
/// workers; nothing rank-specific reaches a trial (only its parameters), so results do not
/// depend on the number of ranks or on which rank ran a trial.
final class BatchExecutor {
    let plan: Plan
    let model: any TrialModel
    let order: DispatchOrder
    let rowOfTrial: [Int]
    let writer: ResultsWriter
    let rank: Int
    let host: String
    let programName: String
    let communicator: Communicator
    let grace: Double

    /// Services messages and signals (rate-limited by the caller); may start the drain.
    var poll: () -> Void = {}
    /// Set when this rank starts draining: trials in flight must finish before it.
    private(set) var drainDeadline: Double?

    init(plan: Plan, model: any TrialModel, order: DispatchOrder, rowOfTrial: [Int], writer: ResultsWriter,
         communicator: Communicator, host: String, grace: Double, programName: String) {
        self.plan = plan; self.model = model; self.order = order; self.rowOfTrial = rowOfTrial
        self.writer = writer; self.communicator = communicator; self.rank = communicator.rank
        self.host = host; self.grace = grace; self.programName = programName
    }

    var isDraining: Bool { drainDeadline != nil }

    func startDrain() {
        if drainDeadline == nil { drainDeadline = monotonicSeconds() + max(0, grace) }
    }

    /// Runs the trials at `positions` of the dispatch order and writes their rows (one write per
    /// dataset for the whole batch). Trials not started when a drain begins are abandoned.
    func run(_ positions: Range<Int>) -> RunMessage.Report {
        var report = RunMessage.Report(want: 0, final: false, completed: positions)
        var records: [RowRecord] = []
        records.reserveCapacity(positions.count)
        for position in positions {
            if isDraining {
                report.abandoned += 1
                continue
            }
            let trial = plan.trials[order.trials[position]]
            let control = DrainAwareControl(executor: self, started: monotonicSeconds())
            let outcome = model.run(trial.parameters, control: control)
            let seconds = monotonicSeconds() - control.started
            poll()
            guard let status = outcome.status else {
                report.abandoned += 1
                continue
            }
            switch status {
            case .done: report.done += 1
            case .failed: report.failed += 1
            case .diverged: report.diverged += 1
            case .pending: break
            }
            report.microseconds += Int64((seconds * 1e6).rounded())
            let shapes = Dictionary(model.metrics(for: trial.parameters).map { ($0.name, $0.shape) },
                                    uniquingKeysWith: { first, _ in first })
            records.append(RowRecord(row: rowOfTrial[order.trials[position]], status: status, seconds: seconds,
                                     rank: Int32(rank), host: host, error: outcome.message,
                                     metrics: outcome.metrics, metricShapes: shapes, timings: outcome.timings))
        }
        do {
            try writer.write(records)
        } catch {
            // Every rank must stop promptly; rows already written stay intact (their status was
            // written last).
            let message = (error as? StoreError)?.message ?? "\(error)"
            RunOutput.error(programName, "rank \(rank) on \(host): writing \(writer.path) failed: \(message)")
            communicator.abort(code: SweepExit.ioError.rawValue)
        }
        return report
    }
}

/// What a running trial polls: it services the coordinator's messages and, once a drain has
/// started, stops the trial unless it is projected to finish before the grace period ends.
final class DrainAwareControl: TrialControl {
    unowned let executor: BatchExecutor
    let started: Double

    init(executor: BatchExecutor, started: Double) { self.executor = executor; self.started = started }

    func shouldStop(progress: Double) -> Bool {
        executor.poll()
        guard let deadline = executor.drainDeadline else { return false }
        let now = monotonicSeconds()
        guard now < deadline, progress > 0, progress.isFinite else { return true }
        let done = min(progress, 1)
        let projectedFinish = now + (now - started) * (1 - done) / done
        return projectedFinish > deadline
    }
}

