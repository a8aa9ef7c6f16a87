import Foundation
import Testing
@testable import Kernels

/// The LSTM layer: its forward pass against the PyTorch equations evaluated in Double, its
/// untaped step against its taped one, and its backward pass (weights, biases, inputs, initial
/// state) against central finite differences.
@Suite struct LSTMTests {
    static let h = 5, d = 3, b = 2, t = 6

    static func layer(seed: UInt64 = 1) -> (ParameterStore, LSTMLayer) {
        let store = ParameterStore([TensorSpec("W_ih", [4 * h, d], trainable: true), TensorSpec("W_hh", [4 * h, h], trainable: true),
                                    TensorSpec("b_ih", [4 * h], trainable: true), TensorSpec("b_hh", [4 * h], trainable: true)])
        var random = TestRandom(seed: seed)
        for i in 0..<store.count { store.values[i] = Float(random.uniform(-0.6, 0.6)) }
        let lstm = LSTMLayer(store, inputWeights: "W_ih", recurrentWeights: "W_hh", inputBias: "b_ih", recurrentBias: "b_hh",
                             maxSteps: t, maxBatch: b)
        return (store, lstm)
    }

    static func data(seed: UInt64) -> (inputs: [Float], h0: [Float], c0: [Float]) {
        var random = TestRandom(seed: seed)
        return (random.gaussians(t * b * d).map(Float.init), random.gaussians(b * h, scale: 0.5).map(Float.init),
                random.gaussians(b * h, scale: 0.5).map(Float.init))
    }

    /// Runs the taped sequence; returns h [T+1, B, H] and c [T+1, B, H].
    static func run(_ lstm: LSTMLayer, inputs: [Float], h0: [Float], c0: [Float]) -> ([Float], [Float]) {
        lstm.begin(hidden: h0, cell: c0, batch: b)
        for step in 0..<t {
            let x = lstm.input(step: step, batch: b)
            for e in 0..<b { for k in 0..<d { x[e * lstm.rowSize + k] = inputs[(step * b + e) * d + k] } }
            lstm.forward(step: step, batch: b)
        }
        var hidden: [Float] = []
        for step in 0...t {
            let rows = lstm.hidden(step: step, batch: b)
            for e in 0..<b { hidden += UnsafeBufferPointer(start: rows + e * lstm.rowSize, count: h) }
        }
        return (hidden, Array(UnsafeBufferPointer(start: lstm.cell(step: 0, batch: b), count: (t + 1) * b * h)))
    }

    @Test func forwardFollowsPyTorchsEquationsAndGateOrder() {
        let (store, lstm) = Self.layer()
        let (inputs, h0, c0) = Self.data(seed: 2)
        let (hidden, cells) = Self.run(lstm, inputs: inputs, h0: h0, c0: c0)
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        let wih = store.values("W_ih"), whh = store.values("W_hh"), bih = store.values("b_ih"), bhh = store.values("b_hh")
        var hPrevious = h0.map(Double.init), cPrevious = c0.map(Double.init)
        var worst = 0.0
        for step in 0..<Self.t {
            var hNext = hPrevious, cNext = cPrevious
            for e in 0..<Self.b {
                var a = [Double](repeating: 0, count: 4 * Self.h)
                for g in 0..<(4 * Self.h) {
                    a[g] = Double(bih[g]) + Double(bhh[g])
                    for k in 0..<Self.d { a[g] += Double(wih[g * Self.d + k]) * Double(inputs[(step * Self.b + e) * Self.d + k]) }
                    for k in 0..<Self.h { a[g] += Double(whh[g * Self.h + k]) * hPrevious[e * Self.h + k] }
                }
                for j in 0..<Self.h {
                    let i = sigmoid(a[j]), f = sigmoid(a[Self.h + j]), g = tanh(a[2 * Self.h + j]), o = sigmoid(a[3 * Self.h + j])
                    cNext[e * Self.h + j] = f * cPrevious[e * Self.h + j] + i * g
                    hNext[e * Self.h + j] = o * tanh(cNext[e * Self.h + j])
                }
            }
            for i in 0..<(Self.b * Self.h) {
                worst = max(worst, abs(hNext[i] - Double(hidden[(step + 1) * Self.b * Self.h + i])),
                            abs(cNext[i] - Double(cells[(step + 1) * Self.b * Self.h + i])))
            }
            hPrevious = hNext; cPrevious = cNext
        }
        #expect(worst < 2e-6, "largest deviation from the Double evaluation: \(worst)")
    }

    @Test func anUntapedStepEqualsATapedOne() {
        // The layer points into the store's buffers: the store must outlive it.
        let (store, lstm) = Self.layer()
        defer { withExtendedLifetime(store) {} }
        let (inputs, h0, c0) = Self.data(seed: 3)
        let (hidden, cells) = Self.run(lstm, inputs: inputs, h0: h0, c0: c0)
        var h = h0, c = c0
        lstm.prepare()
        for step in 0..<Self.t {
            lstm.advance(input: Array(inputs[(step * Self.b * Self.d)..<((step + 1) * Self.b * Self.d)]), hidden: &h, cell: &c, batch: Self.b)
        }
        let n = Self.b * Self.h
        #expect(h == Array(hidden[(Self.t * n)...]) && c == Array(cells[(Self.t * n)...]))
    }

    /// L = Σ_{t>=1} R_t · h_t + Q · c_T: its gradient with respect to every weight, every input and
    /// the initial state, by the backward pass and by central differences.
    @Test func backwardMatchesFiniteDifferences() {
        let (store, lstm) = Self.layer(seed: 4)
        let (inputValues, h0Values, c0Values) = Self.data(seed: 5)
        // Buffers the differences perturb in place while the loss reads them.
        let inputs = UnsafeMutableBufferPointer<Float>.allocate(capacity: inputValues.count)
        let h0 = UnsafeMutableBufferPointer<Float>.allocate(capacity: h0Values.count)
        let c0 = UnsafeMutableBufferPointer<Float>.allocate(capacity: c0Values.count)
        _ = inputs.initialize(from: inputValues); _ = h0.initialize(from: h0Values); _ = c0.initialize(from: c0Values)
        defer { inputs.deallocate(); h0.deallocate(); c0.deallocate() }
        var random = TestRandom(seed: 6)
        let hiddenWeights = random.gaussians((Self.t + 1) * Self.b * Self.h).map(Float.init)
        let cellWeights = random.gaussians(Self.b * Self.h).map(Float.init)
        let n = Self.b * Self.h
        func loss() -> Double {
            let (hidden, cells) = Self.run(lstm, inputs: Array(inputs), h0: Array(h0), c0: Array(c0))
            var total = 0.0
            for i in n..<hidden.count { total += Double(hiddenWeights[i]) * Double(hidden[i]) }
            for i in 0..<n { total += Double(cellWeights[i]) * Double(cells[Self.t * n + i]) }
            return total
        }
        // Analytic: backward from the last step, adding R_t to dL/dh_t on the way.
        _ = loss()
        store.zeroGradients()
        var dHidden = Array(hiddenWeights[(Self.t * n)...]), dCell = cellWeights
        var dInputs = [Float](repeating: 0, count: inputs.count), dInput = [Float](repeating: 0, count: Self.b * Self.d)
        for step in stride(from: Self.t - 1, through: 0, by: -1) {
            lstm.backward(step: step, batch: Self.b, dHidden: &dHidden, dCell: &dCell, dInput: &dInput)
            for i in 0..<dInput.count { dInputs[step * Self.b * Self.d + i] = dInput[i] }
            if step > 0 { for i in 0..<n { dHidden[i] += hiddenWeights[step * n + i] } }
        }
        lstm.accumulateWeightGradients(steps: Self.t, batch: Self.b)
        let analytic = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let epsilon: Float = 1e-2
        func central(_ value: UnsafeMutablePointer<Float>) -> Double {
            let saved = value.pointee
            value.pointee = saved + epsilon; let plus = loss()
            value.pointee = saved - epsilon; let minus = loss()
            value.pointee = saved
            return (plus - minus) / Double(2 * epsilon)
        }
        let numeric = (0..<store.count).map { central(store.values + $0) }
        let numericInputs = (0..<inputs.count).map { central(inputs.baseAddress! + $0) }
        let numericH0 = (0..<n).map { central(h0.baseAddress! + $0) }
        let numericC0 = (0..<n).map { central(c0.baseAddress! + $0) }
        #expect(relativeError(analytic.map(Double.init), numeric) < 3e-3)
        #expect(relativeError(dInputs.map(Double.init), numericInputs) < 3e-3)
        #expect(relativeError(dHidden.map(Double.init), numericH0) < 3e-3)
        #expect(relativeError(dCell.map(Double.init), numericC0) < 3e-3)
        // Both biases receive the same gradient, as in PyTorch.
        let g = 4 * Self.h
        #expect(Array(analytic[(store.offsets[2])..<(store.offsets[2] + g)]) == Array(analytic[(store.offsets[3])..<(store.offsets[3] + g)]))
    }

    @Test func frozenTensorsGetNoGradient() {
        let store = ParameterStore([TensorSpec("W_ih", [8, 2], trainable: false), TensorSpec("W_hh", [8, 2], trainable: true),
                                    TensorSpec("b_ih", [8], trainable: false), TensorSpec("b_hh", [8], trainable: true)])
        for i in 0..<store.count { store.values[i] = 0.1 * Float(i % 7) - 0.3 }
        let lstm = LSTMLayer(store, inputWeights: "W_ih", recurrentWeights: "W_hh", inputBias: "b_ih", recurrentBias: "b_hh",
                             maxSteps: 2, maxBatch: 1)
        lstm.begin(hidden: [0.1, -0.2], cell: [0.3, 0.1], batch: 1)
        for step in 0..<2 {
            lstm.input(step: step, batch: 1).update(from: [0.5, -1], count: 2)
            lstm.forward(step: step, batch: 1)
        }
        var dHidden: [Float] = [1, 1], dCell: [Float] = [0, 0]
        for step in stride(from: 1, through: 0, by: -1) {
            lstm.backward(step: step, batch: 1, dHidden: &dHidden, dCell: &dCell, dInput: nil)
        }
        lstm.accumulateWeightGradients(steps: 2, batch: 1)
        let frozen = (0..<16).map { store.gradients[$0] } + (0..<8).map { store.gradients[32 + $0] }
        #expect(frozen.allSatisfy { $0 == 0 })
        #expect((16..<32).contains { store.gradients[$0] != 0 })
    }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var difference = 0.0, normA = 0.0, normB = 0.0
    for (x, y) in zip(a, b) { difference += (x - y) * (x - y); normA += x * x; normB += y * y }
    return (difference / max(normA, normB, 1e-30)).squareRoot()
}
