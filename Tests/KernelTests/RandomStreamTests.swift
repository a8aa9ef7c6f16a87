import Foundation
import Testing
@testable import Kernels

@Suite struct RandomStreamTests {
    @Test func philoxMatchesPublishedKnownAnswers() {
        // Known-answer vectors of Philox4x32-10 from the Random123 distribution.
        #expect(Philox.block(counter: SIMD4(0, 0, 0, 0), key: SIMD2(0, 0))
                == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(Philox.block(counter: SIMD4(repeating: 0xFFFF_FFFF), key: SIMD2(repeating: 0xFFFF_FFFF))
                == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(Philox.block(counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344),
                             key: SIMD2(0xA409_3822, 0x299F_31D0))
                == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    static let weights = RandomPurpose(rawValue: 2), trainingData = RandomPurpose(rawValue: 3),
               clusterCenters = RandomPurpose(rawValue: 1)

    @Test func streamsAreKeyedBySeedPurposeAndIndex() {
        func first(_ seed: Int, _ purpose: RandomPurpose, _ index: UInt64) -> [UInt32] {
            var s = RandomStream(seed: seed, purpose: purpose, index: index)
            return (0..<8).map { _ in s.nextUInt32() }
        }
        #expect(first(3, Self.weights, 0) == first(3, Self.weights, 0))
        #expect(first(3, Self.weights, 0) != first(4, Self.weights, 0))
        #expect(first(3, Self.weights, 0) != first(3, Self.trainingData, 0))
        #expect(first(3, Self.weights, 0) != first(3, Self.weights, 1))
        // The reference's seed formulas collide (2s+1 vs 3s+13); keyed streams do not.
        #expect(first(6, Self.clusterCenters, 0) != first(0, Self.trainingData, 0))
    }

    @Test func normalsHaveUnitMomentsAndUniformsAreInRange() {
        var s = RandomStream(seed: 11, purpose: RandomPurpose(rawValue: 0))
        let n = 200_000
        var sum = 0.0, squares = 0.0, fourth = 0.0
        for _ in 0..<n {
            let x = s.nextNormal()
            sum += x; squares += x * x; fourth += x * x * x * x
        }
        #expect(abs(sum / Double(n)) < 0.01)
        #expect(abs(squares / Double(n) - 1) < 0.01)
        #expect(abs(fourth / Double(n) - 3) < 0.05)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 {
            let u = s.nextUniform()
            #expect(u >= 0 && u < 1)
            counts[s.nextInt(below: 7)] += 1
        }
        for c in counts { #expect(abs(c - 10_000) < 500) }
    }
}

@Suite struct NormalVectorTests {
    @Test func logAndSinCosAreWithinTwoUlp() {
        func ulps(_ a: Float, _ b: Float) -> Int { Int((Int64(Int32(bitPattern: a.bitPattern)) - Int64(Int32(bitPattern: b.bitPattern))).magnitude) }
        var worstLog = 0, worstSin = 0, worstCos = 0
        var x: Float = 0x1p-24
        while x <= 1 {
            let value = logVector(SIMD8(repeating: x))[0]
            worstLog = max(worstLog, ulps(value, Float(Foundation.log(Double(x)))))
            x = x * 1.0007
        }
        for i in 0..<100_000 {
            let t = Float(i) / 100_000
            let (s, c) = sinCosTurns(SIMD8(repeating: t))
            let angle = 2 * Double.pi * Double(t)
            // Compare where the values are not tiny (relative ulps blow up near the zeros).
            if abs(sin(angle)) > 1e-3 { worstSin = max(worstSin, ulps(s[0], Float(sin(angle)))) }
            if abs(cos(angle)) > 1e-3 { worstCos = max(worstCos, ulps(c[0], Float(cos(angle)))) }
            #expect(abs(Double(s[0]) - sin(angle)) < 2e-7 && abs(Double(c[0]) - cos(angle)) < 2e-7)
        }
        #expect(worstLog <= 2, "log: \(worstLog) ulp")
        #expect(worstSin <= 2 && worstCos <= 2, "sin \(worstSin), cos \(worstCos) ulp")
    }

    @Test func filledNormalsHaveStandardMomentsAndAreKeyedByTheStream() {
        var stream = RandomStream(seed: 12, purpose: RandomPurpose(rawValue: 0))
        let n = 400_000
        var values = [Float](repeating: 0, count: n)
        stream.fillStandardNormals(&values, count: n)
        var sum = 0.0, squares = 0.0, fourth = 0.0, below = 0
        for x in values {
            let v = Double(x)
            sum += v; squares += v * v; fourth += v * v * v * v
            if v < -1.959963985 { below += 1 }
        }
        #expect(abs(sum / Double(n)) < 0.006)
        #expect(abs(squares / Double(n) - 1) < 0.008)
        #expect(abs(fourth / Double(n) - 3) < 0.04)
        #expect(abs(Double(below) / Double(n) - 0.025) < 0.0015)
        // A tail shorter than a block, and the same stream again: the same numbers.
        var again = RandomStream(seed: 12, purpose: RandomPurpose(rawValue: 0))
        var prefix = [Float](repeating: 0, count: 21)
        again.fillStandardNormals(&prefix, count: 21)
        #expect(Array(values.prefix(16)) == Array(prefix.prefix(16)))
        #expect(prefix[16..<21].allSatisfy { $0.isFinite && $0 != 0 })
    }
}
