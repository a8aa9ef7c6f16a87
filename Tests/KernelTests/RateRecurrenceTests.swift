import Foundation
import Testing
@testable import Kernels

/// BPTT of the pre-activation rate recurrence x_{t+1} = J tanh(x_t) + b + U s_t with trainable
/// initial states, against central differences of a Double re-implementation.
@Suite struct RateRecurrenceTests {
    @Test(arguments: [(batch: 3, steps: 9, d: 1), (batch: 2, steps: 1, d: 2), (batch: 4, steps: 6, d: 3)])
    func gradientsMatchFiniteDifferences(shape: (batch: Int, steps: Int, d: Int)) throws {
        let (batch, steps, d) = shape
        let n = 5
        let store = ParameterStore([TensorSpec("U", [n, d], trainable: true), TensorSpec("J", [n, n], trainable: true),
                                    TensorSpec("b", [n], trainable: true), TensorSpec("x0", [batch, n], trainable: true)])
        var random = TestRandom(seed: UInt64(batch * 100 + steps * 10 + d))
        for i in 0..<store.count { store.values[i] = Float(random.gaussian() * 0.8) }
        let inputs = (0..<(steps * batch * d)).map { _ in Float(random.gaussian()) }
        // L = Σ_t Σ W_t ⊙ x_t over t = 1...T (a readout of every state).
        let weights = random.gaussians(steps * batch * n)
        let recurrence = RateRecurrence(store, recurrent: "J", bias: "b", input: "U", initial: "x0", nonlinearity: .tanh,
                                        maxSteps: steps, maxBatch: batch)
        var states = [Float](repeating: 0, count: (steps + 1) * batch * n)
        recurrence.forward(inputs: inputs, steps: steps, batch: batch, states: &states)
        var dStates = [Float](repeating: 0, count: (steps + 1) * batch * n)
        for i in 0..<(steps * batch * n) { dStates[batch * n + i] = Float(weights[i]) }
        store.zeroGradients()
        recurrence.backward(inputs: inputs, steps: steps, batch: batch, dStates: &dStates)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))

        var values = (0..<store.count).map { Double(store.values[$0]) }
        func loss() -> Double {
            let U = Array(values[0..<(n * d)]), J = Array(values[(n * d)..<(n * d + n * n)])
            let b = Array(values[(n * d + n * n)..<(n * d + n * n + n)]), x0 = Array(values[(n * d + n * n + n)...])
            var total = 0.0
            for row in 0..<batch {
                var x = Array(x0[(row * n)..<(row * n + n)])
                for t in 0..<steps {
                    let h = x.map { tanh($0) }
                    for i in 0..<n {
                        var value = b[i]
                        for j in 0..<n { value += J[i * n + j] * h[j] }
                        for j in 0..<d { value += U[i * d + j] * Double(inputs[(t * batch + row) * d + j]) }
                        x[i] = value
                    }
                    for i in 0..<n { total += weights[(t * batch + row) * n + i] * x[i] }
                }
            }
            return total
        }
        var difference = 0.0, norm = 0.0
        for i in values.indices {
            let saved = values[i]
            values[i] = saved + 1e-6; let plus = loss()
            values[i] = saved - 1e-6; let minus = loss()
            values[i] = saved
            let numeric = (plus - minus) / 2e-6
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += numeric * numeric
        }
        let relative = (difference / norm).squareRoot()
        #expect(relative < 1e-4, "B \(batch), T \(steps), D \(d): relative error \(relative)")
        // The forward pass is the recurrence itself.
        #expect(Array(states[0..<(batch * n)]) == Array(UnsafeBufferPointer(start: store.values("x0"), count: batch * n)))
    }
}

@Suite struct BinaryCrossEntropyTests {
    @Test func valuesGradientsAndAccuracy() {
        let logits: [Float] = [0, 2, -3, 40, -40, 0.5]
        let targets: [Float] = [1, 0, 0, 1, 1, 1]
        var dLogits = [Float](repeating: 0, count: 6)
        let (total, correct) = BinaryCrossEntropy.evaluate(logits: logits, targets: targets, count: 6, dLogits: &dLogits, gradientScale: 0.5)
        // ℓ = log(1 + e^{-r}) for y = 1, log(1 + e^{r}) for y = 0.
        let expected = [log(2.0), log(1 + exp(2.0)), log(1 + exp(-3.0)), log(1 + exp(-40.0)), 40 + log(1 + exp(-40.0)), log(1 + exp(-0.5))]
        #expect(abs(total - expected.reduce(0, +)) < 1e-5)
        // Predicted 1 iff r >= 0: right at r = 0 (y 1), -3 (y 0), 40, 0.5; wrong at 2 (y 0), -40 (y 1).
        #expect(correct == 4)
        for i in 0..<6 {
            let r = Double(logits[i]), sigma = 1 / (1 + exp(-r))
            #expect(abs(Double(dLogits[i]) - 0.5 * (sigma - Double(targets[i]))) < 1e-7)
        }
        #expect(total.isFinite && dLogits.allSatisfy(\.isFinite))
    }
}

@Suite struct FlossingOptimizerTests {
    /// Flux's ClipNorm in an Optimiser: each tensor on its own, no ε; frozen tensors untouched.
    @Test func clipNormPerTensor() {
        let store = ParameterStore([TensorSpec("a", [2], trainable: true), TensorSpec("b", [1], trainable: true),
                                    TensorSpec("frozen", [1], trainable: false)])
        store.gradients.update(from: [3, 4, 0.01, 9], count: 4)
        let norm = GradientClipping.clipNormPerTensor(store, maxNorm: 0.5)
        #expect(abs(norm - (25.0001).squareRoot()) < 1e-6)
        #expect(abs(store.gradients[0] - 0.3) < 1e-7 && abs(store.gradients[1] - 0.4) < 1e-7)
        #expect(store.gradients[2] == 0.01 && store.gradients[3] == 9)
    }

    /// An optimizer of some tensors updates those only, with its own state.
    @Test func optimizerOfNamedTensors() {
        let store = ParameterStore([TensorSpec("a", [1], trainable: true), TensorSpec("b", [1], trainable: true),
                                    TensorSpec("c", [1], trainable: true)])
        store.values.update(from: [1, 1, 1], count: 3)
        store.gradients.update(from: [0.5, 0.5, 0.5], count: 3)
        let subset = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), parameters: store, tensors: ["a", "c"])
        subset.step(learningRate: 0.1)
        #expect(abs(store.values[0] - 0.9) < 1e-6 && store.values[1] == 1 && abs(store.values[2] - 0.9) < 1e-6)
        #expect(subset.ranges == [0..<1, 2..<3] && store.range("b") == 1..<2)
        let all = Optimizer(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), parameters: store)
        #expect(all.ranges == [0..<3])
    }
}
