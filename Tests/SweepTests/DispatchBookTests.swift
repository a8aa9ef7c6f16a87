import Testing
@testable import Sweep

/// The coordinator's decisions at the end of a sweep: as long as a trial remains unstarted, a rank
/// that has nothing to do gets it, even when it sits in another worker's reserve.
@Suite struct DispatchBookTests {
    /// `count` trials of equal cost, most expensive first, in batches of one trial (nothing measured).
    static func book(trials count: Int, ranks: Int) -> DispatchBook {
        DispatchBook(order: DispatchOrder(trials: Array(0..<count), costs: Array(repeating: 1, count: count)), ranks: ranks)
    }

    @Test func workersGetOneBatchRunningAndOneInReserveUntilTheEndNears() {
        var book = Self.book(trials: 10, ranks: 3)
        #expect(book.takeForRankZero() == 0..<1)
        book.request(from: 1, count: 2)
        book.request(from: 2, count: 2)
        #expect(book.decide() == [.assign(1..<2, to: 1), .assign(2..<3, to: 1), .assign(3..<4, to: 2), .assign(4..<5, to: 2)])
        // Worker 1 finishes its first batch and asks again: 5 trials left, more than the 3 ranks.
        book.completed(by: 1)
        book.request(from: 1, count: 1)
        #expect(book.decide() == [.assign(5..<6, to: 1)])
        // 4 left: still a reserve; with 3 left (no more than the ranks) a busy worker waits.
        book.completed(by: 2)
        book.request(from: 2, count: 1)
        #expect(book.decide() == [.assign(6..<7, to: 2)])
        book.completed(by: 1)
        book.request(from: 1, count: 1)
        #expect(book.decide() == [])
        #expect(book.hands[1].wanted == 1 && book.unassignedCount == 3)
    }

    @Test func anIdleRankGetsAReserveCalledBack() {
        var book = Self.book(trials: 3, ranks: 3)
        book.request(from: 1, count: 2)
        // With 3 trials and 3 ranks the end is near from the start: one batch each, no reserve.
        #expect(book.decide() == [.assign(0..<1, to: 1)])
        #expect(book.takeForRankZero() == 1..<2)
        book.request(from: 2, count: 2)
        // The last trial, and since no reserve is held anywhere, word that nothing more will come.
        #expect(book.decide() == [.assign(2..<3, to: 2), .noMore(to: 2)])
        #expect(book.nothingLeftForRankZero)

        // A reserve taken earlier, and a rank with nothing to do.
        var late = Self.book(trials: 6, ranks: 3)
        late.request(from: 1, count: 2)
        late.request(from: 2, count: 2)
        #expect(late.decide() == [.assign(0..<1, to: 1), .assign(1..<2, to: 1), .assign(2..<3, to: 2)])
        #expect(late.takeForRankZero() == 3..<4)
        late.completed(by: 2)
        late.request(from: 2, count: 1)
        #expect(late.decide() == [.assign(4..<5, to: 2)])
        late.rankZeroFinished()
        #expect(late.takeForRankZero() == 5..<6)
        late.rankZeroFinished()
        // Nothing is unassigned, but worker 1 still holds 1..<2 behind its running batch.
        #expect(late.takeForRankZero() == nil && !late.nothingLeftForRankZero)
        late.rankZeroIdle = true
        #expect(late.decide() == [.recall(from: 1)])
        #expect(late.decide() == [])                        // one recall is enough
        late.returned(by: 1, batch: 1..<2)
        #expect(late.takeForRankZero() == 1..<2)
        #expect(late.hands[1].batches == [0..<1])
        late.rankZeroFinished()
        #expect(late.nothingLeftForRankZero)
    }

    @Test func anIdleWorkerWaitsForARecallInsteadOfStopping() {
        var book = Self.book(trials: 8, ranks: 3)
        book.request(from: 1, count: 2)
        #expect(book.decide() == [.assign(0..<1, to: 1), .assign(1..<2, to: 1)])
        while let batch = book.takeForRankZero() {          // rank 0 runs everything else
            #expect(batch.lowerBound >= 2)
            book.rankZeroFinished()
        }
        // Worker 2 asks only now: nothing is unassigned, worker 1 has a reserve -> recall, no noMore.
        book.request(from: 2, count: 2)
        #expect(book.decide() == [.recall(from: 1)])
        // Too late: worker 1 had started it. Then no reserve is left anywhere: worker 2 stops.
        book.completed(by: 1)
        book.returned(by: 1, batch: 0..<0)
        #expect(book.decide() == [.noMore(to: 2)])
        #expect(book.hands[2].closed)
        // Worker 1 asks for more while running its last batch: nothing can come back, it stops too.
        book.request(from: 1, count: 1)
        #expect(book.decide() == [.noMore(to: 1)])
    }

    @Test func aCalledBackBatchGoesToAnIdleWorker() {
        var book = Self.book(trials: 7, ranks: 3)
        book.request(from: 1, count: 2)
        #expect(book.decide() == [.assign(0..<1, to: 1), .assign(1..<2, to: 1)])
        book.request(from: 2, count: 2)
        #expect(book.decide() == [.assign(2..<3, to: 2), .assign(3..<4, to: 2)])
        while book.takeForRankZero() != nil { book.rankZeroFinished() }
        // Worker 2 finishes both of its batches and asks again.
        book.completed(by: 2)
        book.completed(by: 2)
        book.request(from: 2, count: 2)
        #expect(book.decide() == [.recall(from: 1)])
        book.returned(by: 1, batch: 1..<2)
        // Worker 2 gets it, and since no other reserve is left, word that nothing more will come.
        #expect(book.decide() == [.assign(1..<2, to: 2), .noMore(to: 2)])
        // Worker 1 runs its last batch and asks for more: it is told to stop too.
        book.request(from: 1, count: 2)
        #expect(book.decide() == [.noMore(to: 1)])
    }

    @Test func balanceCountsTheRankSecondsLostAtTheEnd() {
        var balance = RunBalance(ranks: 3, started: 100)
        balance.recordWork(rank: 0, seconds: 8, at: 108)
        balance.recordWork(rank: 1, seconds: 10, at: 110)
        balance.recordWork(rank: 2, seconds: 4, at: 104)
        balance.ended = 110
        #expect(balance.idleAtEnd == 2 + 0 + 6)
        #expect(balance.tailSeconds == 6)
        #expect(abs(balance.busyFraction - 22.0 / 30) < 1e-12)
        #expect(balance.line == "3 ranks in trials 73.3 % of 3 x 10.0s; idle at the end 8.0 rank-s (over the last 6.0s)")
    }
}
