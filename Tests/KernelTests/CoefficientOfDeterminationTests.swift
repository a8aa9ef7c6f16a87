import Foundation
import Testing
@testable import Kernels

@Suite struct CoefficientOfDeterminationTests {
    static func gaussians(_ count: Int, seed: UInt64) -> [Double] {
        var random = TestRandom(seed: seed)
        return random.gaussians(count)
    }

    @Test func perfectMeanAndKnownPredictions() {
        let targets: [Double] = [1, 10, 2, 20, 3, 30, 4, 40]               // [4, 2]
        #expect(CoefficientOfDetermination.meanR2(predictions: targets, targets: targets, rows: 4, columns: 2) == 1)
        // Predicting each column's mean gives 0.
        let means: [Double] = [2.5, 25, 2.5, 25, 2.5, 25, 2.5, 25]
        #expect(abs(CoefficientOfDetermination.meanR2(predictions: means, targets: targets, rows: 4, columns: 2)) < 1e-12)
        // Column 0 with residuals ±1 (SS_res 4, SS_tot 5): R² 0.2; column 1 perfect: the mean is 0.6.
        let r2 = CoefficientOfDetermination.meanR2(predictions: [2, 10, 1, 20, 4, 30, 3, 40] as [Float],
                                                   targets: [1, 10, 2, 20, 3, 30, 4, 40] as [Float], rows: 4, columns: 2)
        #expect(abs(r2 - 0.6) < 1e-12)
    }

    /// Targets that are an affine function of the regressors are fitted exactly (R² 1), whatever
    /// the map; unrelated targets give R² near 0 (in-sample: about p / rows); a target that is
    /// half signal, half independent noise gives about 0.5.
    @Test func affineRegressionOnSyntheticCases() {
        let rows = 4000, p = 3, q = 5
        let x = Self.gaussians(rows * p, seed: 1)
        let map = Self.gaussians(p * q, seed: 2), offset = Self.gaussians(q, seed: 3)
        var affine = [Float](repeating: 0, count: rows * q)
        for r in 0..<rows { for c in 0..<q {
            var v = offset[c] * 5
            for j in 0..<p { v += x[r * p + j] * map[j * q + c] }
            affine[r * q + c] = Float(v)
        } }
        let regression = AffineRegression(regressors: p, targets: q, maxRows: rows)
        let exact = regression.meanR2(x: x, y: affine, rows: rows)
        #expect(abs(exact - 1) < 1e-6, "affine: \(exact)")
        let noise = Self.gaussians(rows * q, seed: 4).map { Float($0) }
        let unrelated = regression.meanR2(x: x, y: noise, rows: rows)
        #expect(unrelated >= 0 && unrelated < 0.005, "unrelated: \(unrelated)")
        // One column: x0 + noise of the same variance: R² ≈ 1/2.
        let halfRegression = AffineRegression(regressors: p, targets: 1, maxRows: rows)
        let half = (0..<rows).map { Float(x[$0 * p] + Double(noise[$0 * q])) }
        let r2 = halfRegression.meanR2(x: x, y: half, rows: rows)
        #expect(abs(r2 - 0.5) < 0.03, "half: \(r2)")
        // A subset of the rows (the thirds of a trial) uses only those rows.
        let partial = regression.meanR2(x: x, y: affine, rows: 100)
        #expect(abs(partial - 1) < 1e-6)
    }

    /// A rank-deficient regressor matrix (a duplicated column) is fitted on its column space,
    /// as a pseudo-inverse does, not refused.
    @Test func rankDeficientRegressorsAreFittedOnTheirColumnSpace() {
        let rows = 500
        let base = Self.gaussians(rows, seed: 9)
        var x = [Double](repeating: 0, count: rows * 2)
        for r in 0..<rows { x[2 * r] = base[r]; x[2 * r + 1] = 2 * base[r] }
        let y = base.map { Float(3 * $0 - 1) }
        let regression = AffineRegression(regressors: 2, targets: 1, maxRows: rows)
        #expect(abs(regression.meanR2(x: x, y: y, rows: rows) - 1) < 1e-6)
    }
}
