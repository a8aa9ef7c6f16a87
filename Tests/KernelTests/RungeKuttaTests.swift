import Foundation
import Testing
@testable import Kernels

@Suite struct RungeKuttaTests {
    /// A perceptron field D -> K -> D with weights from N(0, 0.5²).
    static func field(dimension d: Int, hidden k: Int, activation: Nonlinearity, seed: Int) -> (ParameterStore, Perceptron) {
        let store = FiniteDifferences.store([TensorSpec("w1", [k, d], trainable: true), TensorSpec("b1", [k], trainable: true),
                                             TensorSpec("w2", [d, k], trainable: true), TensorSpec("b2", [d], trainable: true)], seed: seed)
        let perceptron = Perceptron(first: LinearLayer(store, weights: "w1", bias: "b1"),
                                    second: LinearLayer(store, weights: "w2", bias: "b2"), nonlinearity: activation)
        return (store, perceptron)
    }

    /// For the linear field ż = λ z, one RK4 step multiplies z by the degree-4 Taylor polynomial
    /// of e^{hλ}, exactly; after many steps the solution is e^{λt} to O(h⁴).
    @Test func linearFieldGivesTheMethodsAmplificationFactor() {
        let (store, perceptron) = Self.field(dimension: 1, hidden: 1, activation: .linear, seed: 1)
        store.values("w1")[0] = 1.5; store.values("b1")[0] = 0
        store.values("w2")[0] = -0.8; store.values("b2")[0] = 0
        let lambda = -1.2, h = 0.1, steps = 20
        let solver = PerceptronRungeKutta(field: perceptron, maxSteps: steps, maxBatch: 2)
        let states = Buffer(count: (steps + 1) * 2)
        states.pointer[0] = 1; states.pointer[1] = -2
        solver.forward(steps: steps, batch: 2, stepSize: Float(h), states: states.pointer)
        let x = h * lambda, factor = 1 + x + x * x / 2 + x * x * x / 6 + x * x * x * x / 24
        for i in 0...steps {
            #expect(abs(Double(states.pointer[2 * i]) - pow(factor, Double(i))) < 1e-5)
            #expect(abs(Double(states.pointer[2 * i + 1]) + 2 * pow(factor, Double(i))) < 1e-5)
        }
        #expect(abs(Double(states.pointer[2 * steps]) - exp(lambda * h * Double(steps))) < 1e-5)
    }

    /// L = Σ_i R_i · z_i over every state: the backward pass's parameter and initial-state
    /// gradients against central differences.
    @Test(arguments: [Nonlinearity.tanh, .relu])
    func backwardMatchesFiniteDifferences(activation: Nonlinearity) {
        let (d, k, b, steps) = (3, 5, 2, 6)
        let (store, perceptron) = Self.field(dimension: d, hidden: k, activation: activation, seed: 3)
        let solver = PerceptronRungeKutta(field: perceptron, maxSteps: steps, maxBatch: b)
        let initial = Buffer(FiniteDifferences.randomFloats(b * d, seed: 4))
        let weights = FiniteDifferences.randomFloats((steps + 1) * b * d, seed: 5)
        let states = Buffer(count: (steps + 1) * b * d)
        let h: Float = 0.15
        func loss() -> Double {
            states.pointer.update(from: initial.pointer, count: b * d)
            solver.forward(steps: steps, batch: b, stepSize: h, states: states.pointer)
            var total = 0.0
            for i in 0..<weights.count { total += Double(weights[i]) * Double(states.pointer[i]) }
            return total
        }
        _ = loss()
        store.zeroGradients()
        let dInitial = Buffer(count: b * d)
        solver.backward(steps: steps, batch: b, stepSize: h, dStates: weights, dInitial: dInitial.pointer)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let error = FiniteDifferences.relativeError(values: store.values, count: store.count, analytic: analytic, epsilon: 5e-3, loss: loss)
        #expect(error < 5e-3, "parameters: relative error \(error)")
        let initialError = FiniteDifferences.relativeError(values: initial.pointer, count: b * d, analytic: dInitial.array, epsilon: 5e-3, loss: loss)
        #expect(initialError < 5e-3, "initial state: relative error \(initialError)")
    }

    /// The perceptron alone: pullback and weight gradients of L = R · f(u).
    @Test func perceptronBackwardMatchesFiniteDifferences() {
        let (d, k, b) = (4, 6, 3)
        let (store, perceptron) = Self.field(dimension: d, hidden: k, activation: .tanh, seed: 7)
        let u = Buffer(FiniteDifferences.randomFloats(b * d, seed: 8))
        let weights = FiniteDifferences.randomFloats(b * d, seed: 9)
        let hidden = Buffer(count: b * k), output = Buffer(count: b * d)
        func loss() -> Double {
            perceptron.forward(u.pointer, batch: b, hidden: hidden.pointer, output: output.pointer)
            return (0..<(b * d)).reduce(0.0) { $0 + Double(weights[$1]) * Double(output.pointer[$1]) }
        }
        _ = loss()
        store.zeroGradients()
        let dPre = Buffer(count: b * k), dU = Buffer(count: b * d)
        perceptron.pullback(dOutput: weights, hidden: hidden.pointer, batch: b, dHiddenPre: dPre.pointer, dInput: dU.pointer)
        perceptron.accumulateGradients(inputs: u.pointer, hidden: hidden.pointer, dHiddenPre: dPre.pointer, dOutput: weights, rows: b)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let error = FiniteDifferences.relativeError(values: store.values, count: store.count, analytic: analytic, loss: loss)
        #expect(error < 5e-3, "parameters: relative error \(error)")
        let inputError = FiniteDifferences.relativeError(values: u.pointer, count: b * d, analytic: dU.array, loss: loss)
        #expect(inputError < 5e-3, "inputs: relative error \(inputError)")
    }
}
