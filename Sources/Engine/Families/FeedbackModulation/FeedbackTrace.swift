/// The Engine side of the family's differential harness (scripts/feedback_modulation/, documented
/// in docs/families/feedback_modulation.md): named Float32 arrays in and out, no file I/O.
///
/// `train` trains a few batches and records what the reference must reproduce: the loss of every
/// batch, the controller's outputs and the network's outputs over the first batch, the gradients
/// (before clipping) of the first batches and the weights after them. Without inputs it uses its
/// own initial weights and data and returns them (`dump`) for the reference to load; with inputs it
/// replays them. `test` runs the test protocol and its analyses on given weights, on the trial's
/// own contexts and noise or on given ones.
///
/// Names: init/<tensor>; data/<k>/contexts [B, 2, 2], data/<k>/chosen [2], data/<k>/starts [2],
/// data/<k>/noise [T, B, 2]; data/initial_gains [B, Nz] (DaleRateNet); series/loss [K];
/// forward/outputs [T, B, 2], forward/controls [T, B, O]; grads/<k>/<tensor>; params/<k>/<tensor>;
/// test/contexts [N, 2, 2], test/noise [N T, 2], freeze/contexts [2, 2, 2], freeze/noise [2 T, 2].
public enum FeedbackTrace {
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    public struct InputError: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Trained {
        public var trace: [String: Tensor]
        public var dump: [String: Tensor]
    }

    /// Trains `batches` batches, recording gradients and weights for the first `gradientBatches`.
    public static func train(_ config: FeedbackConfig, inputs: [String: Tensor], batches: Int,
                             gradientBatches: Int) throws -> Trained {
        let signals = SourceSignals(config)
        let network = FeedbackNetwork(config, maxSteps: config.n_sample, maxBatch: config.batch_size)
        network.initialize()
        let replay = !inputs.isEmpty
        if replay { try load(inputs, prefix: "init/", into: network.parameters) }
        let trainer = FeedbackTrainer(config: config, network: network, signals: signals)
        let loop = trainer.loop, b = config.batch_size, t = config.n_sample
        var trace: [String: Tensor] = [:], dump: [String: Tensor] = [:]
        if config.model == .dale {
            let gains = loop.network.sensory.stateSize - config.Nm
            if replay {
                let given = try tensor(inputs, "data/initial_gains", count: b * gains)
                for e in 0..<b { for i in 0..<gains { loop.carriedState[e * (config.Nm + gains) + config.Nm + i] = given[e * gains + i] } }
            } else {
                var values: [Float] = []
                for e in 0..<b { for i in 0..<gains { values.append(loop.carriedState[e * (config.Nm + gains) + config.Nm + i]) } }
                dump["data/initial_gains"] = Tensor(shape: [b, gains], values: values)
            }
        }
        if !replay { dump.merge(snapshot(network.parameters, prefix: "init/")) { $1 } }
        var losses: [Float] = []
        var noise = [Float](repeating: 0, count: t * b * 2)
        for k in 0..<batches {
            let prefix = "data/\(k)/"
            if replay {
                let contexts = try tensor(inputs, prefix + "contexts", count: b * 4)
                let draw = TrainingBatches.Draw(
                    contexts: (0..<b).map { MixingContext(mixing: SIMD4(contexts[4 * $0], contexts[4 * $0 + 1], contexts[4 * $0 + 2], contexts[4 * $0 + 3])) },
                    chosen: try tensor(inputs, prefix + "chosen", count: 2).map { Int($0) },
                    starts: try tensor(inputs, prefix + "starts", count: 2).map { Int($0) })
                guard draw.chosen.allSatisfy({ (0..<signals.count).contains($0) }),
                      draw.starts.allSatisfy({ $0 >= 0 && $0 + t <= signals.length }) else {
                    throw InputError(description: "\(prefix): source windows outside the signals")
                }
                trainer.batches.fill(draw, noise: try tensor(inputs, prefix + "noise", count: t * b * 2),
                                     sources: loop.sources, mixtures: loop.mixtures)
            } else {
                let draw = trainer.batches.fill(batch: k, sources: loop.sources, mixtures: loop.mixtures, noise: &noise)
                dump[prefix + "contexts"] = Tensor(shape: [b, 2, 2], values: draw.contexts.flatMap { [$0.mixing[0], $0.mixing[1], $0.mixing[2], $0.mixing[3]] })
                dump[prefix + "chosen"] = Tensor(shape: [2], values: draw.chosen.map(Float.init))
                dump[prefix + "starts"] = Tensor(shape: [2], values: draw.starts.map(Float.init))
                dump[prefix + "noise"] = Tensor(shape: [t, b, 2], values: noise)
            }
            let loss = trainer.trainLoadedBatch(inspect: k < gradientBatches ? { parameters in
                trace.merge(snapshot(parameters, prefix: "grads/\(k)/", gradients: true)) { $1 }
            } : nil)
            if k == 0 {
                trace["forward/outputs"] = Tensor(shape: [t, b, 2], values: Array(UnsafeBufferPointer(start: loop.outputs, count: t * b * 2)))
                trace["forward/controls"] = Tensor(shape: [t, b, loop.controlSize],
                                                   values: Array(UnsafeBufferPointer(start: loop.controls, count: t * b * loop.controlSize)))
            }
            if k < gradientBatches || k == batches - 1 {
                trace.merge(snapshot(network.parameters, prefix: "params/\(k)/")) { $1 }
            }
            losses.append(Float(loss))
        }
        trace["series/loss"] = Tensor(shape: [batches], values: losses)
        return Trained(trace: trace, dump: dump)
    }

    /// The test protocol and its analyses on the weights under init/ (every tensor of the
    /// model), with the trial's own contexts and noise or, when given, test/ and freeze/ data.
    /// Returns the metrics and the test run's outputs (test/outputs [N T, 2], test/middle [N T, Nz]).
    public static func test(_ config: FeedbackConfig, inputs: [String: Tensor]) throws -> (metrics: [String: [Double]], record: [String: Tensor]) {
        let signals = SourceSignals(config)
        let network = FeedbackNetwork(config, maxSteps: 1, maxBatch: 1)
        network.initialize()
        try load(inputs, prefix: "init/", into: network.parameters)
        var given: FeedbackTest.GivenData?
        if inputs["test/contexts"] != nil {
            func contexts(_ name: String, _ count: Int) throws -> [MixingContext] {
                let values = try tensor(inputs, name, count: count * 4)
                return (0..<count).map { MixingContext(mixing: SIMD4(values[4 * $0], values[4 * $0 + 1], values[4 * $0 + 2], values[4 * $0 + 3])) }
            }
            let n = config.n_sample, middle = config.model.hasMiddleLayer
            given = FeedbackTest.GivenData(
                testContexts: try contexts("test/contexts", config.n_test),
                testNoise: try tensor(inputs, "test/noise", count: config.n_test * n * 2),
                freezeContexts: middle ? try contexts("freeze/contexts", 2) : [],
                freezeNoise: middle ? try tensor(inputs, "freeze/noise", count: 2 * n * 2) : [])
        }
        var metrics: [String: [Double]] = [:]
        let record = FeedbackTest(config: config, network: network, signals: signals).run(into: &metrics, given: given)
        var out = ["test/outputs": Tensor(shape: [record.steps, 2], values: record.outputs.map(Float.init))]
        if record.middleSize > 0 {
            out["test/middle"] = Tensor(shape: [record.steps, record.middleSize], values: record.middle.map(Float.init))
        }
        return (metrics, out)
    }

    /// Every tensor of the store (or only the trainable ones' gradients) under `prefix`.
    static func snapshot(_ p: ParameterStore, prefix: String, gradients: Bool = false) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (spec, offset) in zip(p.specs, p.offsets) where !gradients || spec.trainable {
            let source = (gradients ? p.gradients : p.values) + offset
            out[prefix + spec.name] = Tensor(shape: spec.shape, values: Array(UnsafeBufferPointer(start: source, count: spec.count)))
        }
        return out
    }

    /// Loads every tensor of the store from `prefix`<name>, checking shapes.
    static func load(_ inputs: [String: Tensor], prefix: String, into p: ParameterStore) throws {
        for spec in p.specs {
            guard let given = inputs[prefix + spec.name] else { throw InputError(description: "\(prefix)\(spec.name) is missing") }
            guard given.shape == spec.shape else {
                throw InputError(description: "\(prefix)\(spec.name) has shape \(given.shape), the model needs \(spec.shape)")
            }
            p.values(spec.name).update(from: given.values, count: spec.count)
        }
    }

    static func tensor(_ inputs: [String: Tensor], _ name: String, count: Int) throws -> [Float] {
        guard let given = inputs[name] else { throw InputError(description: "\(name) is missing") }
        guard given.values.count == count else { throw InputError(description: "\(name) has \(given.values.count) values, expected \(count)") }
        return given.values
    }
}
