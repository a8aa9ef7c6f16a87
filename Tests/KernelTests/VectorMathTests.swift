import Foundation
import Testing
@testable import Kernels

@Suite struct VectorMathTests {
    /// x <- σ(x) as the gates compute it (the LSTM's, on a zero bias; the GRU's C kernels give the
    /// same bits, GateKernelsTests).
    func sigmoidInPlace(_ x: inout [Float], count: Int) {
        let zeros = [Float](repeating: 0, count: count)
        x.withUnsafeMutableBufferPointer { GateActivation.sigmoid($0.baseAddress!, bias: zeros, count: count) }
    }

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
        var tangents = values
        fastTanh(&tangents, count: values.count)
        var worstTangent = 0.0
        for (i, x) in values.enumerated() {
            let exact = tanh(Double(x))
            // Relative near 0 (the polynomial branch keeps tiny inputs exact), absolute near ±1.
            worstTangent = max(worstTangent, abs(Double(tangents[i]) - exact) / max(abs(exact), 1e-30) * min(1, abs(exact) * 2 + 1e-30))
            #expect(abs(tangents[i]) <= 1)
        }
        #expect(worstTangent < 3e-7, "tanh: \(worstTangent)")
        var tiny: [Float] = [1e-30, -3e-5, 0.3, -0.3, 0.624, 0.626, 20, -20]
        fastTanh(&tiny, count: tiny.count)
        #expect(tiny[0] == 1e-30 && tiny[2] == -tiny[3] && tiny[6] == 1 && tiny[7] == -1)
        // Saturated units keep the slope Float32 gives them: tanh(8) = 1 − 2.3e-7, σ(16) = 1 − 1.1e-7
        // (an approximation clamped at |x| = 7.9 returned exactly ±1 and 1 there).
        var saturated: [Float] = [8, -8], saturatedGates: [Float] = [16]
        fastTanh(&saturated, count: 2)
        sigmoidInPlace(&saturatedGates, count: 1)
        #expect(saturated[0] < 1 && saturated[1] > -1 && saturatedGates[0] < 1, "\(saturated) \(saturatedGates)")
        var extremes: [Float] = [-200, 200]
        sigmoidInPlace(&extremes, count: 2)
        #expect(extremes[0] < 1e-37 && extremes[1] == 1)
    }
}
