import Foundation

/// Binary cross-entropy of logits (Flux's `logitbinarycrossentropy`, PyTorch's
/// `BCEWithLogitsLoss`) in Float32, written in its overflow-free form:
///   ℓ(r, y) = max(r, 0) − r·y + log(1 + exp(−|r|)),   dℓ/dr = σ(r) − y
///   logits [count], targets [count] (0 or 1), dLogits [count]
public enum BinaryCrossEntropy {
    /// Returns Σ ℓ (accumulated in Double) and the number of entries classified correctly
    /// (predicted 1 iff σ(r) ≥ 0.5, i.e. r ≥ 0). With `dLogits`, writes gradientScale · dℓ/dr.
    @inline(__always)
    public static func evaluate(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int,
                                dLogits: UnsafeMutablePointer<Float>? = nil,
                                gradientScale: Float = 1) -> (total: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        for i in 0..<count {
            let r = logits[i], y = targets[i]
            let e = expf(-abs(r))
            total += Double(max(r, 0) - r * y + log1pf(e))
            if (r >= 0) == (y >= 0.5) { correct += 1 }
            if let dLogits {
                // σ(r) from e = exp(−|r|) without overflow.
                let sigma = r >= 0 ? 1 / (1 + e) : e / (1 + e)
                dLogits[i] = gradientScale * (sigma - y)
            }
        }
        return (total, correct)
    }
}
