/// Vectorised elementwise functions of the time loop. The hidden nonlinearity is evaluated
/// B x N times per step; libm's scalar tanhf would cost as much as the matrix products.

extension Nonlinearity {
    /// x <- φ(x), count entries.
    @inline(__always)
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: fastTanh(x, count: count)
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .linear: break
        }
    }

    /// gate <- φ'(a) computed from h = φ(a).
    @inline(__always)
    public func derivative(fromOutputs h: UnsafePointer<Float>, into gate: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: for i in 0..<count { gate[i] = 1 - h[i] * h[i] }
        case .relu: for i in 0..<count { gate[i] = h[i] > 0 ? 1 : 0 }
        case .linear: gate.update(repeating: 1, count: count)
        }
    }
}

/// tanh in place by a [13/6] rational approximation on [-7.9, 7.9] (the one used by Eigen),
/// accurate to a few ulp in Float; 8 lanes at a time.
@inline(__always)
func fastTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD8<Float>
    let raw = UnsafeMutableRawPointer(x)
    var i = 0
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        raw.storeBytes(of: tanhRational(v), toByteOffset: i * 4, as: V.self)
        i += 8
    }
    if i < count {
        var tail = V(repeating: 0)
        for j in i..<count { tail[j - i] = x[j] }
        let result = tanhRational(tail)
        for j in i..<count { x[j] = result[j - i] }
    }
}

@inline(__always)
func tanhRational(_ input: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    let bound: Float = 7.90531110763549805
    let x = input.clamped(lowerBound: V(repeating: -bound), upperBound: V(repeating: bound))
    let x2 = x * x
    // Odd numerator p(x) = x (α1 + α3 x² + ... + α13 x¹²), even denominator q(x) = β0 + ... + β6 x⁶.
    let alpha13: Float = -2.76076847742355e-16, alpha11: Float = 2.00018790482477e-13
    let alpha9: Float = -8.60467152213735e-11, alpha7: Float = 5.12229709037114e-08
    let alpha5: Float = 1.48572235717979e-05, alpha3: Float = 6.37261928875436e-04
    let alpha1: Float = 4.89352455891786e-03
    let beta6: Float = 1.19825839466702e-06, beta4: Float = 1.18534705686654e-04
    let beta2: Float = 2.26843463243900e-03, beta0: Float = 4.89352518554385e-03
    var p = V(repeating: alpha13)
    p = p * x2 + V(repeating: alpha11)
    p = p * x2 + V(repeating: alpha9)
    p = p * x2 + V(repeating: alpha7)
    p = p * x2 + V(repeating: alpha5)
    p = p * x2 + V(repeating: alpha3)
    p = p * x2 + V(repeating: alpha1)
    p = p * x
    var q = V(repeating: beta6)
    q = q * x2 + V(repeating: beta4)
    q = q * x2 + V(repeating: beta2)
    q = q * x2 + V(repeating: beta0)
    let result = p / q
    // Tiny inputs: tanh(x) = x to Float precision (and keeps -0 and subnormals exact).
    let tiny = input .< V(repeating: 0.0004) .& input .> V(repeating: -0.0004)
    return result.replacing(with: input, where: tiny)
}

/// Training-time perturbations of a hidden state, applied right after φ:
/// h <- dropout(h + σ ξ). `gate` (φ'(a) on entry) is multiplied by the dropout mask.
public struct StatePerturbation: Sendable {
    public var noiseScale: Float
    public var dropProbability: Float

    public init(noiseScale: Float, dropProbability: Float) {
        self.noiseScale = noiseScale; self.dropProbability = dropProbability
    }

    public var isActive: Bool { noiseScale > 0 || dropProbability > 0 }

    @inline(__always)
    public func apply(_ h: UnsafeMutablePointer<Float>, gate: UnsafeMutablePointer<Float>?, count: Int, stream: inout RandomStream) {
        if noiseScale > 0 {
            for i in 0..<count { h[i] += noiseScale * Float(stream.nextNormal()) }
        }
        if dropProbability > 0 {
            let keepScale = 1 / (1 - dropProbability)
            for i in 0..<count {
                let mask: Float = stream.nextUniform() < Double(dropProbability) ? 0 : keepScale
                h[i] *= mask
                gate?[i] *= mask
            }
        }
    }
}
