import Kernels
import Foundation
import Testing

@Suite struct PCASnapshotsTests {
    /// Activity [M, N] = offset + 3 a_i u + b_i v + small noise, with u, v orthonormal: a planted plane
    /// with variances 9 : 1 along u : v.
    func plantedPlane(samples m: Int, features n: Int, mirrorFirstAxis: Bool, random: inout TestRandom,
                      axes: [Double], offset: [Double], coordinates: [(Double, Double)]) -> [Float] {
        var h = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            let (a, b) = coordinates[i]
            for j in 0..<n {
                let value = offset[j] + (mirrorFirstAxis ? -3 : 3) * a * axes[j * 2] + b * axes[j * 2 + 1] + 1e-3 * random.gaussian()
                h[i * n + j] = Float(value)
            }
        }
        return h
    }

    @Test func recoversPlantedPlaneWithContinuousSigns() throws {
        let m = 300, n = 12, count = 200, readoutRows = 2
        var random = TestRandom(seed: 1)
        let axes = randomOrthonormalColumns(rows: n, columns: 2, random: &random)     // [n, 2]: u, v
        let offset = random.gaussians(n, scale: 0.5)
        // Plane coordinates with zero sample mean and zero sample correlation, so that the sample
        // principal axes are exactly u and v (up to the tiny noise).
        var a = random.gaussians(m), b = random.gaussians(m)
        let meanA = a.reduce(0, +) / Double(m), meanB = b.reduce(0, +) / Double(m)
        a = a.map { $0 - meanA }
        b = b.map { $0 - meanB }
        let projection = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / a.reduce(0) { $0 + $1 * $1 }
        b = zip(a, b).map { $1 - projection * $0 }
        let coordinates = Array(zip(a, b))
        // Step 0: the plane; step 1: the same plane mirrored along u (a sign flip of the data, which an
        // eigensolver cannot tell from a flip of the axis): the sign rule must undo it.
        let step0 = plantedPlane(samples: m, features: n, mirrorFirstAxis: false, random: &random, axes: axes, offset: offset, coordinates: coordinates)
        let step1 = plantedPlane(samples: m, features: n, mirrorFirstAxis: true, random: &random, axes: axes, offset: offset, coordinates: coordinates)
        let readout = (0..<n).map { Float(axes[$0 * 2]) } + (0..<n).map { Float(axes[$0 * 2 + 1]) }   // rows u, v
        var xy = [Double](repeating: 0, count: 2 * count * 2)
        var readoutXY = [Double](repeating: 0, count: 2 * readoutRows * 2)
        var explained = [Double](repeating: 0, count: 2 * 2)
        let snapshots = try PCASnapshots(samples: m, features: n, readoutRows: readoutRows, count: count)
        try step0.withUnsafeBufferPointer { s0 in
            try step1.withUnsafeBufferPointer { s1 in
                try snapshots.compute(steps: [ActivityMatrix(s0.baseAddress!, rows: m, columns: n),
                                              ActivityMatrix(s1.baseAddress!, rows: m, columns: n)],
                                      readout: readout, xy: &xy, readoutXY: &readoutXY, explained: &explained)
            }
        }
        // Explained-variance ratios: sample variances of 3a and b over the total.
        let varianceA = 9 * variance(coordinates.map(\.0)), varianceB = variance(coordinates.map(\.1))
        let total = varianceA + varianceB + Double(n) * 1e-6
        #expect(abs(explained[0] - varianceA / total) < 1e-3)
        #expect(abs(explained[1] - varianceB / total) < 1e-3)
        // Step 0 coordinates are the uncentred projections h · (±u), h · (±v).
        let offsetU = (0..<n).reduce(0) { $0 + offset[$1] * axes[$1 * 2] }
        let offsetV = (0..<n).reduce(0) { $0 + offset[$1] * axes[$1 * 2 + 1] }
        let signU = xy[0] * (offsetU + 3 * coordinates[0].0) > 0 ? 1.0 : -1.0
        let signV = xy[1] * (offsetV + coordinates[0].1) > 0 ? 1.0 : -1.0
        for i in 0..<count {
            #expect(abs(xy[i * 2] - signU * (offsetU + 3 * coordinates[i].0)) < 1e-2)
            #expect(abs(xy[i * 2 + 1] - signV * (offsetV + coordinates[i].1)) < 1e-2)
        }
        // Readout rows u and v land on (±1, 0) and (0, ±1), with the axes' signs.
        #expect(abs(readoutXY[0] - signU) < 1e-3 && abs(readoutXY[1]) < 1e-3)
        #expect(abs(readoutXY[2]) < 1e-3 && abs(readoutXY[3] - signV) < 1e-3)
        // Step 1: along +u the mirrored data read offsetU − 3a_i. Against step 0 (offsetU + 3a_i, up to
        // signU), Σ x1·x0 ∝ Σ (offsetU² − 9 a_i²) < 0 here, so the rule must flip the axis, giving
        // signU · (−offsetU + 3a_i), whatever sign the eigensolver returned.
        #expect(offsetU * offsetU < varianceA)
        for i in 0..<count { #expect(abs(xy[(count + i) * 2] - signU * (-offsetU + 3 * coordinates[i].0)) < 1e-2) }
        #expect(abs(readoutXY[4] + signU) < 1e-3)   // the readout row u is seen along the flipped axis
        // At step 0 the largest-magnitude entry of each axis (signU·u, signV·v) is positive.
        let largestU = (0..<n).max { abs(axes[$0 * 2]) < abs(axes[$1 * 2]) }!
        let largestV = (0..<n).max { abs(axes[$0 * 2 + 1]) < abs(axes[$1 * 2 + 1]) }!
        #expect(signU * axes[largestU * 2] > 0 && signV * axes[largestV * 2 + 1] > 0)
    }

    /// The fast paths against the full dsyev on activity with a decaying spectrum whose axes rotate over
    /// the steps, plus a rank-1 step and a constant step (the degenerate cases that fall back to the full
    /// solver), signs made continuous identically: the Double one (dsyevr, two eigenpairs, total variance
    /// from the trace) within 1e-9 of the largest magnitude of each output array, the Float one (the
    /// default) within 1e-5.
    @Test func fastPathsAgreeWithFullEigensolver() throws {
        let m = 400, n = 60, count = 300, readoutRows = 3, steps = 6
        var random = TestRandom(seed: 7)
        let basis = randomOrthonormalColumns(rows: n, columns: n, random: &random)   // [n, n]
        let offset = random.gaussians(n, scale: 0.3)
        var data = [[Float]]()
        for step in 0..<steps {
            var h = [Float](repeating: 0, count: m * n)
            let angle = 0.3 * Double(step)
            for i in 0..<m {
                let z = random.gaussians(n)
                for j in 0..<n {
                    var value = offset[j]
                    if step == 4 {                       // rank 1: the second eigenvalue is rounding
                        value += z[0] * basis[j * n]
                    } else if step < 4 {                 // variances 1/(1+c)^2, the first two axes rotating
                        let u = cos(angle) * basis[j * n] + sin(angle) * basis[j * n + 1]
                        let v = -sin(angle) * basis[j * n] + cos(angle) * basis[j * n + 1]
                        value += 3 * z[0] * u + 2 * z[1] * v
                        for c in 2..<n { value += z[c] * basis[j * n + c] / Double(1 + c) }
                    }                                    // step 5: constant activity, zero variance
                    h[i * n + j] = Float(value)
                }
            }
            data.append(h)
        }
        let readout = random.gaussians(readoutRows * n).map(Float.init)
        func run(_ eigensolver: PCASnapshots.Eigensolver) throws -> [[Double]] {
            var xy = [Double](repeating: 0, count: steps * count * 2)
            var readoutXY = [Double](repeating: 0, count: steps * readoutRows * 2)
            var explained = [Double](repeating: 0, count: steps * 2)
            let snapshots = try PCASnapshots(samples: m, features: n, readoutRows: readoutRows, count: count, eigensolver: eigensolver)
            let flat = data.flatMap { $0 }
            try flat.withUnsafeBufferPointer { all in
                let matrices = (0..<steps).map { ActivityMatrix(all.baseAddress! + $0 * m * n, rows: m, columns: n) }
                try snapshots.compute(steps: matrices, readout: readout, xy: &xy, readoutXY: &readoutXY, explained: &explained)
            }
            return [xy, readoutXY, explained]
        }
        let fast = try run(.largestPairs), single = try run(.singlePrecision), full = try run(.full)
        for (result, tolerance) in [(fast, 1e-9), (single, 1e-5)] {
            for (a, b) in zip(result, full) {
                let scale = b.filter(\.isFinite).map(abs).max() ?? 1
                for (x, y) in zip(a, b) {
                    #expect(x.isNaN == y.isNaN)
                    if !x.isNaN { #expect(abs(x - y) <= tolerance * scale, "\(x) vs \(y)") }
                }
            }
            // The explained ratios of the well-separated steps are those of the planted variances, and
            // the fallback steps (4, 5) are the full solver's bit for bit.
            #expect(result[2][0] > 0.5 && result[2][1] > 0.2)
            #expect(Array(result[0][(4 * count * 2)...]) == Array(full[0][(4 * count * 2)...]))
        }
        // Float is not Double: the default path is a different computation, not a copy of the Double one.
        #expect(single[0] != fast[0])
    }

    @Test func badShapesThrowAndNonFiniteStepsGiveNaN() throws {
        #expect(throws: AnalysisInputError.self) { try PCASnapshots(samples: 10, features: 1, readoutRows: 2, count: 5) }
        #expect(throws: AnalysisInputError.self) { try PCASnapshots(samples: 10, features: 4, readoutRows: 2, count: 11) }
        let snapshots = try PCASnapshots(samples: 6, features: 3, readoutRows: 1, count: 4)
        var data = (0..<18).map { Float(sin(Double($0))) }
        data[4] = .nan
        var xy = [Double](repeating: 0, count: 8), readoutXY = [Double](repeating: 0, count: 2), explained = [0.0, 0]
        try data.withUnsafeBufferPointer {
            try snapshots.compute(steps: [ActivityMatrix($0.baseAddress!, rows: 6, columns: 3)], readout: [1, 0, 0],
                                  xy: &xy, readoutXY: &readoutXY, explained: &explained)
        }
        #expect(xy.allSatisfy { $0.isNaN } && explained.allSatisfy { $0.isNaN })
        #expect(throws: AnalysisInputError.self) {
            try data.withUnsafeBufferPointer {
                try snapshots.compute(steps: [ActivityMatrix($0.baseAddress!, rows: 5, columns: 3)], readout: [1, 0, 0],
                                      xy: &xy, readoutXY: &readoutXY, explained: &explained)
            }
        }
    }

    func variance(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    }
}
