import Foundation

extension FarrellFamily: DifferentialTracing {
    public func trace(_ values: JSONObject, settings: JSONValue?, inputs: [String: TraceArray]) throws -> TraceOutput {
        let (config, _) = try configuration(values)
        return try FarrellTrace.execute(config, inputs: inputs, settings: try TraceSettings(settings))
    }
}

/// What a traced run records besides the arrays every trace has (scripts/reference/TRACE.md).
public struct TraceSettings: Sendable {
    /// Gradients of the first `gradientSteps` updates.
    public var gradientSteps = 3
    /// The weights after these numbers of updates.
    public var weightSteps: Set<Int> = [1, 10, 100, 1000]
    /// Analyses on every weight set: "dim_layers", "lyapunov", "accuracy".
    public var analyses: [String] = ["dim_layers", "lyapunov", "accuracy"]
    /// Lyapunov initial conditions drawn when the trace input gives none.
    public var lyapunovInitialConditions = 4
    public init() {}

    /// The config's "trace" object: grad_steps, weight_steps, analyses, lyap_ics.
    public init(_ value: JSONValue?) throws(TraceInputError) {
        guard let value else { return }
        guard case .object(let object) = value else { throw TraceInputError(description: "\"trace\" must be an object") }
        for member in object {
            switch (member.key, member.value) {
            case ("grad_steps", .number(let x)) where x >= 0 && x == x.rounded():
                gradientSteps = Int(x)
            case ("weight_steps", .array(let items)):
                var steps = Set<Int>()
                for item in items {
                    guard case .number(let x) = item, x >= 0, x == x.rounded() else {
                        throw TraceInputError(description: "trace.weight_steps must be a list of update counts")
                    }
                    steps.insert(Int(x))
                }
                weightSteps = steps
            case ("analyses", .array(let items)):
                var names: [String] = []
                for item in items {
                    guard case .string(let name) = item, ["dim_layers", "lyapunov", "accuracy"].contains(name) else {
                        throw TraceInputError(description: "trace.analyses: each of \"dim_layers\", \"lyapunov\", \"accuracy\"")
                    }
                    names.append(name)
                }
                analyses = names
            case ("lyap_ics", .number(let x)) where x >= 1 && x == x.rounded():
                lyapunovInitialConditions = Int(x)
            default:
                throw TraceInputError(description: "trace.\(member.key): unknown or invalid (grad_steps, weight_steps, analyses, lyap_ics)")
            }
        }
    }
}


/// One Farrell network trained for the differential harness (scripts/reference/): optionally from given
/// initial weights on given minibatches, recording per-minibatch losses, the first gradients, the
/// weights after chosen update counts, the learning rate and validation loss per epoch, and the
/// analyses on named weight sets. Arrays in and out are named by their path in a trace folder
/// (TRACE.md); this type does no file I/O. With no inputs it trains on its own data and also
/// returns that data as a trace input (`dump`), so that the reference can be run on it.
public enum FarrellTrace {
    public static func execute(_ config: FarrellConfig, inputs: [String: TraceArray], settings: TraceSettings) throws -> TraceOutput {
        guard config.network == .vanillaRNN, !config.freeze_input else {
            throw TraceInputError(description: "traces support the vanilla_rnn network with online data")
        }
        let n = config.N, d = config.X_dim, epochs = config.num_epochs
        let base: any ClassificationTask = GaussianClusterTask(config)
        var trace: [String: TraceArray] = [:], dump: [String: TraceArray] = [:]

        // Minibatches: replayed from the inputs, or drawn by the task and recorded.
        let replayed = inputs["data/train_inputs"] != nil
        let feed = try MinibatchFeed(config: config, base: base, inputs: replayed ? inputs : nil)
        let network = Network(config: config, task: base, maxTrainingBatch: config.batch_size)
        try network.initialize()
        let parameters = network.parameters
        for spec in parameters.specs {
            guard let given = inputs["init/\(spec.name)"] else { continue }
            try load(given, into: parameters, spec: spec, what: "init/\(spec.name)")
        }
        parameters.valuesChanged()
        let initial = parameters.snapshot()
        func record(_ prefix: String, trainableOnly: Bool = false, from buffer: UnsafeMutablePointer<Float>? = nil) {
            for (spec, offset) in zip(parameters.specs, parameters.offsets) where !trainableOnly || spec.trainable {
                let source = (buffer ?? parameters.values) + offset
                trace["\(prefix)/\(spec.name)"] = .float32(Array(UnsafeBufferPointer(start: source, count: spec.count)),
                                                          shape: spec.shape)
            }
        }
        record("params/init")

        var losses: [Double] = [], stepped: [UInt8] = [], validationLosses: [Double] = [], rates: [Double] = []
        var weightsRecorded = Set<Int>()
        let trainer = Trainer(config: config, network: network, task: feed)
        trainer.observer = TrainingObserver(minibatch: { loss, didStep, updates in
            losses.append(Double(loss))
            stepped.append(didStep ? 1 : 0)
            guard didStep else { return }
            if updates < settings.gradientSteps {
                record("grads/" + stepName(updates), trainableOnly: true, from: parameters.gradients)
            }
            if settings.weightSteps.contains(updates), weightsRecorded.insert(updates).inserted {
                record("params/" + stepName(updates))
            }
        }, epochEnded: { _, validationLoss, rate in
            validationLosses.append(validationLoss)
            rates.append(rate)
        })
        let history = try trainer.train(visit: { _ in }, shouldStop: { _ in false })
        let final = parameters.snapshot()
        record("params/final")
        trace["series/train_loss"] = .float64(losses, shape: [losses.count])
        trace["series/train_stepped"] = .uint8(stepped, shape: [stepped.count])
        trace["series/val_loss"] = .float64(validationLosses, shape: [validationLosses.count])
        trace["series/lr"] = .float64(rates, shape: [rates.count])
        if let divergence = history.divergence {
            trace["series/diverged_epoch"] = .float64([divergence.epoch], shape: [1])
        }

        // The analyses' samples and Lyapunov initial conditions.
        let evaluation: (inputs: [Float], labels: [Int32], groups: [Int32])
        if let given = inputs["eval/inputs"] {
            guard given.shape.count == 2, given.shape[1] == d, given.shape[0] >= 2 else {
                throw TraceInputError(description: "eval/inputs has shape \(given.shape), expected [M, \(d)]")
            }
            guard let labels = inputs["eval/labels"], labels.count == given.shape[0] else {
                throw TraceInputError(description: "eval/labels must hold one label per row of eval/inputs")
            }
            let groups = inputs["eval/clusters"]?.int32s ?? [Int32](repeating: 0, count: given.shape[0])
            evaluation = (given.floats, labels.int32s, groups)
        } else {
            let set = EvaluationSet(task: base, count: config.dim_samples, seed: config.seed)
            evaluation = (Array(set.inputs.prefix(config.dim_samples * d)), set.labels, set.clusterIDs)
        }
        let initialConditions: [Float]
        if let given = inputs["eval/lyap_ics"] {
            guard given.shape.count == 2, given.shape[1] == n, given.shape[0] >= 1 else {
                throw TraceInputError(description: "eval/lyap_ics has shape \(given.shape), expected [I, \(n)]")
            }
            initialConditions = given.floats
        } else {
            // As the Lyapunov analysis draws them: U(-0.2, 0.2), seeded per initial condition.
            var values: [Float] = []
            for index in 0..<settings.lyapunovInitialConditions {
                var stream = RandomStream(seed: config.seed, purpose: FarrellStream.lyapunovInitialConditions, index: UInt64(index))
                for _ in 0..<n { values.append(Float(0.4 * stream.nextUniform() - 0.2)) }
            }
            initialConditions = values
        }

        // Weight sets to analyse: this run's initial and final weights, and any given ones.
        var weightSets: [(label: String, values: [Float])] = [("init", initial), ("final", final)]
        var givenLabels: [String] = []
        for key in inputs.keys.sorted() where key.hasPrefix("weights/") {
            let parts = key.split(separator: "/")
            guard parts.count == 3 else { throw TraceInputError(description: "\(key): expected weights/<label>/<parameter>") }
            if !givenLabels.contains(String(parts[1])) { givenLabels.append(String(parts[1])) }
        }
        for label in givenLabels {
            parameters.restore(final)
            for spec in parameters.specs {
                guard let given = inputs["weights/\(label)/\(spec.name)"] else { continue }
                try load(given, into: parameters, spec: spec, what: "weights/\(label)/\(spec.name)")
            }
            weightSets.append((label, parameters.snapshot()))
        }
        let analyser = try WeightSetAnalyser(config: config, base: base, evaluation: evaluation,
                                             initialConditions: initialConditions, settings: settings)
        for set in weightSets {
            parameters.restore(set.values)
            for (name, value) in try analyser.analyse(network: network) {
                trace["analysis/\(set.label)/\(name)"] = value
            }
        }
        parameters.restore(final)

        if !replayed {
            for (spec, offset) in zip(parameters.specs, parameters.offsets) {
                dump["init/\(spec.name)"] = .float32(Array(initial[offset..<(offset + spec.count)]), shape: spec.shape)
            }
            for (name, array) in feed.recorded(epochs: epochs) { dump[name] = array }
            let m = evaluation.labels.count
            dump["eval/inputs"] = .float32(Array(evaluation.inputs.prefix(m * d)), shape: [m, d])
            dump["eval/labels"] = .int32(evaluation.labels, shape: [m])
            dump["eval/clusters"] = .int32(evaluation.groups, shape: [m])
            dump["eval/lyap_ics"] = .float32(initialConditions, shape: [initialConditions.count / n, n])
        }
        return TraceOutput(trace: trace, dump: dump)
    }

    public static func stepName(_ k: Int) -> String {
        let digits = String(k)
        return "step_" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func load(_ array: TraceArray, into parameters: ParameterStore, spec: TensorSpec, what: String) throws {
        guard array.shape == spec.shape else {
            throw TraceInputError(description: "\(what) has shape \(array.shape), the network's is \(spec.shape)")
        }
        let values = array.floats
        values.withUnsafeBufferPointer { parameters.values(spec.name).update(from: $0.baseAddress!, count: spec.count) }
    }
}

/// The task the trainer sees in a traced run: it serves the given minibatches in the order the
/// trainer asks for them (per epoch: the training batches, then the validation batches), or draws
/// them from the real task and keeps a copy. Evaluation sets come from the real task.
final class MinibatchFeed: ClassificationTask {
    let base: any ClassificationTask
    let batch: Int, trainCount: Int, validationCount: Int, trainBatches: Int, validationBatches: Int
    let dimension: Int
    /// [E, S, D] and [E, S] per phase (given), or what was drawn (recorded).
    var trainInputs: [Float], trainLabels: [Int32], validationInputs: [Float], validationLabels: [Int32]
    let replaying: Bool
    private var calls = 0

    init(config: FarrellConfig, base: any ClassificationTask, inputs: [String: TraceArray]?) throws {
        self.base = base
        batch = config.batch_size
        trainCount = config.num_train_samples_per_epoch
        validationCount = config.num_test_samples_per_epoch
        trainBatches = config.trainBatchesPerEpoch
        validationBatches = config.validationBatchesPerEpoch
        dimension = config.X_dim
        replaying = inputs != nil
        guard let inputs else {
            trainInputs = []; trainLabels = []; validationInputs = []; validationLabels = []
            return
        }
        func phase(_ name: String, samples: Int) throws -> ([Float], [Int32]) {
            guard let x = inputs["data/\(name)_inputs"], let y = inputs["data/\(name)_labels"] else {
                throw TraceInputError(description: "data/\(name)_inputs and data/\(name)_labels must both be given")
            }
            guard x.shape.count == 3, x.shape[0] >= config.num_epochs, x.shape[1] == samples, x.shape[2] == config.X_dim else {
                throw TraceInputError(description: "data/\(name)_inputs has shape \(x.shape), expected [>= \(config.num_epochs), \(samples), \(config.X_dim)]")
            }
            guard y.shape == [x.shape[0], samples] else {
                throw TraceInputError(description: "data/\(name)_labels has shape \(y.shape), expected [\(x.shape[0]), \(samples)]")
            }
            return (x.floats, y.int32s)
        }
        (trainInputs, trainLabels) = try phase("train", samples: trainCount)
        (validationInputs, validationLabels) = try phase("val", samples: validationCount)
    }

    var inputSize: Int { base.inputSize }
    var inputSteps: Int { base.inputSteps }
    var classes: Int { base.classes }

    func drawTraining(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        let perEpoch = trainBatches + validationBatches
        let epoch = calls / perEpoch, index = calls % perEpoch
        calls += 1
        let training = index < trainBatches
        let samples = training ? trainCount : validationCount
        let start = (training ? index : index - trainBatches) * batch
        precondition(count == min(batch, samples - start), "the trainer asked for an unexpected minibatch")
        let row = epoch * samples + start, d = dimension
        if replaying {
            let x = training ? trainInputs : validationInputs, y = training ? trainLabels : validationLabels
            for s in 0..<count {
                for i in 0..<d { buffer.inputs[s * d + i] = x[(row + s) * d + i] }
                buffer.labels[s] = y[row + s]
                buffer.groups[s] = 0
            }
            for step in 1..<max(inputSteps, 1) { (buffer.inputs + step * count * d).update(from: buffer.inputs, count: count * d) }
        } else {
            base.drawTraining(count: count, into: buffer, stream: &stream)
            let inputs = Array(UnsafeBufferPointer(start: buffer.inputs, count: count * d))
            let labels = Array(UnsafeBufferPointer(start: buffer.labels, count: count))
            if training { trainInputs += inputs; trainLabels += labels } else { validationInputs += inputs; validationLabels += labels }
        }
    }

    func drawEvaluation(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        base.drawEvaluation(count: count, into: buffer, stream: &stream)
    }

    /// The recorded minibatches as trace inputs data/{train,val}_{inputs,labels}.
    func recorded(epochs: Int) -> [String: TraceArray] {
        let trainEpochs = trainLabels.count / max(trainCount, 1), validationEpochs = validationLabels.count / max(validationCount, 1)
        return ["data/train_inputs": .float32(trainInputs, shape: [trainEpochs, trainCount, dimension]),
                "data/train_labels": .int32(trainLabels, shape: [trainEpochs, trainCount]),
                "data/val_inputs": .float32(validationInputs, shape: [validationEpochs, validationCount, dimension]),
                "data/val_labels": .int32(validationLabels, shape: [validationEpochs, validationCount])]
    }
}

/// The analyses of a trace on one weight set: participation ratio per layer (as dim_layers),
/// accuracy and loss on the evaluation samples after the training window, and the Lyapunov spectrum
/// from the given initial conditions.
final class WeightSetAnalyser {
    let config: FarrellConfig
    let task: FixedEvaluationTask
    let samples: Int
    let initialConditions: [Float]
    let settings: TraceSettings
    let participationRatio: ParticipationRatio

    init(config: FarrellConfig, base: any ClassificationTask, evaluation: (inputs: [Float], labels: [Int32], groups: [Int32]),
         initialConditions: [Float], settings: TraceSettings) throws {
        samples = evaluation.labels.count
        var c = config
        c.dim_samples = samples
        c.acc_samples = samples
        c.analyses = [.dimLayers]
        self.config = c
        task = FixedEvaluationTask(base: base, inputs: evaluation.inputs, labels: evaluation.labels, groups: evaluation.groups)
        self.initialConditions = initialConditions
        self.settings = settings
        participationRatio = ParticipationRatio(maxSamples: samples, maxFeatures: max(c.N, c.X_dim))
    }

    func analyse(network: Network) throws -> [String: TraceArray] {
        let c = config, n = c.N, d = c.X_dim
        var results: [String: TraceArray] = [:]
        let evaluator = Evaluator(config: c, network: network, task: task)
        let set = evaluator.set(samples: samples)
        let steps = c.layerSteps
        let states = evaluator.run(set, steps: steps)
        if settings.analyses.contains("dim_layers") {
            var dims: [Double] = []
            try set.inputs.withUnsafeBufferPointer { dims.append(try participationRatio.compute($0.baseAddress!, samples: samples, features: d)) }
            for layer in 1..<c.analysisLayers {
                dims.append(try participationRatio.compute(states + layer * samples * n, samples: samples, features: n))
            }
            results["dim_layers"] = .float64(dims, shape: [dims.count])
        }
        if settings.analyses.contains("accuracy") {
            // Accuracy at the last loss step, the loss over the loss steps (the traces use n_out 1).
            let (total, correct) = set.labels.withUnsafeBufferPointer {
                network.readoutLoss(states: states, batch: samples, labels: $0.baseAddress!, logits: evaluator.logits, logitsStride: 0)
            }
            results["accuracy"] = .float64([Double(correct) / Double(samples)], shape: [1])
            results["loss"] = .float64([Double(total / Float(samples * c.lossSteps.count))], shape: [1])
        }
        if settings.analyses.contains("lyapunov"), let dynamics = network.cell.autonomousDynamics() {
            let count = initialConditions.count / n
            let lyapunov = LyapunovSettings(maxSteps: c.lyap_max_steps, stepTolerance: c.lyap_step_tolerance,
                                            maxInitialConditions: count, minimumInitialConditions: min(4, count))
            let spectrum = try LyapunovSpectrum(dimension: n, exponents: c.lyap_exponents, settings: lyapunov)
            let ics = initialConditions
            let result = try spectrum.compute(dynamics: dynamics) { index, state in
                for unit in 0..<n { state[unit] = Double(ics[index * n + unit]) }
            }
            results["lyap"] = .float64(result.exponents, shape: [result.exponents.count])
            results["lyap_sem"] = .float64([result.standardError], shape: [1])
        }
        return results
    }
}

/// A task whose evaluation set is fixed (the trace's): every evaluation request of its size gets it.
final class FixedEvaluationTask: ClassificationTask {
    let base: any ClassificationTask
    let inputs: [Float], labels: [Int32], groups: [Int32]

    init(base: any ClassificationTask, inputs: [Float], labels: [Int32], groups: [Int32]) {
        self.base = base; self.inputs = inputs; self.labels = labels; self.groups = groups
    }

    var inputSize: Int { base.inputSize }
    var inputSteps: Int { base.inputSteps }
    var classes: Int { base.classes }

    func drawTraining(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        base.drawTraining(count: count, into: buffer, stream: &stream)
    }

    func drawEvaluation(count: Int, into buffer: SampleBuffer, stream: inout RandomStream) {
        precondition(count == labels.count, "the trace's evaluation set has \(labels.count) samples, \(count) were asked for")
        let d = inputSize
        for s in 0..<count {
            for i in 0..<d { buffer.inputs[s * d + i] = inputs[s * d + i] }
            buffer.labels[s] = labels[s]
            buffer.groups[s] = groups[s]
        }
        for step in 1..<max(inputSteps, 1) { (buffer.inputs + step * count * d).update(from: buffer.inputs, count: count * d) }
    }
}
