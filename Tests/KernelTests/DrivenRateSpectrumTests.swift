import Foundation
import Testing
@testable import Kernels

/// The finite-time spectrum of a driven rate network and its gradient (gradient flossing's
/// objective): exact on a linear map with known eigenvalues, and its gradient against central
/// differences of an independent Double re-implementation of the forward pass.
@Suite struct DrivenRateSpectrumTests {
    /// Everything one spectrum evaluation needs, in Float32 buffers.
    struct Problem {
        var n: Int, d: Int, k: Int, steps: Int, transient: Int
        var J: [Float], b: [Float], U: [Float], inputs: [Float], x0: [Float], q0: [Float]

        /// A random tanh network with gain `gain`, random bias, input weights and inputs.
        static func random(n: Int, d: Int, k: Int, steps: Int, transient: Int, gain: Double, seed: UInt64) -> Problem {
            var random = TestRandom(seed: seed)
            let J = random.gaussians(n * n, scale: gain / Double(n).squareRoot()).map(Float.init)
            let b = (0..<n).map { _ in Float(random.uniform(0, 0.3)) }
            let U = random.gaussians(n * d).map(Float.init)
            let inputs = (0..<(steps * d)).map { _ in Float(random.integer(below: 2)) }
            let x0 = random.gaussians(n).map(Float.init)
            let q0 = orthonormalColumnMajor(n: n, k: k, random: &random)
            return Problem(n: n, d: d, k: k, steps: steps, transient: transient, J: J, b: b, U: U, inputs: inputs, x0: x0, q0: q0)
        }

        func spectrum(_ kernel: DrivenRateSpectrum, recording: Bool = true) throws -> [Double] {
            var exponents = [Double](repeating: 0, count: k)
            try kernel.forward(recurrent: J, bias: b, input: U, inputs: inputs, initialState: x0, initialBasis: q0,
                               steps: steps, transient: transient, recording: recording, exponents: &exponents)
            return exponents
        }
    }

    /// Q_0: orthonormal N × k, column-major.
    static func orthonormalColumnMajor(n: Int, k: Int, random: inout TestRandom) -> [Float] {
        let rowMajor = randomOrthonormalColumns(rows: n, columns: k, random: &random)
        var columnMajor = [Float](repeating: 0, count: n * k)
        for i in 0..<n { for j in 0..<k { columnMajor[j * n + i] = Float(rowMajor[i * k + j]) } }
        return columnMajor
    }

    /// The same forward pass in Double, written directly from the definition (LAPACK's Double QR).
    static func doubleSpectrum(_ p: Problem, J: [Double], b: [Double], U: [Double]) -> [Double] {
        let n = p.n, k = p.k
        var x = p.x0.map(Double.init)
        var q = p.q0.map(Double.init)                  // column-major N × k
        var sums = [Double](repeating: 0, count: k)
        var diagonal = [Double](repeating: 0, count: k)
        for t in 1...p.steps {
            let h = x.map { tanh($0) }
            for i in 0..<n {
                var value = b[i]
                for j in 0..<n { value += J[i * n + j] * h[j] }
                for j in 0..<p.d { value += U[i * p.d + j] * Double(p.inputs[(t - 1) * p.d + j]) }
                x[i] = value
            }
            let gate = x.map { 1 - tanh($0) * tanh($0) }
            var z = [Double](repeating: 0, count: n * k)
            for column in 0..<k {
                for i in 0..<n {
                    var value = 0.0
                    for j in 0..<n { value += J[i * n + j] * q[column * n + j] }
                    z[column * n + i] = gate[i] * value
                }
            }
            try! LAPACK.reducedQR(&z, m: n, n: k, rDiagonal: &diagonal)
            q = z
            if t > p.transient { for j in 0..<k { sums[j] += log(abs(diagonal[j])) } }
        }
        return sums.map { $0 / Double(p.steps - p.transient) }
    }

    /// x ← J x with J = O T Oᵀ, T upper triangular with diagonal μ (not normal): the exponents are
    /// log |μ_i|, largest first.
    @Test(arguments: [3, 6])
    func linearMapHasTheLogarithmsOfItsEigenvalues(k: Int) throws {
        let n = 6
        let mu: [Double] = [2.0, -1.5, 1.2, 0.8, -0.5, 0.3]
        var random = TestRandom(seed: 11)
        let o = randomOrthonormalColumns(rows: n, columns: n, random: &random)
        var t = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            t[i * n + i] = mu[i]
            for j in (i + 1)..<n { t[i * n + j] = 0.3 * random.gaussian() }
        }
        let ot = naiveProduct(o, t, m: n, k: n, n: n)
        var oTransposed = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { oTransposed[j * n + i] = o[i * n + j] } }
        let J = naiveProduct(ot, oTransposed, m: n, k: n, n: n).map(Float.init)
        var problem = Problem.random(n: n, d: 1, k: k, steps: 300, transient: 30, gain: 1, seed: 12)
        problem.J = J
        problem.b = [Float](repeating: 0, count: n)
        problem.U = [Float](repeating: 0, count: n)
        problem.x0 = [Float](repeating: 0, count: n)
        let kernel = DrivenRateSpectrum(units: n, inputSize: 1, exponents: k, maxRecordedSteps: 300, nonlinearity: .linear)
        let expected = mu.map { log(abs($0)) }.sorted(by: >).prefix(k)
        for recording in [true, false] {
            let exponents = try problem.spectrum(kernel, recording: recording)
            for (value, truth) in zip(exponents, expected) {
                #expect(abs(value - truth) < 2e-3, "recording \(recording): \(exponents) vs \(Array(expected))")
            }
        }
    }

    /// The gradient of L = Σ w_i λ_i with respect to J, b and U, k < N and k = N.
    @Test(arguments: [(7, 3), (7, 7), (10, 4)])
    func gradientMatchesFiniteDifferences(shape: (n: Int, k: Int)) throws {
        let (n, k) = shape
        let d = 2
        let problem = Problem.random(n: n, d: d, k: k, steps: 25, transient: 6, gain: 1.6, seed: UInt64(n * 10 + k))
        var random = TestRandom(seed: 99)
        let weights = random.gaussians(k)
        let kernel = DrivenRateSpectrum(units: n, inputSize: d, exponents: k, maxRecordedSteps: 30)
        let exponents = try problem.spectrum(kernel)
        // The Float32 forward agrees with the Double one.
        let reference = Self.doubleSpectrum(problem, J: problem.J.map(Double.init), b: problem.b.map(Double.init),
                                            U: problem.U.map(Double.init))
        for (value, truth) in zip(exponents, reference) { #expect(abs(value - truth) < 1e-4, "\(exponents) vs \(reference)") }

        var dJ = [Float](repeating: 0, count: n * n), db = [Float](repeating: 0, count: n), dU = [Float](repeating: 0, count: n * d)
        let dExponents = weights.map(Float.init)
        kernel.backward(recurrent: problem.J, inputs: problem.inputs, dExponents: dExponents, dRecurrent: &dJ, dBias: &db, dInput: &dU)

        // θ = (J, b, U) in one vector, against the analytic (dJ, db, dU).
        var theta = (problem.J + problem.b + problem.U).map(Double.init)
        let analytic = dJ + db + dU
        func loss() -> Double {
            let J = Array(theta[0..<(n * n)]), b = Array(theta[(n * n)..<(n * n + n)]), U = Array(theta[(n * n + n)...])
            return zip(Self.doubleSpectrum(problem, J: J, b: b, U: U), weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var difference = 0.0, norm = 0.0
        for i in theta.indices {
            let saved = theta[i]
            theta[i] = saved + 1e-6; let plus = loss()
            theta[i] = saved - 1e-6; let minus = loss()
            theta[i] = saved
            let numeric = (plus - minus) / 2e-6
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += numeric * numeric
        }
        let relative = (difference / norm).squareRoot()
        #expect(relative < 2e-3, "N \(n), k \(k): relative error \(relative)")
    }

    /// A second backward pass after a second forward pass gives the same gradient (no state
    /// leaks between calls), and an unrecorded pass gives the recorded pass's exponents.
    @Test func repeatedPassesAreIdentical() throws {
        let problem = Problem.random(n: 8, d: 1, k: 5, steps: 20, transient: 4, gain: 1.2, seed: 5)
        let kernel = DrivenRateSpectrum(units: 8, inputSize: 1, exponents: 5, maxRecordedSteps: 20)
        var gradients: [[Float]] = []
        for _ in 0..<2 {
            _ = try problem.spectrum(kernel)
            var dJ = [Float](repeating: 0, count: 64), db = [Float](repeating: 0, count: 8), dU = [Float](repeating: 0, count: 8)
            kernel.backward(recurrent: problem.J, inputs: problem.inputs, dExponents: [Float](repeating: 1, count: 5),
                            dRecurrent: &dJ, dBias: &db, dInput: &dU)
            gradients.append(dJ + db + dU)
        }
        #expect(gradients[0] == gradients[1])
        #expect(try problem.spectrum(kernel, recording: false) == problem.spectrum(kernel, recording: true))
    }
}
