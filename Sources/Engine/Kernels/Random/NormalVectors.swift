import Foundation

extension RandomStream {
    /// buffer[i] = a standard normal sample, i < count, in Float: Box-Muller on 8 lanes at a time
    /// (log, sine and cosine within 2 ulp), one 32-bit draw per uniform. Every 16 outputs take 16
    /// draws: the first 8 are r·cos θ, the next 8 r·sin θ of the same 8 pairs; a shorter tail uses a
    /// whole block of 16 draws. Far cheaper than `nextNormal` (Double, libm, 64-bit uniforms) for the
    /// bulk draws of data sets; the uniform u ≥ 2^-24 bounds |z| by 5.8 (a tail of 8e-9).
    public mutating func fillStandardNormals(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        var block = [Float](repeating: 0, count: 16)
        var written = 0
        while written < count {
            var radiusBits = SIMD8<UInt32>(), angleBits = SIMD8<UInt32>()
            for lane in 0..<8 { radiusBits[lane] = nextUInt32(); angleBits[lane] = nextUInt32() }
            // u1 in (0, 1], u2 in [0, 1): 24 bits each.
            let u1 = V(radiusBits &>> 8) * 0x1p-24 + 0x1p-24
            let u2 = V(angleBits &>> 8) * 0x1p-24
            let radius = (-2 * logVector(u1)).squareRoot()
            let (sine, cosine) = sinCosTurns(u2)
            let remaining = count - written
            if remaining >= 16 {
                let raw = UnsafeMutableRawPointer(buffer + written)
                raw.storeBytes(of: radius * cosine, toByteOffset: 0, as: V.self)
                raw.storeBytes(of: radius * sine, toByteOffset: 32, as: V.self)
                written += 16
            } else {
                block.withUnsafeMutableBytes { raw in
                    raw.storeBytes(of: radius * cosine, toByteOffset: 0, as: V.self)
                    raw.storeBytes(of: radius * sine, toByteOffset: 32, as: V.self)
                }
                for i in 0..<remaining { buffer[written + i] = block[i] }
                written = count
            }
        }
    }
}

/// ln x for x in (0, ∞) normal numbers, 8 lanes: x = m·2^e with m in [√½, √2), ln m by Cephes'
/// logf polynomial. Within 2 ulp.
@inline(__always)
func logVector(_ x: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
    var exponent = V((bits &>> 23) &- 127)
    var m = unsafeBitCast((bits & 0x007f_ffff) | 0x3f80_0000, to: V.self)   // in [1, 2)
    let high = m .> 1.41421356
    m = m.replacing(with: m * 0.5, where: high)
    exponent = exponent.replacing(with: exponent + 1, where: high)
    let f = m - 1
    let z = f * f
    var p = V(repeating: 7.0376836292e-2)
    p = p * f - 1.1514610310e-1
    p = p * f + 1.1676998740e-1
    p = p * f - 1.2420140846e-1
    p = p * f + 1.4249322787e-1
    p = p * f - 1.6668057665e-1
    p = p * f + 2.0000714765e-1
    p = p * f - 2.4999993993e-1
    p = p * f + 3.3333331174e-1
    var y = f * z * p
    y = y - exponent * 2.12194440e-4
    y = y - 0.5 * z
    return f + y + exponent * 0.693359375
}

/// (sin 2πt, cos 2πt) for t in [0, 1), 8 lanes: reduced to an octant, Cephes' sinf/cosf polynomials.
/// Within 2 ulp of the Float of the exact value.
@inline(__always)
func sinCosTurns(_ t: SIMD8<Float>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
    typealias V = SIMD8<Float>
    // Quarter turns: q = round(4t), r = 2π (t − q/4) in [−π/4, π/4].
    let shifter: Float = 12_582_912
    let shifted = t * 4 + shifter
    let q = shifted - shifter
    let quadrant = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: shifter.bitPattern)
    let r = (t - q * 0.25) * 6.283185307179586
    let z = r * r
    var s = V(repeating: -1.9515295891e-4)
    s = s * z + 8.3321608736e-3
    s = s * z - 1.6666654611e-1
    s = s * z * r + r
    var c = V(repeating: 2.443315711809948e-5)
    c = c * z - 1.388731625493765e-3
    c = c * z + 4.166664568298827e-2
    c = c * z * z - 0.5 * z + 1
    // Rotate by the quadrant: (sin, cos) of r + qπ/2.
    let odd = (quadrant & 1) .== 1
    let sine = s.replacing(with: c, where: odd), cosine = c.replacing(with: s, where: odd)
    let negateSine = (quadrant & 2) .== 2
    let negateCosine = ((quadrant &+ 1) & 2) .== 2
    return (sine.replacing(with: -sine, where: negateSine), cosine.replacing(with: -cosine, where: negateCosine))
}
