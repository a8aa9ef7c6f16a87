import Foundation

/// Vectorised exponential and logistic function for the gated recurrences: a GRU evaluates
/// 2·B·H sigmoids per step, and libm's scalar expf would cost as much as the matrix products.

/// x <- σ(x) = 1 / (1 + e^−x), count entries, 8 lanes at a time.
@inline(__always)
public func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD8<Float>
    let raw = UnsafeMutableRawPointer(x)
    let one = V(repeating: 1)
    var i = 0
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        raw.storeBytes(of: one / (one + exponential(-v)), toByteOffset: i * 4, as: V.self)
        i += 8
    }
    if i < count {
        var tail = V(repeating: 0)
        for j in i..<count { tail[j - i] = x[j] }
        let result = one / (one + exponential(-tail))
        for j in i..<count { x[j] = result[j - i] }
    }
}

/// x <- e^x, count entries (inputs clamped to [−87.3, 88]; below that the result is 0).
@inline(__always)
public func exponentialInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD8<Float>
    let raw = UnsafeMutableRawPointer(x)
    var i = 0
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        raw.storeBytes(of: exponential(v), toByteOffset: i * 4, as: V.self)
        i += 8
    }
    if i < count {
        var tail = V(repeating: 0)
        for j in i..<count { tail[j - i] = x[j] }
        let result = exponential(tail)
        for j in i..<count { x[j] = result[j - i] }
    }
}

/// e^x by Cody-Waite range reduction x = k ln 2 + r, |r| <= ln2 / 2, and a degree-6 polynomial
/// for e^r (the Cephes expf coefficients): relative error about 1 ulp.
@inline(__always)
func exponential(_ input: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    let x = input.clamped(lowerBound: V(repeating: -87.33654), upperBound: V(repeating: 88))
    let k = (x * V(repeating: 1.442_695_04) + V(repeating: 0.5)).rounded(.down)
    var r = x - k * V(repeating: 0.693_359_375)
    r = r - k * V(repeating: -2.121_944_4e-4)
    var p = V(repeating: 1.987_569_15e-4)
    p = p * r + V(repeating: 1.398_199_95e-3)
    p = p * r + V(repeating: 8.333_451_9e-3)
    p = p * r + V(repeating: 4.166_579_59e-2)
    p = p * r + V(repeating: 1.666_666_55e-1)
    p = p * r + V(repeating: 5.000_000_12e-1)
    p = p * (r * r) + r + V(repeating: 1)
    // 2^k from the exponent bits (k in -126 ... 127 after the clamp).
    let exponentBits = (SIMD8<Int32>(k, rounding: .towardZero) &+ 127) &<< 23
    return p * unsafeBitCast(exponentBits, to: V.self)
}
