import Foundation
import Testing
@testable import Kernels

@Suite struct AnalysisSignalClarityTests {
    /// Two sines of 100 and 180 Hz at 8 kHz over 800 samples: whole periods of both, and of their
    /// sum and difference frequencies, so they are exactly uncorrelated with equal variances.
    static let samples = 800
    static let sources: [Double] = (0..<samples).flatMap { k -> [Double] in
        let t = Double(k) / 8000
        return [sin(2 * Double.pi * 100 * t), sin(2 * Double.pi * 180 * t)]
    }

    static func clarity(_ population: [Double], units: Int) -> (Double, [Double]) {
        var c = [Double](repeating: 0, count: 2 * units)
        SignalClarity.correlations(sources: sources, sourceCount: 2, population: population, units: units, samples: samples, into: &c)
        return (SignalClarity.clarity(correlations: c, units: units), c)
    }

    @Test func separatedSourcesHaveClarityOne() {
        // Unit 0 = 3 s_1 − 1, unit 1 = −s_0: each follows one source.
        let population = (0..<Self.samples).flatMap { k -> [Double] in
            let first: Double = 3 * Self.sources[2 * k + 1] - 1
            return [first, -Self.sources[2 * k]]
        }
        let (clarity, c) = Self.clarity(population, units: 2)
        #expect(abs(clarity - 1) < 1e-12)
        #expect(abs(c[1] + 1) < 1e-12 && abs(c[2] - 1) < 1e-12)
    }

    @Test func equalMixturesHaveClarityZeroAndKnownMixturesTheirShare() {
        // Unit 0 = s_0 + s_1 (|C| = 1/√2 for both: clarity 0); unit 1 = s_0 + 2 s_1
        // (|C| = 1/√5 and 2/√5: clarity 1/√5); the mean is 1/(2√5).
        let population = (0..<Self.samples).flatMap { k -> [Double] in
            let s0 = Self.sources[2 * k], s1 = Self.sources[2 * k + 1]
            return [s0 + s1, s0 + 2 * s1]
        }
        let (clarity, c) = Self.clarity(population, units: 2)
        #expect(abs(SignalClarity.unitClarity(correlations: c, units: 2, unit: 0)) < 1e-9)
        #expect(abs(SignalClarity.unitClarity(correlations: c, units: 2, unit: 1) - 1 / 5.0.squareRoot()) < 1e-9)
        #expect(abs(clarity - 1 / (2 * 5.0.squareRoot())) < 1e-9)
    }

    @Test func aSilentUnitHasNoCorrelationAndIsLeftOut() {
        let population = (0..<Self.samples).flatMap { k -> [Double] in [Self.sources[2 * k], 0.5] }
        let (clarity, c) = Self.clarity(population, units: 2)
        #expect(c[1].isNaN && c[3].isNaN)
        #expect(abs(clarity - 1) < 1e-12)
        let (silent, _) = Self.clarity([Double](repeating: 2, count: Self.samples), units: 1)
        #expect(silent.isNaN)
    }
}
