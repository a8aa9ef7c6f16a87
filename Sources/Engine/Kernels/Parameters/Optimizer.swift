import Foundation

/// An update rule with its constants, in PyTorch's semantics and PyTorch's arithmetic: constants
/// are Double (Python floats) and enter the Float32 arithmetic as PyTorch passes them (1 − α is
/// computed in Double, then rounded; bias corrections are Double). A family picks the rule and the
/// constants its reference uses; nothing here has a default that belongs to one paper.
public enum OptimizerRule: Sendable, Equatable {
    /// d = g + λθ; with momentum μ: buf = d on the first step, then μ·buf + d, and d = buf (or
    /// d + μ·buf with Nesterov); θ += −lr·d.
    case sgd(momentum: Double, nesterov: Bool = false, weightDecay: Double = 0)
    /// v = α v + (1 − α) g², a = √v + ε (ε outside the root); θ += −lr·g/a, or with momentum μ
    /// buf = μ buf + g/a, θ += −lr·buf.
    case rmsprop(smoothing: Double, epsilon: Double, momentum: Double = 0)
    /// Adam with bias correction: m = lerp(m, g, 1 − β1), v = β2 v + (1 − β2) g²,
    /// θ += −(lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε). `weightDecay` λ couples to the gradient
    /// (g + λθ, PyTorch's Adam) or, with `decoupled`, shrinks the weights first (θ ·= 1 − lr·λ, AdamW).
    case adam(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double = 0, decoupled: Bool = false)
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
    /// Updates made so far (Adam's bias correction and SGD's first momentum step use it).
    public var steps = 0

    public init(_ rule: OptimizerRule, parameters: ParameterStore) {
        self.rule = rule
        self.parameters = parameters
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
        let minusRate = Float(-learningRate)
        for range in parameters.trainableRanges {
            let theta = parameters.values + range.lowerBound, g = parameters.gradients + range.lowerBound
            let m = first + range.lowerBound, v = second + range.lowerBound
            let count = range.count
            switch rule {
            case .sgd(let momentumValue, let nesterov, let decayValue):
                let momentum = Float(momentumValue), decay = Float(decayValue)
                for i in 0..<count {
                    let d = decay == 0 ? g[i] : g[i] + decay * theta[i]
                    if momentum > 0 {
                        m[i] = steps == 1 ? d : m[i] * momentum + d
                        theta[i] += minusRate * (nesterov ? d + momentum * m[i] : m[i])
                    } else {
                        theta[i] += minusRate * d
                    }
                }
            case .rmsprop(let alpha, let epsilonValue, let momentumValue):
                let keep = Float(alpha), blend = Float(1 - alpha), epsilon = Float(epsilonValue), momentum = Float(momentumValue)
                var start = 0
                if momentum == 0 {
                    // 8 lanes at a time (the same arithmetic as the scalar loop below, lane by lane).
                    typealias V = SIMD8<Float>
                    let rawTheta = UnsafeMutableRawPointer(theta), rawV = UnsafeMutableRawPointer(v), rawG = UnsafeRawPointer(g)
                    while start + 8 <= count {
                        let offset = start * 4
                        let gradient = rawG.loadUnaligned(fromByteOffset: offset, as: V.self)
                        let average = rawV.loadUnaligned(fromByteOffset: offset, as: V.self) * keep + blend * gradient * gradient
                        rawV.storeBytes(of: average, toByteOffset: offset, as: V.self)
                        let step = gradient / (average.squareRoot() + epsilon)
                        rawTheta.storeBytes(of: rawTheta.loadUnaligned(fromByteOffset: offset, as: V.self) + minusRate * step,
                                            toByteOffset: offset, as: V.self)
                        start += 8
                    }
                }
                for i in start..<count {
                    v[i] = v[i] * keep + blend * g[i] * g[i]
                    let step = g[i] / (v[i].squareRoot() + epsilon)
                    if momentum > 0 {
                        m[i] = m[i] * momentum + step
                        theta[i] += minusRate * m[i]
                    } else {
                        theta[i] += minusRate * step
                    }
                }
            case .adam(let beta1, let beta2, let epsilonValue, let decayValue, let decoupled):
                let firstWeight = Float(1 - beta1), keep2 = Float(beta2), blend2 = Float(1 - beta2)
                let correction1 = 1 - pow(beta1, Double(steps)), correction2Root = (1 - pow(beta2, Double(steps))).squareRoot()
                let minusStep = Float(-learningRate / correction1), root = Float(correction2Root), epsilon = Float(epsilonValue)
                let decay = Float(decayValue), shrink = Float(1 - learningRate * decayValue)
                var start = 0
                if decayValue == 0 {
                    // 8 lanes at a time (the same arithmetic as the scalar loop below, lane by lane).
                    typealias V = SIMD8<Float>
                    let rawTheta = UnsafeMutableRawPointer(theta), rawM = UnsafeMutableRawPointer(m)
                    let rawV = UnsafeMutableRawPointer(v), rawG = UnsafeRawPointer(g)
                    while start + 8 <= count {
                        let offset = start * 4
                        let gradient = rawG.loadUnaligned(fromByteOffset: offset, as: V.self)
                        var moment = rawM.loadUnaligned(fromByteOffset: offset, as: V.self)
                        moment += firstWeight * (gradient - moment)
                        let second = rawV.loadUnaligned(fromByteOffset: offset, as: V.self) * keep2 + blend2 * gradient * gradient
                        rawM.storeBytes(of: moment, toByteOffset: offset, as: V.self)
                        rawV.storeBytes(of: second, toByteOffset: offset, as: V.self)
                        let update = minusStep * (moment / (second.squareRoot() / root + epsilon))
                        rawTheta.storeBytes(of: rawTheta.loadUnaligned(fromByteOffset: offset, as: V.self) + update,
                                            toByteOffset: offset, as: V.self)
                        start += 8
                    }
                }
                for i in start..<count {
                    var gradient = g[i]
                    if decayValue != 0 {
                        if decoupled { theta[i] *= shrink } else { gradient += decay * theta[i] }
                    }
                    m[i] += firstWeight * (gradient - m[i])
                    v[i] = v[i] * keep2 + blend2 * gradient * gradient
                    theta[i] += minusStep * (m[i] / (v[i].squareRoot() / root + epsilon))
                }
            }
        }
        parameters.valuesChanged()
    }
}
