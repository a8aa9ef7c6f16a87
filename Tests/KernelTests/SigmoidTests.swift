import Foundation
import Testing
@testable import Kernels

@Suite struct SigmoidTests {
    @Test func exponentialAndSigmoidAreAccurateToFloatPrecision() {
        var values: [Float] = stride(from: -90.0, through: 90.0, by: 0.0137).map { Float($0) }
        values += [0, -0.0, 1e-30, 88, -87.3, 0.5, -0.5]
        var exponentials = values, sigmoids = values
        exponentialInPlace(&exponentials, count: values.count)
        sigmoidInPlace(&sigmoids, count: values.count)
        var worstExponential = 0.0, worstSigmoid = 0.0
        for (i, x) in values.enumerated() {
            let exact = exp(Double(min(x, 88)))
            if x > -87 { worstExponential = max(worstExponential, abs(Double(exponentials[i]) - exact) / exact) }
            let logistic = 1 / (1 + exp(-Double(x)))
            worstSigmoid = max(worstSigmoid, abs(Double(sigmoids[i]) - logistic))
            #expect(sigmoids[i] >= 0 && sigmoids[i] <= 1)
        }
        // Float's relative spacing is 1.2e-7: a few ulp.
        #expect(worstExponential < 4e-7, "exp: \(worstExponential)")
        #expect(worstSigmoid < 2e-7, "sigmoid: \(worstSigmoid)")
        var extremes: [Float] = [-200, 200]
        sigmoidInPlace(&extremes, count: 2)
        #expect(extremes[0] < 1e-37 && extremes[1] == 1)
    }
}
