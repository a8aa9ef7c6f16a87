/// The samples of the analyses (docs/families/farrell-spec.md A.4: balanced over clusters): inputs [S, M, D],
/// groups (cluster ids) [M], labels [M]. The first M x D inputs are the input layer.
public final class EvaluationSet {
    public let count: Int
    public let inputs: [Float]
    public let clusterIDs: [Int32]
    public let labels: [Int32]

    init(task: any ClassificationTask, count: Int, seed: Int) {
        self.count = count
        var inputs = [Float](repeating: 0, count: max(1, task.inputSteps) * count * task.inputSize)
        var clusterIDs = [Int32](repeating: 0, count: count), labels = [Int32](repeating: 0, count: count)
        // Keyed by the sample count: like the reference, which re-seeds before each analysis,
        // analyses that ask for the same number of samples see the same samples.
        var stream = RandomStream(seed: seed, purpose: FarrellStream.evaluationData, index: UInt64(count))
        inputs.withUnsafeMutableBufferPointer { i in
            labels.withUnsafeMutableBufferPointer { l in
                clusterIDs.withUnsafeMutableBufferPointer { g in
                    task.drawEvaluation(count: count, into: SampleBuffer(inputs: i.baseAddress!, labels: l.baseAddress!,
                                                                         groups: g.baseAddress!), stream: &stream)
                }
            }
        }
        self.inputs = inputs
        self.clusterIDs = clusterIDs
        self.labels = labels
    }
}

/// Runs the network, without training perturbations, on evaluation sets, keeping every state:
/// states [steps+1, M, N], one buffer per set size, allocated once. A run is reused until the
/// weights change: with cce the weights freeze once the loss is exactly 0, and the analyses of
/// every later checkpoint then cost no forward pass.
public final class Evaluator {
    let config: FarrellConfig
    let network: Network
    let task: any ClassificationTask
    private var sets: [Int: EvaluationSet] = [:]
    /// Per set size: the states buffer, its step capacity, and what it holds.
    private var buffers: [Int: (states: UnsafeMutablePointer<Float>, capacity: Int, steps: Int, version: Int)] = [:]
    /// Room for the readout of one step of the largest set [M, C'].
    let logits: UnsafeMutablePointer<Float>

    /// The (samples, steps) of every evaluation the enabled analyses will request.
    static func plannedSets(_ c: FarrellConfig) -> [(samples: Int, steps: Int)] {
        let t = c.sequenceLength
        var sets: [(Int, Int)] = []
        for analysis in c.analyses {
            switch analysis {
            case .dimLayers, .saturation, .dimThroughTraining: sets.append((c.dim_samples, c.layerSteps))
            case .clustHoldout: sets.append((c.holdout_samples, t))
            case .accOverTraining: sets.append((c.acc_samples, t))
            case .pca: sets.append((c.pca_samples, c.pcaSteps))
            case .lyapunov: break
            }
        }
        return sets
    }

    /// Steps per set size, the largest requested.
    static func plannedBuffers(_ c: FarrellConfig) -> [Int: Int] {
        var steps: [Int: Int] = [:]
        for (samples, s) in plannedSets(c) { steps[samples] = max(steps[samples] ?? 0, s) }
        return steps
    }

    init(config: FarrellConfig, network: Network, task: any ClassificationTask) {
        self.config = config
        self.network = network
        self.task = task
        for (samples, steps) in Self.plannedBuffers(config) {
            let states = UnsafeMutablePointer<Float>.allocate(capacity: (steps + 1) * samples * config.N)
            buffers[samples] = (states, steps, -1, -1)
        }
        logits = .allocate(capacity: max(1, (Self.plannedBuffers(config).keys.max() ?? 1) * network.outputSize))
    }

    deinit {
        for buffer in buffers.values { buffer.states.deallocate() }
        logits.deallocate()
    }

    public func set(samples: Int) -> EvaluationSet {
        if let set = sets[samples] { return set }
        let set = EvaluationSet(task: task, count: samples, seed: config.seed)
        sets[samples] = set
        return set
    }

    /// States [steps+1, M, N] of the current network on `set`.
    public func run(_ set: EvaluationSet, steps: Int) -> UnsafePointer<Float> {
        guard var buffer = buffers[set.count], steps <= buffer.capacity else {
            preconditionFailure("evaluation of \(set.count) samples over \(steps) steps not planned in Evaluator.plannedSets")
        }
        let weightsVersion = network.parameters.version
        if buffer.version == weightsVersion, buffer.steps >= steps { return UnsafePointer(buffer.states) }
        // Always run the full capacity: a later request for more steps on the same weights is then free.
        var noise = RandomStream(seed: config.seed, purpose: FarrellStream.unitNoise)     // unused: analyses are never perturbed
        set.inputs.withUnsafeBufferPointer { inputs in
            network.cell.forward(inputs: inputs.baseAddress!, inputSteps: task.inputSteps, steps: buffer.capacity,
                                 batch: set.count, states: buffer.states, mode: .analysis, noise: &noise)
        }
        buffer.steps = buffer.capacity
        buffer.version = weightsVersion
        buffers[set.count] = buffer
        return UnsafePointer(buffer.states)
    }
}
