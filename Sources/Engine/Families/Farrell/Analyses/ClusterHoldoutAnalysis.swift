/// Cluster holdout (docs/families/farrell-spec.md D.3): per layer 0..T, a logistic regression trained on the samples
/// of most clusters and tested on held-out clusters, for the untrained and the trained network.
/// `holdout_split` = "random": `holdout_repeats` random partitions (the fix); "reference": the
/// reference's fixed split, clusters > round(0.8 K) held out (its repeats are identical: one fit).
///   clust_holdout [2 (untrained, trained), 2 (train accuracy, held-out accuracy), T + 1]
final class ClusterHoldoutAnalysis: CheckpointAnalysis {
    let layers: Int, samples: Int, inputSize: Int
    var values: ResultArray
    let probe: ClusterHoldout
    var heldOut: [[Int]] = []
    var output: [Double]

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        [MetricSpec("clust_holdout", [2, 2, c.holdoutLayers], axes: ["state", "split", "layer"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        layers = c.holdoutLayers
        samples = c.holdout_samples
        values = ResultArray(count: 4 * layers)
        inputSize = task.inputSize
        probe = ClusterHoldout(maxSamples: c.holdout_samples, maxFeatures: max(c.N, inputSize), classes: task.classes)
        output = [Double](repeating: .nan, count: 2 * layers)
    }

    /// The held-out cluster sets, one per repeat. Random partitions hold out K − round(0.8 K)
    /// clusters (at least one) and are redrawn until every class keeps a training cluster.
    static func partitions(_ c: FarrellConfig) -> [[Int]] {
        let k = c.X_clusters
        if c.holdout_split == .reference { return [ClusterHoldout.referenceHeldOutClusters(clusterCount: k)] }
        let count = max(1, k - Int((0.8 * Double(k)).rounded()))
        return (0..<c.holdout_repeats).map { repeatIndex in
            var stream = RandomStream(seed: c.seed, purpose: FarrellStream.holdoutSplit, index: UInt64(repeatIndex))
            var clusters = Array(0..<k)
            for _ in 0..<1000 {
                stream.shuffle(&clusters)
                let trainingClasses = Set(clusters[count...].map { $0 % c.num_classes })
                if trainingClasses.count == c.num_classes { break }
            }
            return Array(clusters[..<count]).sorted()
        }
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        let c = context.config
        if heldOut.isEmpty { heldOut = Self.partitions(c) }
        for state in checkpoint.states {
            // Layer 0 is the input, the same samples for both states: the trained state reuses its result.
            let inputLayerKnown = state == 1 && !values[0].isNaN
            let set = context.evaluator.set(samples: samples)
            let states = context.evaluator.run(set, steps: c.sequenceLength)
            try set.inputs.withUnsafeBufferPointer { inputs in
                var activity = [ActivityMatrix(inputs.baseAddress!, rows: samples, columns: inputSize)]
                for layer in 1..<layers {
                    activity.append(ActivityMatrix(states + layer * samples * c.N, rows: samples, columns: c.N))
                }
                if inputLayerKnown {
                    output[0] = values[0]
                    output[layers] = values[layers]
                }
                try output.withUnsafeMutableBufferPointer {
                    try probe.compute(layers: activity, labels: set.labels.map(Int.init), clusters: set.clusterIDs.map(Int.init),
                                      heldOutClusters: heldOut, knownLayers: inputLayerKnown ? 1 : 0, into: $0.baseAddress!)
                }
            }
            for i in 0..<(2 * layers) { values[state * 2 * layers + i] = output[i] }
        }
    }

    func collect(into results: inout [String: [Double]]) { results["clust_holdout"] = values.values }
}
