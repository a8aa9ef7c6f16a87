/// The messages between rank 0 and the workers. Every rank holds the same plan and the same
/// dispatch order (broadcast once), so a message names trials only as a range of positions in
/// that order: every message is a few Int64s, below MPI's eager limit, and a send never waits.
enum RunMessage: Equatable {
    // Worker -> rank 0
    /// The worker finished `completed` (positions in the dispatch order; empty if none) with
    /// these counts, and asks for `want` more batches. `final`: it will send nothing more.
    case report(Report)
    /// The worker received a signal.
    case signalled(Int32)
    /// Answer to `recall`: the reserve batch given back unstarted, or an empty range when the
    /// worker holds none any more.
    case returned(Range<Int>)
    // Rank 0 -> worker
    /// Run the trials at these positions of the dispatch order.
    case assign(Range<Int>)
    /// No more work: finish what you hold and send a final report.
    case noMore
    /// Drain: stop taking work; finish trials in flight within the grace period.
    case drain
    /// Rank 0 has your final report and will send nothing more.
    case goodbye
    /// Give back your reserve batch if you have not started it (a rank has nothing to do).
    case recall

    struct Report: Equatable {
        var want: Int
        var final: Bool
        var completed: Range<Int>
        var done = 0, failed = 0, diverged = 0, abandoned = 0
        /// Total run time of the finished trials.
        var microseconds: Int64 = 0
    }

    static let toCoordinatorTag = 101
    static let toWorkerTag = 102
    static let length = 10

    func encoded() -> [Int64] {
        var words: [Int64]
        switch self {
        case .report(let report):
            words = [1, Int64(report.want), report.final ? 1 : 0, Int64(report.completed.lowerBound),
                     Int64(report.completed.upperBound), Int64(report.done), Int64(report.failed),
                     Int64(report.diverged), Int64(report.abandoned), report.microseconds]
        case .signalled(let signal): words = [2, Int64(signal)]
        case .assign(let range): words = [3, Int64(range.lowerBound), Int64(range.upperBound)]
        case .noMore: words = [4]
        case .drain: words = [5]
        case .goodbye: words = [6]
        case .returned(let range): words = [7, Int64(range.lowerBound), Int64(range.upperBound)]
        case .recall: words = [8]
        }
        return words + Array(repeating: 0, count: Self.length - words.count)
    }

    init?(_ words: [Int64]) {
        guard words.count == Self.length else { return nil }
        switch words[0] {
        case 1:
            guard words[3] <= words[4] else { return nil }
            self = .report(Report(want: Int(words[1]), final: words[2] != 0,
                                  completed: Int(words[3])..<Int(words[4]), done: Int(words[5]),
                                  failed: Int(words[6]), diverged: Int(words[7]), abandoned: Int(words[8]),
                                  microseconds: words[9]))
        case 2: self = .signalled(Int32(truncatingIfNeeded: words[1]))
        case 3:
            guard words[1] <= words[2] else { return nil }
            self = .assign(Int(words[1])..<Int(words[2]))
        case 4: self = .noMore
        case 5: self = .drain
        case 6: self = .goodbye
        case 7:
            guard words[1] <= words[2] else { return nil }
            self = .returned(Int(words[1])..<Int(words[2]))
        case 8: self = .recall
        default: return nil
        }
    }
}

extension Communicator {
    func send(_ message: RunMessage, to destination: Int) {
        send(message.encoded(), to: destination, tag: destination == 0 ? RunMessage.toCoordinatorTag : RunMessage.toWorkerTag)
    }

    /// The next run message from `source` (any when nil) if one has arrived.
    func receiveRunMessage(from source: Int?, tag: Int) -> (source: Int, message: RunMessage)? {
        guard let info = probe(source: source, tag: tag) else { return nil }
        let words = receiveInt64(from: info.source, tag: tag)
        guard let message = RunMessage(words) else {
            fatalError("malformed run message from rank \(info.source): \(words)")
        }
        return (info.source, message)
    }
}
