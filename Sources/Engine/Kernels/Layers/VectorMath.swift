import Foundation

/// Vectorised exponential for the analyses' rates: libm's scalar expf would cost as much as the
/// products around it. (The GRU's σ and tanh are CVectorKernels'; the other layers' are
/// Activation.swift's and LSTM's GateActivation, on the same tanhVector.)

/// x <- e^x, count entries (inputs clamped to [−87.3, 88]; below that the result is 0).
@inline(never)
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
/// for e^r (the Cephes expf coefficients): relative error about 1 ulp. k is found and turned into
/// 2^k with the 1.5·2^23 trick (adding it leaves k in the low mantissa bits), which keeps every
/// lane in vector registers.
@inline(__always)
public func exponential(_ input: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    // Clamped with masks: SIMD's generic clamped(lowerBound:upperBound:) is not vectorised.
    let low = V(repeating: -87.33654), high = V(repeating: 88)
    let x = input.replacing(with: low, where: input .< low).replacing(with: high, where: input .> high)
    let magic = V(repeating: 12_582_912)                       // 1.5 · 2^23
    let shifted = x * V(repeating: 1.442_695_04) + magic
    let k = shifted - magic                                     // round(x / ln 2), in -126 ... 127
    var r = x - k * V(repeating: 0.693_359_375)
    r = r - k * V(repeating: -2.121_944_4e-4)
    var p = V(repeating: 1.987_569_15e-4)
    p = p * r + V(repeating: 1.398_199_95e-3)
    p = p * r + V(repeating: 8.333_451_9e-3)
    p = p * r + V(repeating: 4.166_579_59e-2)
    p = p * r + V(repeating: 1.666_666_55e-1)
    p = p * r + V(repeating: 5.000_000_12e-1)
    p = p * (r * r) + r + V(repeating: 1)
    // The mantissa of `shifted` is 2^22 + k: the biased exponent of 2^k is that − 2^22 + 127.
    let mantissa = unsafeBitCast(shifted, to: SIMD8<Int32>.self) & SIMD8(repeating: 0x7F_FFFF)
    let exponentBits = (mantissa &- SIMD8(repeating: 0x40_0000 - 127)) &<< SIMD8(repeating: 23)
    return p * unsafeBitCast(exponentBits, to: V.self)
}
