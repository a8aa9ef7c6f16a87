import Foundation

/// The Poisson negative log-likelihood of counts k under log-rates ℓ, as PyTorch's
/// `poisson_nll_loss(log_input=True, full=True)`:
///   e^ℓ − k ℓ + s(k),  s(k) = k ln k − k + ½ ln(2πk) for k > 1, else 0
/// (Stirling's approximation of ln k!, which makes the value the full negative log-likelihood
/// for large counts; it does not depend on ℓ). Values in Float32 as the reference computes them,
/// sums in Double.
public enum PoissonLoss {
    /// s(k), the Stirling term.
    @inline(__always)
    public static func stirling(_ k: Float) -> Float {
        k > 1 ? k * logf(k) - k + 0.5 * logf(2 * Float.pi * k) : 0
    }

    /// s(k) for the counts 0 ..< 256 (spike counts are small integers): the same values, without two
    /// logarithms per entry of every loss.
    static let stirlingOfSmallCounts: [Float] = (0..<256).map { stirling(Float($0)) }

    /// s(k) from the table where k is a small integer, else computed.
    @inline(__always)
    static func stirling(_ k: Float, table: UnsafePointer<Float>) -> Float {
        if k >= 0 && k < 256, let index = Int(exactly: k) { return table[index] }
        return stirling(k)
    }

    /// Σ_i of the loss over `count` entries of log-rates and counts.
    public static func sum(logRates: UnsafePointer<Float>, counts: UnsafePointer<Float>, count: Int) -> Double {
        stirlingOfSmallCounts.withUnsafeBufferPointer { table in
            var total = 0.0
            for i in 0..<count {
                let l = logRates[i], k = counts[i]
                total += Double(expf(l) - k * l + stirling(k, table: table.baseAddress!))
            }
            return total
        }
    }

    /// Σ_i of the loss, and dLogRates_i = scale · (e^ℓ_i − k_i) (the gradient of scale · Σ).
    public static func sum(logRates: UnsafePointer<Float>, counts: UnsafePointer<Float>, count: Int,
                           gradientScale: Float, dLogRates: UnsafeMutablePointer<Float>) -> Double {
        stirlingOfSmallCounts.withUnsafeBufferPointer { table in
            var total = 0.0
            for i in 0..<count {
                let l = logRates[i], k = counts[i], rate = expf(l)
                total += Double(rate - k * l + stirling(k, table: table.baseAddress!))
                dLogRates[i] = gradientScale * (rate - k)
            }
            return total
        }
    }
}
