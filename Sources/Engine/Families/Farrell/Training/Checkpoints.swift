/// When checkpoints ("saves") are taken (docs/families/farrell-spec.md C.6). Everything is computed from the
/// config, so the number of checkpoints — and the shapes of per-checkpoint results — are
/// known before training.
public struct CheckpointSchedule: Sendable {
    public let epochs: Int
    public let batchesPerEpoch: Int
    /// Minibatch indices within epoch e at which a save is taken (before that minibatch's update).
    private let savesByEpoch: [[Int]]
    /// Epoch value (completed epochs, fractional within an epoch) of every save, in order; the
    /// last one is the final state after training.
    public let saveEpochs: [Double]
    /// Number of optimiser updates made before each save (nominal: skipped zero-loss steps count).
    public let saveUpdates: [Int]

    public init(_ config: FarrellConfig) {
        self.init(saves: config.saves_per_epoch, epochs: config.num_epochs, batchesPerEpoch: config.trainBatchesPerEpoch)
    }

    public init(saves: SavesPerEpoch, epochs: Int, batchesPerEpoch: Int) {
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
        func within(_ n: Int) -> [Int] {
            if n <= 0 { return [] }
            if n == 1 { return [0] }
            // The reference: save at every minibatch i with i mod ⌈(batches − 1)/n⌉ = 0.
            let step = max(1, (batchesPerEpoch - 1 + n - 1) / n)
            return Array(stride(from: 0, to: batchesPerEpoch, by: step))
        }
        var byEpoch: [[Int]] = []
        for e in 0..<epochs {
            switch saves {
            case .perEpoch(let n): byEpoch.append(within(n))
            case .everyEpochs(let k): byEpoch.append(e % max(1, k) == 0 ? [0] : [])
            case .schedule(let counts): byEpoch.append(within(counts[e]))
            }
        }
        savesByEpoch = byEpoch
        var saveEpochs: [Double] = [], saveUpdates: [Int] = []
        for (e, indices) in byEpoch.enumerated() {
            for i in indices {
                saveEpochs.append(Double(e) + Double(i) / Double(batchesPerEpoch))
                saveUpdates.append(e * batchesPerEpoch + i)
            }
        }
        saveEpochs.append(Double(epochs))
        saveUpdates.append(epochs * batchesPerEpoch)
        self.saveEpochs = saveEpochs
        self.saveUpdates = saveUpdates
    }

    public var count: Int { saveEpochs.count }

    public func saves(inEpoch e: Int) -> [Int] { savesByEpoch[e] }
}

/// A point in training where the analyses look at the network.
public struct Checkpoint: Sendable {
    /// Index among the saves (nil for a visit that is not a save, e.g. an epoch start that the
    /// save schedule skips but an analysis needs).
    public var saveIndex: Int?
    /// Completed epochs, fractional within an epoch.
    public var epoch: Double
    /// e when this is the start of epoch e, or num_epochs at the end; nil within an epoch.
    public var epochBoundary: Int?
    /// The untrained network (the first visit).
    public var isInitial: Bool
    /// The network after training (the last visit).
    public var isFinal: Bool
}
