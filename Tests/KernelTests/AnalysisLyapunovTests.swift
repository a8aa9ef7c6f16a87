import Kernels
import Foundation
import Testing

/// h ← A h for a Double matrix A [N, N] row-major (J = A at every step).
final class LinearMap: TangentDynamics {
    let dimension: Int
    let matrix: [Double]
    private var scratch: [Double]

    init(_ matrix: [Double], dimension: Int) {
        self.matrix = matrix
        self.dimension = dimension
        scratch = [Double](repeating: 0, count: dimension)
    }

    func step(_ state: UnsafeMutablePointer<Double>) {
        for i in 0..<dimension { scratch[i] = (0..<dimension).reduce(0) { $0 + matrix[i * dimension + $1] * state[$1] } }
        for i in 0..<dimension { state[i] = scratch[i] }
    }

    func applyJacobian(newState: UnsafePointer<Double>, _ q: UnsafePointer<Double>, k: Int, _ out: UnsafeMutablePointer<Double>) {
        matrix.withUnsafeBufferPointer { BLAS.gemm(m: dimension, n: k, k: dimension, $0.baseAddress!, q, out) }
    }
}

@Suite struct LyapunovSpectrumTests {
    /// Seeded U(−0.2, 0.2) initial conditions, as the reference draws them.
    func uniformInitialConditions(seed: UInt64) -> (Int, UnsafeMutablePointer<Double>, Int) -> Void {
        { index, state, n in
            var random = TestRandom(seed: seed &+ UInt64(index))
            for i in 0..<n { state[i] = random.uniform(-0.2, 0.2) }
        }
    }

    func run(_ dynamics: some TangentDynamics, k: Int, settings: LyapunovSettings = LyapunovSettings(),
             singlePrecisionBases: Bool = true) throws -> LyapunovResult {
        let fill = uniformInitialConditions(seed: 11)
        let n = dynamics.dimension
        let spectrum = try LyapunovSpectrum(dimension: n, exponents: k, settings: settings)
        spectrum.singlePrecisionBases = singlePrecisionBases
        return try spectrum.compute(dynamics: dynamics) { fill($0, $1, n) }
    }

    /// Runs every initial condition for exactly `steps` steps, one IC.
    func fixedHorizon(_ steps: Int) -> LyapunovSettings {
        LyapunovSettings(maxSteps: steps, stepTolerance: 0, maxInitialConditions: 1, minimumInitialConditions: 1)
    }

    @Test func diagonalLinearMapGivesLogModuli() throws {
        // Float-exact diagonal entries, through the RNN map with a linear φ and zero bias: h ← A h.
        let diagonal: [Float] = [1.5, -0.5, 0.25, 2, 0.875, -1.25]
        let n = diagonal.count
        var weights = [Float](repeating: 0, count: n * n)
        for i in 0..<n { weights[i * n + i] = diagonal[i] }
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: nil, nonlinearity: .linear)
        // k = N: with Q_0 = I and a diagonal A every axis is invariant, so k < N would give the first k
        // entries, not the largest k (a property of the method, shared with the reference).
        let result = try run(map, k: n)
        let expected = diagonal.map { log2(abs(Double($0))) }.sorted(by: >)
        for (value, reference) in zip(result.exponents, expected) { #expect(abs(value - reference) < 1e-12) }
        // Running estimates are exact from the first step: each IC stops at the 5th evaluation, and the
        // ICs agree, so the run stops at the 4th IC.
        #expect(result.totalSteps == 4 * 5)
        #expect(result.initialConditions == 4)
        #expect(result.standardError < 1e-12)
        #expect(abs(result.chaoticity - (1 + log2(1.5) / 2 + log2(1.25) / 3)) < 1e-12)
    }

    @Test func nonNormalMapGivesLogEigenvalueModuli() throws {
        // A = S Λ S⁻¹ with a non-orthogonal S: the exponents are log2 |λ_i|, up to an O(log κ(S) / T) bias.
        let eigenvalues: [Double] = [1.3, -0.9, 0.7, 0.45, -0.3, 0.2, 0.1]
        let n = eigenvalues.count
        var random = TestRandom(seed: 21)
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { s[i * n + j] = i == j ? 1 : (j > i ? random.gaussian() : 0.3 * random.gaussian()) } }
        // S⁻¹ from a general solve against the identity.
        var sColumnMajor = [Double](repeating: 0, count: n * n), inverse = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { sColumnMajor[j * n + i] = s[i * n + j] } ; inverse[i * n + i] = 1 }
        try LAPACK.solve(&sColumnMajor, n: n, &inverse, nrhs: n)          // column-major S⁻¹
        var sInverse = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { sInverse[i * n + j] = inverse[j * n + i] } }
        var sLambda = s
        for i in 0..<n { for j in 0..<n { sLambda[i * n + j] *= eigenvalues[j] } }
        let a = naiveProduct(sLambda, sInverse, m: n, k: n, n: n)
        let result = try run(LinearMap(a, dimension: n), k: 5, settings: fixedHorizon(1000))
        let expected = eigenvalues.map { log2(abs($0)) }.sorted(by: >)
        for j in 0..<5 { #expect(abs(result.exponents[j] - expected[j]) < 1e-2) }
        #expect(result.totalSteps == 1000)
    }

    @Test func rotationScalingBlockGivesPairedExponents() throws {
        // A complex pair of modulus r: block r·R(θ), hidden in a random orthonormal basis, next to two
        // smaller real eigenvalues. Expected exponents: log2 r, log2 r, log2 0.5.
        let r = 1.2, theta = 0.7, n = 4
        var block = [Double](repeating: 0, count: n * n)
        block[0] = r * cos(theta); block[1] = -r * sin(theta); block[4] = r * sin(theta); block[5] = r * cos(theta)
        block[10] = 0.5; block[15] = -0.25
        var random = TestRandom(seed: 31)
        let basis = randomOrthonormalColumns(rows: n, columns: n, random: &random)
        var basisTransposed = basis
        for i in 0..<n { for j in 0..<n { basisTransposed[i * n + j] = basis[j * n + i] } }
        let a = naiveProduct(naiveProduct(basis, block, m: n, k: n, n: n), basisTransposed, m: n, k: n, n: n)
        let result = try run(LinearMap(a, dimension: n), k: 3, settings: fixedHorizon(1000))
        // The basis takes a few steps to align with the plane: an O(1/T) bias, about 1.5e-3 at T = 1000.
        #expect(abs(result.exponents[0] - log2(r)) < 5e-3)
        #expect(abs(result.exponents[1] - log2(r)) < 5e-3)
        #expect(abs(result.exponents[2] - log2(0.5)) < 5e-3)
        // Unrotated, Q_0 spans the invariant plane and each step scales it by exactly r: exact exponents.
        let aligned = try run(LinearMap(block, dimension: n), k: 2)
        #expect(abs(aligned.exponents[0] - log2(r)) < 1e-12)
        #expect(abs(aligned.exponents[1] - log2(r)) < 1e-12)
    }

    @Test func contractingTanhNetworkHasNegativeExponents() throws {
        // W = 0.6 J / ρ(J): the state falls to the fixed point 0, where the Jacobian is W, so the
        // exponents tend to log2 of W's largest eigenvalue moduli; the first is log2 0.6.
        let n = 40
        var random = TestRandom(seed: 41)
        let j = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let weights = j.map { Float(0.6 * $0 / radius) }
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: nil, nonlinearity: .tanh)
        let result = try run(map, k: 10)
        #expect(result.exponents.allSatisfy { $0 < 0 && $0.isFinite })
        #expect(zip(result.exponents, result.exponents.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(abs(result.exponents[0] - log2(0.6)) < 0.05)
        #expect(result.initialConditions >= 4)
    }

    /// The grouped initial conditions (a batched map) against one at a time (the same map without its
    /// batched interface): a contracting network gives the same spectrum to rounding; a chaotic one the
    /// same within the spread across initial conditions (its trajectories amplify the rounding of the
    /// grouped product), with the same number of initial conditions chosen by the same rule.
    @Test(arguments: [0.6, 3.0])
    func groupedInitialConditionsAgreeWithSequentialOnes(gain: Double) throws {
        struct OneAtATime: TangentDynamics {
            let map: AutonomousRNNMap
            var dimension: Int { map.dimension }
            func step(_ state: UnsafeMutablePointer<Double>) { map.step(state) }
            func applyJacobian(newState: UnsafePointer<Double>, _ q: UnsafePointer<Double>, k: Int, _ out: UnsafeMutablePointer<Double>) {
                map.applyJacobian(newState: newState, q, k: k, out)
            }
        }
        let n = 50
        var random = TestRandom(seed: 61)
        let j = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let weights = j.map { Float(gain * $0 / radius) }
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: nil, nonlinearity: .tanh)
        let settings = LyapunovSettings(maxSteps: 400, stepTolerance: 0, maxInitialConditions: 10)
        let grouped = try run(map, k: 8, settings: settings, singlePrecisionBases: false)   // Float bases: their own test
        let sequential = try run(OneAtATime(map: map), k: 8, settings: settings)
        #expect(grouped.totalSteps == grouped.initialConditions * 400)
        if gain < 1 {
            #expect(grouped.initialConditions == sequential.initialConditions)
            for (a, b) in zip(grouped.exponents, sequential.exponents) { #expect(abs(a - b) < 1e-9) }
        } else {
            #expect(grouped.exponents[0] > 0)
            let spread = 3 * (grouped.standardError * grouped.standardError + sequential.standardError * sequential.standardError).squareRoot()
            for (a, b) in zip(grouped.exponents, sequential.exponents) { #expect(abs(a - b) < max(spread, 0.02), "\(a) vs \(b)") }
        }
    }

    /// A trajectory at a fixed point of the map, bit for bit, takes its steps from the memo: the spectra
    /// are those of recomputing every step, bit for bit, on strongly contracting networks (where every
    /// trajectory reaches its fixed point bit for bit within a few dozen steps; a weakly contracting one
    /// may settle on a cycle of a few ulp instead) and a chaotic one (where none does), Float and Double
    /// bases.
    @Test(arguments: [(0.01, true), (0.05, false), (0.1, true), (3.0, true)])
    func fixedPointMemoGivesTheSameBits(gain: Double, singleBases: Bool) throws {
        let n = 40, k = 6
        var random = TestRandom(seed: 5)
        let j = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let weights = j.map { Float(gain * $0 / radius) }, bias = random.gaussians(n, scale: 0.3).map(Float.init)
        let fill = uniformInitialConditions(seed: 3)
        func spectrum(memo: Bool) throws -> (LyapunovResult, Int) {
            let map = try AutonomousRNNMap(recurrentWeights: weights, bias: bias, nonlinearity: .tanh)
            map.memoizesFixedPoints = memo
            let analysis = try LyapunovSpectrum(dimension: n, exponents: k, settings: LyapunovSettings(maxSteps: 400, stepTolerance: 0))
            analysis.singlePrecisionBases = singleBases
            return (try analysis.compute(dynamics: map) { fill($0, $1, n) }, map.memoHits)
        }
        let (memoised, hits) = try spectrum(memo: true), (recomputed, none) = try spectrum(memo: false)
        #expect(none == 0)
        #expect(gain < 1 ? hits > 100 : hits == 0, "\(hits) steps from the memo")
        #expect(memoised.exponents.map(\.bitPattern) == recomputed.exponents.map(\.bitPattern))
        #expect(memoised.standardError.bitPattern == recomputed.standardError.bitPattern)
    }

    /// Factoring a grouped trajectory's basis every s steps (s adapted within 2...8) against every step:
    /// the product of R's diagonals is exact math and the state trajectories are bit-identical, so the
    /// spectra agree to rounding on contracting, chaotic and strongly chaotic tanh networks and on a ReLU
    /// network with dead units (exactly annihilated directions): within 5e-8 bits per step (the strongly
    /// chaotic one, λ1 − λ8 ≈ 7 bits per step, is where they differ most: 1.4e-8 on the trajectory of
    /// the vectorised Double tanh, 1.4e-9 on libm's; the others agree to 1e-14).
    @Test(arguments: [(Nonlinearity.tanh, 0.6), (.tanh, 3.0), (.tanh, 20.0), (.relu, 1.2)])
    func adaptiveFactorisationAgreesWithEveryStep(nonlinearity: Nonlinearity, gain: Double) throws {
        let n = 50, k = 8
        var random = TestRandom(seed: 71)
        let j = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let weights = j.map { Float(gain * $0 / radius) }
        let bias = random.gaussians(n, scale: 0.3).map { Float(nonlinearity == .relu ? $0 - 0.1 : $0) }
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: bias, nonlinearity: nonlinearity)
        let settings = LyapunovSettings(maxSteps: 301, stepTolerance: 0, maxInitialConditions: 7)
        let fill = uniformInitialConditions(seed: 13)
        func spectrum(_ intervals: ClosedRange<Int>) throws -> LyapunovResult {
            let analysis = try LyapunovSpectrum(dimension: n, exponents: k, settings: settings)
            analysis.factorisationIntervals = intervals
            analysis.singlePrecisionBases = false   // the Double bases' intervals (Float ones: their own test)
            return try analysis.compute(dynamics: map) { fill($0, $1, n) }
        }
        let adaptive = try spectrum(2...8), everyStep = try spectrum(1...1)
        #expect(adaptive.exponents.allSatisfy { $0.isFinite })
        #expect(adaptive.initialConditions == everyStep.initialConditions && adaptive.totalSteps == everyStep.totalSteps)
        for (a, b) in zip(adaptive.exponents, everyStep.exponents) { #expect(abs(a - b) < 5e-8, "\(a) vs \(b)") }
        #expect(abs(adaptive.standardError - everyStep.standardError) < 5e-8)
    }

    /// Float bases (the states in Double, bit for bit the same) against Double ones: within 1e-4 bits per
    /// step (measured here ≤ 1e-6), far below the across-IC standard error (~1e-3 and more), on contracting, chaotic and
    /// strongly chaotic tanh networks and a ReLU network with dead units; where the spread of the
    /// exponents exceeds what Float resolves (λ1 − λ8 ≈ 7 bits per step) the bases stay Double and the
    /// spectra are identical.
    @Test(arguments: [(Nonlinearity.tanh, 0.6), (.tanh, 3.0), (.tanh, 20.0), (.relu, 1.2)])
    func singlePrecisionBasesAgreeWithDoubleOnes(nonlinearity: Nonlinearity, gain: Double) throws {
        let n = 50, k = 8
        var random = TestRandom(seed: 71)
        let j = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let radius = try j.withUnsafeBufferPointer { try LAPACK.spectralRadius(of: $0.baseAddress!, n: n) }
        let weights = j.map { Float(gain * $0 / radius) }
        let bias = random.gaussians(n, scale: 0.3).map { Float(nonlinearity == .relu ? $0 - 0.1 : $0) }
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: bias, nonlinearity: nonlinearity)
        let settings = LyapunovSettings(maxSteps: 600, stepTolerance: 0, maxInitialConditions: 7)
        let fill = uniformInitialConditions(seed: 13)
        func spectrum(single: Bool) throws -> LyapunovResult {
            let analysis = try LyapunovSpectrum(dimension: n, exponents: k, settings: settings)
            analysis.singlePrecisionBases = single
            return try analysis.compute(dynamics: map) { fill($0, $1, n) }
        }
        let single = try spectrum(single: true), double = try spectrum(single: false)
        #expect(single.initialConditions == double.initialConditions)
        for (a, b) in zip(single.exponents, double.exponents) { #expect(abs(a - b) < 1e-4, "\(a) vs \(b)") }
        #expect(abs(single.standardError - double.standardError) < 1e-4)
        if gain == 20 { #expect(single == double) }
    }

    @Test func fullSpectrumSumsToLogDeterminant() throws {
        var random = TestRandom(seed: 51)
        let n = 6
        let a = random.gaussians(n * n, scale: 0.5)
        // log2 |det A| = Σ log2 |λ_i| over the eigenvalues.
        let (real, imaginary) = try a.withUnsafeBufferPointer { try LAPACK.eigenvalues(of: $0.baseAddress!, n: n) }
        let logDeterminant = zip(real, imaginary).reduce(0) { $0 + log2(($1.0 * $1.0 + $1.1 * $1.1).squareRoot()) }
        let result = try run(LinearMap(a, dimension: n), k: n)
        #expect(abs(result.exponents.reduce(0, +) - logDeterminant) < 1e-9)
    }

    @Test(arguments: Nonlinearity.allCases)
    func rnnJacobianMatchesFiniteDifferences(nonlinearity: Nonlinearity) throws {
        let n = 8, k = 3
        var random = TestRandom(seed: 61)
        let weights = random.gaussians(n * n, scale: 0.8).map(Float.init)
        let bias = random.gaussians(n, scale: 0.3).map(Float.init)
        let map = try AutonomousRNNMap(recurrentWeights: weights, bias: bias, nonlinearity: nonlinearity)
        let start = random.gaussians(n)
        var next = start
        next.withUnsafeMutableBufferPointer { map.step($0.baseAddress!) }
        // Step by hand in Double for the map itself.
        for i in 0..<n {
            let a = (0..<n).reduce(Double(bias[i])) { $0 + Double(weights[i * n + $1]) * start[$1] }
            #expect(abs(next[i] - nonlinearity.value(a)) < 1e-12)
        }
        let q = random.gaussians(n * k)
        var jq = [Double](repeating: 0, count: n * k)
        map.applyJacobian(newState: next, q, k: k, &jq)
        let epsilon = 1e-6
        for column in 0..<k {
            var plus = start, minus = start
            for i in 0..<n { plus[i] += epsilon * q[i * k + column]; minus[i] -= epsilon * q[i * k + column] }
            plus.withUnsafeMutableBufferPointer { map.step($0.baseAddress!) }
            minus.withUnsafeMutableBufferPointer { map.step($0.baseAddress!) }
            for i in 0..<n {
                let difference = (plus[i] - minus[i]) / (2 * epsilon)
                #expect(abs(difference - jq[i * k + column]) < 1e-6)
            }
        }
    }

    @Test func invalidArgumentsThrow() throws {
        #expect(throws: AnalysisInputError.self) { try LyapunovSpectrum(dimension: 5, exponents: 6) }
        #expect(throws: AnalysisInputError.self) { try LyapunovSpectrum(dimension: 5, exponents: 0) }
        #expect(throws: AnalysisInputError.self) { try LyapunovSpectrum(dimension: 5, exponents: 2, settings: LyapunovSettings(maxSteps: 0)) }
        let spectrum = try LyapunovSpectrum(dimension: 5, exponents: 2)
        let map = LinearMap([Double](repeating: 0, count: 16), dimension: 4)
        #expect(throws: AnalysisInputError.self) { try spectrum.compute(dynamics: map) { _, _ in } }
        #expect(throws: AnalysisInputError.self) { try AutonomousRNNMap(recurrentWeights: [1, 2, 3], bias: nil, nonlinearity: .tanh) }
    }

    @Test func nonFiniteDynamicsGiveNaN() throws {
        let map = LinearMap([.nan, 0, 0, 1], dimension: 2)
        let result = try run(map, k: 2)
        #expect(result.exponents.allSatisfy { $0.isNaN })
        #expect(result.standardError.isNaN)
    }

    @Test func annihilatedDirectionStaysFinite() throws {
        // A rank-deficient map: the second direction is zeroed; its exponent is the floor, not −∞.
        let map = LinearMap([0.5, 0, 0, 0], dimension: 2)
        let result = try run(map, k: 2)
        #expect(abs(result.exponents[0] - log2(0.5)) < 1e-12)
        #expect(result.exponents[1] == -1022)
    }
}
