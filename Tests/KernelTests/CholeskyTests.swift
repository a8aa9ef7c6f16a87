import CVectorKernels
import Foundation
import Testing
@testable import Kernels

/// CVectorKernels' Float Cholesky factorisation and solve against LAPACK's Double solve, on every
/// instruction-set variant. Serialized: a test switches the process-wide variant (every variant gives
/// the same bits, so no other test can see the switch).
@Suite(.serialized) struct CholeskyTests {
    /// A symmetric positive definite n x n matrix, column-major lower triangle, leading dimension n:
    /// Gᵀ G / k + 0.1 I for a Gaussian G [k, n], condition about 1e2 to 1e3; the strict upper triangle
    /// holds `upper` (the kernel must never read it).
    static func matrix(n: Int, seed: Int, upper: Float = 0) -> [Float] {
        let k = n + 7
        var stream = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        let g = (0..<(k * n)).map { _ in stream.nextNormal() }
        var a = [Float](repeating: upper, count: n * n)
        for j in 0..<n {
            for i in j..<n {
                var s = 0.0
                for r in 0..<k { s += g[r * n + i] * g[r * n + j] }
                a[j * n + i] = Float(s / Double(k) + (i == j ? 0.1 : 0))
            }
        }
        return a
    }

    /// The full symmetric matrix in Double.
    static func symmetric(_ a: [Float], n: Int) -> [Double] {
        var full = [Double](repeating: 0, count: n * n)
        for j in 0..<n { for i in j..<n { full[j * n + i] = Double(a[j * n + i]); full[i * n + j] = Double(a[j * n + i]) } }
        return full
    }

    // Sizes across the kernel's paths: below one block, block edges, fewer than 32 and 64 rows
    // under a column, and the cluster hold-out's 201.
    @Test(arguments: [1, 2, 5, 16, 17, 31, 33, 63, 65, 100, 201])
    func solvesAsLAPACKInDouble(n: Int) throws {
        let a = Self.matrix(n: n, seed: n)
        var factor = a
        #expect(Cholesky.factor(&factor, n: n))
        // L Lᵀ reproduces A to Float rounding.
        for j in 0..<n {
            for i in j..<n {
                var s = 0.0
                for p in 0...j { s += Double(factor[p * n + i]) * Double(factor[p * n + j]) }
                #expect(abs(s - Double(a[j * n + i])) <= 1e-5 * max(1, abs(Double(a[j * n + i]))), "A[\(i), \(j)]")
            }
        }
        var stream = RandomStream(seed: 99, purpose: RandomPurpose(rawValue: 0))
        let b = (0..<n).map { _ in stream.nextNormal() }
        var x = b.map(Float.init)
        Cholesky.solve(factor, n: n, &x)
        var full = Self.symmetric(a, n: n), reference = b
        try LAPACK.solvePositiveDefinite(&full, n: n, &reference)
        let scale = reference.map(abs).max()!
        for i in 0..<n { #expect(abs(Double(x[i]) - reference[i]) <= 1e-4 * scale, "x[\(i)]") }
    }

    @Test func theUpperTriangleIsNeverRead() {
        for n in [5, 40, 201] {
            var zeros = Self.matrix(n: n, seed: 3), nans = Self.matrix(n: n, seed: 3, upper: .nan)
            #expect(Cholesky.factor(&zeros, n: n) && Cholesky.factor(&nans, n: n))
            var b = [Float](repeating: 1, count: n), c = b
            Cholesky.solve(zeros, n: n, &b)
            Cholesky.solve(nans, n: n, &c)
            for j in 0..<n { for i in j..<n { #expect(zeros[j * n + i].bitPattern == nans[j * n + i].bitPattern) } }
            #expect(b.map(\.bitPattern) == c.map(\.bitPattern))
        }
    }

    @Test func aMatrixThatIsNotPositiveDefiniteIsRefused() {
        var indefinite = Self.matrix(n: 40, seed: 4)
        indefinite[30 * 40 + 30] = -1
        #expect(!Cholesky.factor(&indefinite, n: 40))
        var singular = [Float](repeating: 0, count: 9)   // rank 1: the second pivot is 0
        for j in 0..<3 { for i in j..<3 { singular[j * 3 + i] = 1 } }
        #expect(!Cholesky.factor(&singular, n: 3))
        var notFinite = Self.matrix(n: 20, seed: 5)
        notFinite[2 * 20 + 2] = .infinity
        #expect(!Cholesky.factor(&notFinite, n: 20))
        notFinite = Self.matrix(n: 20, seed: 5)
        notFinite[0] = .nan
        #expect(!Cholesky.factor(&notFinite, n: 20))
    }

    @Test func everyVariantGivesTheSameBits() {
        var results: [[UInt32]] = []
        for lanes in [4, 8, 16] where VectorKernels.supports(lanes: lanes) {
            #expect(VectorKernels.select(lanes: lanes))
            var bits: [UInt32] = []
            for n in [201, 37, 9] {
                var a = Self.matrix(n: n, seed: n)
                #expect(Cholesky.factor(&a, n: n))
                var b = (0..<n).map { Float($0 % 7) - 3 }
                Cholesky.solve(a, n: n, &b)
                for j in 0..<n { for i in j..<n { bits.append(a[j * n + i].bitPattern) } }
                bits += b.map(\.bitPattern)
            }
            results.append(bits)
            VectorKernels.select(lanes: nil)
        }
        #expect(results.count >= 2)
        #expect(results.allSatisfy { $0 == results[0] })
    }
}
