/// A rank other than 0: asks for work, keeps one assignment in reserve (requested while the
/// current one runs, so it never waits for rank 0), gives the reserve back when rank 0 calls it
/// for an idle rank, writes its own rows, reports, and stops on noMore or drain.
final class Worker {
    let communicator: Communicator
    let executor: BatchExecutor
    let pollInterval = 0.002
    private var queue: [Range<Int>] = []
    /// Batches requested and not yet answered.
    private var outstanding = 0
    private var noMore = false
    private var signalReported = false
    private var lastPoll = 0.0

    init(communicator: Communicator, executor: BatchExecutor) {
        self.communicator = communicator; self.executor = executor
    }

    func run() {
        executor.poll = { [unowned self] in
            let now = monotonicSeconds()
            if now - lastPoll >= pollInterval { service(now: now) }
        }
        // One batch to run and one in reserve.
        request(RunMessage.Report(want: 2, final: false, completed: 0..<0))
        var last = RunMessage.Report(want: 0, final: true, completed: 0..<0)
        var pause = 50_000
        while true {
            service(now: monotonicSeconds())
            if executor.isDraining { break }
            guard !queue.isEmpty else {
                if noMore { break }
                sleepNanoseconds(pause)
                pause = min(pause * 2, 1_000_000)
                continue
            }
            pause = 50_000
            var report = executor.run(queue.removeFirst())
            service(now: monotonicSeconds())
            if executor.isDraining || (noMore && queue.isEmpty) {
                last = report
                break
            }
            report.want = noMore ? 0 : max(0, 2 - queue.count - outstanding)
            request(report)
        }
        last.want = 0
        last.final = true
        communicator.send(.report(last), to: 0)
        // Everything rank 0 sent before it saw the final report arrives before goodbye.
        while true {
            _ = communicator.waitForMessage(source: 0, tag: RunMessage.toWorkerTag)
            if case .goodbye? = communicator.receiveRunMessage(from: 0, tag: RunMessage.toWorkerTag)?.message { break }
        }
    }

    private func request(_ report: RunMessage.Report) {
        outstanding += report.want
        communicator.send(.report(report), to: 0)
    }

    private func service(now: Double) {
        lastPoll = now
        if !signalReported, let signal = DrainSignals.pending {
            signalReported = true
            executor.startDrain()
            communicator.send(.signalled(signal), to: 0)
        }
        while let (_, message) = communicator.receiveRunMessage(from: 0, tag: RunMessage.toWorkerTag) {
            switch message {
            case .assign(let batch):
                queue.append(batch)
                outstanding -= 1
            case .noMore:
                noMore = true
                outstanding = 0
            case .drain:
                executor.startDrain()
            case .recall:
                let reserve = queue.popLast() ?? 0..<0
                communicator.send(.returned(reserve), to: 0)
            default:
                fatalError("rank 0 sent rank \(communicator.rank) an unexpected message: \(message)")
            }
        }
    }
}
