/// Gradient clipping over the trainable ranges of a parameter store, as PyTorch's
/// `clip_grad_norm_` and `clip_grad_value_`.
public enum GradientClipping {
    /// The global L2 norm of the trainable gradients (accumulated in Double).
    public static func norm(_ parameters: ParameterStore) -> Double {
        var squared = 0.0
        for range in parameters.trainableRanges {
            let g = parameters.gradients + range.lowerBound
            for i in 0..<range.count { squared += Double(g[i]) * Double(g[i]) }
        }
        return squared.squareRoot()
    }

    /// Scales every trainable gradient by maxNorm / (‖g‖ + 1e-6) when ‖g‖ > maxNorm (PyTorch's
    /// rule, ε included). Returns the norm before clipping.
    @discardableResult
    public static func clipNorm(_ parameters: ParameterStore, maxNorm: Double) -> Double {
        let total = norm(parameters)
        let coefficient = maxNorm / (total + 1e-6)
        guard coefficient < 1 else { return total }
        let scale = Float(coefficient)
        for range in parameters.trainableRanges {
            let g = parameters.gradients + range.lowerBound
            for i in 0..<range.count { g[i] *= scale }
        }
        return total
    }

    /// Clamps every trainable gradient entry to [−limit, limit].
    public static func clipValue(_ parameters: ParameterStore, limit: Float) {
        for range in parameters.trainableRanges {
            let g = parameters.gradients + range.lowerBound
            for i in 0..<range.count { g[i] = min(max(g[i], -limit), limit) }
        }
    }

    /// Flux's `ClipNorm(maxNorm)` inside an `Optimiser`: every trainable tensor's gradient is
    /// clipped on its own, scaled by maxNorm / ‖g_tensor‖ when its norm exceeds maxNorm (no ε).
    /// Returns the global norm of all trainable gradients before clipping.
    @discardableResult
    public static func clipNormPerTensor(_ parameters: ParameterStore, maxNorm: Double) -> Double {
        var total = 0.0
        for (spec, offset) in zip(parameters.specs, parameters.offsets) where spec.trainable && spec.count > 0 {
            let g = parameters.gradients + offset
            var squared = 0.0
            for i in 0..<spec.count { squared += Double(g[i]) * Double(g[i]) }
            total += squared
            let norm = squared.squareRoot()
            guard norm > maxNorm else { continue }
            let scale = Float(maxNorm / norm)
            for i in 0..<spec.count { g[i] *= scale }
        }
        return total.squareRoot()
    }
}
