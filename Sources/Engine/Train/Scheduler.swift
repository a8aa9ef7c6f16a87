import Foundation

/// Learning-rate schedules (farrell.md C.3), stepped once per epoch after validation, with
/// PyTorch's semantics.
public struct LearningRateSchedule: Sendable {
    public let kind: SchedulerKind
    public private(set) var learningRate: Double
    let initialLearningRate: Double
    let factor: Double
    let patience: Int
    let totalSteps: Int
    let finalDivision: Double
    private var epochs = 0
    // ReduceLROnPlateau state
    private var best = Double.infinity
    private var badEpochs = 0

    static let plateauThreshold = 1e-7      // absolute
    static let plateauMinimumChange = 1e-8  // PyTorch's eps

    public init(_ config: RunConfig) {
        self.init(kind: config.scheduler, learningRate: config.learning_rate, factor: config.scheduler_factor,
                  patience: config.learning_patience, totalSteps: config.patience_before_stopping,
                  finalDivision: config.onecycle_final_div_factor)
    }

    public init(kind: SchedulerKind, learningRate: Double, factor: Double, patience: Int,
                totalSteps: Int = 6000, finalDivision: Double = 1e4) {
        self.kind = kind
        initialLearningRate = learningRate
        self.factor = factor
        self.patience = patience
        self.totalSteps = totalSteps
        self.finalDivision = finalDivision
        self.learningRate = learningRate
        self.learningRate = rate(atStep: 0)
    }

    /// Ends an epoch: `validationLoss` is the mean validation-batch loss of the epoch.
    public mutating func epochEnded(validationLoss: Double) {
        epochs += 1
        switch kind {
        case .plateau:
            if validationLoss < best - Self.plateauThreshold {
                best = validationLoss
                badEpochs = 0
            } else {
                badEpochs += 1
            }
            if badEpochs > patience {
                let reduced = learningRate * factor
                if learningRate - reduced > Self.plateauMinimumChange { learningRate = reduced }
                badEpochs = 0
            }
        default:
            learningRate = rate(atStep: epochs)
        }
    }

    /// The learning rate of the schedules that depend on the step count only.
    private func rate(atStep step: Int) -> Double {
        switch kind {
        case .plateau:
            return learningRate
        case .steplr:
            return initialLearningRate * pow(factor, Double(step / patience))
        case .cyclic, .cyclicHalving:
            // CyclicLR: base = factor·lr, max = lr, step_size_up = step_size_down = patience.
            let base = factor * initialLearningRate, peak = initialLearningRate
            let cycleLength = Double(2 * patience)
            let cycle = (1 + Double(step) / cycleLength).rounded(.down)
            let x = 1 + Double(step) / cycleLength - cycle
            let scale = x <= 0.5 ? x / 0.5 : (x - 1) / (0.5 - 1)
            let height = (peak - base) * scale
            return kind == .cyclic ? base + height : base + height / pow(2, cycle - 1)
        case .onecyclelr:
            // OneCycleLR with cosine annealing: warm up from lr/factor to lr over `patience`
            // steps, then anneal to lr/(factor·finalDivision) at totalSteps − 1.
            let start = initialLearningRate / factor
            let end = start / finalDivision
            let warmupEnd = Double(patience) - 1, total = Double(totalSteps) - 1
            let s = Double(step)
            func cosine(_ from: Double, _ to: Double, _ fraction: Double) -> Double {
                to + (from - to) / 2 * (1 + cos(Double.pi * fraction))
            }
            if s <= warmupEnd {
                return cosine(start, initialLearningRate, warmupEnd > 0 ? s / warmupEnd : 1)
            }
            let span = total - warmupEnd
            return cosine(initialLearningRate, end, span > 0 ? min(1, (s - warmupEnd) / span) : 1)
        }
    }
}
