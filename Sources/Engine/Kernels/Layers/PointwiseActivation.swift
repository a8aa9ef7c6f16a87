import Foundation

/// Elementwise activation functions of rate units, as PyTorch defines them (LeakyReLU with its
/// default negative slope 0.01). The backward passes take the derivative from the output, which
/// determines it for each of these functions:
///   LeakyReLU' = [h > 0] + 0.01 [h <= 0], ReLU' = [h > 0], tanh' = 1 − h², sigmoid' = h (1 − h).
/// At 0 both (leaky) ReLUs take the negative side's slope, as PyTorch does.
public enum PointwiseActivation: String, Sendable, CaseIterable {
    case leakyReLU = "leakyrelu"
    case relu
    case tanh
    case sigmoid

    /// PyTorch's `nn.LeakyReLU()` default.
    public static let leakySlope: Float = 0.01

    /// x <- f(x), count entries.
    @inline(__always)
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .leakyReLU:
            let slope = Self.leakySlope
            for i in 0..<count { let v = x[i]; x[i] = v > 0 ? v : v * slope }
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .tanh: fastTanh(x, count: count)
        case .sigmoid: for i in 0..<count { x[i] = 1 / (1 + expf(-x[i])) }
        }
    }

    /// f(a) for one value in Double (analyses outside the training loop).
    @inline(__always)
    public func value(_ a: Double) -> Double {
        switch self {
        case .leakyReLU: a > 0 ? a : a * Double(Self.leakySlope)
        case .relu: max(a, 0)
        case .tanh: Foundation.tanh(a)
        case .sigmoid: 1 / (1 + exp(-a))
        }
    }

    /// f'(a) from h = f(a), one value.
    @inline(__always)
    public func derivative(fromOutput h: Float) -> Float {
        switch self {
        case .leakyReLU: h > 0 ? 1 : Self.leakySlope
        case .relu: h > 0 ? 1 : 0
        case .tanh: 1 - h * h
        case .sigmoid: h * (1 - h)
        }
    }

    /// gate <- f'(a) computed from h = f(a), count entries.
    @inline(__always)
    public func derivative(fromOutputs h: UnsafePointer<Float>, into gate: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .leakyReLU:
            let slope = Self.leakySlope
            for i in 0..<count { gate[i] = h[i] > 0 ? 1 : slope }
        case .relu: for i in 0..<count { gate[i] = h[i] > 0 ? 1 : 0 }
        case .tanh: for i in 0..<count { gate[i] = 1 - h[i] * h[i] }
        case .sigmoid: for i in 0..<count { gate[i] = h[i] * (1 - h[i]) }
        }
    }
}
