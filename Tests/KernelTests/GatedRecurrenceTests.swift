import Foundation
import Testing
@testable import Kernels

/// Central finite differences against a backward pass, over whole gradient vectors: a wrong
/// sign, a missing term or a transposed matrix gives a relative error of order 1, Float
/// rounding about 1e-3.
enum FiniteDifferences {
    /// Relative error ‖numeric − analytic‖ / max(‖numeric‖, ‖analytic‖) over the entries of
    /// `values` (perturbed one at a time by ±epsilon) against `analytic`.
    static func relativeError(values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float], epsilon: Float = 1e-2,
                              loss: () -> Double) -> Double {
        var difference = 0.0, norm = 0.0, analyticNorm = 0.0
        for i in 0..<count {
            let saved = values[i]
            values[i] = saved + epsilon; let plus = loss()
            values[i] = saved - epsilon; let minus = loss()
            values[i] = saved
            let numeric = (plus - minus) / Double(2 * epsilon)
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += numeric * numeric
            analyticNorm += Double(analytic[i]) * Double(analytic[i])
        }
        return (difference / max(norm, analyticNorm, 1e-30)).squareRoot()
    }

    static func randomFloats(_ count: Int, seed: Int, scale: Double = 1) -> [Float] {
        var stream = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 77))
        return (0..<count).map { _ in Float(scale * stream.nextNormal()) }
    }

    /// A parameter store with every tensor drawn from N(0, scale²).
    static func store(_ specs: [TensorSpec], seed: Int, scale: Double = 0.5) -> ParameterStore {
        let store = ParameterStore(specs)
        let values = randomFloats(store.count, seed: seed, scale: scale)
        for i in 0..<store.count { store.values[i] = values[i] }
        return store
    }
}

/// A Float buffer owned by a test (pointers stay valid while finite differences perturb it).
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { pointer[i] = v }
    }
    deinit { pointer.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

@Suite struct GatedRecurrenceTests {
    static let (inputSize, hidden, steps, batch) = (3, 4, 5, 2)

    static func store(inputs: Bool, seed: Int = 1) -> ParameterStore {
        var specs = [TensorSpec("w_hh", [3 * hidden, hidden], trainable: true), TensorSpec("b_ih", [3 * hidden], trainable: true),
                     TensorSpec("b_hh", [3 * hidden], trainable: true)]
        if inputs { specs.insert(TensorSpec("w_ih", [3 * hidden, inputSize], trainable: true), at: 0) }
        return FiniteDifferences.store(specs, seed: seed)
    }

    static func layer(_ store: ParameterStore, inputs: Bool) -> GatedRecurrence {
        GatedRecurrence(store, inputWeights: inputs ? "w_ih" : nil, recurrentWeights: "w_hh", inputBias: "b_ih", recurrentBias: "b_hh",
                        maxSteps: steps, maxBatch: batch)
    }

    /// One step of PyTorch's GRU equations, written out per unit in Double.
    @Test func oneStepMatchesTheWrittenOutEquations() {
        let store = Self.store(inputs: true)
        let layer = Self.layer(store, inputs: true)
        let h = Self.hidden, i = Self.inputSize, b = Self.batch
        let x = FiniteDifferences.randomFloats(b * i, seed: 2)
        var states = FiniteDifferences.randomFloats(2 * b * h, seed: 3)
        x.withUnsafeBufferPointer { layer.forward(inputs: $0.baseAddress!, steps: 1, batch: b, reverse: false, states: &states) }
        let wih = store.values("w_ih"), whh = store.values("w_hh"), bih = store.values("b_ih"), bhh = store.values("b_hh")
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        for s in 0..<b {
            for j in 0..<h {
                func gate(_ g: Int) -> (Double, Double) {
                    let row = g * h + j
                    var input = Double(bih[row]), recurrent = Double(bhh[row])
                    for k in 0..<i { input += Double(wih[row * i + k]) * Double(x[s * i + k]) }
                    for k in 0..<h { recurrent += Double(whh[row * h + k]) * Double(states[s * h + k]) }
                    return (input, recurrent)
                }
                let (ri, rh) = gate(0), (zi, zh) = gate(1), (ni, nh) = gate(2)
                let r = sigmoid(ri + rh), z = sigmoid(zi + zh), n = tanh(ni + r * nh)
                let expected = (1 - z) * n + z * Double(states[s * h + j])
                #expect(abs(Double(states[b * h + s * h + j]) - expected) < 1e-6)
            }
        }
    }

    /// L = Σ_s R_s · h_{s+1} + R_T · h_T: the backward pass's parameter, input and initial-state
    /// gradients against central differences, for both directions and the autonomous layer.
    @Test(arguments: [(true, false), (true, true), (false, false)])
    func backwardMatchesFiniteDifferences(withInputs: Bool, reverse: Bool) {
        let store = Self.store(inputs: withInputs, seed: reverse ? 5 : 4)
        let layer = Self.layer(store, inputs: withInputs)
        let h = Self.hidden, b = Self.batch, t = Self.steps, i = Self.inputSize
        let inputs = Buffer(FiniteDifferences.randomFloats(t * b * i, seed: 6))
        let initial = Buffer(FiniteDifferences.randomFloats(b * h, seed: 7))
        let outputWeights = FiniteDifferences.randomFloats(t * b * h, seed: 8)
        let finalWeights = FiniteDifferences.randomFloats(b * h, seed: 9)
        let states = Buffer(count: (t + 1) * b * h)
        func loss() -> Double {
            states.pointer.update(from: initial.pointer, count: b * h)
            layer.forward(inputs: inputs.pointer, steps: t, batch: b, reverse: reverse, states: states.pointer)
            var total = 0.0
            for k in 0..<(t * b * h) { total += Double(outputWeights[k]) * Double(states.pointer[b * h + k]) }
            for k in 0..<(b * h) { total += Double(finalWeights[k]) * Double(states.pointer[t * b * h + k]) }
            return total
        }
        _ = loss()
        store.zeroGradients()
        let dInitial = Buffer(count: b * h), dInputs = Buffer(count: t * b * i)
        layer.backward(inputs: inputs.pointer, steps: t, batch: b, reverse: reverse, states: states.pointer, dFinal: finalWeights,
                       dOutputs: outputWeights, dInitial: dInitial.pointer, dInputs: dInputs.pointer)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let parameterError = FiniteDifferences.relativeError(values: store.values, count: store.count, analytic: analytic, loss: loss)
        #expect(parameterError < 5e-3, "parameters: relative error \(parameterError)")
        let initialError = FiniteDifferences.relativeError(values: initial.pointer, count: b * h, analytic: dInitial.array, loss: loss)
        #expect(initialError < 5e-3, "initial state: relative error \(initialError)")
        if withInputs {
            let inputError = FiniteDifferences.relativeError(values: inputs.pointer, count: t * b * i, analytic: dInputs.array, loss: loss)
            #expect(inputError < 5e-3, "inputs: relative error \(inputError)")
        }
    }

    /// A bidirectional GRU (two layers, one reversed, their final states concatenated as
    /// PyTorch's h_n): dL/dparameters of L = R · [h_T^fwd, h_T^bwd] against central differences.
    @Test func bidirectionalBackwardMatchesFiniteDifferences() {
        let h = Self.hidden, b = Self.batch, t = Self.steps, i = Self.inputSize
        var specs: [TensorSpec] = []
        for suffix in ["", "_reverse"] {
            specs += [TensorSpec("w_ih" + suffix, [3 * h, i], trainable: true), TensorSpec("w_hh" + suffix, [3 * h, h], trainable: true),
                      TensorSpec("b_ih" + suffix, [3 * h], trainable: true), TensorSpec("b_hh" + suffix, [3 * h], trainable: true)]
        }
        let store = FiniteDifferences.store(specs, seed: 11)
        let layers = ["", "_reverse"].map { suffix in
            GatedRecurrence(store, inputWeights: "w_ih" + suffix, recurrentWeights: "w_hh" + suffix, inputBias: "b_ih" + suffix,
                            recurrentBias: "b_hh" + suffix, maxSteps: t, maxBatch: b)
        }
        let inputs = FiniteDifferences.randomFloats(t * b * i, seed: 12)
        let weights = FiniteDifferences.randomFloats(b * 2 * h, seed: 13)
        let states = [Buffer(count: (t + 1) * b * h), Buffer(count: (t + 1) * b * h)]
        func loss() -> Double {
            var total = 0.0
            for (direction, layer) in layers.enumerated() {
                inputs.withUnsafeBufferPointer { layer.forward(inputs: $0.baseAddress!, steps: t, batch: b, reverse: direction == 1, states: states[direction].pointer) }
                for s in 0..<b { for j in 0..<h { total += Double(weights[s * 2 * h + direction * h + j]) * Double(states[direction].pointer[t * b * h + s * h + j]) } }
            }
            return total
        }
        _ = loss()
        store.zeroGradients()
        for (direction, layer) in layers.enumerated() {
            var dFinal = [Float](repeating: 0, count: b * h)
            for s in 0..<b { for j in 0..<h { dFinal[s * h + j] = weights[s * 2 * h + direction * h + j] } }
            inputs.withUnsafeBufferPointer { x in
                layer.backward(inputs: x.baseAddress!, steps: t, batch: b, reverse: direction == 1, states: states[direction].pointer,
                               dFinal: dFinal, dOutputs: nil, dInitial: nil)
            }
        }
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let error = FiniteDifferences.relativeError(values: store.values, count: store.count, analytic: analytic, loss: loss)
        #expect(error < 5e-3, "relative error \(error)")
        // The reversed layer read the sequence backwards: its gradient differs from the forward one's.
        #expect(analytic[0..<(store.count / 2)] != analytic[(store.count / 2)...])
    }
}
