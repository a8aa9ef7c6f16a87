/// Rank 0: hands out trials and trains too. It services workers between its own trials' units
/// of work (from the trial's control callback, at most every `pollInterval`) and, when it holds
/// no work, in a poll loop that sleeps between MPI_Iprobe calls instead of spinning in MPI.
final class Coordinator {
    struct WorkerState {
        /// Batches requested and not yet answered.
        var wanted = 0
        /// Batches assigned and not yet reported.
        var batchesInHand = 0
        /// Sent noMore or drain: it gets no more work.
        var closed = false
        /// Sent its final report (and got goodbye).
        var final = false
    }

    let communicator: Communicator
    let executor: BatchExecutor
    let order: DispatchOrder
    let progress: ProgressReporter
    let pollInterval = 0.002
    private var sizer: BatchSizer
    private var next = 0
    private var workers: [WorkerState]
    private var ownTrialsInHand = 0
    private var lastPoll = 0.0
    /// Trials finished by this run.
    private(set) var thisRun = ProgressReporter.Counts()
    /// The signal that started the drain, if any.
    private(set) var drainSignal: Int32?

    init(communicator: Communicator, executor: BatchExecutor, order: DispatchOrder, progress: ProgressReporter) {
        self.communicator = communicator; self.executor = executor; self.order = order; self.progress = progress
        sizer = BatchSizer(ranks: communicator.size)
        workers = Array(repeating: WorkerState(), count: communicator.size)
    }

    func run() {
        executor.poll = { [unowned self] in
            let now = monotonicSeconds()
            if now - lastPoll >= pollInterval { service(now: now) }
        }
        var pause = 50_000
        while true {
            service(now: monotonicSeconds())
            if drainSignal == nil, let batch = sizer.batch(from: next, in: order) {
                next = batch.upperBound
                ownTrialsInHand = batch.count
                let report = executor.run(batch)
                ownTrialsInHand = 0
                record(report)
                pause = 50_000
                continue
            }
            if workers.dropFirst().allSatisfy(\.final) { break }
            sleepNanoseconds(pause)
            pause = min(pause * 2, 1_000_000)
        }
        progress.finish(thisRun: thisRun, now: monotonicSeconds())
    }

    /// Handles every message that has arrived, a signal, and pending requests for work.
    private func service(now: Double) {
        lastPoll = now
        if drainSignal == nil, let signal = DrainSignals.pending { startDrain(signal) }
        while let (source, message) = communicator.receiveRunMessage(from: nil, tag: RunMessage.toCoordinatorTag) {
            switch message {
            case .report(let report):
                if !report.completed.isEmpty { workers[source].batchesInHand -= 1 }
                record(report)
                workers[source].wanted += report.want
                if report.final {
                    workers[source].final = true
                    communicator.send(.goodbye, to: source)
                }
            case .signalled(let signal):
                if drainSignal == nil { startDrain(signal) }
            default:
                fatalError("rank \(source) sent rank 0 a message meant for workers: \(message)")
            }
        }
        dispatch()
        progress.update(thisRun: thisRun, running: busyRanks, now: now)
    }

    /// Ranks holding work: each runs one trial at a time (a worker's reserve batch waits).
    private var busyRanks: Int {
        (ownTrialsInHand > 0 ? 1 : 0) + workers.dropFirst().filter { $0.batchesInHand > 0 }.count
    }

    private func record(_ report: RunMessage.Report) {
        thisRun.done += report.done
        thisRun.failed += report.failed
        thisRun.diverged += report.diverged
        // Only whole batches measure speed: which trials of a partly abandoned batch ran is unknown.
        if report.abandoned == 0, !report.completed.isEmpty {
            let cost = report.completed.reduce(0.0) { $0 + order.costs[order.trials[$1]] }
            sizer.record(seconds: Double(report.microseconds) / 1e6, cost: cost)
        }
    }

    /// Answers requests for work. Near the end (no more trials left than ranks) a worker that
    /// still holds a batch gets no reserve, so that the last trials go to idle ranks.
    private func dispatch() {
        guard drainSignal == nil else { return }
        for rank in workers.indices.dropFirst() where !workers[rank].closed {
            while workers[rank].wanted > 0 {
                guard let batch = sizer.batch(from: next, in: order) else {
                    communicator.send(.noMore, to: rank)
                    workers[rank].closed = true
                    workers[rank].wanted = 0
                    break
                }
                if workers[rank].batchesInHand > 0 && order.count - next <= communicator.size { break }
                communicator.send(.assign(batch), to: rank)
                next = batch.upperBound
                workers[rank].wanted -= 1
                workers[rank].batchesInHand += 1
            }
        }
    }

    private func startDrain(_ signal: Int32) {
        drainSignal = signal
        executor.startDrain()
        for rank in workers.indices.dropFirst() where !workers[rank].final {
            communicator.send(.drain, to: rank)
            workers[rank].closed = true
        }
    }
}
