import Foundation
import Testing
@testable import Kernels

/// The Float32 thin QR and its adjoint. The adjoint is checked against central differences of
/// the same functional evaluated with LAPACK's Double QR (same Householder sign convention), so
/// that the differences are accurate to ~1e-9 and the comparison measures the adjoint's error.
@Suite struct ThinQRTests {
    static let shapes: [(m: Int, n: Int)] = [(5, 5), (8, 3), (12, 7), (20, 20), (30, 1), (80, 75)]

    /// A column-major m × n Gaussian matrix.
    static func matrix(_ m: Int, _ n: Int, seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        return random.gaussians(m * n).map(Float.init)
    }

    /// Q (column-major) and R (row-major, upper) of a column-major matrix, in Double.
    static func doubleQR(_ a: [Double], m: Int, n: Int) -> (q: [Double], r: [Double]) {
        var q = a
        var diagonal = [Double](repeating: 0, count: n)
        try! LAPACK.reducedQR(&q, m: m, n: n, rDiagonal: &diagonal)
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for row in 0..<m { sum += q[i * m + row] * a[j * m + row] }
                r[i * n + j] = sum
            }
        }
        return (q, r)
    }

    @Test(arguments: shapes)
    func factorGivesOrthonormalQAndUpperR(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = Self.matrix(m, n, seed: UInt64(m * 100 + n))
        var q = a
        var r = [Float](repeating: 7, count: n * n)
        try ThinQR(rows: m, columns: n).factor(&q, r: &r)
        var worstOrthogonality = 0.0, worstProduct = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0
                for row in 0..<m { dot += Double(q[i * m + row]) * Double(q[j * m + row]) }
                worstOrthogonality = max(worstOrthogonality, abs(dot - (i == j ? 1 : 0)))
                if i > j { #expect(r[i * n + j] == 0) }
            }
        }
        for row in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for i in 0...j { sum += Double(q[i * m + row]) * Double(r[i * n + j]) }
                worstProduct = max(worstProduct, abs(sum - Double(a[j * m + row])))
            }
        }
        #expect(worstOrthogonality < 1e-5, "QᵀQ - I: \(worstOrthogonality)")
        #expect(worstProduct < 1e-4, "QR - A: \(worstProduct)")
    }

    /// L = Σ W_Q ⊙ Q + Σ W_R ⊙ R (upper R), or with a diagonal R cotangent L = Σ W_Q ⊙ Q + Σ c_j log |R_jj|.
    @Test(arguments: shapes.filter { $0.m * $0.n <= 400 })
    func adjointMatchesFiniteDifferences(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = Self.matrix(m, n, seed: UInt64(7 + m * 31 + n))
        var random = TestRandom(seed: UInt64(m + 1000 * n))
        let weightsQ = random.gaussians(m * n)
        var weightsR = random.gaussians(n * n)
        for i in 0..<n { for j in 0..<i { weightsR[i * n + j] = 0 } }
        let logWeights = random.gaussians(n)

        let qr = ThinQR(rows: m, columns: n)
        var q = a
        var r = [Float](repeating: 0, count: n * n)
        try qr.factor(&q, r: &r)
        for diagonalOnly in [false, true] {
            var dQ = weightsQ.map(Float.init), dA = [Float](repeating: 0, count: m * n)
            let dRFull = weightsR.map(Float.init)
            let dRDiagonal = (0..<n).map { Float(logWeights[$0]) / r[$0 * n + $0] }
            q.withUnsafeBufferPointer { qp in
                r.withUnsafeBufferPointer { rp in
                    dRFull.withUnsafeBufferPointer { full in
                        dRDiagonal.withUnsafeBufferPointer { diagonal in
                            qr.backward(q: qp.baseAddress!, r: rp.baseAddress!, dQ: &dQ,
                                        dR: diagonalOnly ? .diagonal(diagonal.baseAddress!) : .full(full.baseAddress!), dA: &dA)
                        }
                    }
                }
            }
            func loss(_ x: [Double]) -> Double {
                let (qd, rd) = Self.doubleQR(x, m: m, n: n)
                var value = zip(qd, weightsQ).reduce(0) { $0 + $1.0 * $1.1 }
                if diagonalOnly {
                    for j in 0..<n { value += logWeights[j] * log(abs(rd[j * n + j])) }
                } else {
                    value += zip(rd, weightsR).reduce(0) { $0 + $1.0 * $1.1 }
                }
                return value
            }
            let base = a.map(Double.init)
            var difference = 0.0, norm = 0.0
            for index in 0..<(m * n) {
                var plus = base, minus = base
                plus[index] += 1e-6; minus[index] -= 1e-6
                let numeric = (loss(plus) - loss(minus)) / 2e-6
                difference += (numeric - Double(dA[index])) * (numeric - Double(dA[index]))
                norm += numeric * numeric
            }
            let relative = (difference / norm).squareRoot()
            #expect(relative < 1e-4, "\(m)x\(n), diagonal R cotangent \(diagonalOnly): relative error \(relative)")
        }
    }

    /// The adjoint may overwrite its Q cotangent (dA and dQ the same buffer).
    @Test func adjointInPlace() throws {
        let (m, n) = (9, 4)
        var q = Self.matrix(m, n, seed: 3)
        var r = [Float](repeating: 0, count: n * n)
        let qr = ThinQR(rows: m, columns: n)
        try qr.factor(&q, r: &r)
        let dQ = Self.matrix(m, n, seed: 4)
        var separate = [Float](repeating: 0, count: m * n), inPlace = dQ
        qr.backward(q: q, r: r, dQ: dQ, dR: .zero, dA: &separate)
        inPlace.withUnsafeMutableBufferPointer { qr.backward(q: q, r: r, dQ: $0.baseAddress!, dR: .zero, dA: $0.baseAddress!) }
        #expect(separate == inPlace)
    }
}
