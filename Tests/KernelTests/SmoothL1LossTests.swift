import Foundation
import Testing
@testable import Kernels

@Suite struct SmoothL1LossTests {
    @Test func valuesOnBothSidesOfTheThreshold() {
        // d = 0.5: 0.125; d = −2: 1.5; d = 0: 0; β = 2, d = 1: 0.25; β = 2, d = 3: 2.
        let prediction: [Float] = [1.5, -1, 4], target: [Float] = [1, 1, 4]
        #expect(SmoothL1Loss.evaluate(prediction: prediction, target: target, count: 3) == 0.125 + 1.5)
        #expect(SmoothL1Loss.evaluate(prediction: [1, 3], target: [0, 0], count: 2, beta: 2) == 0.25 + 2)
    }

    @Test func gradientMatchesFiniteDifferencesAndIsScaled() {
        var random = TestRandom(seed: 11)
        var prediction = random.gaussians(40, scale: 1.5).map(Float.init)
        let target = random.gaussians(40).map(Float.init)
        var gradient = [Float](repeating: 0, count: 40)
        _ = SmoothL1Loss.evaluate(prediction: prediction, target: target, count: 40, beta: 0.8, dPrediction: &gradient, gradientScale: 0.25)
        var numeric: [Double] = []
        let epsilon: Float = 1e-3
        for i in 0..<40 {
            let saved = prediction[i]
            prediction[i] = saved + epsilon
            let plus = SmoothL1Loss.evaluate(prediction: prediction, target: target, count: 40, beta: 0.8)
            prediction[i] = saved - epsilon
            let minus = SmoothL1Loss.evaluate(prediction: prediction, target: target, count: 40, beta: 0.8)
            prediction[i] = saved
            numeric.append(0.25 * (plus - minus) / Double(2 * epsilon))
        }
        #expect(relativeError(gradient.map(Double.init), numeric) < 1e-3)
        // Outside the threshold the gradient is ±scale.
        let far = zip(prediction, target).enumerated().filter { abs($0.element.0 - $0.element.1) > 1 }
        #expect(!far.isEmpty && far.allSatisfy { abs(abs(gradient[$0.offset]) - 0.25) < 1e-7 })
    }
}
