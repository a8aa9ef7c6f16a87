/// The curriculum of training/train.py: the list of Ns in play, one per readout head (head k
/// serves the k-th N of the list), advanced once per epoch when the test accuracy allows.
///   single:     [N] -> [N + 1]                         (one head, reused)
///   cumulative: [n_min … N] -> [n_min … N + add]        (a new head per N)
///   sliding:    [N − w + 1 … N] -> drop the `forget` oldest, add as many new (heads by position)
/// The curriculum is complete once its newest N reaches n_max, or when the next list would pass
/// it (the reference has no end but its epoch limit and its 100 heads).
struct Curriculum: Equatable {
    let kind: CurriculumKind
    let nMax: Int
    let addHeads: Int
    let forgetHeads: Int
    private(set) var ns: [Int]

    init(_ c: TimescalesConfig) {
        kind = c.curriculum
        nMax = c.n_max
        addHeads = c.add_heads
        forgetHeads = c.forget_heads
        switch c.curriculum {
        case .single: ns = [c.n_min]
        case .cumulative, .sliding: ns = Array(c.n_min..<(c.n_min + c.init_heads))
        }
    }

    /// A curriculum at a saved position.
    init(_ c: TimescalesConfig, ns: [Int]) {
        self.init(c)
        self.ns = ns
    }

    var newest: Int { ns.last! }

    /// The rule of train.py: the mean accuracy over the heads and the newest head's both exceed
    /// the threshold (percent).
    static func shouldAdvance(accuracies: [Double], threshold: Double) -> Bool {
        guard let last = accuracies.last else { return false }
        return accuracies.reduce(0, +) / Double(accuracies.count) > threshold && last > threshold
    }

    /// The list after a milestone at `newest`, or nil when the curriculum is complete.
    func next() -> [Int]? {
        let list: [Int]
        switch kind {
        case .single: list = [newest + 1]
        case .cumulative: list = ns + (1...addHeads).map { newest + $0 }
        case .sliding: list = Array(ns.dropFirst(forgetHeads)) + (1...forgetHeads).map { newest + $0 }
        }
        return list.last! > nMax ? nil : list
    }

    /// Moves to the next list; false when the curriculum is complete.
    mutating func advance() -> Bool {
        guard let list = next() else { return false }
        ns = list
        return true
    }
}
