import CVectorKernels
import Foundation
import Testing
@testable import Kernels

/// CVectorKernels' CholeskyQR2 against LAPACK's Householder QR, on every instruction-set variant.
/// Serialized: a test switches the process-wide variant (every variant gives the same bits, so no
/// other test can see the switch).
@Suite(.serialized) struct CholeskyQRTests {
    /// A column-major m x n matrix whose columns grow apart by `spread` (column j scaled by spread^(j/n))
    /// and lean on each other (each column plus 0.3 of the one before).
    static func matrix(m: Int, n: Int, spread: Double, seed: Int) -> [Double] {
        var stream = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        var a = (0..<(m * n)).map { _ in stream.nextNormal() }
        for j in 1..<max(n, 1) { for i in 0..<m { a[j * m + i] += 0.3 * a[(j - 1) * m + i] } }
        for j in 0..<n { for i in 0..<m { a[j * m + i] *= pow(spread, Double(j) / Double(n)) } }
        return a
    }

    struct Factors { var q: [Double], rDiagonal: [Double] }

    static func cholesky(_ a: [Double], m: Int, n: Int) -> Factors? {
        var q = a, r = [Double](repeating: .nan, count: n), gram = [Double](repeating: .nan, count: n * n)
        return CholeskyQR.factor(&q, m: m, n: n, rDiagonal: &r, gram: &gram) ? Factors(q: q, rDiagonal: r) : nil
    }

    /// Householder's Q and R with R's diagonal made positive (the convention CholeskyQR has).
    static func householder(_ a: [Double], m: Int, n: Int) -> Factors {
        var q = a, r = [Double](repeating: .nan, count: n)
        try! LAPACK.reducedQR(&q, m: m, n: n, rDiagonal: &r)
        for j in 0..<n where r[j] < 0 {
            r[j] = -r[j]
            for i in 0..<m { q[j * m + i] = -q[j * m + i] }
        }
        return Factors(q: q, rDiagonal: r)
    }

    @Test(arguments: [(200, 10, 1e3), (37, 5, 1.0), (8, 8, 10.0), (201, 3, 1e6), (13, 1, 1.0)])
    func agreesWithHouseholder(m: Int, n: Int, spread: Double) throws {
        let a = Self.matrix(m: m, n: n, spread: spread, seed: m * 31 + n)
        let fast = try #require(Self.cholesky(a, m: m, n: n)), reference = Self.householder(a, m: m, n: n)
        for j in 0..<n {
            #expect(fast.rDiagonal[j] > 0)
            #expect(abs(fast.rDiagonal[j] / reference.rDiagonal[j] - 1) < 1e-12, "R_\(j)\(j)")
            for i in 0..<m { #expect(abs(fast.q[j * m + i] - reference.q[j * m + i]) < 1e-12, "Q[\(i), \(j)]") }
        }
        // Orthonormal to rounding: the second pass restores what the first loses to cond(A)².
        for j in 0..<n {
            for l in 0...j {
                var dot = 0.0
                for i in 0..<m { dot += fast.q[j * m + i] * fast.q[l * m + i] }
                #expect(abs(dot - (j == l ? 1 : 0)) < 1e-14, "QᵀQ[\(j), \(l)]")
            }
        }
    }

    @Test func aRankDeficientMatrixIsRefused() {
        var a = Self.matrix(m: 50, n: 4, spread: 1, seed: 7)
        for i in 0..<50 { a[2 * 50 + i] = a[50 + i] }   // two equal columns
        #expect(Self.cholesky(a, m: 50, n: 4) == nil)
        var zero = a
        for i in 0..<50 { zero[3 * 50 + i] = 0 }
        #expect(Self.cholesky(zero, m: 50, n: 4) == nil)
        var infinite = Self.matrix(m: 50, n: 4, spread: 1, seed: 8)
        infinite[10] = .infinity
        #expect(Self.cholesky(infinite, m: 50, n: 4) == nil)
        infinite[10] = .nan
        #expect(Self.cholesky(infinite, m: 50, n: 4) == nil)
        // A Float matrix that fails is left as it was.
        var single = a.map(Float.init)
        let before = single
        var q = [Double](repeating: 0, count: 200), r = [Double](repeating: 0, count: 4), gram = [Double](repeating: 0, count: 16)
        #expect(!CholeskyQR.factor(single: &single, into: &q, m: 50, n: 4, rDiagonal: &r, gram: &gram))
        #expect(single.map(\.bitPattern) == before.map(\.bitPattern))
    }

    @Test func aFloatMatrixIsFactoredAsItsDoubleValues() throws {
        let m = 200, n = 10
        var single = Self.matrix(m: m, n: n, spread: 100, seed: 3).map(Float.init)
        let widened = single.map(Double.init)
        let reference = try #require(Self.cholesky(widened, m: m, n: n))
        var q = [Double](repeating: .nan, count: m * n), r = [Double](repeating: .nan, count: n), gram = [Double](repeating: .nan, count: n * n)
        #expect(CholeskyQR.factor(single: &single, into: &q, m: m, n: n, rDiagonal: &r, gram: &gram))
        #expect(q.map(\.bitPattern) == reference.q.map(\.bitPattern))
        #expect(r.map(\.bitPattern) == reference.rDiagonal.map(\.bitPattern))
        #expect(single.map(\.bitPattern) == reference.q.map { Float($0).bitPattern })
    }

    @Test func everyVariantGivesTheSameBits() throws {
        var results: [[UInt64]] = []
        for lanes in [4, 8, 16] where VectorKernels.supports(lanes: lanes) {
            #expect(VectorKernels.select(lanes: lanes))
            var bits: [UInt64] = []
            for (m, n) in [(200, 10), (37, 5), (9, 9)] {   // row tails of 0, 5 and 1
                let factors = try #require(Self.cholesky(Self.matrix(m: m, n: n, spread: 1e4, seed: m + n), m: m, n: n))
                bits += (factors.q + factors.rDiagonal).map(\.bitPattern)
            }
            results.append(bits)
            VectorKernels.select(lanes: nil)
        }
        #expect(results.count >= 2)
        #expect(results.allSatisfy { $0 == results[0] })
    }
}
