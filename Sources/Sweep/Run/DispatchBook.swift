/// Rank 0's book of who holds which work, and its decisions: which batch goes to whom, when a
/// rank is told there is no more, and when a batch waiting in one worker's reserve is called
/// back for a rank that has nothing to do. No MPI here: the coordinator carries the decisions out
/// (and the tests check them alone).
///
/// A worker holds one batch running and one in reserve, so that it never waits for rank 0. At the
/// end of a sweep that reserve would otherwise wait behind a long trial while other ranks idle:
/// as long as any trial remains unstarted, a rank that asks for work gets it, from what is not yet
/// assigned or else from a reserve called back.
struct DispatchBook {
    struct Hand {
        /// Batches requested and not yet answered.
        var wanted = 0
        /// Batches assigned and not yet reported, oldest (running) first.
        var batches: [Range<Int>] = []
        /// Told noMore (or drain): it gets nothing more.
        var closed = false
        /// A recall was sent and not yet answered.
        var recalling = false
    }

    enum Action: Equatable {
        case assign(Range<Int>, to: Int)
        case noMore(to: Int)
        /// Ask the worker to give back its reserve batch if it has not started it.
        case recall(from: Int)
    }

    let order: DispatchOrder
    let ranks: Int
    private(set) var sizer: BatchSizer
    /// Position in the dispatch order of the first trial never assigned.
    private(set) var next = 0
    /// Batches called back from a reserve, to be assigned again (to idle ranks only).
    private(set) var pool: [Range<Int>] = []
    /// Index 0 is rank 0's own batch (it never holds a reserve); the others are the workers.
    private(set) var hands: [Hand]
    /// Rank 0 has nothing to run and would take a batch called back for it.
    var rankZeroIdle = false

    init(order: DispatchOrder, ranks: Int, sizer: BatchSizer? = nil) {
        self.order = order
        self.ranks = max(1, ranks)
        self.sizer = sizer ?? BatchSizer(ranks: ranks)
        hands = Array(repeating: Hand(), count: max(1, ranks))
    }

    /// Trials not yet handed to any rank (never assigned, or called back).
    var unassignedCount: Int { order.count - next + pool.reduce(0) { $0 + $1.count } }

    /// Whether some worker holds a batch it may not have started.
    private var reserveExists: Bool { hands.dropFirst().contains { $0.batches.count >= 2 } }
    private var recallsInFlight: Int { hands.filter(\.recalling).count }

    mutating func record(seconds: Double, cost: Double) { sizer.record(seconds: seconds, cost: cost) }

    /// The cost of the trials at `positions` of the dispatch order.
    func cost(of positions: Range<Int>) -> Double {
        positions.reduce(0.0) { $0 + order.costs[order.trials[$1]] }
    }

    mutating func request(from rank: Int, count: Int) { hands[rank].wanted += count }

    /// The worker reported its oldest batch done (or abandoned).
    mutating func completed(by rank: Int) {
        if !hands[rank].batches.isEmpty { hands[rank].batches.removeFirst() }
    }

    /// The worker answered a recall: `batch` is its reserve, given back, or empty (already started).
    mutating func returned(by rank: Int, batch: Range<Int>) {
        hands[rank].recalling = false
        guard !batch.isEmpty, let index = hands[rank].batches.lastIndex(of: batch) else { return }
        hands[rank].batches.remove(at: index)
        pool.append(batch)
    }

    /// A worker that will get nothing more (noMore, drain, or its final report).
    mutating func close(_ rank: Int) {
        hands[rank].closed = true
        hands[rank].wanted = 0
    }

    /// The next batch for rank 0 to run itself, if any is unassigned.
    mutating func takeForRankZero() -> Range<Int>? {
        guard let batch = take() else { return nil }
        hands[0].batches = [batch]
        rankZeroIdle = false
        return batch
    }

    mutating func rankZeroFinished() { hands[0].batches = [] }

    /// Answers the pending requests and calls reserves back for idle ranks.
    mutating func decide() -> [Action] {
        var actions: [Action] = []
        for rank in hands.indices.dropFirst() where !hands[rank].closed {
            while hands[rank].wanted > 0 {
                if unassignedCount == 0 {
                    // It waits while a reserve may still come back; otherwise nothing will.
                    if reserveExists || recallsInFlight > 0 { break }
                    actions.append(.noMore(to: rank))
                    close(rank)
                    break
                }
                let idle = hands[rank].batches.isEmpty
                // Near the end a busy worker gets no reserve: the last trials go to idle ranks.
                if !idle && unassignedCount <= ranks { break }
                // Called-back batches go to idle ranks only.
                guard let batch = idle ? take() : takeNew() else { break }
                actions.append(.assign(batch, to: rank))
                hands[rank].batches.append(batch)
                hands[rank].wanted -= 1
            }
        }
        // One recall per idle rank that nothing in the pool or in flight will serve.
        let idleRanks = (rankZeroIdle ? 1 : 0)
            + hands.indices.dropFirst().filter { !hands[$0].closed && hands[$0].wanted > 0 && hands[$0].batches.isEmpty }.count
        var needed = idleRanks - pool.count - recallsInFlight
        if needed > 0, next == order.count {
            for rank in hands.indices.dropFirst() where needed > 0 && !hands[rank].closed && !hands[rank].recalling
                && hands[rank].batches.count >= 2 {
                hands[rank].recalling = true
                actions.append(.recall(from: rank))
                needed -= 1
            }
        }
        return actions
    }

    /// Whether no work can reach rank 0 any more: nothing unassigned, no reserve to call back.
    var nothingLeftForRankZero: Bool { unassignedCount == 0 && !reserveExists && recallsInFlight == 0 }

    /// A called-back batch first, else the next one from the order.
    private mutating func take() -> Range<Int>? {
        if !pool.isEmpty { return pool.removeFirst() }
        return takeNew()
    }

    private mutating func takeNew() -> Range<Int>? {
        guard let batch = sizer.batch(from: next, in: order) else { return nil }
        next = batch.upperBound
        return batch
    }
}
