extension FeedbackFamily: DifferentialTracing {
    /// `sweep-mpi train CONFIG --trace-out DIR [--trace-in DIR | --dump-in DIR]` (scripts/feedback_modulation/harness.py).
    /// The config's "trace" object: "mode" "train" (default: `batches` batches, gradients and weights
    /// of the first `gradient_batches`) or "test" (the test protocol on the weights under init/).
    public func trace(_ values: JSONObject, settings: JSONValue?, inputs: [String: TraceArray]) throws -> TraceOutput {
        let (config, _) = try configuration(values)
        var mode = "train", batches = 3, gradientBatches = 2
        if let settings {
            guard case .object(let object) = settings else { throw TraceInputError(description: "\"trace\" must be an object") }
            for member in object {
                switch (member.key, member.value) {
                case ("mode", .string(let name)) where name == "train" || name == "test":
                    mode = name
                case ("batches", .number(let x)) where x >= 1 && x <= 1e6 && x == x.rounded():
                    batches = Int(x)
                case ("gradient_batches", .number(let x)) where x >= 0 && x <= 1e6 && x == x.rounded():
                    gradientBatches = Int(x)
                default:
                    throw TraceInputError(description: "trace.\(member.key): unknown or invalid (mode \"train\" or \"test\", batches >= 1, gradient_batches >= 0)")
                }
            }
        }
        if mode == "test" {
            let (metrics, record) = try FeedbackTrace.test(config, inputs: inputs)
            var trace = record
            for (name, values) in metrics { trace["metrics/" + name] = .float64(values, shape: [values.count]) }
            return TraceOutput(trace: trace, dump: [:])
        }
        let trained = try FeedbackTrace.train(config, inputs: inputs, batches: batches, gradientBatches: gradientBatches)
        return TraceOutput(trace: trained.trace, dump: trained.dump)
    }
}

/// The Engine side of the family's differential harness (scripts/feedback_modulation/harness.py,
/// documented in docs/families/feedback_modulation.md): named arrays in and out, no file I/O.
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
    public struct Trained {
        public var trace: [String: TraceArray]
        public var dump: [String: TraceArray]
    }

    /// Trains `batches` batches, recording gradients and weights for the first `gradientBatches`.
    public static func train(_ config: FeedbackConfig, inputs: [String: TraceArray], batches: Int,
                             gradientBatches: Int) throws -> Trained {
        let signals = SourceSignals(config)
        let network = FeedbackNetwork(config, maxSteps: config.n_sample, maxBatch: config.batch_size)
        network.initialize()
        let replay = !inputs.isEmpty
        if replay { try load(inputs, prefix: "init/", into: network.parameters) }
        let trainer = FeedbackTrainer(config: config, network: network, signals: signals)
        let loop = trainer.loop, b = config.batch_size, t = config.n_sample
        var trace: [String: TraceArray] = [:], dump: [String: TraceArray] = [:]
        if config.model == .dale {
            let gains = loop.network.sensory.stateSize - config.Nm
            if replay {
                let given = try tensor(inputs, "data/initial_gains", count: b * gains)
                for e in 0..<b { for i in 0..<gains { loop.carriedState[e * (config.Nm + gains) + config.Nm + i] = given[e * gains + i] } }
            } else {
                var values: [Float] = []
                for e in 0..<b { for i in 0..<gains { values.append(loop.carriedState[e * (config.Nm + gains) + config.Nm + i]) } }
                dump["data/initial_gains"] = .float32(values, shape: [b, gains])
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
                    throw TraceInputError(description: "\(prefix): source windows outside the signals")
                }
                trainer.batches.fill(draw, noise: try tensor(inputs, prefix + "noise", count: t * b * 2),
                                     sources: loop.sources, mixtures: loop.mixtures)
            } else {
                let draw = trainer.batches.fill(batch: k, sources: loop.sources, mixtures: loop.mixtures, noise: &noise)
                dump[prefix + "contexts"] = .float32(draw.contexts.flatMap { [$0.mixing[0], $0.mixing[1], $0.mixing[2], $0.mixing[3]] }, shape: [b, 2, 2])
                dump[prefix + "chosen"] = .int64(draw.chosen.map(Int64.init), shape: [2])
                dump[prefix + "starts"] = .int64(draw.starts.map(Int64.init), shape: [2])
                dump[prefix + "noise"] = .float32(noise, shape: [t, b, 2])
            }
            let loss = trainer.trainLoadedBatch(inspect: k < gradientBatches ? { parameters in
                trace.merge(snapshot(parameters, prefix: "grads/\(k)/", gradients: true)) { $1 }
            } : nil)
            if k == 0 {
                trace["forward/outputs"] = .float32(Array(UnsafeBufferPointer(start: loop.outputs, count: t * b * 2)), shape: [t, b, 2])
                trace["forward/controls"] = .float32(Array(UnsafeBufferPointer(start: loop.controls, count: t * b * loop.controlSize)),
                                                    shape: [t, b, loop.controlSize])
            }
            if k < gradientBatches || k == batches - 1 {
                trace.merge(snapshot(network.parameters, prefix: "params/\(k)/")) { $1 }
            }
            losses.append(Float(loss))
        }
        trace["series/loss"] = .float32(losses, shape: [batches])
        return Trained(trace: trace, dump: dump)
    }

    /// The test protocol and its analyses on the weights under init/ (every tensor of the
    /// model), with the trial's own contexts and noise or, when given, test/ and freeze/ data.
    /// Returns the metrics and the test run's outputs (test/outputs [N T, 2], test/middle [N T, Nz]).
    public static func test(_ config: FeedbackConfig, inputs: [String: TraceArray]) throws -> (metrics: [String: [Double]], record: [String: TraceArray]) {
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
        var out: [String: TraceArray] = ["test/outputs": .float32(record.outputs.map(Float.init), shape: [record.steps, 2])]
        if record.middleSize > 0 {
            out["test/middle"] = .float32(record.middle.map(Float.init), shape: [record.steps, record.middleSize])
        }
        return (metrics, out)
    }

    /// Every tensor of the store (or only the trainable ones' gradients) under `prefix`.
    static func snapshot(_ p: ParameterStore, prefix: String, gradients: Bool = false) -> [String: TraceArray] {
        var out: [String: TraceArray] = [:]
        for (spec, offset) in zip(p.specs, p.offsets) where !gradients || spec.trainable {
            let source = (gradients ? p.gradients : p.values) + offset
            out[prefix + spec.name] = .float32(Array(UnsafeBufferPointer(start: source, count: spec.count)), shape: spec.shape)
        }
        return out
    }

    /// Loads every tensor of the store from `prefix`<name>, checking shapes.
    static func load(_ inputs: [String: TraceArray], prefix: String, into p: ParameterStore) throws {
        for spec in p.specs {
            guard let given = inputs[prefix + spec.name] else { throw TraceInputError(description: "\(prefix)\(spec.name) is missing") }
            guard given.shape == spec.shape else {
                throw TraceInputError(description: "\(prefix)\(spec.name) has shape \(given.shape), the model needs \(spec.shape)")
            }
            p.values(spec.name).update(from: given.floats, count: spec.count)
        }
    }

    static func tensor(_ inputs: [String: TraceArray], _ name: String, count: Int) throws -> [Float] {
        guard let given = inputs[name] else { throw TraceInputError(description: "\(name) is missing") }
        guard given.count == count else { throw TraceInputError(description: "\(name) has \(given.count) values, expected \(count)") }
        return given.floats
    }
}
