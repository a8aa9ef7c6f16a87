import Foundation

/// The learning-rate schedules, named as the reference code names PyTorch's schedulers.
public enum SchedulerKind: String, Sendable, CaseIterable {
    /// ReduceLROnPlateau (mode min, absolute threshold).
    case plateau
    /// StepLR: lr · factor^⌊step / patience⌋.
    case steplr
    /// CyclicLR (triangular) between factor·lr and lr, half-cycle `patience` steps.
    case cyclic
    /// CyclicLR whose amplitude halves every cycle (triangular2).
    case cyclicHalving = "cyclic_halving"
    /// OneCycleLR with cosine annealing.
    case onecyclelr
}

/// Learning-rate schedules stepped once per epoch (or any unit the caller chooses) with PyTorch's
/// semantics. Every constant is an argument.
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

    /// Plateau: an improvement counts when the loss falls below best − threshold (absolute).
    let plateauThreshold: Double
    /// Plateau: a reduction smaller than this is not applied (PyTorch's eps).
    let plateauMinimumChange: Double

    /// - Parameters:
    ///   - factor: plateau and step: the multiplier; cyclic: the base rate as a fraction of `learningRate`;
    ///     onecyclelr: the initial division factor.
    ///   - patience: plateau: epochs without improvement; step: step size; cyclic: half-cycle; onecyclelr: warm-up steps.
    ///   - totalSteps, finalDivision: onecyclelr's length and final division factor.
    public init(kind: SchedulerKind, learningRate: Double, factor: Double, patience: Int,
                totalSteps: Int, finalDivision: Double, plateauThreshold: Double, plateauMinimumChange: Double = 1e-8) {
        self.kind = kind
        self.plateauThreshold = plateauThreshold
        self.plateauMinimumChange = plateauMinimumChange
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
            if validationLoss < best - plateauThreshold {
                best = validationLoss
                badEpochs = 0
            } else {
                badEpochs += 1
            }
            if badEpochs > patience {
                let reduced = learningRate * factor
                if learningRate - reduced > plateauMinimumChange { learningRate = reduced }
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
