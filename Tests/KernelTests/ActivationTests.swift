import Foundation
import Testing
@testable import Kernels

@Suite struct ActivationTests {
    /// Within 1 ulp of the correctly rounded value (tanh in Double, rounded) on a dense sweep of
    /// both signs, and correctly rounded wherever the value is within 2e-6 of ±1.
    @Test func fastTanhIsWithinOneUlp() {
        var values: [Float] = stride(from: -12.0, through: 12.0, by: 0.000731).map { Float($0) }
        values += [0, -0.0, 1e-30, -3e-5, 0.0004, 0.625, -0.625, 0.62499994, 7.9, 9, -9, 9.02, 50, -50, .infinity, -.infinity]
        var output = values
        fastTanh(&output, count: output.count)
        var worst: UInt32 = 0
        for (x, y) in zip(values, output) {
            let exact = Float(Foundation.tanh(Double(x)))
            let ulps = exact.bitPattern > y.bitPattern ? exact.bitPattern - y.bitPattern : y.bitPattern - exact.bitPattern
            worst = max(worst, ulps)
            if abs(exact) > 1 - 2e-6 { #expect(y == exact, "tanh(\(x)) = \(y), correctly rounded \(exact)") }
            #expect(y.sign == x.sign, "sign of tanh(\(x))")
        }
        #expect(worst <= 1, "worst error \(worst) ulp")
        var special: [Float] = [.nan, 20, -20]
        fastTanh(&special, count: 3)
        #expect(special[0].isNaN && special[1] == 1 && special[2] == -1)
    }

    /// The backward pass takes φ' = 1 − h² from the Float output: a saturated unit with 7.9 < |a| < 9
    /// keeps the slope float32 tanh gives it (about 1e-7 … 5e-7), not 0.
    @Test func saturatedUnitsKeepTheirSlope() {
        for a: Float in [7.95, 8.2, 8.5, 8.8, 8.95, -8.5] {
            var h = [a]
            fastTanh(&h, count: 1)
            #expect(h[0] == Float(Foundation.tanh(Double(a))))
            var gate: [Float] = [0]
            Nonlinearity.tanh.derivative(fromOutputs: h, into: &gate, count: 1)
            #expect(gate[0] > 0, "slope at a = \(a) is 0")
        }
    }

    @Test func derivativesFromOutputs() {
        let h: [Float] = [-0.5, 0, 0.25, 0.9]
        var gate = [Float](repeating: 0, count: 4)
        Nonlinearity.tanh.derivative(fromOutputs: h, into: &gate, count: 4)
        #expect(gate == h.map { 1 - $0 * $0 })
        Nonlinearity.relu.derivative(fromOutputs: h, into: &gate, count: 4)
        #expect(gate == [0, 0, 1, 1])
        Nonlinearity.linear.derivative(fromOutputs: h, into: &gate, count: 4)
        #expect(gate == [1, 1, 1, 1])
    }
}
