import Foundation

/// The losses of farrell.md C.1 on one output step of a batch, in Float32 as the reference.
///   logits [B, C'], labels [B], dLogits [B, C']
/// The batch loss is the mean over the batch (and, by the caller, over loss steps).
public enum Loss {
    /// Target of a class for the mse losses: 0.7 one-hot (mse) or ±0.7 (mse_scalar).
    static let targetMagnitude: Float = 0.7

    /// Returns Σ_b ℓ_b (Float). If `dLogits` is given, writes gradientScale · dℓ_b/dlogits.
    @inline(__always)
    public static func evaluate(_ kind: LossKind, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                batch: Int, outputs: Int, dLogits: UnsafeMutablePointer<Float>? = nil,
                                gradientScale: Float = 1) -> Float {
        var total: Float = 0
        for b in 0..<batch {
            let y = logits + b * outputs, label = Int(labels[b])
            switch kind {
            case .cce:
                // (y_max − y_label) + log Σ exp(y_c − y_max), with a plain log of the sum: once every
                // margin exceeds ~16.6 this is exactly 0 in Float, as in the reference (C.2).
                var maximum = y[0]
                for c in 1..<outputs { maximum = max(maximum, y[c]) }
                var sum: Float = 0
                for c in 0..<outputs { sum += expf(y[c] - maximum) }
                total += (maximum - y[label]) + logf(sum)
                if let dLogits {
                    let d = dLogits + b * outputs
                    for c in 0..<outputs {
                        d[c] = gradientScale * (expf(y[c] - maximum) / sum - (c == label ? 1 : 0))
                    }
                }
            case .mse:
                var squared: Float = 0
                for c in 0..<outputs {
                    let difference = y[c] - (c == label ? targetMagnitude : 0)
                    squared += difference * difference
                    dLogits?[b * outputs + c] = gradientScale * 2 * difference / Float(outputs)
                }
                total += squared / Float(outputs)
            case .mseScalar:
                let difference = y[0] - targetMagnitude * Float(2 * label - 1)
                total += difference * difference
                dLogits?[b] = gradientScale * 2 * difference
            }
        }
        return total
    }

    /// Number of samples whose predicted class equals the label: argmax of the logits, or
    /// for mse_scalar class 1 iff the output is > 0 (farrell.md B.4).
    @inline(__always)
    public static func correctCount(_ kind: LossKind, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                    batch: Int, outputs: Int) -> Int {
        var correct = 0
        for b in 0..<batch {
            let y = logits + b * outputs
            var predicted = 0
            if kind == .mseScalar {
                predicted = y[0] > 0 ? 1 : 0
            } else {
                for c in 1..<outputs where y[c] > y[predicted] { predicted = c }
            }
            if predicted == Int(labels[b]) { correct += 1 }
        }
        return correct
    }

    /// The reference's L2 term (C.1), reproduced as it is: λ · mean over all parameter tensors
    /// (frozen ones included; stacked layers count one tensor each) of ‖p‖_F / N — the
    /// non-squared norm. Adds its gradient λ/(P N) · p/‖p‖_F to trainable tensors and returns the
    /// term's value.
    static func addL2(_ parameters: ParameterStore, strength: Double, stateSize: Int) -> Float {
        l2(parameters, strength: strength, stateSize: stateSize, addGradient: true)
    }

    static func l2Value(_ parameters: ParameterStore, strength: Double, stateSize: Int) -> Float {
        l2(parameters, strength: strength, stateSize: stateSize, addGradient: false)
    }

    private static func l2(_ parameters: ParameterStore, strength: Double, stateSize: Int, addGradient: Bool) -> Float {
        guard strength > 0 else { return 0 }
        let tensors = Double(parameters.specs.reduce(0) { $0 + $1.slices })
        var value = 0.0
        for (spec, offset) in zip(parameters.specs, parameters.offsets) where spec.slices > 0 {
            let sliceCount = spec.count / spec.slices
            for slice in 0..<spec.slices {
                let p = parameters.values + offset + slice * sliceCount
                var squared = 0.0
                for i in 0..<sliceCount { squared += Double(p[i]) * Double(p[i]) }
                let norm = squared.squareRoot()
                value += norm / Double(stateSize)
                if addGradient, spec.trainable, norm > 0 {
                    let factor = Float(strength / (tensors * Double(stateSize) * norm))
                    let g = parameters.gradients + offset + slice * sliceCount
                    for i in 0..<sliceCount { g[i] += factor * p[i] }
                }
            }
        }
        return Float(strength * value / tensors)
    }
}
