import Foundation
import Testing
@testable import Kernels

@Suite struct ActivationTests {
    @Test func fastTanhIsAccurateToFloatPrecision() {
        var worst: Float = 0, largest: Float = 0
        var values: [Float] = stride(from: -12.0, through: 12.0, by: 0.000731).map { Float($0) }
        values += [0, -0.0, 1e-30, -3e-5, 0.0004, 7.9, 9, -9, 50, -50]
        var output = values
        fastTanh(&output, count: output.count)
        for (x, y) in zip(values, output) {
            let exact = Foundation.tanh(Double(x))
            worst = max(worst, Float(abs(Double(y) - exact)))
            largest = max(largest, abs(y))
        }
        // Float's spacing near 1 is 6e-8: a few ulp.
        #expect(worst < 5e-7, "max |fastTanh - tanh| = \(worst)")
        #expect(largest <= 1)
        // odd symmetry and saturation
        var pair: [Float] = [0.3, -0.3, 20, -20]
        fastTanh(&pair, count: 4)
        #expect(pair[0] == -pair[1])
        #expect(pair[2] == 1 && pair[3] == -1)
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
