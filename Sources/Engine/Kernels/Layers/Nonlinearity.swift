import Foundation

/// The hidden-unit nonlinearity φ (`hid_nonlin`).
public enum Nonlinearity: String, Sendable, CaseIterable {
    case tanh, relu, linear

    /// φ(a) for one value (analyses in Double; the training loop uses the vectorised
    /// forms in Activation.swift).
    @inline(__always)
    public func value(_ a: Double) -> Double {
        switch self {
        case .tanh: Foundation.tanh(a)
        case .relu: max(a, 0)
        case .linear: a
        }
    }

    /// φ'(a) expressed through h = φ(a), which is what the backward passes keep:
    /// tanh' = 1 - h², relu' = [h > 0], linear' = 1.
    @inline(__always)
    public func derivative(fromOutput h: Double) -> Double {
        switch self {
        case .tanh: 1 - h * h
        case .relu: h > 0 ? 1 : 0
        case .linear: 1
        }
    }

    /// d/da φ'(a) expressed through h = φ(a): tanh'' = −2 h (1 − h²); relu and linear have none
    /// (relu's kink is a set of measure zero). What a gradient through a Jacobian diag(φ') W needs.
    @inline(__always)
    public func secondDerivative(fromOutput h: Double) -> Double {
        switch self {
        case .tanh: -2 * h * (1 - h * h)
        case .relu, .linear: 0
        }
    }
}
