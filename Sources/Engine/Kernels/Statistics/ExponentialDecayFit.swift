import Foundation

/// An autocorrelation y_k (k = 0 … L, normalised so that y_0 = 1) fitted by one and by two
/// decaying exponentials in a box, the two compared by Akaike's criterion:
///   single:  a e^{−k/τ},                          0 <= a <= amax, 0 <= τ <= τmax
///   double:  a (c e^{−k/τ1} + (1 − c) e^{−k/τ2}),  0 <= a <= amax, 0 <= τ1, τ2 <= τmax, 0 <= c <= 1
///   AIC = 2 p + n ln(RSS / n)   (p parameters, n = L + 1 points)
/// The timescale is τ of the single fit or the larger of τ1, τ2, whichever model has the lower
/// AIC; a fit that does not converge counts as AIC = 10^5 (as the reference's failed fits), and
/// a tie (both failed) gives no model and a NaN timescale.
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

    /// Both fits from the start (1, 1) and (1, 1, 1, 1) (scipy's default), and their comparison.
    public static func compare(_ y: [Double], maxAmplitude: Double, maxTimescale: Double, maxEvaluations: Int) -> Comparison {
        let n = y.count
        guard n >= 5, y.allSatisfy(\.isFinite) else {
            return Comparison(model: nil, timescale: .nan, single: [.nan, .nan], double: [.nan, .nan, .nan, .nan],
                              singleAIC: failedAIC, doubleAIC: failedAIC)
        }
        let single = BoundedLeastSquares.minimize(initial: [1, 1], lower: [0, 0], upper: [maxAmplitude, maxTimescale],
                                                  residuals: n, maxEvaluations: maxEvaluations) { p, r, j in
            let a = p[0], tau = p[1]
            for k in 0..<n {
                let lag = Double(k), e = exp(-lag / tau)
                r[k] = a * e - y[k]
                j[2 * k] = e
                j[2 * k + 1] = a * e * lag / (tau * tau)
            }
        }
        let double = BoundedLeastSquares.minimize(initial: [1, 1, 1, 1], lower: [0, 0, 0, 0],
                                                  upper: [maxAmplitude, maxTimescale, maxTimescale, 1],
                                                  residuals: n, maxEvaluations: maxEvaluations) { p, r, j in
            let a = p[0], tau1 = p[1], tau2 = p[2], c = p[3]
            for k in 0..<n {
                let lag = Double(k), e1 = exp(-lag / tau1), e2 = exp(-lag / tau2)
                r[k] = a * (c * e1 + (1 - c) * e2) - y[k]
                j[4 * k] = c * e1 + (1 - c) * e2
                j[4 * k + 1] = a * c * e1 * lag / (tau1 * tau1)
                j[4 * k + 2] = a * (1 - c) * e2 * lag / (tau2 * tau2)
                j[4 * k + 3] = a * (e1 - e2)
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
