import Kernels
import Foundation
import Testing

@Suite struct ParticipationRatioTests {
    /// Slow reference: eigenvalues of the covariance by LAPACK, PR = (Σλ)² / Σλ².
    func eigenvalueParticipationRatio(_ h: [Double], samples m: Int, features n: Int) -> Double {
        var means = [Double](repeating: 0, count: n)
        for i in 0..<m { for j in 0..<n { means[j] += h[i * n + j] / Double(m) } }
        var covariance = [Double](repeating: 0, count: n * n)
        for i in 0..<m {
            for a in 0..<n { for b in 0..<n { covariance[a * n + b] += (h[i * n + a] - means[a]) * (h[i * n + b] - means[b]) / Double(m - 1) } }
        }
        let eigenvalues = try! LAPACK.symmetricEigen(&covariance, n: n)
        let sum = eigenvalues.reduce(0, +), sumOfSquares = eigenvalues.reduce(0) { $0 + $1 * $1 }
        return sum * sum / sumOfSquares
    }

    @Test func knownCovarianceSpectrum() throws {
        // H = U diag(s) Vᵀ with U's columns orthonormal and orthogonal to 1 (so H is centred):
        // the covariance eigenvalues are s_i² / (M − 1), hence PR = (Σ s²)² / Σ s⁴.
        var random = TestRandom(seed: 1)
        let m = 120, n = 40, rank = 7
        let s: [Double] = [5, 3, 2, 1.5, 1, 0.5, 0.1]
        var g = random.gaussians(m * rank)                      // [M, r] row-major
        for j in 0..<rank {
            let mean = (0..<m).reduce(0) { $0 + g[$1 * rank + j] } / Double(m)
            for i in 0..<m { g[i * rank + j] -= mean }
        }
        var columnMajor = [Double](repeating: 0, count: m * rank), diagonal = [Double](repeating: 0, count: rank)
        for i in 0..<m { for j in 0..<rank { columnMajor[j * m + i] = g[i * rank + j] } }
        try LAPACK.reducedQR(&columnMajor, m: m, n: rank, rDiagonal: &diagonal)
        let v = randomOrthonormalColumns(rows: n, columns: rank, random: &random)   // [n, r]
        var h = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for c in 0..<n { for j in 0..<rank { h[i * n + c] += columnMajor[j * m + i] * s[j] * v[c * rank + j] } } }
        let expected = pow(s.reduce(0) { $0 + $1 * $1 }, 2) / s.reduce(0) { $0 + pow($1, 4) }
        let pr = try ParticipationRatio(maxSamples: m, maxFeatures: n).compute(h, samples: m, features: n)
        #expect(relativeDifference(pr, expected) < 1e-12)
    }

    @Test func isotropicDataInNDimensions() throws {
        // Exact: the orthogonal design ±e_i (M = 2n) has covariance ∝ I, PR = n.
        let n = 12
        var design = [Float](repeating: 0, count: 2 * n * n)
        for i in 0..<n { design[i * n + i] = 1; design[(n + i) * n + i] = -1 }
        let ratio = ParticipationRatio(maxSamples: 4000, maxFeatures: n)
        #expect(abs(try ratio.compute(design, samples: 2 * n, features: n) - Double(n)) < 1e-12)
        // Gaussian isotropic samples: PR → n as M grows (E[PR] ≈ n / (1 + n/M)).
        var random = TestRandom(seed: 2)
        var previousError = Double.infinity
        for m in [100, 4000] {
            let samples = random.gaussians(m * n).map(Float.init)
            let error = abs(try ratio.compute(samples, samples: m, features: n) - Double(n))
            #expect(error < previousError)
            previousError = error
        }
        #expect(previousError < 0.15)
    }

    @Test func rankOneDataHasRatioOne() throws {
        var random = TestRandom(seed: 3)
        let m = 50, n = 30
        let direction = random.gaussians(n), offset = random.gaussians(n), amplitude = random.gaussians(m)
        var h = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { h[i * n + j] = offset[j] + amplitude[i] * direction[j] } }
        let pr = try ParticipationRatio(maxSamples: m, maxFeatures: n).compute(h, samples: m, features: n)
        #expect(abs(pr - 1) < 1e-12)
    }

    @Test func invariantToScale() throws {
        var random = TestRandom(seed: 4)
        let m = 40, n = 25
        let h = random.gaussians(m * n)
        let ratio = ParticipationRatio(maxSamples: m, maxFeatures: n)
        let reference = try ratio.compute(h, samples: m, features: n)
        for scale in [1e-6, 3.0, 1e8] {
            #expect(relativeDifference(try ratio.compute(h.map { $0 * scale }, samples: m, features: n), reference) < 1e-12)
        }
    }

    @Test func bothGramBranchesAgree() throws {
        // A doubly-centred matrix (zero row and column means) is centred both as H and as Hᵀ, and
        // PR(H) = PR(Hᵀ) exactly: one call uses Hᵀ H (n <= M), the other H Hᵀ (M < n).
        var random = TestRandom(seed: 5)
        let m = 30, n = 70
        var h = random.gaussians(m * n)
        for _ in 0..<2 {
            for i in 0..<m { let mean = (0..<n).reduce(0) { $0 + h[i * n + $1] } / Double(n); for j in 0..<n { h[i * n + j] -= mean } }
            for j in 0..<n { let mean = (0..<m).reduce(0) { $0 + h[$1 * n + j] } / Double(m); for i in 0..<m { h[i * n + j] -= mean } }
        }
        var transposed = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { transposed[j * m + i] = h[i * n + j] } }
        let ratio = ParticipationRatio(maxSamples: n, maxFeatures: n)
        let wide = try ratio.compute(h, samples: m, features: n)
        let tall = try ratio.compute(transposed, samples: n, features: m)
        #expect(relativeDifference(wide, tall) < 1e-12)
    }

    @Test(arguments: [(60, 20), (20, 60), (500, 200), (33, 33)])
    func agreesWithEigenvalueReference(shape: (Int, Int)) throws {
        let (m, n) = shape
        var random = TestRandom(seed: UInt64(m * 1000 + n))
        // Correlated Float data with an offset, so the spectrum is uneven and centring matters.
        let mixing = random.gaussians(n * n, scale: 1 / Double(n).squareRoot())
        let raw = random.gaussians(m * n)
        let mixed = naiveProduct(raw, mixing, m: m, k: n, n: n)
        let floats = mixed.enumerated().map { Float($0.element + 0.3 * Double($0.offset % n)) }
        let pr = try ParticipationRatio(maxSamples: 500, maxFeatures: 200).compute(floats, samples: m, features: n)
        let reference = eigenvalueParticipationRatio(floats.map(Double.init), samples: m, features: n)
        #expect(relativeDifference(pr, reference) < 1e-10)
    }

    @Test func stridedViewMatchesDenseCopy() throws {
        // One layer of a [samples, time, units] tensor, analysed in place.
        var random = TestRandom(seed: 6)
        let m = 40, time = 3, n = 16
        let tensor = random.gaussians(m * time * n).map(Float.init)
        let layer = 1
        var dense = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { dense[i * n + j] = tensor[(i * time + layer) * n + j] } }
        let ratio = ParticipationRatio(maxSamples: m, maxFeatures: n)
        let expected = try ratio.compute(dense, samples: m, features: n)
        let strided = try tensor.withUnsafeBufferPointer {
            try ratio.compute(ActivityMatrix($0.baseAddress! + layer * n, rows: m, columns: n, rowStride: time * n))
        }
        #expect(strided == expected)
    }

    @Test func degenerateInputGivesNaNAndBadShapesThrow() throws {
        let ratio = ParticipationRatio(maxSamples: 10, maxFeatures: 4)
        #expect(try ratio.compute([Float](repeating: 2, count: 40), samples: 10, features: 4).isNaN)   // constant
        #expect(try ratio.compute([Float](repeating: 1, count: 4), samples: 1, features: 4).isNaN)     // one sample
        var withNaN = (0..<40).map { Float($0 % 7) }
        withNaN[13] = .nan
        #expect(try ratio.compute(withNaN, samples: 10, features: 4).isNaN)
        withNaN[13] = .infinity
        #expect(try ratio.compute(withNaN, samples: 10, features: 4).isNaN)
        #expect(throws: AnalysisInputError.self) { try ratio.compute([Float](repeating: 0, count: 44), samples: 11, features: 4) }
        #expect(throws: AnalysisInputError.self) { try ratio.compute([Float](repeating: 0, count: 50), samples: 10, features: 5) }
        #expect(throws: AnalysisInputError.self) { try ratio.compute([Float](repeating: 0, count: 40), samples: 10, features: 4, stride: 3) }
    }
}
