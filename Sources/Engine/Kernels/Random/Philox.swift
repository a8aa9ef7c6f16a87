import Foundation

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// a counter-based generator. Output block i of key k is a pure function of (k, i), so a
/// stream is fully determined by its key and position — never by rank, schedule or history.
public enum Philox {
    @inline(__always)
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter, k = key
        for round in 0..<10 {
            if round > 0 { k &+= SIMD2(0x9E37_79B9, 0xBB67_AE85) }
            let product0 = UInt64(0xD251_1F53) &* UInt64(c[0])
            let product1 = UInt64(0xCD9E_8D57) &* UInt64(c[2])
            c = SIMD4(UInt32(truncatingIfNeeded: product1 >> 32) ^ c[1] ^ k[0],
                      UInt32(truncatingIfNeeded: product1),
                      UInt32(truncatingIfNeeded: product0 >> 32) ^ c[3] ^ k[1],
                      UInt32(truncatingIfNeeded: product0))
        }
        return c
    }
}

/// What a random stream is used for. Every purpose has its own stream per seed, so adding a
/// draw for one purpose never shifts the numbers of another (unlike one global generator).
/// Families declare their purposes as static constants; the numbers only need to be distinct
/// within a family, since trials of different families never share a seed's streams.
public struct RandomPurpose: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}

/// A stream of random numbers keyed by (seed, purpose, index); `index` separates sub-streams
/// of one purpose, e.g. one per epoch, so that epoch e's data never depends on how many
/// numbers earlier epochs used.
public struct RandomStream: Sendable {
    private let key: SIMD2<UInt32>
    private let index: UInt64
    private var blockNumber: UInt64 = 0
    private var buffer = SIMD4<UInt32>(repeating: 0)
    private var used = 4
    private var spareNormal: Double? = nil

    public init(seed: Int, purpose: RandomPurpose, index: UInt64 = 0) {
        let seedBits = UInt64(bitPattern: Int64(seed))
        key = SIMD2(UInt32(truncatingIfNeeded: seedBits),
                    UInt32(truncatingIfNeeded: seedBits >> 32) ^ (purpose.rawValue &* 0x9E37_79B9))
        self.index = index
    }

    @inline(__always)
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            let counter = SIMD4(UInt32(truncatingIfNeeded: blockNumber), UInt32(truncatingIfNeeded: blockNumber >> 32),
                                UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32))
            buffer = Philox.block(counter: counter, key: key)
            blockNumber &+= 1
            used = 0
        }
        defer { used += 1 }
        return buffer[used]
    }

    @inline(__always)
    public mutating func nextUInt64() -> UInt64 {
        UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
    }

    /// Uniform on [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(nextUInt64() >> 11) * 0x1p-53
    }

    /// Uniform on (0, 1]: safe to take the logarithm of.
    @inline(__always)
    private mutating func nextUniformPositive() -> Double {
        Double((nextUInt64() >> 11) + 1) * 0x1p-53
    }

    /// Uniform integer in 0 ..< bound (multiply-shift; the bias is below 2^-32 for any bound
    /// used here).
    @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(UInt64(bound).multipliedFullWidth(by: nextUInt64()).high)
    }

    /// Standard normal (Box-Muller, both values used).
    @inline(__always)
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal { spareNormal = nil; return spare }
        let radius = (-2 * log(nextUniformPositive())).squareRoot()
        let angle = 2 * Double.pi * nextUniform()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// buffer[i] = mean + scale * N(0, 1), i < count.
    public mutating func fillNormal(_ buffer: UnsafeMutablePointer<Float>, count: Int, scale: Double = 1, mean: Double = 0) {
        for i in 0..<count { buffer[i] = Float(mean + scale * nextNormal()) }
    }

    public mutating func fillNormal(_ buffer: UnsafeMutablePointer<Double>, count: Int, scale: Double = 1) {
        for i in 0..<count { buffer[i] = scale * nextNormal() }
    }

    /// Fisher-Yates shuffle of the first `count` elements.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextInt(below: i + 1))
        }
    }
}
