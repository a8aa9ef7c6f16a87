/// Which trials run, in which order, and how many go into one assignment.
struct DispatchOrder {
    /// Plan indices of the trials to run, most expensive first (ties in plan order).
    let trials: [Int]
    /// Cost used for batch sizing, per plan index.
    let costs: [Double]

    /// Trials whose status calls for a run: pending ones, plus failed and diverged ones when
    /// `rerunFailed`.
    init(plan: Plan, statuses: [TrialStatus], rerunFailed: Bool) {
        let runnable = plan.trials.indices.filter { index in
            switch statuses[index] {
            case .pending: true
            case .failed, .diverged: rerunFailed
            case .done: false
            }
        }
        let raw = plan.trials.map(\.cost)
        // Costs are only relative; if any is unusable, every trial counts as one unit.
        let usable = raw.allSatisfy { $0.isFinite && $0 > 0 }
        costs = usable ? raw : Array(repeating: 1, count: raw.count)
        let sortKey = raw.map { $0.isFinite ? $0 : 0 }
        trials = runnable.sorted { sortKey[$0] != sortKey[$1] ? sortKey[$0] > sortKey[$1] : $0 < $1 }
    }

    init(trials: [Int], costs: [Double]) { self.trials = trials; self.costs = costs }

    var count: Int { trials.count }
}

/// Sizes assignments from measured speed: enough trials for about `targetSeconds` of work
/// (sub-second trials travel in batches, so the coordinator and the file see few messages and
/// writes per trial), at most remaining/(2P) so the tail stays balanced, and one trial while
/// nothing has been measured.
struct BatchSizer {
    let targetSeconds: Double
    let ranks: Int
    private(set) var measuredSeconds = 0.0
    private(set) var measuredCost = 0.0

    init(targetSeconds: Double = 0.075, ranks: Int) { self.targetSeconds = targetSeconds; self.ranks = max(1, ranks) }

    mutating func record(seconds: Double, cost: Double) {
        guard seconds.isFinite, cost.isFinite, cost > 0 else { return }
        measuredSeconds += max(0, seconds)
        measuredCost += cost
    }

    var secondsPerCost: Double? { measuredCost > 0 ? measuredSeconds / measuredCost : nil }

    /// The next batch starting at `next` in `order`.
    func batch(from next: Int, in order: DispatchOrder) -> Range<Int>? {
        guard next < order.count else { return nil }
        let remaining = order.count - next
        let cap = max(1, remaining / (2 * ranks))
        guard let rate = secondsPerCost else { return next..<(next + 1) }
        var end = next
        var seconds = 0.0
        while end < next + cap {
            seconds += rate * order.costs[order.trials[end]]
            end += 1
            if seconds >= targetSeconds { break }
        }
        return next..<end
    }
}
