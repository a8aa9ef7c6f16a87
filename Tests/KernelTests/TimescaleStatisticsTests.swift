import Foundation
import Testing
@testable import Kernels

/// The timescale statistics on processes with known timescales: streamed autocovariances
/// against their definition, AR(1) and two-timescale mixtures against their closed forms, the
/// bounded exponential fits and their AIC choice, the streamed covariance and PCA dimension.
@Suite struct TimescaleStatisticsTests {
    /// x_t = φ x_{t−1} + √(1 − φ²) ε_t with φ = e^{−1/τ}: unit variance, autocorrelation e^{−k/τ}.
    static func autoregressive(tau: Double, count: Int, seed: Int) -> [Double] {
        var s = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        let phi = exp(-1 / tau), noise = (1 - phi * phi).squareRoot()
        var x = s.nextNormal(), series: [Double] = []
        series.reserveCapacity(count)
        for _ in 0..<count { x = phi * x + noise * s.nextNormal(); series.append(x) }
        return series
    }

    /// Lag-k sums by their definition, S_k = Σ_{t<n−k} (x_t − μ)(x_{t+k} − μ).
    static func directSums(_ x: [Double], lags: Int) -> [Double] {
        let mean = x.reduce(0, +) / Double(x.count)
        return (0..<lags).map { k in (0..<(x.count - k)).reduce(0) { $0 + (x[$1] - mean) * (x[$1 + k] - mean) } }
    }

    /// Normalised autocorrelation of one series from the streamed sums, lags 0 ..< lags.
    static func streamedAutocorrelation(_ x: [Double], lags: Int) -> [Double] {
        let accumulator = LaggedAutocovariance(series: 1, lags: lags)
        for value in x { var v = value; accumulator.append(&v) }
        let sums = accumulator.sums(), n = Double(x.count)
        let ac = (0..<lags).map { sums[$0] / (n - 1 - Double($0)) }
        return ac.map { $0 / ac[0] }
    }

    @Test func streamedSumsEqualTheDefinition() {
        // Three series with offsets (the shift must not matter), shorter and longer than the lags.
        for count in [3, 7, 400] {
            let lags = 6
            let series = (0..<3).map { j in Self.autoregressive(tau: 3, count: count, seed: j).map { $0 + Double(j) * 50 } }
            let accumulator = LaggedAutocovariance(series: 3, lags: lags)
            for t in 0..<count {
                let sample = (0..<3).map { Float(series[$0][t]) }
                accumulator.append(sample)
            }
            let sums = accumulator.sums()
            for j in 0..<3 {
                let rounded = series[j].map { Double(Float($0)) }
                let expected = Self.directSums(Array(rounded), lags: min(lags, count))
                for k in 0..<lags {
                    let value = sums[k * 3 + j]
                    if k >= count { #expect(value.isNaN); continue }
                    #expect(abs(value - expected[k]) <= 1e-9 * max(1, abs(expected[0])), "n \(count) series \(j) lag \(k): \(value) vs \(expected[k])")
                }
            }
        }
    }

    @Test func autoregressiveProcessHasItsClosedFormAutocorrelationAndTimescale() {
        let tau = 6.0
        let ac = Self.streamedAutocorrelation(Self.autoregressive(tau: tau, count: 200_000, seed: 1), lags: 31)
        for k in 0..<31 { #expect(abs(ac[k] - exp(-Double(k) / tau)) < 0.03, "lag \(k): \(ac[k])") }
        let fit = ExponentialDecayFit.compare(ac, maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(fit.model == 1, "\(fit)")
        #expect(abs(fit.timescale - tau) < 0.05 * tau, "\(fit)")
    }

    @Test func twoTimescaleMixtureChoosesTheDoubleFitAndItsSlowTimescale() {
        // The sum of independent unit-variance AR(1) processes with τ 2 and 20: AC = (e^{−k/2} + e^{−k/20}) / 2.
        let fast = Self.autoregressive(tau: 2, count: 200_000, seed: 2), slow = Self.autoregressive(tau: 20, count: 200_000, seed: 3)
        let ac = Self.streamedAutocorrelation(zip(fast, slow).map { $0 + $1 }, lags: 31)
        for k in 0..<31 {
            let lag = Double(k)
            let expected: Double = (exp(-lag / 2) + exp(-lag / 20)) / 2
            #expect(abs(ac[k] - expected) < 0.04, "lag \(k)")
        }
        let fit = ExponentialDecayFit.compare(ac, maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(fit.model == 2, "\(fit)")
        #expect(abs(fit.timescale - 20) < 3, "\(fit)")
        #expect(fit.doubleAIC < fit.singleAIC - 10)
    }

    /// Closed-form curves with a small wiggle (so that the residuals are not zero).
    static func curve(_ f: (Double) -> Double) -> [Double] {
        (0...30).map { k -> Double in
            let wiggle: Double = k == 0 ? 0 : 1e-3 * sin(1.7 * Double(k))
            return f(Double(k)) + wiggle
        }
    }

    @Test func fitsRecoverClosedFormParameters() {
        let single = ExponentialDecayFit.compare(Self.curve { 0.9 * exp(-$0 / 7) }, maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(single.model == 1)
        #expect(abs(single.single[0] - 0.9) < 2e-3 && abs(single.single[1] - 7) < 0.05, "\(single)")
        let mixed = ExponentialDecayFit.compare(Self.curve { 0.6 * exp(-$0 / 1.5) + 0.4 * exp(-$0 / 12) },
                                                maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(mixed.model == 2, "\(mixed)")
        let d = mixed.double
        let (fastTau, slowTau, fastWeight) = d[1] < d[2] ? (d[1], d[2], d[3]) : (d[2], d[1], 1 - d[3])
        #expect(abs(d[0] - 1) < 5e-3 && abs(fastTau - 1.5) < 0.05 && abs(slowTau - 12) < 0.2 && abs(fastWeight - 0.6) < 0.01, "\(mixed)")
        #expect(abs(mixed.timescale - slowTau) < 1e-12)
    }

    @Test func fitsStayInTheirBoxes() {
        // A decay slower than τmax: τ stops at the bound, and a stays <= 1 for data above 1.
        let slow = ExponentialDecayFit.compare(Self.curve { 1.2 * exp(-$0 / 400) }, maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(slow.single[0] <= 1 && slow.single[1] <= 100 && slow.single[1] > 99, "\(slow)")
        #expect(slow.double.allSatisfy { $0 >= 0 } && slow.double[0] <= 1 && slow.double[3] <= 1)
    }

    @Test func aicIsTwoKPlusNLogMeanSquareAndFailuresLose() {
        #expect(abs(ExponentialDecayFit.aic(sumOfSquares: 0.31, points: 31, parameters: 2) - (4 + 31 * log(0.01))) < 1e-12)
        // A curve that is not finite fails both fits: no model, NaN timescale, both AIC 10^5.
        var broken = Self.curve { exp(-$0 / 3) }
        broken[4] = .nan
        let failed = ExponentialDecayFit.compare(broken, maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2000)
        #expect(failed.model == nil && failed.timescale.isNaN && failed.singleAIC == 1e5 && failed.doubleAIC == 1e5)
        // Too few evaluations to converge count as failed fits.
        let starved = ExponentialDecayFit.compare(Self.curve { 0.6 * exp(-$0 / 1.5) + 0.4 * exp(-$0 / 12) },
                                                  maxAmplitude: 1, maxTimescale: 100, maxEvaluations: 2)
        #expect(starved.doubleAIC == 1e5 && starved.double.allSatisfy(\.isNaN))
    }

    @Test func boundedLeastSquaresSolvesALinearProblemInItsBox() {
        // min (p0 − 3)² + (p1 + 1)² on [0, 2] x [−5, 5]: p = (2, −1).
        let result = BoundedLeastSquares.minimize(initial: [1, 1], lower: [0, -5], upper: [2, 5], residuals: 2, maxEvaluations: 100) { p, r in
            r[0] = p[0] - 3; r[1] = p[1] + 1
        }
        #expect(result.converged)
        #expect(abs(result.parameters[0] - 2) < 1e-8 && abs(result.parameters[1] + 1) < 1e-6, "\(result)")
    }

    @Test func streamedCovarianceAndPCADimension() {
        // Independent coordinates with variances 8, 4, 2, 1, 0.5 (plus an offset): the explained
        // ratios are 8/15.5, 4/15.5, …; 90 % needs 3 components, so the dimension (from 0) is 2.
        let variances = [8.0, 4, 2, 1, 0.5], d = variances.count, count = 100_000
        var s = RandomStream(seed: 4, purpose: RandomPurpose(rawValue: 0))
        let covariance = StreamingCovariance(dimension: d, blockRows: 64)
        var rows: [[Float]] = []
        for t in 0..<count {
            let row = variances.map { Float(100 + $0.squareRoot() * s.nextNormal()) }
            covariance.append(row)
            if t < 500 { rows.append(row) }
        }
        let ratios = try! covariance.explainedVarianceRatios()
        for (ratio, variance) in zip(ratios, variances) { #expect(abs(ratio - variance / 15.5) < 0.01, "\(ratios)") }
        #expect(StreamingCovariance.dimension(ratios: ratios, threshold: 0.9) == 2)
        #expect(StreamingCovariance.dimension(ratios: [0.5, 0.3, 0.2], threshold: 0.8) == 2, "strictly above the threshold")
        // The streamed covariance of a short stream against its definition.
        let short = StreamingCovariance(dimension: d, blockRows: 7)
        for row in rows { short.append(row) }
        let c = short.covariance()
        for i in 0..<d {
            for j in 0..<d {
                let mi = rows.reduce(0.0) { $0 + Double($1[i]) } / 500, mj = rows.reduce(0.0) { $0 + Double($1[j]) } / 500
                let expected = rows.reduce(0.0) { $0 + (Double($1[i]) - mi) * (Double($1[j]) - mj) } / 499
                #expect(abs(c[i * d + j] - expected) < 1e-9 * max(1, abs(expected)))
            }
        }
    }

    /// A neuron's normalised autocorrelation (lags 0 … 30) from a trained network.
    static let neuronCurve: [Double] = [1.0, 0.37673078915697417, -0.1002347987793348, -0.030979166931669622, 0.04416466457403053, 0.05234960408174851, 0.03140205627059471, 0.013708338667377628, -0.008708142592505389, -9.489074774176218e-05, 0.01715769239228978, 0.005410042729141518, 0.005082432060537885, 0.004281612652733612, 0.003116720961383506, 2.5819750585282422e-05, -0.001526720524088703, -0.0008628316579546744, -0.001336322013681347, -0.0008587677349920142, 0.0011558682681777146, 0.0015716343952532012, 0.00042464665362244847, 0.0006186925689975973, 0.0020680770978657903, 0.0022517598453395352, 0.000989142321009014, -5.883764081249297e-05, -0.0011072833040304112, -0.001253408984250803, -0.00018303990033325396]

    /// The first iterates of the trust-region reflective method from the middle of the box, against
    /// scipy 1.17's least_squares(method="trf", max_nfev = 2, 3) on the same curve (one BLAS thread).
    @Test func trustRegionReflectiveStepsAreScipys() {
        let y = Self.neuronCurve
        func single(_ evaluations: Int) -> [Double] {
            BoundedLeastSquares.minimize(initial: [0.5, 50], lower: [0, 0], upper: [1, 100], residuals: 31, maxEvaluations: evaluations) { p, r in
                for k in 0..<31 { r[k] = p[0] * exp(-Double(k) / p[1]) - y[k] }
            }.parameters
        }
        func close(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 1e-8 * max(1, abs($1)) } }
        #expect(close(single(2), [0.2987847811549729, 28.26873746713153]), "\(single(2))")
        #expect(close(single(3), [0.20879948846914004, 15.986616267226918]), "\(single(3))")
        let double = BoundedLeastSquares.minimize(initial: [0.5, 50, 50, 0.5], lower: [0, 0, 0, 0], upper: [1, 100, 100, 1],
                                                  residuals: 31, maxEvaluations: 2) { p, r in
            for k in 0..<31 {
                let lag = Double(k)
                r[k] = p[0] * p[3] * exp(-lag / p[1]) + p[0] * (1 - p[3]) * exp(-lag / p[2]) - y[k]
            }
        }
        #expect(close(double.parameters, [0.2708134047017019, 49.968134532055224, 49.968134532055224, 0.5]), "\(double.parameters)")
        #expect(double.status == 0 && !double.converged, "evaluations ran out")
    }
}
