import Foundation

/// The "delayed mixed Gaussian" classification task (docs/families/farrell-spec.md A): K cluster centres drawn
/// uniformly from the hypercube [-2, 2]^D with a minimum separation, cluster k labelled k mod C,
/// samples = centre + clust_sig * N(0, I).
public final class GaussianClusterTask: ClassificationTask {
    public let clusters: Int          // K
    public let dimension: Int         // D
    public let classes: Int           // C
    public let noiseScale: Double     // clust_sig
    /// S: the sample's input is presented at the first S steps (n_hold; 1 for feed-forward).
    public let inputSteps: Int
    /// [K, D] row-major.
    public let centers: [Float]
    public let minimumSeparation: Double

    public init(clusters: Int, dimension: Int, classes: Int, noiseScale: Double, seed: Int, inputSteps: Int = 1) {
        self.inputSteps = inputSteps
        self.clusters = clusters
        self.dimension = dimension
        self.classes = classes
        self.noiseScale = noiseScale
        // The reference's empirical fit for the separation (A.2).
        minimumSeparation = noiseScale * (0.59943537 * pow(Double(dimension - 1), 0.57832581) + 4.891638480163717)
        var stream = RandomStream(seed: seed, purpose: FarrellStream.clusterCenters)
        centers = Self.drawCenters(count: clusters, dimension: dimension, minimumSeparation: minimumSeparation, stream: &stream)
    }

    public convenience init(_ config: FarrellConfig) {
        self.init(clusters: config.X_clusters, dimension: config.X_dim, classes: config.num_classes,
                  noiseScale: config.clust_sig, seed: config.seed, inputSteps: config.inputSteps)
    }

    public var inputSize: Int { dimension }

    public func drawTraining(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        drawOnline(count: count, inputs: buffer.inputs, clusterIDs: buffer.groups, labels: buffer.labels, stream: &stream)
        repeatInput(count: count, inputs: buffer.inputs)
    }

    public func drawEvaluation(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        drawBalanced(count: count, inputs: buffer.inputs, clusterIDs: buffer.groups, labels: buffer.labels, stream: &stream)
        repeatInput(count: count, inputs: buffer.inputs)
    }

    /// The same input at every input step: copies step 0 of inputs [S, count, D] forward.
    private func repeatInput(count: Int, inputs: UnsafeMutablePointer<Float>) {
        for s in 1..<max(inputSteps, 1) { (inputs + s * count * dimension).update(from: inputs, count: count * dimension) }
    }

    /// Rejection sampling: each candidate is redrawn until it is at least `minimumSeparation`
    /// from every accepted centre. Bounded so that an impossible request cannot loop forever;
    /// after the bound the closest-to-valid candidate is kept (only reachable for K far beyond
    /// what fits in the cube).
    private static func drawCenters(count: Int, dimension: Int, minimumSeparation: Double,
                                    stream: inout RandomStream) -> [Float] {
        var centers = [Float](repeating: 0, count: count * dimension)
        var candidate = [Double](repeating: 0, count: dimension)
        let maximumAttempts = 10_000
        for k in 0..<count {
            var best = candidate, bestDistance = -1.0
            for _ in 0..<maximumAttempts {
                for i in 0..<dimension { candidate[i] = 4 * (stream.nextUniform() - 0.5) }
                var nearest = Double.infinity
                for j in 0..<k {
                    var squared = 0.0
                    for i in 0..<dimension {
                        let difference = candidate[i] - Double(centers[j * dimension + i])
                        squared += difference * difference
                    }
                    nearest = min(nearest, squared)
                }
                let distance = nearest.squareRoot()
                if distance > bestDistance { best = candidate; bestDistance = distance }
                if distance >= minimumSeparation { break }
            }
            for i in 0..<dimension { centers[k * dimension + i] = Float(best[i]) }
        }
        return centers
    }

    @inline(__always)
    public func label(ofCluster k: Int) -> Int { k % classes }

    /// The samples of the clusters in `clusterIDs` [count]: inputs [count, D] = centre + clust_sig ξ,
    /// the standard normals ξ of all samples drawn in one call (after the clusters).
    public func drawSamples(count: Int, clusterIDs: UnsafePointer<Int32>, into inputs: UnsafeMutablePointer<Float>,
                            stream: inout RandomStream) {
        stream.fillStandardNormals(inputs, count: count * dimension)
        for s in 0..<count {
            let sample = inputs + s * dimension, center = Int(clusterIDs[s]) * dimension
            for i in 0..<dimension { sample[i] = Float(Double(centers[center + i]) + noiseScale * Double(sample[i])) }
        }
    }

    /// Online draw (training and validation minibatches): each sample's cluster is uniform.
    /// inputs [count, D], clusterIDs [count], labels [count].
    public func drawOnline(count: Int, inputs: UnsafeMutablePointer<Float>, clusterIDs: UnsafeMutablePointer<Int32>,
                           labels: UnsafeMutablePointer<Int32>, stream: inout RandomStream) {
        for s in 0..<count {
            let k = stream.nextInt(below: clusters)
            clusterIDs[s] = Int32(k)
            labels[s] = Int32(label(ofCluster: k))
        }
        drawSamples(count: count, clusterIDs: clusterIDs, into: inputs, stream: &stream)
    }

    /// The balanced evaluation draw of M samples (A.4): every cluster floor(M/K) times, r = M mod K
    /// distinct random clusters once more, in random order. inputs [M, D].
    public func drawBalanced(count: Int, inputs: UnsafeMutablePointer<Float>, clusterIDs: UnsafeMutablePointer<Int32>,
                             labels: UnsafeMutablePointer<Int32>, stream: inout RandomStream) {
        var sequence = (0..<count).map { $0 % clusters }
        let remainder = count % clusters
        if remainder > 0 {
            var all = Array(0..<clusters)
            stream.shuffle(&all)
            for i in 0..<remainder { sequence[count - remainder + i] = all[i] }
        }
        stream.shuffle(&sequence)
        for (s, k) in sequence.enumerated() {
            clusterIDs[s] = Int32(k)
            labels[s] = Int32(label(ofCluster: k))
        }
        drawSamples(count: count, clusterIDs: clusterIDs, into: inputs, stream: &stream)
    }
}
