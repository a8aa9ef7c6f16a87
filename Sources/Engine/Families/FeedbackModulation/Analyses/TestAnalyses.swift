import Foundation

/// The analyses of a test run (analyses.py and the demos): per context, the correlations of the
/// sources with the mixtures x, the middle population z and the outputs y and their signal
/// clarity; linear decoding of the sources from each population, fitted on the first half of the
/// contexts and scored on each of the others.
enum TestAnalyses {
    /// The populations in the order of the metrics' "population" axis.
    enum Population: Int, CaseIterable { case x = 0, z, y }

    /// Singular values of the centred features below this fraction of the largest count as zero
    /// in the decoders: the reference decodes Float32 activity with scipy's lstsq, whose cutoff is
    /// the Float32 epsilon.
    static let decoderCutoff = Double(Float.ulpOfOne)

    /// A population's activity [steps, units] in a record, or nil (no z for the modulation model).
    static func activity(_ record: TestRecord, _ population: Population) -> (values: [Double], units: Int)? {
        switch population {
        case .x: (record.mixtures, 2)
        case .y: (record.outputs, 2)
        case .z: record.middleSize > 0 ? (record.middle, record.middleSize) : nil
        }
    }

    /// C [contexts, 2, units] of the sources with a population, one window of n_sample per context.
    static func correlations(_ record: TestRecord, _ population: Population, stepsPerContext n: Int) -> [Double]? {
        guard let (values, units) = activity(record, population) else { return nil }
        let contexts = record.steps / n
        var c = [Double](repeating: .nan, count: contexts * 2 * units)
        record.sources.withUnsafeBufferPointer { s in
            values.withUnsafeBufferPointer { p in
                c.withUnsafeMutableBufferPointer { out in
                    for k in 0..<contexts {
                        SignalClarity.correlations(sources: s.baseAddress! + k * n * 2, sourceCount: 2,
                                                   population: p.baseAddress! + k * n * units, units: units, samples: n,
                                                   into: out.baseAddress! + k * 2 * units)
                    }
                }
            }
        }
        return c
    }

    /// The clarity of each context from C [contexts, 2, units].
    static func clarity(correlations c: [Double], contexts: Int) -> [Double] {
        let units = c.count / (2 * contexts)
        return c.withUnsafeBufferPointer { p in
            (0..<contexts).map { SignalClarity.clarity(correlations: p.baseAddress! + $0 * 2 * units, units: units) }
        }
    }

    /// R² of a decoder fitted on the first `fitContexts` contexts, on each later context (NaN if
    /// the fit fails).
    static func decoding(_ record: TestRecord, _ population: Population, stepsPerContext n: Int, fitContexts: Int) -> [Double]? {
        guard let (values, units) = activity(record, population) else { return nil }
        let contexts = record.steps / n
        return values.withUnsafeBufferPointer { x in
            record.sources.withUnsafeBufferPointer { s in
                guard let decoder = try? LinearDecoder(features: x.baseAddress!, targets: s.baseAddress!, rows: fitContexts * n,
                                                       featureCount: units, targetCount: 2, rcond: decoderCutoff) else {
                    return [Double](repeating: .nan, count: contexts - fitContexts)
                }
                return (fitContexts..<contexts).map { k in
                    decoder.r2(features: x.baseAddress! + k * n * units, targets: s.baseAddress! + k * n * 2, rows: n)
                }
            }
        }
    }
}

/// The freeze experiment (demo_invariant_subspaces.py, Fig. 5): the first principal axis of the
/// middle population z over the whole test, whitened; then two new contexts from a fresh state,
/// the modulation frozen for the first half of the second; in the space (y_1, y_2, PC1) a plane
/// PC1 = a y_1 + b y_2 + c fitted by least squares to each half-context window — the end of the
/// first context, the frozen and the released half of the second — and the angles between the
/// plane of the first window and those of the other two (folded to at most 90°).
enum FreezeExperiment {
    /// The whitened first principal component of z [steps, Nz] as a projection: (mean, axis / √λ₁),
    /// with the variance over steps − 1 (sklearn's PCA(whiten=True)). nil when z does not vary.
    static func firstComponent(_ z: [Double], steps: Int, units: Int) throws -> (mean: [Double], axis: [Double])? {
        var mean = [Double](repeating: 0, count: units)
        for t in 0..<steps { for i in 0..<units { mean[i] += z[t * units + i] } }
        for i in 0..<units { mean[i] /= Double(steps) }
        var centred = [Double](repeating: 0, count: steps * units)
        for t in 0..<steps { for i in 0..<units { centred[t * units + i] = z[t * units + i] - mean[i] } }
        var covariance = [Double](repeating: 0, count: units * units)
        BLAS.gramUpper(n: units, k: steps, alpha: 1 / Double(max(steps - 1, 1)), centred, beta: 0, &covariance)
        for i in 0..<units { for j in 0..<i { covariance[i * units + j] = covariance[j * units + i] } }
        let values = try covariance.withUnsafeMutableBufferPointer { try LAPACK.symmetricEigen($0.baseAddress!, n: units) }
        let largest = values[units - 1]
        guard largest > 0, largest.isFinite else { return nil }
        let axis = (0..<units).map { covariance[(units - 1) * units + $0] / largest.squareRoot() }
        return (mean, axis)
    }

    /// The unit normal of the least-squares plane c = a·u + b·v + d through the rows [u, v, c].
    static func planeNormal(_ points: ArraySlice<SIMD3<Double>>) throws -> SIMD3<Double> {
        let m = points.count
        var a = [Double](repeating: 1, count: m * 3), b = [Double](repeating: 0, count: max(m, 3))
        for (r, p) in points.enumerated() { a[r] = p.x; a[m + r] = p.y; b[r] = p.z }
        try a.withUnsafeMutableBufferPointer { ap in
            try b.withUnsafeMutableBufferPointer { bp in
                try LAPACK.leastSquares(ap.baseAddress!, m: m, n: 3, bp.baseAddress!, nrhs: 1, rcond: -1)
            }
        }
        let normal = SIMD3(b[0], b[1], -1)
        return normal / (normal * normal).sum().squareRoot()
    }

    /// The angle (degrees) between two planes given by their normals, folded to [0, 90].
    static func angle(_ n1: SIMD3<Double>, _ n2: SIMD3<Double>) -> Double {
        let cosine = min(abs((n1 * n2).sum()), 1)
        return acos(cosine) * 180 / Double.pi
    }

    /// [(y_1, y_2, PC1)] of a freeze run and the two angles (context vs frozen, context vs released).
    static func analyse(_ run: TestRecord, component: (mean: [Double], axis: [Double])?, stepsPerContext n: Int,
                        freezeSteps f: Int) throws -> (subspace: [Double], angles: [Double]) {
        let units = run.middleSize
        var points = [SIMD3<Double>](repeating: SIMD3(repeating: .nan), count: run.steps)
        for t in 0..<run.steps {
            var pc = Double.nan
            if let (mean, axis) = component {
                pc = 0
                for i in 0..<units { pc += (run.middle[t * units + i] - mean[i]) * axis[i] }
            }
            points[t] = SIMD3(run.outputs[2 * t], run.outputs[2 * t + 1], pc)
        }
        let subspace = points.flatMap { [$0.x, $0.y, $0.z] }
        guard component != nil else { return (subspace, [.nan, .nan]) }
        let context = try planeNormal(points[(n - f)..<n])
        let frozen = try planeNormal(points[n..<(n + f)])
        let released = try planeNormal(points[(n + f)..<(2 * n)])
        return (subspace, [angle(context, frozen), angle(context, released)])
    }
}
