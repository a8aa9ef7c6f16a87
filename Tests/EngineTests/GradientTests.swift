import Testing
@testable import Engine

/// Every backward pass against central finite differences. Networks are small, the
/// functionals random, the comparison over the whole gradient vector: a wrong sign, a missing
/// term or a transposed matrix gives a relative error of order 1, Float rounding about 1e-3.
@Suite struct GradientTests {
    static func config(_ extra: [String: JSONValue] = [:]) throws -> FarrellConfig {
        var values: [String: JSONValue] = [
            "N": .number(6), "X_dim": .number(3), "X_clusters": .number(6), "num_classes": .number(3),
            "n_lag": .number(4), "batch_size": .number(3), "g_radius": .number(1.5), "dt": .number(0.5),
            "num_train_samples_per_epoch": .number(9), "analyses": .array([]), "seed": .number(5)]
        for (k, v) in extra { values[k] = v }
        return try FarrellConfig(values)
    }

    static func randomFloats(_ count: Int, seed: Int, scale: Double = 1) -> [Float] {
        var s = RandomStream(seed: seed, purpose: RandomPurpose(rawValue: 0))
        return (0..<count).map { _ in Float(scale * s.nextNormal()) }
    }

    /// Relative error between the analytic gradient of `names` (filled by `analytic`) and the
    /// central difference of `loss`.
    static func relativeError(_ store: ParameterStore, _ names: [String], epsilon: Float = 1e-2,
                              loss: () -> Double, analytic: () -> Void) -> Double {
        store.gradients.update(repeating: 0, count: store.count)
        analytic()
        // A copy: evaluating the loss may reuse the gradient buffer.
        let analyticGradients = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        var difference = 0.0, norm = 0.0
        for name in names {
            let values = store.values(name)
            let gradients = Array(analyticGradients[store.offsets[store.specs.firstIndex { $0.name == name }!]...])
            for i in 0..<store.spec(name).count {
                // Every write to the values is announced, as the optimizer does: copies derived
                // from them (a transposed matrix) are remade.
                let saved = values[i]
                values[i] = saved + epsilon; store.valuesChanged(); let plus = loss()
                values[i] = saved - epsilon; store.valuesChanged(); let minus = loss()
                values[i] = saved; store.valuesChanged()
                let numeric = (plus - minus) / Double(2 * epsilon)
                difference += (numeric - Double(gradients[i])) * (numeric - Double(gradients[i]))
                norm += max(numeric * numeric, Double(gradients[i]) * Double(gradients[i]))
            }
        }
        return (difference / max(norm, 1e-30)).squareRoot()
    }

    /// The cell's backward pass for the functional L = Σ_{t>=1} R_t · h_t.
    static func cellError(_ config: FarrellConfig, trainable: [String]) throws -> Double {
        let network = Network(config: config, maxTrainingBatch: config.batch_size)
        try network.initialize()
        let b = config.batch_size, n = config.N, steps = config.sequenceLength, s = config.inputSteps
        let inputs = randomFloats(s * b * config.X_dim, seed: 1)
        let weights = randomFloats((steps + 1) * b * n, seed: 2)
        var states = [Float](repeating: 0, count: (steps + 1) * b * n)
        func forward() -> Double {
            var noise = RandomStream(seed: 9, purpose: RandomPurpose(rawValue: 0))
            network.cell.forward(inputs: inputs, inputSteps: s, steps: steps, batch: b, states: &states,
                                 mode: .training, noise: &noise)
            var total = 0.0
            for i in (b * n)..<states.count { total += Double(weights[i]) * Double(states[i]) }
            return total
        }
        return relativeError(network.parameters, trainable, loss: forward) {
            _ = forward()
            var dStates = weights
            for i in 0..<(b * n) { dStates[i] = 0 }
            network.cell.backward(inputs: inputs, inputSteps: s, steps: steps, batch: b, states: states, dStates: &dStates)
        }
    }

    @Test(arguments: ["tanh", "linear"])
    func vanillaRNNBackward(nonlinearity: String) throws {
        let c = try Self.config(["hid_nonlin": .string(nonlinearity)])
        let error = try Self.cellError(c, trainable: ["Wrec", "brec"])
        #expect(error < 5e-3, "relative error \(error)")
    }

    @Test func vanillaRNNBackwardWithDropoutNoiseAndSeveralInputSteps() throws {
        let c = try Self.config(["dropout_p": .number(0.3), "unit_injected_noise": .number(0.1), "n_hold": .number(2)])
        let error = try Self.cellError(c, trainable: ["Wrec", "brec"])
        #expect(error < 5e-3, "relative error \(error)")
    }

    @Test func feedforwardBackward() throws {
        let c = try Self.config(["network": .string("feedforward"), "n_lag": .number(2)])
        let error = try Self.cellError(c, trainable: ["Win", "Whidden", "bhidden"])
        #expect(error < 5e-3, "relative error \(error)")
    }

    @Test func readoutBackward() throws {
        let c = try Self.config()
        let network = Network(config: c, maxTrainingBatch: c.batch_size)
        try network.initialize()
        let b = c.batch_size, n = c.N, outputs = c.outputSize
        var h = Self.randomFloats(b * n, seed: 3)
        let weights = Self.randomFloats(b * outputs, seed: 4)
        var logits = [Float](repeating: 0, count: b * outputs)
        func loss() -> Double {
            network.readout.forward(h, batch: b, output: &logits)
            return zip(weights, logits).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var dh = [Float](repeating: 0, count: b * n)
        let error = Self.relativeError(network.parameters, ["Wout", "bout"], loss: loss) {
            dh = [Float](repeating: 0, count: b * n)
            network.readout.backward(h, dOutput: weights, batch: b, dInput: &dh)
        }
        #expect(error < 5e-3, "relative error \(error)")
        // dL/dh
        for i in [0, 5, b * n - 1] {
            let saved = h[i]
            h[i] = saved + 1e-2; let plus = loss()
            h[i] = saved - 1e-2; let minus = loss()
            h[i] = saved
            #expect(abs((plus - minus) / 2e-2 - Double(dh[i])) < 1e-3 * max(1, abs(Double(dh[i]))))
        }
    }

    @Test(arguments: [LossKind.cce, .mse, .mseScalar])
    func lossBackward(kind: LossKind) throws {
        let b = 4, outputs = kind == .mseScalar ? 1 : 3
        var logits = Self.randomFloats(b * outputs, seed: 6, scale: 2)
        let labels: [Int32] = kind == .mseScalar ? [0, 1, 1, 0] : [0, 2, 1, 2]
        var gradient = [Float](repeating: 0, count: b * outputs)
        _ = kind.loss.evaluate(logits: logits, labels: labels, batch: b, outputs: outputs, dLogits: &gradient)
        for i in 0..<(b * outputs) {
            let saved = logits[i]
            logits[i] = saved + 1e-2
            let plus = kind.loss.evaluate(logits: logits, labels: labels, batch: b, outputs: outputs)
            logits[i] = saved - 1e-2
            let minus = kind.loss.evaluate(logits: logits, labels: labels, batch: b, outputs: outputs)
            logits[i] = saved
            let numeric = Double(plus - minus) / 2e-2
            #expect(abs(numeric - Double(gradient[i])) < 2e-3 * max(1, abs(numeric)), "entry \(i)")
        }
    }

    @Test func l2Backward() throws {
        let c = try Self.config()
        let network = Network(config: c, maxTrainingBatch: c.batch_size)
        try network.initialize()
        // Non-zero biases, so that every norm is differentiable.
        let brec = network.parameters.values("brec")
        for i in 0..<c.N { brec[i] = Float(i) * 0.1 - 0.2 }
        network.parameters.values("bout")[0] = 0.3
        let store = network.parameters
        let error = Self.relativeError(store, ["Wrec", "brec", "Wout", "bout"], epsilon: 1e-3,
                                       loss: { Double(ReferenceL2.value(store, strength: 50, stateSize: c.N)) },
                                       analytic: { _ = ReferenceL2.add(store, strength: 50, stateSize: c.N) })
        #expect(error < 1e-2, "relative error \(error)")
        // Frozen Win enters the value but gets no gradient.
        #expect(store.gradients("Win")[0] == 0)
    }

    @Test func l2BackwardCountsEveryFeedforwardLayerAsATensor() throws {
        let c = try Self.config(["network": .string("feedforward"), "n_lag": .number(2)])
        let network = Network(config: c, maxTrainingBatch: c.batch_size)
        try network.initialize()
        let store = network.parameters
        let biases = store.values("bhidden")
        for i in 0..<store.spec("bhidden").count { biases[i] = Float(i % 5) * 0.1 - 0.15 }
        store.values("bout")[0] = 0.3
        let error = Self.relativeError(store, ["Win", "Whidden", "bhidden", "Wout", "bout"], epsilon: 1e-3,
                                       loss: { Double(ReferenceL2.value(store, strength: 50, stateSize: c.N)) },
                                       analytic: { _ = ReferenceL2.add(store, strength: 50, stateSize: c.N) })
        #expect(error < 1e-2, "relative error \(error)")
        // The reference's tensors: Win, 2 hidden weights, 3 hidden biases, Wout, bout = 8; the value is
        // the mean of their norms / N.
        var norms = 0.0
        for (name, pieces) in [("Win", 1), ("Whidden", 2), ("bhidden", 3), ("Wout", 1), ("bout", 1)] {
            let values = store.values(name), size = store.spec(name).count / pieces
            for piece in 0..<pieces {
                var squared = 0.0
                for i in 0..<size { squared += Double(values[piece * size + i] * values[piece * size + i]) }
                norms += squared.squareRoot()
            }
        }
        let expected = 50 * norms / Double(c.N) / 8
        #expect(abs(Double(ReferenceL2.value(store, strength: 50, stateSize: c.N)) - expected) < 1e-4 * expected)
    }

    /// The whole training step — cell, readout, loss, L2 — on the trainer's own buffers.
    @Test(arguments: ["cce", "mse", "mse_scalar"])
    func trainingStepGradient(loss: String) throws {
        let c = try Self.config(["loss": .string(loss), "num_classes": .number(2), "n_out": .number(2),
                                 "l2_regularization": .number(0.5), "use_biases": .bool(true)])
        let network = Network(config: c, maxTrainingBatch: c.batch_size)
        try network.initialize()
        network.parameters.values("brec")[0] = 0.1
        network.parameters.values("bout")[0] = 0.1
        let task = GaussianClusterTask(c)
        let trainer = Trainer(config: c, network: network, task: task)
        var stream = RandomStream(seed: 2, purpose: RandomPurpose(rawValue: 0))
        task.drawOnline(count: c.batch_size, inputs: trainer.inputs, clusterIDs: trainer.clusterIDs, labels: trainer.labels, stream: &stream)
        func value() -> Double {
            var noise = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
            return Double(trainer.forwardAndLoss(size: c.batch_size, noise: &noise).loss)
        }
        let store = network.parameters
        // forwardAndLoss computes the loss and dL/dlogits; backward zeroes the gradients, adds the
        // L2 gradient and back-propagates the rest.
        let error = Self.relativeError(store, ["Wrec", "brec", "Wout", "bout"], epsilon: 3e-3, loss: value) {
            _ = value()
            trainer.backward(size: c.batch_size)
        }
        #expect(error < 1e-2, "relative error \(error)")
    }
}
