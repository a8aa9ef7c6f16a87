import Foundation

/// An update rule with its constants, in PyTorch's semantics. A family picks the rule and the
/// constants its reference uses; nothing here has a default that belongs to one paper.
public enum OptimizerRule: Sendable, Equatable {
    /// θ -= lr·d with d = g + λθ; with momentum μ: buf = d on the first step, then μ·buf + d, and
    /// d = buf (or d + μ·buf with Nesterov).
    case sgd(momentum: Float, nesterov: Bool = false, weightDecay: Float = 0)
    /// v = α v + (1 − α) g², step = g / (√v + ε) (ε outside the root, as PyTorch); with momentum
    /// μ: buf = μ buf + step, θ -= lr·buf.
    case rmsprop(smoothing: Float, epsilon: Float, momentum: Float = 0)
    /// Adam with bias correction. `weightDecay` λ couples to the gradient (g + λθ, PyTorch's Adam)
    /// or, with `decoupled`, shrinks the weights first (θ ·= 1 − lr·λ, PyTorch's AdamW).
    case adam(beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float = 0, decoupled: Bool = false)
}

/// An optimizer over the trainable ranges of a parameter store. State buffers are allocated once,
/// in the layout of the store, so that checkpoints can save them as flat arrays.
public final class Optimizer {
    public let rule: OptimizerRule
    let parameters: ParameterStore
    /// Momentum buffer / Adam's first moment, [parameters.count].
    public let first: UnsafeMutablePointer<Float>
    /// RMSprop's square average / Adam's second moment, [parameters.count].
    public let second: UnsafeMutablePointer<Float>
    /// Updates made so far (Adam's bias correction uses it).
    public var steps = 0
    /// The entries it updates: every trainable tensor, or the tensors it was made for.
    public let ranges: [Range<Int>]

    public convenience init(_ rule: OptimizerRule, parameters: ParameterStore) {
        self.init(rule, parameters: parameters, ranges: parameters.trainableRanges)
    }

    /// An optimizer of the named tensors only (with its own state): a second objective that
    /// trains a subset of a model's parameters, as gradient flossing does.
    public convenience init(_ rule: OptimizerRule, parameters: ParameterStore, tensors: [String]) {
        self.init(rule, parameters: parameters, ranges: tensors.map(parameters.range))
    }

    private init(_ rule: OptimizerRule, parameters: ParameterStore, ranges: [Range<Int>]) {
        self.rule = rule
        self.parameters = parameters
        self.ranges = ranges
        first = .allocate(capacity: max(1, parameters.count)); first.initialize(repeating: 0, count: max(1, parameters.count))
        second = .allocate(capacity: max(1, parameters.count)); second.initialize(repeating: 0, count: max(1, parameters.count))
    }

    deinit {
        first.deallocate()
        second.deallocate()
    }

    /// One update with the current gradients.
    public func step(learningRate: Double) {
        steps += 1
        let lr = Float(learningRate)
        for range in ranges {
            let theta = parameters.values + range.lowerBound, g = parameters.gradients + range.lowerBound
            let m = first + range.lowerBound, v = second + range.lowerBound
            let count = range.count
            switch rule {
            case .sgd(let momentum, let nesterov, let decay):
                if momentum > 0 {
                    for i in 0..<count {
                        let d = decay == 0 ? g[i] : g[i] + decay * theta[i]
                        m[i] = steps == 1 ? d : momentum * m[i] + d
                        theta[i] -= lr * (nesterov ? d + momentum * m[i] : m[i])
                    }
                } else {
                    for i in 0..<count { theta[i] -= lr * (decay == 0 ? g[i] : g[i] + decay * theta[i]) }
                }
            case .rmsprop(let alpha, let epsilon, let momentum):
                for i in 0..<count {
                    v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i]
                    let step = g[i] / (v[i].squareRoot() + epsilon)
                    if momentum > 0 {
                        m[i] = momentum * m[i] + step
                        theta[i] -= lr * m[i]
                    } else {
                        theta[i] -= lr * step
                    }
                }
            case .adam(let b1, let b2, let epsilon, let decay, let decoupled):
                let correction1 = 1 - powf(b1, Float(steps)), correction2 = 1 - powf(b2, Float(steps))
                let stepSize = lr / correction1, correction2Root = correction2.squareRoot()
                for i in 0..<count {
                    var gradient = g[i]
                    if decay != 0 {
                        if decoupled { theta[i] *= 1 - lr * decay } else { gradient += decay * theta[i] }
                    }
                    m[i] = b1 * m[i] + (1 - b1) * gradient
                    v[i] = b2 * v[i] + (1 - b2) * gradient * gradient
                    theta[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + epsilon)
                }
            }
        }
    }
}
