/// A balanced evaluation sample (farrell.md A.4): inputs [S, M, D] (the input repeated for
/// each of the S input steps), cluster ids [M], labels [M].
public final class EvaluationSet {
    public let count: Int
    public let inputs: [Float]
    public let clusterIDs: [Int32]
    public let labels: [Int32]

    init(task: GaussianClusterTask, count: Int, inputSteps: Int, seed: Int) {
        self.count = count
        let d = task.dimension
        var inputs = [Float](repeating: 0, count: max(1, inputSteps) * count * d)
        var clusterIDs = [Int32](repeating: 0, count: count), labels = [Int32](repeating: 0, count: count)
        // Keyed by the sample count: like the reference, which re-seeds before each analysis,
        // analyses that ask for the same number of samples see the same samples.
        var stream = RandomStream(seed: seed, purpose: .evaluationData, index: UInt64(count))
        task.drawBalanced(count: count, inputs: &inputs, clusterIDs: &clusterIDs, labels: &labels, stream: &stream)
        for s in 1..<max(inputSteps, 1) {
            for i in 0..<(count * d) { inputs[s * count * d + i] = inputs[i] }
        }
        self.inputs = inputs
        self.clusterIDs = clusterIDs
        self.labels = labels
    }
}

/// Runs the network, without training perturbations, on evaluation sets, keeping every state:
/// states [steps+1, M, N]. One run serves every analysis that needs the same set at the same
/// checkpoint (the result is cached until the weights change).
public final class Evaluator {
    let config: RunConfig
    let network: Network
    let task: GaussianClusterTask
    private var sets: [Int: EvaluationSet] = [:]
    let states: UnsafeMutablePointer<Float>
    let capacity: Int
    let logits: UnsafeMutablePointer<Float>     // [M, C']
    private var cached: (samples: Int, steps: Int, generation: Int)? = nil
    /// Incremented whenever the weights change (at each checkpoint visit).
    public var generation = 0

    /// The (samples, steps) of every evaluation the enabled analyses will request.
    static func plannedSets(_ c: RunConfig) -> [(samples: Int, steps: Int)] {
        let t = c.sequenceLength
        let padded = c.network == .vanillaRNN ? max(c.dim_time_steps, t) : t
        var sets: [(Int, Int)] = []
        for analysis in c.analyses {
            switch analysis {
            case .dimLayers, .saturation, .dimThroughTraining: sets.append((c.dim_samples, padded))
            case .clustHoldout: sets.append((c.holdout_samples, t))
            case .accOverTraining: sets.append((c.acc_samples, t))
            case .pca: sets.append((c.pca_samples, c.network == .vanillaRNN ? c.pca_time_steps : t))
            case .lyapunov: break
            }
        }
        return sets
    }

    init(config: RunConfig, network: Network, task: GaussianClusterTask) {
        self.config = config
        self.network = network
        self.task = task
        let planned = Self.plannedSets(config)
        let maxSamples = planned.map(\.samples).max() ?? 1
        capacity = planned.map { ($0.steps + 1) * $0.samples * config.N }.max() ?? 1
        states = .allocate(capacity: max(1, capacity))
        logits = .allocate(capacity: max(1, maxSamples * config.outputSize))
    }

    deinit {
        states.deallocate()
        logits.deallocate()
    }

    public func set(samples: Int) -> EvaluationSet {
        if let set = sets[samples] { return set }
        let set = EvaluationSet(task: task, count: samples, inputSteps: config.inputSteps, seed: config.seed)
        sets[samples] = set
        return set
    }

    /// States [steps+1, M, N] of the current network on `set`.
    public func run(_ set: EvaluationSet, steps: Int) -> UnsafePointer<Float> {
        if let cached, cached.samples == set.count, cached.steps >= steps, cached.generation == generation {
            return UnsafePointer(states)
        }
        precondition((steps + 1) * set.count * config.N <= capacity, "evaluation not planned in Evaluator.plannedSets")
        var noise = RandomStream(seed: config.seed, purpose: .unitNoise, index: UInt64(2 << 40) + UInt64(generation))
        set.inputs.withUnsafeBufferPointer { inputs in
            network.cell.forward(inputs: inputs.baseAddress!, inputSteps: config.inputSteps, steps: steps,
                                 batch: set.count, states: states, training: false, noise: &noise)
        }
        cached = (set.count, steps, generation)
        return UnsafePointer(states)
    }

    /// Readout of the states after `step` steps of the last run: logits [M, C'].
    public func logits(_ set: EvaluationSet, afterSteps step: Int) -> UnsafePointer<Float> {
        network.readout.forward(states + step * set.count * config.N, batch: set.count, logits: logits)
        return UnsafePointer(logits)
    }
}
