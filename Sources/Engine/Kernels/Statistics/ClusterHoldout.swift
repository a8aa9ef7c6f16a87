/// Cluster hold-out linear probe, farrell-spec.md D.3: per layer, a logistic regression (scikit-learn defaults,
/// see `LogisticRegression`) is fitted on the samples of the clusters not held out, and scored on those
/// samples (training accuracy) and on the samples of the held-out clusters (generalisation to unseen
/// clusters). Both are averaged over the repeats (one held-out cluster set each).
///
/// Construct once per run with the largest sizes; `compute` allocates nothing per layer or repeat.
public final class ClusterHoldout {
    public let maxSamples: Int
    public let maxFeatures: Int
    public let classes: Int
    /// Fits of the last `compute` that stopped before the gradient tolerance (iteration limit or rounding floor).
    public private(set) var unconvergedFits = 0

    private let solver: LogisticRegression
    private let design: UnsafeMutablePointer<Double>  // one layer's rows, training samples first [M, d]
    private let sampleOrder: UnsafeMutablePointer<Int> // sample indices, training first [M]
    private let orderedLabels: UnsafeMutablePointer<Int> // labels in that order [M]

    public init(maxSamples: Int, maxFeatures: Int, classes: Int = 2) {
        precondition(maxSamples >= 2 && maxFeatures >= 1 && classes >= 2,
                     "ClusterHoldout needs maxSamples >= 2, maxFeatures >= 1, classes >= 2")
        self.maxSamples = maxSamples
        self.maxFeatures = maxFeatures
        self.classes = classes
        solver = LogisticRegression(maxSamples: maxSamples, maxFeatures: maxFeatures, maxClasses: classes)
        design = .allocate(capacity: maxSamples * maxFeatures)
        sampleOrder = .allocate(capacity: maxSamples)
        orderedLabels = .allocate(capacity: maxSamples)
    }

    deinit {
        design.deallocate()
        sampleOrder.deallocate()
        orderedLabels.deallocate()
    }

    /// The reference's fixed split (farrell-spec.md D.3): clusters with id > round(0.8 K) are held out
    /// (K = 60: clusters 49...59). 0.8 K is never a half-integer, so the rounding mode does not matter.
    public static func referenceHeldOutClusters(clusterCount: Int) -> [Int] {
        let lastTrained = Int((0.8 * Double(clusterCount)).rounded())
        return lastTrained + 1 < clusterCount ? Array((lastTrained + 1)..<clusterCount) : []
    }

    /// Runs the probe.
    /// - Parameters:
    ///   - layers: activity per layer, each [M, n_l] (layer 0 the input [M, D], then hidden states [M, N]).
    ///   - labels: class of each sample [M], in 0..<classes.
    ///   - clusters: cluster id of each sample [M].
    ///   - heldOutClusters: one list of held-out cluster ids per repeat.
    ///   - output: [2, layers.count]: row 0 training accuracy, row 1 held-out accuracy, means over repeats;
    ///     NaN for a layer whose activity is not finite.
    ///   - knownLayers: the first `knownLayers` layers' results are already in `output` (the same activity
    ///     was probed before, e.g. the input layer of another state of the network) and are not fitted.
    public func compute(layers: [ActivityMatrix], labels: [Int], clusters: [Int], heldOutClusters: [[Int]],
                        knownLayers: Int = 0, into output: UnsafeMutablePointer<Double>) throws {
        let samples = labels.count, layerCount = layers.count
        try validate(layers: layers, labels: labels, clusters: clusters, heldOutClusters: heldOutClusters)
        for index in knownLayers..<layerCount {
            output[index] = 0
            output[layerCount + index] = 0
        }
        unconvergedFits = 0
        for heldOut in heldOutClusters {
            let trainingCount = orderSamples(clusters: clusters, labels: labels, heldOut: heldOut)
            for (layerIndex, layer) in layers.enumerated() where layerIndex >= knownLayers {
                let d = layer.columns
                guard gather(layer) else {
                    output[layerIndex] = .nan
                    output[layerCount + layerIndex] = .nan
                    continue
                }
                // Successive hidden layers (the states after t and t + 1 steps) are close: Newton starts
                // from the previous layer's fit, near the optimum (which is unique: only the number of
                // iterations changes; a start from the same layer's fit in another repeat is farther).
                let report = try solver.solve(features: design, samples: trainingCount, featureCount: d, labels: orderedLabels,
                                              classes: classes, start: layerIndex >= 2 ? .previousFit : .zero)
                if !report.converged { unconvergedFits += 1 }
                output[layerIndex] += try solver.accuracy(features: design, samples: trainingCount, labels: orderedLabels)
                output[layerCount + layerIndex] += try solver.accuracy(features: design + trainingCount * d,
                                                                       samples: samples - trainingCount,
                                                                       labels: orderedLabels + trainingCount)
            }
        }
        for index in knownLayers..<layerCount {
            output[index] /= Double(heldOutClusters.count)
            output[layerCount + index] /= Double(heldOutClusters.count)
        }
    }

    /// Array form of `compute(layers:labels:clusters:heldOutClusters:into:)`, returning [2, layers.count].
    public func compute(layers: [ActivityMatrix], labels: [Int], clusters: [Int], heldOutClusters: [[Int]]) throws -> [Double] {
        var output = [Double](repeating: 0, count: 2 * layers.count)
        try output.withUnsafeMutableBufferPointer {
            try compute(layers: layers, labels: labels, clusters: clusters, heldOutClusters: heldOutClusters, into: $0.baseAddress!)
        }
        return output
    }

    private func validate(layers: [ActivityMatrix], labels: [Int], clusters: [Int], heldOutClusters: [[Int]]) throws {
        let samples = labels.count
        try require(samples >= 2 && samples <= maxSamples, "labels.count", samples, "must be in 2...\(maxSamples)")
        try require(clusters.count == samples, "clusters.count", clusters.count, "must equal labels.count (\(samples))")
        try require(!layers.isEmpty, "layers.count", 0, "must be >= 1")
        try require(!heldOutClusters.isEmpty, "heldOutClusters.count", 0, "must be >= 1 (one set per repeat)")
        for (index, layer) in layers.enumerated() {
            try layer.validate("layers[\(index)]", maxRows: maxSamples, maxColumns: maxFeatures)
            try require(layer.rows == samples, "layers[\(index)].rows", layer.rows, "must equal labels.count (\(samples))")
        }
        for (index, label) in labels.enumerated() {
            try require(label >= 0 && label < classes, "labels[\(index)]", label, "must be in 0..<\(classes)")
        }
        for (repeatIndex, heldOut) in heldOutClusters.enumerated() {
            let trainingCount = orderSamples(clusters: clusters, labels: labels, heldOut: heldOut)
            try require(trainingCount < samples, "heldOutClusters[\(repeatIndex)]", heldOut, "holds out no sample")
            try require(trainingCount > 0, "heldOutClusters[\(repeatIndex)]", heldOut, "holds out every sample")
            for c in 0..<classes {
                var found = false
                for i in 0..<trainingCount where orderedLabels[i] == c { found = true; break }
                try require(found, "heldOutClusters[\(repeatIndex)]", heldOut, "leaves no training sample of class \(c)")
            }
        }
    }

    /// Fills `sampleOrder`/`orderedLabels` with the training samples, then the held-out ones (each in
    /// sample order); returns the number of training samples.
    private func orderSamples(clusters: [Int], labels: [Int], heldOut: [Int]) -> Int {
        var trainingCount = 0
        for i in clusters.indices where !heldOut.contains(clusters[i]) {
            sampleOrder[trainingCount] = i
            trainingCount += 1
        }
        var position = trainingCount
        for i in clusters.indices where heldOut.contains(clusters[i]) {
            sampleOrder[position] = i
            position += 1
        }
        for position in clusters.indices { orderedLabels[position] = labels[sampleOrder[position]] }
        return trainingCount
    }

    /// Copies the layer's rows in `sampleOrder` into `design` (Double); false if a value is not finite.
    private func gather(_ layer: ActivityMatrix) -> Bool {
        let d = layer.columns
        for position in 0..<layer.rows {
            let source = layer.base + sampleOrder[position] * layer.rowStride, target = design + position * d
            if firstNonFinite(source, count: d) != nil { return false }
            for j in 0..<d { target[j] = Double(source[j]) }
        }
        return true
    }
}
