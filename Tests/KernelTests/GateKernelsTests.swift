import CVectorKernels
import Foundation
import Testing
@testable import Kernels

/// The C gate kernels: every instruction-set variant gives the same bits, and they are the Swift
/// kernels' σ and tanh bit for bit. Serialized: the tests switch the process-wide variant (which
/// cannot change any other test's results, as every variant gives the same bits).
@Suite(.serialized) struct GateKernelsTests {
    /// Pre-activations over every branch of tanh and σ: tiny (|x| < 4e-4), the polynomial, the
    /// exponential, past saturation (|x| > 9), signed zeros.
    static func preactivations(_ count: Int, seed: Int) -> [Float] {
        var stream = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        return (0..<count).map { i in
            let scale: [Float] = [1e-5, 3e-4, 0.5, 1.2, 4, 12, 40, 200]
            let value = Float(stream.nextNormal()) * scale[i % scale.count]
            return i % 97 == 0 ? -0.0 : i % 89 == 0 ? 0 : value
        }
    }

    struct Pass: Equatable {
        var gates: [Float], candidate: [Float], next: [Float]
        var dPrevious: [Float], dRecurrent: [Float], dInput: [Float], biasTotal: [Double]
    }

    /// One forward and one backward step with the variant of `lanes` lanes.
    static func pass(lanes: Int, batch: Int, hidden h: Int) -> Pass {
        #expect(VectorKernels.select(lanes: lanes))
        defer { VectorKernels.select(lanes: nil) }
        var gates = preactivations(batch * 3 * h, seed: 1), candidate = preactivations(batch * h, seed: 2)
        let bias = preactivations(h, seed: 3), previous = preactivations(batch * h, seed: 4).map { tanh($0) }
        var next = [Float](repeating: .nan, count: batch * h)
        gru_forward_gates(batch, h, &gates, &candidate, bias, previous, &next, nil, nil)
        let current = preactivations(batch * h, seed: 5), outside = preactivations(batch * h, seed: 6)
        var dPrevious = [Float](repeating: .nan, count: batch * h), dRecurrent = [Float](repeating: .nan, count: batch * 3 * h)
        var dInput = dRecurrent, partial = [Float](repeating: .nan, count: 4 * h), total = [Double](repeating: .nan, count: 4 * h)
        gru_backward_gates(batch, h, gates, candidate, previous, current, outside, &dPrevious, &dRecurrent, &dInput, &partial, &total)
        return Pass(gates: gates, candidate: candidate, next: next, dPrevious: dPrevious, dRecurrent: dRecurrent,
                    dInput: dInput, biasTotal: total)
    }

    static func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    /// How many entries differ in any bit.
    static func differing(_ a: [Float], _ b: [Float]) -> Int { zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count }

    @Test(arguments: [(70, 37), (130, 100), (3, 5)])
    func everyVariantGivesTheSameBits(batch: Int, hidden: Int) {
        // The 4-lane variant runs everywhere; this CPU must run the 8-lane one too (the kernels'
        // x86-64-v3 requirement), and runs the 16-lane one where it has AVX-512.
        let reference = Self.pass(lanes: 4, batch: batch, hidden: hidden)
        #expect(reference.next.allSatisfy { !$0.isNaN } && reference.biasTotal.allSatisfy { $0.isFinite })
        var compared = [4]
        for lanes in [8, 16] where VectorKernels.supports(lanes: lanes) {
            let other = Self.pass(lanes: lanes, batch: batch, hidden: hidden)
            #expect(Self.differing(other.gates, reference.gates) == 0, "gates, \(lanes) lanes")
            #expect(Self.differing(other.candidate, reference.candidate) == 0, "candidate, \(lanes) lanes")
            #expect(Self.differing(other.next, reference.next) == 0, "h', \(lanes) lanes")
            #expect(Self.differing(other.dPrevious, reference.dPrevious) == 0, "dh, \(lanes) lanes")
            #expect(Self.differing(other.dRecurrent, reference.dRecurrent) == 0, "dRec, \(lanes) lanes")
            #expect(Self.differing(other.dInput, reference.dInput) == 0, "dInput, \(lanes) lanes")
            #expect(zip(other.biasTotal, reference.biasTotal).filter { $0.bitPattern != $1.bitPattern }.isEmpty, "bias sums, \(lanes) lanes")
            compared.append(lanes)
        }
        #if arch(x86_64)
        #expect(compared.contains(8))
        #endif
        #expect(VectorKernels.lanes == compared.max()!, "the widest variant is the default")
    }

    /// With W_hn h = b_hn = 0 the gates are σ of the r and z inputs and tanh of the n input: the
    /// Swift kernels' functions, bit for bit, over every branch.
    @Test(arguments: [4, 8, 16])
    func gatesAreTheSwiftKernelsFunctions(lanes: Int) {
        guard VectorKernels.supports(lanes: lanes) else {
            #expect(lanes == 16 || !VectorKernels.supports(lanes: 8))   // only AVX-512 may be missing here
            return
        }
        #expect(VectorKernels.select(lanes: lanes))
        defer { VectorKernels.select(lanes: nil) }
        let batch = 50, h = 41
        let inputs = Self.preactivations(batch * 3 * h, seed: 7)
        var gates = inputs, candidate = [Float](repeating: 0, count: batch * h)
        let bias = [Float](repeating: 0, count: h), previous = [Float](repeating: 0.25, count: batch * h)
        var next = [Float](repeating: 0, count: batch * h)
        gru_forward_gates(batch, h, &gates, &candidate, bias, previous, &next, nil, nil)
        // The Swift kernels' σ (the LSTM's gates, on a zero bias) and tanh; n's input plus r · 0
        // turns −0 into +0 as the zero bias does.
        var expected = inputs
        let zeros = [Float](repeating: 0, count: 2 * h)
        for b in 0..<batch {
            expected.withUnsafeMutableBufferPointer { e in
                let row = e.baseAddress! + b * 3 * h
                GateActivation.sigmoid(row, bias: zeros, count: 2 * h)
                GateActivation.tanh(row + 2 * h, bias: zeros, count: h)
            }
        }
        let mismatches = Self.differing(gates, expected)
        #expect(mismatches == 0, "\(mismatches) of \(gates.count) gates differ from the Swift kernels'")
    }

    /// Arguments over every branch of the Double tanh: tiny, |x| < 1, 1 ≤ |x| < 22, beyond, the
    /// boundaries, signed zeros, infinities.
    static func tanhArguments() -> [Double] {
        var stream = RandomStream(seed: 11, purpose: RandomPurpose(rawValue: 0))
        var values: [Double] = [0, -0.0, 1, -1, 22, -22, 21.999999, .infinity, -.infinity, 3.7e-9, -3.8e-9, 1e-300,
                                .leastNonzeroMagnitude, 0.34657359, 0.5 * log(2), 1 - 1e-16, 1 + 2e-16]
        for scale in [1e-9, 1e-4, 0.1, 0.5, 1, 2, 5, 12, 30] {
            for _ in 0..<4000 { values.append(scale * (2 * stream.nextUniform() - 1)) }
        }
        return values
    }

    @Test func doubleTanhIsWithinTwoUlp() {
        let arguments = Self.tanhArguments()
        var worst = 0.0, worstArgument = 0.0
        for lanes in [4, 8, 16] where VectorKernels.supports(lanes: lanes) {
            #expect(VectorKernels.select(lanes: lanes))
            var values = arguments
            tanh_double(&values, nil, values.count)
            VectorKernels.select(lanes: nil)
            for (x, y) in zip(arguments, values) {
                let reference = Double(tanhl(Float80(x)))
                let error = abs(y - reference) / max(reference.ulp, Double.leastNormalMagnitude)
                if error > worst { worst = error; worstArgument = x }
                #expect(y.sign == x.sign || y == 0, "tanh(\(x)) = \(y) has the wrong sign")
            }
        }
        #expect(worst <= 2, "largest error \(worst) ulp at x = \(worstArgument)")
        var special: [Double] = [.nan, .infinity, -.infinity, -0.0]
        tanh_double(&special, nil, 4)
        #expect(special[0].isNaN && special[1] == 1 && special[2] == -1 && special[3] == 0 && special[3].sign == .minus)
    }

    /// `fastTanh` (CVectorKernels' `tanh_float`) is Swift's `tanhVector` bit for bit on every variant,
    /// tails of every length included.
    @Test func floatTanhIsTanhVectorOnEveryVariant() {
        let arguments = Self.preactivations(301, seed: 12) + [.infinity, -.infinity, .nan, 9.02, -8.5, 0.625, -0.0004]
        let reference: [UInt32] = arguments.map { x in tanhVector(SIMD8<Float>(repeating: x))[0].bitPattern }
        for lanes in [4, 8, 16] where VectorKernels.supports(lanes: lanes) {
            #expect(VectorKernels.select(lanes: lanes))
            for count in [arguments.count, 17, 15, 3, 1] {
                var values = Array(arguments.prefix(count))
                fastTanh(&values, count: count)
                #expect(values.map(\.bitPattern) == Array(reference.prefix(count)), "\(lanes) lanes, \(count) values")
            }
            VectorKernels.select(lanes: nil)
        }
    }

    @Test func doubleTanhGivesTheSameBitsOnEveryVariant() {
        let arguments = Self.tanhArguments(), bias = arguments.reversed().map { $0 * 0.1 }
        var results: [[UInt64]] = []
        for lanes in [4, 8, 16] where VectorKernels.supports(lanes: lanes) {
            #expect(VectorKernels.select(lanes: lanes))
            for count in [arguments.count, 7, 1] {   // with tails of every length
                var values = Array(arguments.prefix(count))
                tanh_double(&values, Array(bias.prefix(count)), count)
                if count == arguments.count { results.append(values.map(\.bitPattern)) }
                #expect(values.map(\.bitPattern) == zip(arguments.prefix(count), bias.prefix(count)).map { x, b in
                    var one = [x + b]
                    tanh_double(&one, nil, 1)
                    return one[0].bitPattern
                }, "\(lanes) lanes, \(count) values")
            }
            VectorKernels.select(lanes: nil)
        }
        #expect(results.count >= 2)
        #expect(results.allSatisfy { $0 == results[0] })
    }
}
