/// PCA snapshots of the trained network (docs/families/farrell-spec.md D.6, off by default): for each step
/// 1..pca_time_steps, the first `pca_points` of `pca_samples` balanced samples projected on the top
/// two principal components, with the readout vectors projected on the same axes.
///   pca_xy [T, points, 2], pca_labels [points], pca_readout_xy [T, C', 2], pca_explained [T, 2]
final class PCASnapshotsAnalysis: CheckpointAnalysis {
    let steps: Int, samples: Int, points: Int, readoutRows: Int
    var xy: [Double], readoutXY: [Double], explained: [Double], labels: [Double]


    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        let t = c.pcaSteps
        return [MetricSpec("pca_xy", [t, c.pca_points, 2], axes: ["step", "sample", "component"]),
                MetricSpec("pca_labels", [c.pca_points], axes: ["sample"]),
                MetricSpec("pca_readout_xy", [t, c.outputSize, 2], axes: ["step", "output", "component"]),
                MetricSpec("pca_explained", [t, 2], axes: ["step", "component"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        steps = c.pcaSteps
        samples = c.pca_samples
        points = c.pca_points
        readoutRows = c.loss == .mseScalar ? 1 : task.classes
        xy = [Double](repeating: .nan, count: steps * points * 2)
        readoutXY = [Double](repeating: .nan, count: steps * readoutRows * 2)
        explained = [Double](repeating: .nan, count: steps * 2)
        labels = [Double](repeating: .nan, count: points)
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        guard checkpoint.isFinal else { return }
        let c = context.config, n = c.N
        let set = context.evaluator.set(samples: samples)
        let states = context.evaluator.run(set, steps: steps)
        let activity = (1...steps).map { ActivityMatrix(states + $0 * samples * n, rows: samples, columns: n) }
        let pca = try PCASnapshots(samples: samples, features: n, readoutRows: readoutRows, count: points)
        try xy.withUnsafeMutableBufferPointer { xy in
            try readoutXY.withUnsafeMutableBufferPointer { readoutXY in
                try explained.withUnsafeMutableBufferPointer { explained in
                    try pca.compute(steps: activity, readout: context.network.parameters.values("Wout"),
                                    xy: xy.baseAddress!, readoutXY: readoutXY.baseAddress!, explained: explained.baseAddress!)
                }
            }
        }
        labels = set.labels.prefix(points).map(Double.init)
    }

    func collect(into results: inout [String: [Double]]) {
        results["pca_xy"] = xy
        results["pca_labels"] = labels
        results["pca_readout_xy"] = readoutXY
        results["pca_explained"] = explained
    }
}
