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
    let checkpoints: TrialCheckpoints
    let checkpointInterval: Double

    /// Services messages and signals (rate-limited by the caller); may start the drain.
    var poll: () -> Void = {}
    /// Set when this rank starts draining: trials in flight must finish before it.
    private(set) var drainDeadline: Double?

    init(plan: Plan, model: any TrialModel, order: DispatchOrder, rowOfTrial: [Int], writer: ResultsWriter,
         communicator: Communicator, host: String, grace: Double, checkpointInterval: Double, programName: String) {
        self.plan = plan; self.model = model; self.order = order; self.rowOfTrial = rowOfTrial
        self.writer = writer; self.communicator = communicator; self.rank = communicator.rank
        self.host = host; self.grace = grace; self.programName = programName
        checkpoints = TrialCheckpoints(resultsPath: writer.path)
        self.checkpointInterval = checkpointInterval
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
        var finishedIDs: [String] = []
        records.reserveCapacity(positions.count)
        for position in positions {
            if isDraining {
                report.abandoned += 1
                continue
            }
            let trial = plan.trials[order.trials[position]]
            let control = DrainAwareControl(executor: self, trialID: trial.id, started: monotonicSeconds())
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
            // The plan knows each trial's own shapes; a plan made by hand may not, then the model says.
            let metrics = trial.metrics.isEmpty ? ((try? model.resolve(trial.parameters))?.metrics ?? []) : trial.metrics
            let shapes = Dictionary(metrics.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
            records.append(RowRecord(row: rowOfTrial[order.trials[position]], status: status, seconds: seconds,
                                     rank: Int32(rank), host: host, error: outcome.message,
                                     metrics: outcome.metrics, metricShapes: shapes, timings: outcome.timings))
            finishedIDs.append(trial.id)
        }
        do {
            try writer.write(records)
            // Only once the rows are in: a kill before this leaves the checkpoints to resume from.
            checkpoints.remove(finishedIDs)
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
/// started, stops the trial unless it is projected to finish before the grace period ends. It
/// keeps the trial's checkpoints.
final class DrainAwareControl: TrialControl {
    unowned let executor: BatchExecutor
    let trialID: String
    let started: Double
    private var lastCheckpoint: Double

    init(executor: BatchExecutor, trialID: String, started: Double) {
        self.executor = executor; self.trialID = trialID; self.started = started
        lastCheckpoint = started
    }

    func restoreCheckpoint() -> [UInt8]? {
        executor.checkpoints.load(trialID, programName: executor.programName)
    }

    func checkpointDue() -> Bool {
        monotonicSeconds() - lastCheckpoint >= executor.checkpointInterval
    }

    func saveCheckpoint(_ state: [UInt8]) throws {
        try executor.checkpoints.save(trialID, state: state)
        lastCheckpoint = monotonicSeconds()
    }

    func resumed(at position: String) {
        RunOutput.show("\(executor.programName): trial \(trialID.prefix(16)) resumes from its checkpoint at \(position) (rank \(executor.rank))\n")
    }

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

