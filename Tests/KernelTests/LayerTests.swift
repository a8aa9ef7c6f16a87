import Testing
@testable import Kernels

@Suite struct LayerTests {
    static func randomFloats(_ count: Int, seed: Int, scale: Double = 1) -> [Float] {
        var s = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        return (0..<count).map { _ in Float(scale * s.nextNormal()) }
    }

    @Test(arguments: [1, 7, 16, 33])
    func squareTranspose(n: Int) {
        let a = Self.randomFloats(n * n, seed: n)
        var out = [Float](repeating: 0, count: n * n)
        Transpose.square(a, into: &out, n: n)
        for i in 0..<n { for j in 0..<n { #expect(out[j * n + i] == a[i * n + j]) } }
    }

    /// The recurrence against a direct evaluation of h_{t+1} = tanh(W h_t + U x_t + b) in Double,
    /// before and after the weights change (its transposed copy must follow the store's version).
    @Test func vanillaRecurrenceMatchesTheDirectSumAndFollowsWeightChanges() {
        let n = 5, d = 3, batch = 2, steps = 4, inputSteps = 2
        let store = ParameterStore([TensorSpec("W", [n, n], trainable: true), TensorSpec("b", [n], trainable: true),
                                    TensorSpec("U", [n, d], trainable: false)])
        let layer = VanillaRecurrence(store, recurrent: "W", bias: "b", input: "U", nonlinearity: .tanh,
                                      maxSteps: steps, maxBatch: batch)
        let inputs = Self.randomFloats(inputSteps * batch * d, seed: 3)
        func check() {
            var states = [Float](repeating: 0, count: (steps + 1) * batch * n)
            var noise = RandomStream(seed: 0, purpose: RandomPurpose(rawValue: 0))
            layer.forward(inputs: inputs, inputSteps: inputSteps, steps: steps, batch: batch, states: &states,
                          recording: false, perturbation: .none, noise: &noise)
            var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: batch)
            let w = store.values("W"), b = store.values("b"), u = store.values("U")
            for t in 0..<steps {
                for s in 0..<batch {
                    var next = [Double](repeating: 0, count: n)
                    for i in 0..<n {
                        var a = Double(b[i])
                        for j in 0..<n { a += Double(w[i * n + j]) * h[s][j] }
                        if t < inputSteps { for k in 0..<d { a += Double(u[i * d + k]) * Double(inputs[(t * batch + s) * d + k]) } }
                        next[i] = a.tanhValue
                    }
                    h[s] = next
                    for i in 0..<n { #expect(abs(Double(states[((t + 1) * batch + s) * n + i]) - next[i]) < 1e-5) }
                }
            }
        }
        for (name, seed) in [("W", 1), ("b", 2), ("U", 4)] {
            let values = Self.randomFloats(store.spec(name).count, seed: seed, scale: 0.7)
            values.withUnsafeBufferPointer { store.values(name).update(from: $0.baseAddress!, count: $0.count) }
        }
        store.valuesChanged()
        check()
        store.values("W")[3] += 0.5
        store.valuesChanged()
        check()
    }
}

private extension Double {
    var tanhValue: Double { Nonlinearity.tanh.value(self) }
}
