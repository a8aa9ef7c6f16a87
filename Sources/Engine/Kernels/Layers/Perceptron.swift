/// A two-layer perceptron f(u) = W2 φ(W1 u + b1) + b2 over a batch, with its backward pass in
/// two pieces: the input gradient (needed step by step when f is iterated) and the weight
/// gradients (one product over every step and stage once the pass is done).
///   u [B, I], hidden [B, K], output [B, O]; W1 [K, I], b1 [K], W2 [O, K], b2 [O]
public struct Perceptron {
    public let first: LinearLayer, second: LinearLayer
    public let nonlinearity: Nonlinearity

    public init(first: LinearLayer, second: LinearLayer, nonlinearity: Nonlinearity) {
        precondition(first.outputSize == second.inputSize, "the layers of a perceptron must fit")
        self.first = first; self.second = second; self.nonlinearity = nonlinearity
    }

    public var inputSize: Int { first.inputSize }
    public var hiddenSize: Int { first.outputSize }
    public var outputSize: Int { second.outputSize }

    /// hidden = φ(u W1ᵀ + b1), output = hidden W2ᵀ + b2.
    @inline(__always)
    public func forward(_ u: UnsafePointer<Float>, batch: Int, hidden: UnsafeMutablePointer<Float>,
                        output: UnsafeMutablePointer<Float>) {
        first.forward(u, batch: batch, output: hidden)
        if nonlinearity == .tanh {
            fastTanh(hidden, count: batch * hiddenSize)
        } else {
            nonlinearity.apply(hidden, count: batch * hiddenSize)
        }
        second.forward(hidden, batch: batch, output: output)
    }

    /// dHiddenPre = (dy W2) ⊙ φ'(a) from the recorded hidden = φ(a); dInput += dHiddenPre W1
    /// when given. dy [B, O], dHiddenPre [B, K], dInput [B, I].
    @inline(__always)
    public func pullback(dOutput dy: UnsafePointer<Float>, hidden: UnsafePointer<Float>, batch: Int,
                         dHiddenPre: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?) {
        let count = batch * hiddenSize
        second.propagate(dOutput: dy, batch: batch, dInput: dHiddenPre, accumulate: false)
        switch nonlinearity {
        case .tanh: for i in 0..<count { dHiddenPre[i] *= 1 - hidden[i] * hidden[i] }
        case .relu: for i in 0..<count where hidden[i] <= 0 { dHiddenPre[i] = 0 }
        case .linear: break
        }
        if let dInput { first.propagate(dOutput: dHiddenPre, batch: batch, dInput: dInput) }
    }

    /// The weight and bias gradients of `rows` recorded evaluations:
    /// inputs [rows, I], hidden [rows, K], dHiddenPre [rows, K], dOutput [rows, O].
    public func accumulateGradients(inputs: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                                    dHiddenPre: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, rows: Int) {
        second.accumulateGradients(hidden, dOutput: dOutput, rows: rows)
        first.accumulateGradients(inputs, dOutput: dHiddenPre, rows: rows)
    }
}
