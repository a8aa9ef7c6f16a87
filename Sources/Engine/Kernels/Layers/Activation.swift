import CVectorKernels

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

    /// dA <- dH ⊙ φ'(a), with φ'(a) computed from h = φ(a) (as `derivative` and a product would).
    @inline(__always)
    public func backward(outputs h: UnsafePointer<Float>, dOutputs dH: UnsafePointer<Float>,
                         into dA: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: for i in 0..<count { dA[i] = dH[i] * (1 - h[i] * h[i]) }
        case .relu: for i in 0..<count { dA[i] = h[i] > 0 ? dH[i] : 0 }
        case .linear: dA.update(from: dH, count: count)
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

/// tanh in place, within 1 ulp of the correctly rounded value everywhere and exactly ±1 only where
/// the correctly rounded value is (|x| > 9.01). The saturated range matters: the backward pass takes
/// φ' = 1 − h² from the Float output, and a unit with 8 < |a| < 9 must keep the small slope
/// (1e-7 … 5e-7) that PyTorch's float32 tanh gives it — RMSprop turns even that into a full step (an
/// approximation that returned ±1 from |x| = 7.9 on left trained, strongly chaotic networks
/// measurably more high-dimensional than the reference's). The arrays go to CVectorKernels'
/// `tanh_float`: `tanhVector`'s operations at the widest vector the CPU runs (16 lanes with AVX-512,
/// where Swift's build stops at 8), the same bits (GateKernelsTests.floatTanhIsTanhVectorOnEveryVariant).
@inline(__always)
public func fastTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    tanh_float(x, count)
}

/// tanh of 8 lanes: for |x| < 0.625 an odd polynomial (x + x z P(z), z = x², a least-squares fit of
/// tanh(x)/x − 1 with relative error 4e-9); above, 1 − 2/(e^{2|x|} + 1) with the sign of x, which is
/// exact to the last bit near 1.
@inline(__always)
func tanhVector(_ x: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: V.self)
    let z = x * x
    var p = V(repeating: 1.0481122263771422e-3)
    p = p * z - 7.006620106834764e-3
    p = p * z + 2.124637230436745e-2
    p = p * z - 5.3869923666082495e-2
    p = p * z + 1.3332680086953205e-1
    p = p * z - 3.3333320986381115e-1
    // Tiny |x|: tanh(x) = x in Float (keeps −0 and subnormals exact).
    let small = (x + x * z * p).replacing(with: x, where: magnitude .< 0.0004)
    let isLarge = magnitude .>= 0.625
    guard any(isLarge) else { return small }
    // e^{2|x|} is capped at e^40 (tanh is 1 in Float long before); NaN stays NaN.
    let twice = magnitude + magnitude
    let e = expVector(twice.replacing(with: 40, where: twice .> 40))
    let large = 1 - 2 / (e + 1)
    let signed = large.replacing(with: -large, where: x .< 0)
    return small.replacing(with: signed, where: isLarge)
}

/// e^y for y in [-87, 88], 8 lanes: n = round(y / ln 2) and r = y − n ln 2 (Cody-Waite), e^r by
/// Cephes' expf polynomial, times 2^n built in the exponent bits. Within 1 ulp.
@inline(__always)
func expVector(_ y: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    // round(y / ln 2) by adding 1.5·2^23: the low bits of the sum are the integer n.
    let shifter: Float = 12_582_912
    let t = y * 1.44269504088896341 + shifter
    let n = t - shifter
    var r = y - n * 0.693359375
    r = r + n * 2.12194440e-4
    let r2 = r * r
    var p = V(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r2 + r + 1
    let exponent = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(bitPattern: shifter.bitPattern) &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: V.self)
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
