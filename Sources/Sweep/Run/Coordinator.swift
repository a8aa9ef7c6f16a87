/// Rank 0: hands out trials and trains too. It services workers between its own trials' units
/// of work (from the trial's control callback, at most every `pollInterval`) and, when it holds
/// no work, in a poll loop that sleeps between MPI_Iprobe calls instead of spinning in MPI.
/// What goes to whom is decided by its `DispatchBook`.
final class Coordinator {
    let communicator: Communicator
    let executor: BatchExecutor
    let order: DispatchOrder
    let progress: ProgressReporter
    let pollInterval = 0.002
    private var book: DispatchBook
    /// Workers that sent their final report (and got goodbye).
    private var final: [Bool]
    private var lastPoll = 0.0
    /// Trials finished by this run.
    private(set) var thisRun = ProgressReporter.Counts()
    /// The signal that started the drain, if any.
    private(set) var drainSignal: Int32?
    /// How busy the ranks were, for the summary.
    private(set) var balance: RunBalance

    init(communicator: Communicator, executor: BatchExecutor, order: DispatchOrder, progress: ProgressReporter) {
        self.communicator = communicator; self.executor = executor; self.order = order; self.progress = progress
        book = DispatchBook(order: order, ranks: communicator.size)
        final = Array(repeating: false, count: communicator.size)
        balance = RunBalance(ranks: communicator.size, started: monotonicSeconds())
    }

    func run() {
        executor.poll = { [unowned self] in
            let now = monotonicSeconds()
            if now - lastPoll >= pollInterval { service(now: now) }
        }
        var pause = 50_000
        while true {
            service(now: monotonicSeconds())
            if drainSignal == nil, let batch = book.takeForRankZero() {
                let report = executor.run(batch)
                book.rankZeroFinished()
                record(report, from: 0, now: monotonicSeconds())
                pause = 50_000
                continue
            }
            if drainSignal != nil || book.nothingLeftForRankZero {
                if final.dropFirst().allSatisfy({ $0 }) { break }
            } else if !book.rankZeroIdle {
                // Idle while a worker holds an unstarted reserve: it may be called back for rank 0.
                book.rankZeroIdle = true
            }
            sleepNanoseconds(pause)
            pause = min(pause * 2, 1_000_000)
        }
        balance.ended = monotonicSeconds()
        progress.finish(thisRun: thisRun, now: balance.ended)
    }

    /// Handles every message that has arrived, a signal, and pending requests for work.
    private func service(now: Double) {
        lastPoll = now
        if drainSignal == nil, let signal = DrainSignals.pending { startDrain(signal) }
        while let (source, message) = communicator.receiveRunMessage(from: nil, tag: RunMessage.toCoordinatorTag) {
            switch message {
            case .report(let report):
                if !report.completed.isEmpty { book.completed(by: source) }
                record(report, from: source, now: now)
                if drainSignal == nil { book.request(from: source, count: report.want) }
                if report.final {
                    final[source] = true
                    book.close(source)
                    communicator.send(.goodbye, to: source)
                }
            case .returned(let batch):
                book.returned(by: source, batch: batch)
            case .signalled(let signal):
                if drainSignal == nil { startDrain(signal) }
            default:
                fatalError("rank \(source) sent rank 0 a message meant for workers: \(message)")
            }
        }
        if drainSignal == nil {
            for action in book.decide() {
                switch action {
                case .assign(let batch, let rank): communicator.send(.assign(batch), to: rank)
                case .noMore(let rank): communicator.send(.noMore, to: rank)
                case .recall(let rank): communicator.send(.recall, to: rank)
                }
            }
        }
        progress.update(thisRun: thisRun, running: busyRanks, now: now)
    }

    /// Ranks holding work: each runs one trial at a time (a worker's reserve batch waits).
    private var busyRanks: Int { book.hands.filter { !$0.batches.isEmpty }.count }

    private func record(_ report: RunMessage.Report, from rank: Int, now: Double) {
        thisRun.done += report.done
        thisRun.failed += report.failed
        thisRun.diverged += report.diverged
        if !report.completed.isEmpty { balance.recordWork(rank: rank, seconds: Double(report.microseconds) / 1e6, at: now) }
        // Only whole batches measure speed: which trials of a partly abandoned batch ran is unknown.
        if report.abandoned == 0, !report.completed.isEmpty {
            book.record(seconds: Double(report.microseconds) / 1e6, cost: book.cost(of: report.completed))
        }
    }

    private func startDrain(_ signal: Int32) {
        drainSignal = signal
        executor.startDrain()
        for rank in final.indices.dropFirst() where !final[rank] {
            communicator.send(.drain, to: rank)
            book.close(rank)
        }
    }
}

/// How busy the ranks were during a run, as rank 0 sees it: the time ranks spent in trials, and
/// the rank-seconds lost at the end of the run, between the moment each rank finished its last
/// trial and the end of the run (the tail of a sweep whose last trials run alone).
struct RunBalance {
    let ranks: Int
    let started: Double
    var ended: Double
    /// Seconds of trials run, summed over ranks.
    private(set) var trialSeconds = 0.0
    /// When each rank last finished work (the start when it ran none).
    private(set) var lastWorkEnded: [Double]

    init(ranks: Int, started: Double) {
        self.ranks = ranks; self.started = started; ended = started
        lastWorkEnded = Array(repeating: started, count: ranks)
    }

    mutating func recordWork(rank: Int, seconds: Double, at time: Double) {
        trialSeconds += max(0, seconds)
        lastWorkEnded[rank] = max(lastWorkEnded[rank], time)
    }

    var wallSeconds: Double { max(0, ended - started) }
    /// Share of the ranks' time spent in trials.
    var busyFraction: Double { wallSeconds > 0 ? min(1, trialSeconds / (Double(ranks) * wallSeconds)) : 0 }
    /// Rank-seconds between each rank's last trial and the end of the run.
    var idleAtEnd: Double { lastWorkEnded.reduce(0) { $0 + max(0, ended - $1) } }
    /// From the moment the first rank ran out of work to the end.
    var tailSeconds: Double { max(0, ended - (lastWorkEnded.min() ?? ended)) }

    /// "4 ranks in trials 96.1 % of 4 x 12.3s; idle at the end 1.9 rank-s (over the last 0.8s)"
    var line: String {
        let percent = String(Double((busyFraction * 1000).rounded()) / 10)
        let idle = String(Double((idleAtEnd * 10).rounded()) / 10)
        return "\(ranks) ranks in trials \(percent) % of \(ranks) x \(ProgressReporter.duration(wallSeconds)); "
            + "idle at the end \(idle) rank-s (over the last \(ProgressReporter.duration(tailSeconds)))"
    }
}
