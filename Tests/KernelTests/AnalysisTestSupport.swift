import Kernels
import Foundation

/// Deterministic generator for test data (SplitMix64), with uniform and Gaussian draws.
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    mutating func gaussians(_ count: Int, scale: Double = 1) -> [Double] { (0..<count).map { _ in scale * gaussian() } }

    mutating func integer(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Q [rows, columns] row-major with orthonormal columns (QR of a Gaussian matrix).
func randomOrthonormalColumns(rows: Int, columns: Int, random: inout TestRandom) -> [Double] {
    var columnMajor = random.gaussians(rows * columns)
    var diagonal = [Double](repeating: 0, count: columns)
    try! LAPACK.reducedQR(&columnMajor, m: rows, n: columns, rDiagonal: &diagonal)
    var rowMajor = [Double](repeating: 0, count: rows * columns)
    for i in 0..<rows { for j in 0..<columns { rowMajor[i * columns + j] = columnMajor[j * rows + i] } }
    return rowMajor
}

/// C [m, n] = A [m, k] B [k, n], naive (reference for tests).
func naiveProduct(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m { for l in 0..<k { let x = a[i * k + l]; for j in 0..<n { c[i * n + j] += x * b[l * n + j] } } }
    return c
}

func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(a), abs(b), 1e-300) }
