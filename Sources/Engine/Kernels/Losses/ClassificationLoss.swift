import Foundation

/// Losses of a classifier's outputs at one step of a batch, in Float32.
///   logits [B, C'], labels [B], dLogits [B, C']
/// The batch loss is the mean over the batch (and, by the caller, over loss steps).
public enum ClassificationLoss: Sendable, Equatable {
    /// Softmax cross-entropy over C outputs.
    case crossEntropy
    /// Mean over the C outputs of (y_c − target·[c = label])².
    case meanSquared(target: Float)
    /// One output, (y − target·(2·label − 1))² for two classes.
    case meanSquaredScalar(target: Float)

    /// Returns Σ_b ℓ_b (Float). If `dLogits` is given, writes gradientScale · dℓ_b/dlogits.
    @inline(__always)
    public func evaluate(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                         batch: Int, outputs: Int, dLogits: UnsafeMutablePointer<Float>? = nil,
                         gradientScale: Float = 1) -> Float {
        var total: Float = 0
        for b in 0..<batch {
            let y = logits + b * outputs, label = Int(labels[b])
            switch self {
            case .crossEntropy:
                // (y_max − y_label) + log Σ exp(y_c − y_max), with a plain log of the sum (as PyTorch):
                // once every margin exceeds ~16.6 this is exactly 0 in Float.
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
            case .meanSquared(let target):
                var squared: Float = 0
                for c in 0..<outputs {
                    let difference = y[c] - (c == label ? target : 0)
                    squared += difference * difference
                    dLogits?[b * outputs + c] = gradientScale * 2 * difference / Float(outputs)
                }
                total += squared / Float(outputs)
            case .meanSquaredScalar(let target):
                let difference = y[0] - target * Float(2 * label - 1)
                total += difference * difference
                dLogits?[b] = gradientScale * 2 * difference
            }
        }
        return total
    }

    /// Number of samples whose predicted class equals the label: argmax of the logits, or
    /// with one scalar output class 1 iff the output is > 0.
    @inline(__always)
    public func correctCount(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                             batch: Int, outputs: Int) -> Int {
        var correct = 0
        for b in 0..<batch {
            let y = logits + b * outputs
            var predicted = 0
            if case .meanSquaredScalar = self {
                predicted = y[0] > 0 ? 1 : 0
            } else {
                for c in 1..<outputs where y[c] > y[predicted] { predicted = c }
            }
            if predicted == Int(labels[b]) { correct += 1 }
        }
        return correct
    }
}
