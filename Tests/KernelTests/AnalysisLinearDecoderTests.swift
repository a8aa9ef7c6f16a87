import Foundation
import Testing
@testable import Kernels

@Suite struct AnalysisLinearDecoderTests {
    @Test func leastSquaresFindsTheMinimumNormSolution() throws {
        // Column-major A [3, 2] = [[1, 0], [0, 1], [1, 1]], b = [1, 2, 3]: exact solution [1, 2].
        var a: [Double] = [1, 0, 1, 0, 1, 1], b: [Double] = [1, 2, 3]
        let rank = try LAPACK.leastSquares(&a, m: 3, n: 2, &b, rcond: -1)
        #expect(rank == 2 && abs(b[0] - 1) < 1e-12 && abs(b[1] - 2) < 1e-12)
        // Two identical columns: rank 1, the minimum-norm solution splits the weight equally.
        var twin: [Double] = [1, 2, 3, 1, 2, 3], rhs: [Double] = [2, 4, 6]
        let twinRank = try LAPACK.leastSquares(&twin, m: 3, n: 2, &rhs, rcond: 1e-10)
        #expect(twinRank == 1 && abs(rhs[0] - 1) < 1e-12 && abs(rhs[1] - 1) < 1e-12)
    }

    @Test func anExactLinearMapDecodesPerfectlyWithItsIntercept() throws {
        var random = TestRandom(seed: 3)
        let rows = 200, n = 3
        let x = random.gaussians(rows * n)
        // s_0 = 2 x_0 − x_2 + 5, s_1 = 0.5 x_1 − 1.
        let s = (0..<rows).flatMap { r -> [Double] in
            let first: Double = 2 * x[r * n] - x[r * n + 2] + 5, second: Double = 0.5 * x[r * n + 1] - 1
            return [first, second]
        }
        let decoder = try LinearDecoder(features: x, targets: s, rows: 150, featureCount: n, targetCount: 2, rcond: 1e-12)
        #expect(abs(decoder.coefficients[0] - 2) < 1e-10 && abs(decoder.coefficients[4] + 1) < 1e-10)
        #expect(abs(decoder.coefficients[3] - 0.5) < 1e-10 && abs(decoder.intercept[0] - 5) < 1e-10 && abs(decoder.intercept[1] + 1) < 1e-10)
        let r2 = x.withUnsafeBufferPointer { xp in s.withUnsafeBufferPointer { sp in
            decoder.r2(features: xp.baseAddress! + 150 * n, targets: sp.baseAddress! + 150 * 2, rows: 50) } }
        #expect(abs(r2 - 1) < 1e-12)
    }

    @Test func r2IsOneMinusTheResidualShareAveragedOverTargets() throws {
        // One feature, targets s_0 = x (R² 1) and s_1 = x + e with e ⟂ x and equal variance: the fit
        // (on all rows) is s_1 ≈ x, and R² = 1 − var(e) / var(x + e) = 1/2; the average is 3/4.
        let x: [Double] = [1, -1, 1, -1], e: [Double] = [1, 1, -1, -1]
        let s = (0..<4).flatMap { k -> [Double] in [x[k], x[k] + e[k]] }
        let decoder = try LinearDecoder(features: x, targets: s, rows: 4, featureCount: 1, targetCount: 2, rcond: 1e-12)
        #expect(abs(decoder.r2(features: x, targets: s, rows: 4) - 0.75) < 1e-12)
        // A constant target predicted exactly scores 1, otherwise 0 (r2_score's rule).
        let constant: [Double] = [Double](repeating: 3, count: 8)
        let constantDecoder = try LinearDecoder(features: x, targets: constant, rows: 4, featureCount: 1, targetCount: 2, rcond: 1e-12)
        #expect(constantDecoder.r2(features: x, targets: constant, rows: 4) == 1)
        let shifted = constant.map { $0 + 1 }
        #expect(constantDecoder.r2(features: x, targets: shifted, rows: 4) == 0)
    }
}
