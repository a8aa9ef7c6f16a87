import Foundation
import Testing
@testable import Kernels

@Suite struct PoissonTests {
    /// e^ℓ − kℓ + s(k) with s(k) = k ln k − k + ½ ln 2πk for k > 1, else 0 (PyTorch's full=True).
    @Test func lossMatchesTheFormula() {
        let logRates: [Float] = [0.3, -1.2, 2.0, 0.5, 1.1]
        let counts: [Float] = [0, 1, 2, 5, 30]
        let total = PoissonLoss.sum(logRates: logRates, counts: counts, count: 5)
        var expected = 0.0
        for (l, k) in zip(logRates.map(Double.init), counts.map(Double.init)) {
            expected += exp(l) - k * l + (k > 1 ? k * log(k) - k + 0.5 * log(2 * Double.pi * k) : 0)
        }
        #expect(abs(total - expected) < 1e-4 * abs(expected))
        // For a large count the loss is the full negative log-likelihood −log p(k | e^ℓ) up to
        // Stirling's error 1/(12k).
        let k = 30.0, l = 1.1
        let negativeLogLikelihood = exp(l) - k * l + lgamma(k + 1)
        let single = PoissonLoss.sum(logRates: [Float(l)], counts: [Float(k)], count: 1)
        #expect(abs(single - negativeLogLikelihood) < 1.1 / (12 * k))
        #expect(PoissonLoss.stirling(1) == 0 && PoissonLoss.stirling(0) == 0)
    }

    /// The Stirling terms of small integer counts come from a table: the same bits as the formula, for
    /// every count in it, beside fractional and large counts (computed).
    @Test func stirlingTableGivesTheFormulasBits() {
        let counts: [Float] = (0..<256).map(Float.init) + [-0.0, 0.5, 1.5, 2.25, 255.5, 256, 300, 1e6]
        PoissonLoss.stirlingOfSmallCounts.withUnsafeBufferPointer { table in
            for k in counts {
                #expect(PoissonLoss.stirling(k, table: table.baseAddress!).bitPattern == PoissonLoss.stirling(k).bitPattern, "k = \(k)")
            }
        }
        let logRates = [Float](repeating: 0.7, count: counts.count)
        var expected = 0.0
        for k in counts { expected += Double(expf(0.7) - k * 0.7 + PoissonLoss.stirling(k)) }
        #expect(PoissonLoss.sum(logRates: logRates, counts: counts, count: counts.count).bitPattern == expected.bitPattern)
    }

    @Test func gradientMatchesFiniteDifferences() {
        let logRates = Buffer(FiniteDifferences.randomFloats(12, seed: 1))
        let counts: [Float] = [0, 1, 2, 3, 0, 7, 1, 4, 2, 0, 9, 1]
        let gradient = Buffer(count: 12)
        _ = PoissonLoss.sum(logRates: logRates.pointer, counts: counts, count: 12, gradientScale: 0.25, dLogRates: gradient.pointer)
        let error = FiniteDifferences.relativeError(values: logRates.pointer, count: 12, analytic: gradient.array, epsilon: 1e-3) {
            0.25 * PoissonLoss.sum(logRates: logRates.pointer, counts: counts, count: 12)
        }
        #expect(error < 2e-3, "relative error \(error)")
    }

    /// Mean and variance λ, for both samplers (multiplication below 10, PTRS above), within
    /// 5 standard errors over 200,000 draws; P(0) = e^{−λ} for a small mean.
    @Test(arguments: [0.3, 4.0, 9.99, 10.0, 37.5, 400.0])
    func samplesHaveThePoissonMoments(lambda: Double) {
        var stream = RandomStream(seed: 3, purpose: RandomPurpose(rawValue: 5))
        let draws = 200_000
        var sum = 0.0, squares = 0.0, zeros = 0
        for _ in 0..<draws {
            let k = Double(stream.nextPoisson(lambda))
            sum += k; squares += k * k
            if k == 0 { zeros += 1 }
        }
        let mean = sum / Double(draws), variance = squares / Double(draws) - mean * mean
        #expect(abs(mean - lambda) < 5 * (lambda / Double(draws)).squareRoot(), "mean \(mean)")
        // The variance of the sample variance of a Poisson is about (λ + 2λ²)/n.
        #expect(abs(variance - lambda) < 5 * ((lambda + 2 * lambda * lambda) / Double(draws)).squareRoot(), "variance \(variance)")
        if lambda < 1 {
            let p0 = exp(-lambda)
            #expect(abs(Double(zeros) / Double(draws) - p0) < 5 * (p0 * (1 - p0) / Double(draws)).squareRoot())
        }
        #expect(stream.nextPoisson(0) == 0)
    }
}
