import Foundation
import Testing
@testable import Kernels

/// The leaky recurrence's backward pass against central finite differences, for both update
/// rules, every activation, time constants on both sides of max(τ, 1), and the readout heads.
@Suite struct LeakyRecurrenceTests {
    static let h = 5, b = 3, steps = 4

    static func store(inputSize d: Int, trainTau: Bool = true) -> ParameterStore {
        let store = ParameterStore([TensorSpec("tau", [h], trainable: trainTau),
                                    TensorSpec("W_in", [h, d], trainable: true), TensorSpec("b_in", [h], trainable: true),
                                    TensorSpec("W_hh", [h, h], trainable: true), TensorSpec("b_hh", [h], trainable: true)])
        var s = RandomStream(seed: 3, purpose: RandomPurpose(rawValue: 0))
        for i in 0..<store.count { store.values[i] = Float(0.6 * s.nextNormal()) }
        // τ on both sides of 1: 0.5 (clamped, no gradient), 1.3, 2, 3.5, 0.9.
        for (i, tau) in [Float(0.5), 1.3, 2, 3.5, 0.9].enumerated() { store.values("tau")[i] = tau }
        return store
    }

    static func random(_ count: Int, seed: Int, scale: Double = 1) -> [Float] {
        var s = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        return (0..<count).map { _ in Float(scale * s.nextNormal()) }
    }

    /// max relative error over the trainable tensors of L = Σ_{t>=1} R_t · h_t.
    static func gradientError(rule: LeakyRecurrence.UpdateRule, activation: PointwiseActivation, inputSize d: Int,
                              selfCoupling: Bool) -> Double {
        let parameters = store(inputSize: d)
        let layer = LeakyRecurrence(parameters, recurrent: "W_hh", recurrentBias: "b_hh", input: "W_in", inputBias: "b_in",
                                    timeConstants: "tau", rule: rule, activation: activation, selfCoupling: selfCoupling,
                                    maxSteps: steps, maxBatch: b)
        let inputs = random(steps * b * d, seed: 4)
        let initial = random(b * h, seed: 5, scale: 0.3)
        let weights = random((steps + 1) * b * h, seed: 6)
        var states = [Float](repeating: 0, count: (steps + 1) * b * h)
        func loss() -> Double {
            for i in 0..<(b * h) { states[i] = initial[i] }
            layer.forward(inputs: inputs, steps: steps, batch: b, states: &states, recording: true)
            var total = 0.0
            for i in (b * h)..<states.count { total += Double(weights[i]) * Double(states[i]) }
            return total
        }
        _ = loss()
        parameters.gradients.update(repeating: 0, count: parameters.count)
        var dStates = weights
        layer.backward(inputs: inputs, steps: steps, batch: b, states: states, dStates: &dStates)
        let analytic = Array(UnsafeBufferPointer(start: parameters.gradients, count: parameters.count))
        var difference = 0.0, norm = 0.0
        let epsilon: Float = 1e-3
        for i in 0..<parameters.count {
            // Without self-coupling the diagonal is overwritten by the forward pass: no derivative.
            let offset = parameters.offsets[3]
            if !selfCoupling, i >= offset, i < offset + h * h, (i - offset) % (h + 1) == 0 { continue }
            let saved = parameters.values[i]
            parameters.values[i] = saved + epsilon; let plus = loss()
            parameters.values[i] = saved - epsilon; let minus = loss()
            parameters.values[i] = saved
            let numeric = (plus - minus) / Double(2 * epsilon)
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += max(numeric * numeric, Double(analytic[i]) * Double(analytic[i]))
        }
        return (difference / norm).squareRoot()
    }

    @Test(arguments: PointwiseActivation.allCases)
    func filterThenActivateBackward(activation: PointwiseActivation) {
        let error = Self.gradientError(rule: .filterThenActivate, activation: activation, inputSize: 1, selfCoupling: true)
        #expect(error < 5e-3, "relative error \(error)")
    }

    @Test(arguments: PointwiseActivation.allCases)
    func activateThenFilterBackward(activation: PointwiseActivation) {
        let error = Self.gradientError(rule: .activateThenFilter, activation: activation, inputSize: 1, selfCoupling: true)
        #expect(error < 5e-3, "relative error \(error)")
    }

    @Test func severalInputsAndNoSelfCoupling() {
        for rule in [LeakyRecurrence.UpdateRule.filterThenActivate, .activateThenFilter] {
            let error = Self.gradientError(rule: rule, activation: .leakyReLU, inputSize: 3, selfCoupling: false)
            #expect(error < 5e-3, "\(rule): relative error \(error)")
        }
    }

    @Test func timeConstantsBelowOneGetNoGradientAndActAsOne() {
        let parameters = Self.store(inputSize: 1)
        let layer = LeakyRecurrence(parameters, recurrent: "W_hh", recurrentBias: "b_hh", input: "W_in", inputBias: "b_in",
                                    timeConstants: "tau", rule: .activateThenFilter, activation: .leakyReLU, selfCoupling: false,
                                    maxSteps: Self.steps, maxBatch: Self.b)
        let inputs = Self.random(Self.steps * Self.b, seed: 4)
        var states = Self.random((Self.steps + 1) * Self.b * Self.h, seed: 5)
        layer.forward(inputs: inputs, steps: Self.steps, batch: Self.b, states: &states, recording: true)
        var dStates = Self.random((Self.steps + 1) * Self.b * Self.h, seed: 6)
        layer.backward(inputs: inputs, steps: Self.steps, batch: Self.b, states: states, dStates: &dStates)
        let dTau = parameters.gradients("tau")
        #expect(dTau[0] == 0 && dTau[4] == 0, "tau 0.5 and 0.9 are clamped to 1")
        #expect(dTau[1] != 0 && dTau[2] != 0 && dTau[3] != 0)
        // τ = 0.5 behaves as τ = 1: the unit is f(u) exactly (no leak).
        #expect(layer.alpha[0] == 1 && layer.keep[0] == 0)
        // The diagonal is zeroed by the forward pass, its gradient still reported (as the reference's).
        let w = parameters.values("W_hh")
        #expect((0..<Self.h).allSatisfy { w[$0 * Self.h + $0] == 0 })
        #expect((0..<Self.h).contains { parameters.gradients("W_hh")[$0 * Self.h + $0] != 0 })
    }

    /// One step by hand: h' = (1 − 1/τ) h + f(u)/τ and h' = f((1 − 1/τ) h + u/τ).
    @Test func oneStepMatchesTheEquations() {
        let parameters = Self.store(inputSize: 1)
        let h = Self.h
        for rule in [LeakyRecurrence.UpdateRule.filterThenActivate, .activateThenFilter] {
            let layer = LeakyRecurrence(parameters, recurrent: "W_hh", recurrentBias: "b_hh", input: "W_in", inputBias: "b_in",
                                        timeConstants: "tau", rule: rule, activation: .tanh, selfCoupling: false, maxSteps: 1, maxBatch: 1)
            var states = Self.random(2 * h, seed: 8)
            let x: [Float] = [1]
            layer.forward(inputs: x, steps: 1, batch: 1, states: &states, recording: false)
            let w = parameters.values("W_hh"), tau = parameters.values("tau")
            for i in 0..<h {
                var u = Double(parameters.values("b_hh")[i] + parameters.values("b_in")[i] + parameters.values("W_in")[i])
                for j in 0..<h where j != i { u += Double(w[i * h + j]) * Double(states[j]) }
                let alpha = 1 / max(Double(tau[i]), 1)
                let expected = rule == .activateThenFilter ? (1 - alpha) * Double(states[i]) + alpha * tanh(u)
                                                           : tanh((1 - alpha) * Double(states[i]) + alpha * u)
                #expect(abs(Double(states[h + i]) - expected) < 1e-5, "\(rule) unit \(i)")
            }
        }
    }

    @Test func readoutRowsBackward() {
        let store = ParameterStore([TensorSpec("W", [6, 4], trainable: true), TensorSpec("b", [6], trainable: true)])
        var s = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        for i in 0..<store.count { store.values[i] = Float(s.nextNormal()) }
        let layer = LinearLayer(store, weights: "W", bias: "b")
        let h = Self.random(2 * 4, seed: 2), r = Self.random(2 * 4, seed: 3)
        var y = [Float](repeating: 0, count: 2 * 4)
        layer.forward(h, batch: 2, rows: 4, output: &y)
        // Rows 0..<4 of the full layer, nothing of rows 4, 5.
        var full = [Float](repeating: 0, count: 2 * 6)
        layer.forward(h, batch: 2, output: &full)
        for bb in 0..<2 { for c in 0..<4 { #expect(abs(y[bb * 4 + c] - full[bb * 6 + c]) < 1e-6) } }
        var dh = [Float](repeating: 0, count: 2 * 4)
        layer.backward(h, dOutput: r, batch: 2, rows: 4, dInput: &dh)
        // L = Σ r·y: dW[c, i] = Σ_b r[b, c] h[b, i]; dh[b, i] = Σ_c r[b, c] W[c, i]; rows 4, 5 untouched.
        for c in 0..<6 {
            for i in 0..<4 {
                let expected: Float = c < 4 ? (0..<2).reduce(0) { $0 + r[$1 * 4 + c] * h[$1 * 4 + i] } : 0
                #expect(abs(store.gradients("W")[c * 4 + i] - expected) < 1e-5)
            }
        }
        for bb in 0..<2 {
            for i in 0..<4 {
                let expected = (0..<4).reduce(Float(0)) { $0 + r[bb * 4 + $1] * store.values("W")[$1 * 4 + i] }
                #expect(abs(dh[bb * 4 + i] - expected) < 1e-5)
            }
        }
    }

    @Test func activationDerivativesAgainstFiniteDifferences() {
        let points: [Double] = [-2.3, -0.7, -0.01, 0.02, 0.4, 1.9]
        for activation in PointwiseActivation.allCases {
            for a in points {
                var x = [Float(a)]
                activation.apply(&x, count: 1)
                #expect(abs(Double(x[0]) - activation.value(a)) < 1e-6, "\(activation) at \(a)")
                let numeric = (activation.value(a + 1e-5) - activation.value(a - 1e-5)) / 2e-5
                var gate = [Float](repeating: 0, count: 1)
                activation.derivative(fromOutputs: x, into: &gate, count: 1)
                #expect(abs(Double(gate[0]) - numeric) < 1e-4, "\(activation)' at \(a): \(gate[0]) vs \(numeric)")
            }
        }
        // LeakyReLU: slope 0.01 at and below 0, as PyTorch.
        var zero: [Float] = [0], gate: [Float] = [0]
        PointwiseActivation.leakyReLU.derivative(fromOutputs: zero, into: &gate, count: 1)
        #expect(gate[0] == 0.01)
        PointwiseActivation.leakyReLU.apply(&zero, count: 1)
        #expect(zero[0] == 0)
    }
}
