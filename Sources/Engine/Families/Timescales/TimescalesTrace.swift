/// The timescales family's side of the differential trace (scripts/reference/TRACE.md has the
/// folder format, docs/families/timescales.md the names). Tensors are named as in `TimescaleNetwork` (tau, W_in, b_in, W_hh, b_hh,
/// W_out [2K, H], b_out [2K]); a τ given as one value is every unit's (a fixed-τ network).
///
/// Settings (the config's "trace" object): `steps` (3) training steps of the curriculum list `ns`
/// (default: the curriculum's first), `pairs` ([[head, N], …]: what the weight sets are evaluated
/// on), `analyses` (["accuracy"], with "timescales" for τ_net, the population autocorrelation and
/// the PCA on each weight set).
///
/// Reads `init/<tensor>` (else its own initialisation), `data/step_%06d/{inputs [M, B], labels
/// [heads, B], h0 [B, H]}` (else its own minibatches) and `weights/<label>/<tensor>`. Writes
/// `params/init/*`, the minibatches it used under `data/`, `series/train_loss` and
/// `series/grad_norm` [steps], `grads/step_%06d/*` (before clipping), `forward/step_000000/
/// {logits [heads, B, 2], h_last [B, H]}`, `params/final/*`, and per weight set
/// `analysis/<label>/{accuracy [pairs] (percent over the test minibatches of epoch 0), tau_mean,
/// tau_net, tau_net_model, fit_single, fit_double, tau_net_mean, autocorrelation [H, fit_lags + 1]
/// (normalised, what the fits saw), population_ac, pca_dimension}`.
extension TimescalesFamily: DifferentialTracing {
    public func trace(_ values: JSONObject, settings: JSONValue?, inputs: [String: TraceArray]) throws -> TraceOutput {
        let (config, _) = try configuration(values)
        var object = JSONObject()
        if let settings {
            guard case .object(let given) = settings else { throw TraceInputError(description: "\"trace\" must be an object of trace settings") }
            object = given
        }
        let trace = try TimescalesExperiment(config).trace(inputs: inputs, settings: object)
        // Without given minibatches, the run's own (and its initial weights) are a trace input.
        var dump: [String: TraceArray] = [:]
        if !inputs.keys.contains(where: { $0.hasPrefix("data/") }) {
            for (name, array) in trace where name.hasPrefix("data/") { dump[name] = array }
            for (name, array) in trace where name.hasPrefix("params/init/") { dump["init/" + name.dropFirst("params/init/".count)] = array }
        }
        return TraceOutput(trace: trace, dump: dump)
    }
}

extension TimescalesExperiment {
    /// The arrays of the trace by name (see above).
    func trace(inputs: [String: TraceArray], settings: JSONObject) throws -> [String: TraceArray] {
        let c = config
        let steps = try Self.integer(settings, "steps", default: 3)
        let ns = try Self.integers(settings, "ns") ?? Curriculum(c).ns
        guard !ns.isEmpty, ns.count <= c.headsNeeded, ns.allSatisfy({ $0 >= 1 && $0 <= c.n_max }) else {
            throw TraceInputError(description: "trace.ns must list 1 to \(c.headsNeeded) Ns in 1...n_max")
        }
        let pairs = try Self.pairs(settings) ?? ns.enumerated().map { ($0.offset, $0.element) }
        guard pairs.allSatisfy({ $0.head < c.readout_heads }) else {
            throw TraceInputError(description: "trace.pairs: heads must be below readout_heads (\(c.readout_heads))")
        }
        let analyses = try Self.strings(settings, "analyses") ?? ["accuracy"]
        var output: [String: TraceArray] = [:]

        let network = TimescaleNetwork(config: c, maxSteps: c.maxSequenceLength, maxBatch: c.batch_size)
        network.initialize()
        try Self.load(inputs, prefix: "init", into: network)
        Self.record(network, as: "params/init", into: &output)
        let trainer = CurriculumTrainer(config: c, network: network)
        let b = c.batch_size, h = c.hidden_size
        var losses: [Double] = [], norms: [Double] = []
        for s in 0..<steps {
            let prefix = "data/step_" + Self.padded(s)
            let length: Int
            if let given = inputs[prefix + "/inputs"] {
                length = try Self.replay(inputs, prefix: prefix, heads: ns.count, trainer: trainer, given: given)
            } else {
                length = trainer.draw(ns: ns, purpose: TimescalesStream.trainingBatch, epoch: 0, index: s)
            }
            output[prefix + "/inputs"] = .float32(Array(UnsafeBufferPointer(start: trainer.inputs, count: length * b)), shape: [length, b])
            output[prefix + "/labels"] = .int32(Array(UnsafeBufferPointer(start: trainer.labels, count: ns.count * b)), shape: [ns.count, b])
            output[prefix + "/h0"] = .float32(Array(UnsafeBufferPointer(start: trainer.states, count: b * h)), shape: [b, h])
            let loss = trainer.computeGradients(heads: ns.count, length: length)
            losses.append(Double(loss))
            norms.append(GradientClipping.norm(network.parameters))
            if s == 0 {
                var logits: [Float] = []
                for k in 0..<ns.count { for row in 0..<b { logits += [trainer.logits[row * 2 * ns.count + 2 * k], trainer.logits[row * 2 * ns.count + 2 * k + 1]] } }
                output["forward/step_000000/logits"] = .float32(logits, shape: [ns.count, b, 2])
                output["forward/step_000000/h_last"] = .float32(Array(UnsafeBufferPointer(start: trainer.states + length * b * h, count: b * h)), shape: [b, h])
            }
            let parameters = network.parameters
            for (spec, offset) in zip(parameters.specs, parameters.offsets) where spec.trainable {
                output["grads/step_" + Self.padded(s) + "/" + spec.name] =
                    .float32(Array(UnsafeBufferPointer(start: parameters.gradients + offset, count: spec.count)), shape: spec.shape)
            }
            guard loss.isFinite else { break }
            trainer.update()
        }
        output["series/train_loss"] = .float64(losses, shape: [losses.count])
        output["series/grad_norm"] = .float64(norms, shape: [norms.count])
        Self.record(network, as: "params/final", into: &output)

        let labels = Set(inputs.keys.filter { $0.hasPrefix("weights/") }.map { String($0.split(separator: "/")[1]) })
        for label in labels.sorted() {
            let evaluated = TimescaleNetwork(config: c, maxSteps: c.maxSequenceLength, maxBatch: c.batch_size)
            evaluated.initialize()
            try Self.load(inputs, prefix: "weights/" + label, into: evaluated)
            evaluated.recurrence.prepare()
            let prefix = "analysis/" + label + "/"
            let tau = (0..<h).map { Double(evaluated.parameters.values("tau")[$0]) }
            output[prefix + "tau_mean"] = .float64([NetworkTimescales.meanAndDeviation(tau).0], shape: [1])
            if analyses.contains("accuracy") {
                output[prefix + "accuracy"] = .float64(Self.accuracy(evaluated, pairs: pairs), shape: [pairs.count])
            }
            if analyses.contains("timescales") {
                var results = TimescalesResults(c)
                let analysis = NetworkTimescales(config: c, network: evaluated)
                try analysis.analyse(n: c.n_max, row: 0, into: &results)
                output[prefix + "autocorrelation"] = .float64(analysis.autocorrelations, shape: [h, c.fit_lags + 1])
                let names: [(String, [Int])] = [("tau_net", [h]), ("tau_net_model", [h]), ("fit_single", [h, 2]), ("fit_double", [h, 4]),
                                                ("tau_net_mean", [1]), ("population_ac", [c.ac_lags]),
                                                ("pca_dimension", [c.tau_net_trials]), ("pca_explained_variance", [h])]
                for (name, shape) in names {
                    guard let values = results.values[name] else { continue }
                    output[prefix + name] = .float64(Array(values.prefix(shape.reduce(1, *))), shape: shape)
                }
            }
        }
        return output
    }

    static func padded(_ s: Int) -> String {
        let text = String(s)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    /// Accuracy (percent) of each (head, N) on the test minibatches of epoch 0, the sequences'
    /// length drawn from the largest N.
    static func accuracy(_ network: TimescaleNetwork, pairs: [(head: Int, n: Int)]) -> [Double] {
        let c = network.config, b = c.batch_size, h = c.hidden_size
        let ns = pairs.map(\.n).sorted()
        let maxLength = 4 * ns.last! + 1
        var inputs = [Float](repeating: 0, count: maxLength * b), labels = [Int32](repeating: 0, count: ns.count * b)
        var states = [Float](repeating: 0, count: (maxLength + 1) * b * h)
        var correct = [Int](repeating: 0, count: pairs.count)
        let w = network.parameters.values("W_out"), bias = network.parameters.values("b_out")
        for j in 0..<c.test_batches {
            var stream = RandomStream(seed: c.seed, purpose: TimescalesStream.testBatch, index: TimescalesStream.batchIndex(epoch: 0, batch: j))
            let length = BitSequences.draw(c.task, ns: ns, batch: b, hiddenSize: h, stream: &stream,
                                           inputs: &inputs, labels: &labels, initialStates: &states)
            network.recurrence.forward(inputs: inputs, steps: length, batch: b, states: &states, recording: false)
            for (p, pair) in pairs.enumerated() {
                let k = ns.firstIndex(of: pair.n)!
                for row in 0..<b {
                    let last = length * b * h + row * h
                    var zero = bias[2 * pair.head], one = bias[2 * pair.head + 1]
                    for i in 0..<h {
                        zero += w[2 * pair.head * h + i] * states[last + i]
                        one += w[(2 * pair.head + 1) * h + i] * states[last + i]
                    }
                    if (one > zero ? 1 : 0) == labels[k * b + row] { correct[p] += 1 }
                }
            }
        }
        return correct.map { 100 * Double($0) / Double(c.test_batches * b) }
    }

    /// Copies a given minibatch into the trainer's buffers; returns M.
    static func replay(_ inputs: [String: TraceArray], prefix: String, heads: Int, trainer: CurriculumTrainer,
                       given: TraceArray) throws -> Int {
        let b = trainer.batch, h = trainer.hidden
        guard given.shape.count == 2, given.shape[1] == b, given.shape[0] >= 1, given.shape[0] <= trainer.maxSteps else {
            throw TraceInputError(description: "\(prefix)/inputs must be [M, \(b)] with M <= \(trainer.maxSteps), not \(given.shape)")
        }
        guard let labels = inputs[prefix + "/labels"], labels.shape == [heads, b] else {
            throw TraceInputError(description: "\(prefix)/labels must be [\(heads), \(b)]")
        }
        guard let h0 = inputs[prefix + "/h0"], h0.shape == [b, h] else { throw TraceInputError(description: "\(prefix)/h0 must be [\(b), \(h)]") }
        given.floats.withUnsafeBufferPointer { trainer.inputs.update(from: $0.baseAddress!, count: $0.count) }
        labels.int32s.withUnsafeBufferPointer { trainer.labels.update(from: $0.baseAddress!, count: $0.count) }
        h0.floats.withUnsafeBufferPointer { trainer.states.update(from: $0.baseAddress!, count: $0.count) }
        return given.shape[0]
    }

    /// Loads `<prefix>/<tensor>` for every tensor given (W_out and b_out may hold fewer heads).
    static func load(_ inputs: [String: TraceArray], prefix: String, into network: TimescaleNetwork) throws {
        let parameters = network.parameters
        for spec in parameters.specs {
            guard let given = inputs[prefix + "/" + spec.name] else { continue }
            var values = given.floats
            if spec.name == "tau" && values.count == 1 { values = [Float](repeating: values[0], count: spec.count) }
            let fewerHeads = (spec.name == "W_out" || spec.name == "b_out") && values.count <= spec.count
                && values.count % (spec.count / spec.shape[0]) == 0
            guard values.count == spec.count || fewerHeads else {
                throw TraceInputError(description: "\(prefix)/\(spec.name) has shape \(given.shape), expected \(spec.shape)")
            }
            values.withUnsafeBufferPointer { parameters.values(spec.name).update(from: $0.baseAddress!, count: $0.count) }
        }
        network.recurrence.prepare()
    }

    static func record(_ network: TimescaleNetwork, as prefix: String, into output: inout [String: TraceArray]) {
        let parameters = network.parameters
        for (spec, offset) in zip(parameters.specs, parameters.offsets) {
            output[prefix + "/" + spec.name] = .float32(Array(UnsafeBufferPointer(start: parameters.values + offset, count: spec.count)),
                                                        shape: spec.shape)
        }
    }

    // MARK: Settings

    static func integer(_ settings: JSONObject, _ key: String, default value: Int) throws -> Int {
        guard let given = settings[key] else { return value }
        guard case .number(let x) = given, x >= 0, x == x.rounded(), x <= 1e6 else { throw TraceInputError(description: "trace.\(key) must be an integer >= 0") }
        return Int(x)
    }

    static func integers(_ settings: JSONObject, _ key: String) throws -> [Int]? {
        guard let given = settings[key] else { return nil }
        guard case .array(let items) = given else { throw TraceInputError(description: "trace.\(key) must be a list of integers") }
        return try items.map { item throws -> Int in
            guard case .number(let x) = item, x >= 0, x == x.rounded(), x <= 1e6 else { throw TraceInputError(description: "trace.\(key) must be a list of integers") }
            return Int(x)
        }
    }

    static func strings(_ settings: JSONObject, _ key: String) throws -> [String]? {
        guard let given = settings[key] else { return nil }
        guard case .array(let items) = given else { throw TraceInputError(description: "trace.\(key) must be a list of names") }
        return try items.map { item throws -> String in
            guard case .string(let name) = item, ["accuracy", "timescales"].contains(name) else {
                throw TraceInputError(description: "trace.\(key): each of \"accuracy\", \"timescales\"")
            }
            return name
        }
    }

    static func pairs(_ settings: JSONObject) throws -> [(head: Int, n: Int)]? {
        guard let given = settings["pairs"] else { return nil }
        guard case .array(let items) = given, !items.isEmpty else { throw TraceInputError(description: "trace.pairs must be a list of [head, N]") }
        return try items.map { item throws -> (head: Int, n: Int) in
            guard case .array(let pair) = item, pair.count == 2, case .number(let head) = pair[0], case .number(let n) = pair[1],
                  head >= 0, n >= 1, head == head.rounded(), n == n.rounded(), n <= 10_000 else {
                throw TraceInputError(description: "trace.pairs must be a list of [head, N]")
            }
            return (Int(head), Int(n))
        }
    }
}
