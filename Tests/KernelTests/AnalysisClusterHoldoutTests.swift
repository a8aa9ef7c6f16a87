import Kernels
import Foundation
import Testing

@Suite struct ClusterHoldoutTests {
    struct ClusterData {
        var features: [Float]     // [M, D]
        var labels: [Int]         // [M]
        var clusters: [Int]       // [M]
    }

    /// `perCluster` samples around each of K Gaussian centres in D dimensions. Labels are either
    /// linearly consistent (the side of a random hyperplane through the origin) or the reference's
    /// k mod 2, which is random with respect to position.
    func clusterData(clusters k: Int, perCluster: Int, dimension d: Int, linearLabels: Bool, seed: UInt64) -> ClusterData {
        var random = TestRandom(seed: seed)
        let centres = random.gaussians(k * d, scale: 2)
        let normal = random.gaussians(d)
        var data = ClusterData(features: [], labels: [], clusters: [])
        for cluster in 0..<k {
            let side = (0..<d).reduce(0) { $0 + centres[cluster * d + $1] * normal[$1] } > 0
            for _ in 0..<perCluster {
                data.features += (0..<d).map { Float(centres[cluster * d + $0] + 0.1 * random.gaussian()) }
                data.labels.append(linearLabels ? (side ? 1 : 0) : cluster % 2)
                data.clusters.append(cluster)
            }
        }
        return data
    }

    /// `repeats` random sets of `count` held-out clusters out of k.
    func randomHeldOutSets(clusters k: Int, count: Int, repeats: Int, seed: UInt64) -> [[Int]] {
        var random = TestRandom(seed: seed)
        return (0..<repeats).map { _ in
            var ids = Array(0..<k)
            for i in stride(from: k - 1, to: 0, by: -1) { ids.swapAt(i, random.integer(below: i + 1)) }
            return Array(ids.prefix(count))
        }
    }

    @Test func consistentClustersGeneraliseAndNoiseDoesNot() throws {
        let k = 40, perCluster = 10, d = 6, m = k * perCluster
        let data = clusterData(clusters: k, perCluster: perCluster, dimension: d, linearLabels: true, seed: 1)
        var random = TestRandom(seed: 2)
        let noiseWidth = 20
        let noise = random.gaussians(m * noiseWidth).map(Float.init)   // a layer unrelated to the labels
        let probe = ClusterHoldout(maxSamples: m, maxFeatures: noiseWidth)
        let heldOut = randomHeldOutSets(clusters: k, count: 10, repeats: 5, seed: 3)
        let output = try data.features.withUnsafeBufferPointer { features in
            try noise.withUnsafeBufferPointer { noise in
                try probe.compute(layers: [ActivityMatrix(features.baseAddress!, rows: m, columns: d),
                                           ActivityMatrix(noise.baseAddress!, rows: m, columns: noiseWidth)],
                                  labels: data.labels, clusters: data.clusters, heldOutClusters: heldOut)
            }
        }
        // output [2 (train, test), 2 layers]
        #expect(output[0] > 0.95)              // train, consistent layer
        #expect(output[2] > 0.9)               // held-out clusters, consistent layer
        #expect(output[1] > 0.6)               // train on noise: fits part of it
        #expect(abs(output[3] - 0.5) < 0.15)   // held-out on noise: chance
        #expect(probe.unconvergedFits == 0)
    }

    @Test func randomClusterLabelsGiveChanceOnHeldOutClusters() throws {
        let k = 100, perCluster = 5, d = 6, m = k * perCluster
        let data = clusterData(clusters: k, perCluster: perCluster, dimension: d, linearLabels: false, seed: 4)
        let probe = ClusterHoldout(maxSamples: m, maxFeatures: d)
        let heldOut = randomHeldOutSets(clusters: k, count: 20, repeats: 10, seed: 5)
        let output = try data.features.withUnsafeBufferPointer {
            try probe.compute(layers: [ActivityMatrix($0.baseAddress!, rows: m, columns: d)], labels: data.labels,
                              clusters: data.clusters, heldOutClusters: heldOut)
        }
        #expect(abs(output[1] - 0.5) < 0.15)
        // The same data with linearly consistent labels does generalise, so the difference is the labels.
        let consistent = clusterData(clusters: k, perCluster: perCluster, dimension: d, linearLabels: true, seed: 4)
        let consistentOutput = try consistent.features.withUnsafeBufferPointer {
            try probe.compute(layers: [ActivityMatrix($0.baseAddress!, rows: m, columns: d)], labels: consistent.labels,
                              clusters: consistent.clusters, heldOutClusters: heldOut)
        }
        #expect(consistentOutput[1] > 0.9)
    }

    @Test func referenceSplitHoldsOutTheLastClusters() {
        #expect(ClusterHoldout.referenceHeldOutClusters(clusterCount: 60) == Array(49..<60))
        #expect(ClusterHoldout.referenceHeldOutClusters(clusterCount: 10) == [9])
    }

    @Test func badSplitsThrowAndNonFiniteLayersGiveNaN() throws {
        let data = clusterData(clusters: 6, perCluster: 4, dimension: 3, linearLabels: false, seed: 6)
        let probe = ClusterHoldout(maxSamples: 24, maxFeatures: 3)
        data.features.withUnsafeBufferPointer { features in
            let layer = ActivityMatrix(features.baseAddress!, rows: 24, columns: 3)
            // Clusters 1, 3, 5 are all of class 1: holding them out leaves no training sample of class 1.
            #expect(throws: AnalysisInputError.self) {
                try probe.compute(layers: [layer], labels: data.labels, clusters: data.clusters, heldOutClusters: [[1, 3, 5]])
            }
            #expect(throws: AnalysisInputError.self) {
                try probe.compute(layers: [layer], labels: data.labels, clusters: data.clusters, heldOutClusters: [[17]])
            }
            #expect(throws: AnalysisInputError.self) {
                try probe.compute(layers: [layer], labels: Array(data.labels.dropLast()), clusters: data.clusters, heldOutClusters: [[0]])
            }
        }
        var broken = data.features
        broken[5] = .nan
        let output = try broken.withUnsafeBufferPointer { broken in
            try data.features.withUnsafeBufferPointer { features in
                try probe.compute(layers: [ActivityMatrix(features.baseAddress!, rows: 24, columns: 3),
                                           ActivityMatrix(broken.baseAddress!, rows: 24, columns: 3)],
                                  labels: data.labels, clusters: data.clusters, heldOutClusters: [[4, 5]])
            }
        }
        #expect(output[0].isFinite && output[2].isFinite)
        #expect(output[1].isNaN && output[3].isNaN)
    }
}
