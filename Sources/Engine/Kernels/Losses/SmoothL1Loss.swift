/// The smooth L1 (Huber-like) loss of PyTorch's `nn.SmoothL1Loss` with threshold β:
///   ℓ(d) = d² / (2β) for |d| < β, |d| − β/2 otherwise,  d = prediction − target.
/// The loss is symmetric in its arguments, so the order PyTorch is called with does not matter.
public enum SmoothL1Loss {
    /// Σ_i ℓ(p_i − t_i) over `count` entries (accumulated in Double). With `dPrediction`, writes
    /// gradientScale · ℓ'(p_i − t_i) (ℓ' = d/β inside the threshold, sign(d) outside) there.
    @inline(__always)
    public static func evaluate(prediction p: UnsafePointer<Float>, target t: UnsafePointer<Float>, count: Int,
                                beta: Float = 1, dPrediction: UnsafeMutablePointer<Float>? = nil,
                                gradientScale: Float = 1) -> Double {
        precondition(beta > 0, "SmoothL1Loss needs beta > 0")
        var total = 0.0
        for i in 0..<count {
            let d = p[i] - t[i], magnitude = abs(d)
            if magnitude < beta {
                total += Double(0.5 * d * d / beta)
                dPrediction?[i] = gradientScale * d / beta
            } else {
                total += Double(magnitude - 0.5 * beta)
                dPrediction?[i] = gradientScale * (d > 0 ? 1 : -1)
            }
        }
        return total
    }
}
