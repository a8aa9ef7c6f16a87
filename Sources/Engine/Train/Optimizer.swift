import Foundation

/// The optimizers of farrell.md C.2 with PyTorch's update rules, over the trainable ranges of
/// a parameter store. State buffers are allocated once, in the layout of the store.
public final class Optimizer {
    public let kind: OptimizerKind
    let parameters: ParameterStore
    let momentum: Float
    let first: UnsafeMutablePointer<Float>    // momentum buffer / Adam's first moment
    let second: UnsafeMutablePointer<Float>   // RMSprop's square average / Adam's second moment
    public private(set) var steps = 0

    static let rmspropSmoothing: Float = 0.9      // the reference's α (PyTorch's default is 0.99)
    static let epsilon: Float = 1e-8
    static let adamBeta1: Float = 0.9, adamBeta2: Float = 0.999

    public init(kind: OptimizerKind, parameters: ParameterStore, momentum: Double) {
        self.kind = kind
        self.parameters = parameters
        // Adam ignores momentum, as the reference forces it to 0.
        self.momentum = kind == .adam ? 0 : Float(momentum)
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
        for range in parameters.trainableRanges {
            let theta = parameters.values + range.lowerBound, g = parameters.gradients + range.lowerBound
            let m = first + range.lowerBound, v = second + range.lowerBound
            let count = range.count
            switch kind {
            case .sgd:
                if momentum > 0 {
                    // buf = g on the first step, then μ buf + g.
                    for i in 0..<count {
                        m[i] = steps == 1 ? g[i] : momentum * m[i] + g[i]
                        theta[i] -= lr * m[i]
                    }
                } else {
                    for i in 0..<count { theta[i] -= lr * g[i] }
                }
            case .rmsprop:
                let alpha = Self.rmspropSmoothing
                for i in 0..<count {
                    v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i]
                    let step = g[i] / (v[i].squareRoot() + Self.epsilon)     // ε outside the square root
                    if momentum > 0 {
                        m[i] = momentum * m[i] + step
                        theta[i] -= lr * m[i]
                    } else {
                        theta[i] -= lr * step
                    }
                }
            case .adam:
                let b1 = Self.adamBeta1, b2 = Self.adamBeta2
                let correction1 = 1 - powf(b1, Float(steps)), correction2 = 1 - powf(b2, Float(steps))
                let stepSize = lr / correction1, correction2Root = correction2.squareRoot()
                for i in 0..<count {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    theta[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + Self.epsilon)
                }
            }
        }
    }
}
