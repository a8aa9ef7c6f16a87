import Foundation

/// An autocorrelation y_k (k = 0 … L, normalised so that y_0 = 1) fitted by one and by two
/// decaying exponentials in a box, the two compared by Akaike's criterion:
///   single:  a e^{−k/τ},                          0 <= a <= amax, 0 <= τ <= τmax
///   double:  a (c e^{−k/τ1} + (1 − c) e^{−k/τ2}),  0 <= a <= amax, 0 <= τ1, τ2 <= τmax, 0 <= c <= 1
///   AIC = 2 p + n ln(RSS / n)   (p parameters, n = L + 1 points)
/// The timescale is τ of the single fit or the larger of τ1, τ2, whichever model has the lower
/// AIC; a fit that does not converge counts as AIC = 10^5 (as the reference's failed fits), and
/// a tie (both failed) gives no model and a NaN timescale. The fits are scipy's `curve_fit` with
/// bounds (`BoundedLeastSquares`: trust-region reflective, 2-point Jacobian, tolerances 1e-8),
/// the model functions written as in the reference (a·c·e^{−k/τ1} + a·(1 − c)·e^{−k/τ2}).
public enum ExponentialDecayFit {
    /// AIC of a fit that failed.
    public static let failedAIC = 1e5

    public struct Comparison: Sendable, Equatable {
        /// 1 (single) or 2 (double); nil when neither fit is better.
        public var model: Int?
        public var timescale: Double
        /// (a, τ), NaN when the fit failed.
        public var single: [Double]
        /// (a, τ1, τ2, c), NaN when the fit failed.
        public var double: [Double]
        public var singleAIC: Double
        public var doubleAIC: Double
    }

    public static func aic(sumOfSquares: Double, points: Int, parameters: Int) -> Double {
        2 * Double(parameters) + Double(points) * log(sumOfSquares / Double(points))
    }

    /// Both fits, each started at the middle of its box (what scipy's `curve_fit` does with bounds
    /// and no initial guess), and their comparison.
    public static func compare(_ y: [Double], maxAmplitude: Double, maxTimescale: Double, maxEvaluations: Int) -> Comparison {
        let n = y.count
        guard n >= 5, y.allSatisfy(\.isFinite) else {
            return Comparison(model: nil, timescale: .nan, single: [.nan, .nan], double: [.nan, .nan, .nan, .nan],
                              singleAIC: failedAIC, doubleAIC: failedAIC)
        }
        let single = BoundedLeastSquares.minimize(initial: [maxAmplitude / 2, maxTimescale / 2], lower: [0, 0],
                                                  upper: [maxAmplitude, maxTimescale],
                                                  residuals: n, maxEvaluations: maxEvaluations) { p, r in
            for k in 0..<n { r[k] = p[0] * exp(-Double(k) / p[1]) - y[k] }
        }
        let double = BoundedLeastSquares.minimize(initial: [maxAmplitude / 2, maxTimescale / 2, maxTimescale / 2, 0.5],
                                                  lower: [0, 0, 0, 0],
                                                  upper: [maxAmplitude, maxTimescale, maxTimescale, 1],
                                                  residuals: n, maxEvaluations: maxEvaluations) { p, r in
            for k in 0..<n {
                let lag = Double(k)
                r[k] = p[0] * p[3] * exp(-lag / p[1]) + p[0] * (1 - p[3]) * exp(-lag / p[2]) - y[k]
            }
        }
        let singleAIC = single.converged ? aic(sumOfSquares: single.sumOfSquares, points: n, parameters: 2) : failedAIC
        let doubleAIC = double.converged ? aic(sumOfSquares: double.sumOfSquares, points: n, parameters: 4) : failedAIC
        var comparison = Comparison(model: nil, timescale: .nan,
                                    single: single.converged ? single.parameters : [.nan, .nan],
                                    double: double.converged ? double.parameters : [.nan, .nan, .nan, .nan],
                                    singleAIC: singleAIC, doubleAIC: doubleAIC)
        if singleAIC < doubleAIC {
            comparison.model = 1
            comparison.timescale = single.parameters[1]
        } else if doubleAIC < singleAIC {
            comparison.model = 2
            comparison.timescale = max(double.parameters[1], double.parameters[2])
        }
        return comparison
    }
}
