import ArgumentParser
import Engine
import Foundation
import Sweep

/// `sweep-mpi train FILE`: one experiment, alone; its results and timings printed as JSON.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train and analyse one experiment (a config, or one trial of a sweep); print its results as JSON.",
        discussion: """
            FILE is either a config (one JSON object of parameters, e.g. {"family": "farrell", \
            "g_radius": 250, "num_epochs": 5}; every parameter not given takes its default, see \
            `sweep-mpi params`) or a sweep file with --trial K, which trains trial K exactly as the \
            sweep would: K is its index in `sweep-mpi plan FILE` or a prefix of its id. `-` reads \
            FILE from standard input.
            """)

    @Argument(help: "A config (JSON object of parameters) or a sweep file, or - for standard input.")
    var file: String

    @Option(help: ArgumentHelp("With a sweep file: the trial to train, by index or id prefix.", valueName: "K"))
    var trial: String?

    @OptionGroup var overrides: ParameterOverrides

    @Option(help: ArgumentHelp("With a sweep file: seeds instead of the file's, e.g. 0-29.", valueName: "list"))
    var seeds: String?

    @Flag(help: "Print the resolved parameters only, without training.")
    var resolveOnly = false

    @Option(help: ArgumentHelp("Differential trace: start from this folder's initial weights, minibatches and evaluation set (scripts/reference/TRACE.md).", valueName: "dir"))
    var traceIn: String?

    @Option(help: ArgumentHelp("Differential trace: write per-step losses, gradients, weights and analyses to this folder.", valueName: "dir"))
    var traceOut: String?

    @Option(help: ArgumentHelp("Differential trace without --trace-in: also write this run's own initial weights, minibatches and evaluation set as a trace input.", valueName: "dir"))
    var dumpIn: String?

    func validate() throws {
        if traceIn != nil || dumpIn != nil, traceOut == nil { throw ValidationError("--trace-in and --dump-in need --trace-out") }
        if traceIn != nil, dumpIn != nil {
            throw ValidationError("--dump-in writes this run's own inputs: it cannot be combined with --trace-in")
        }
        if traceOut != nil, trial != nil || seeds != nil { throw ValidationError("a differential trace runs a config file, not a sweep trial") }
    }

    func run() throws {
        BLAS.useSingleThread()
        let text = try CommandFailure.readText(file, what: file == "-" ? "standard input" : "config")
        var object = try Self.parseObject(text, source: file)
        if let traceOut {
            try runTrace(&object, traceOut: traceOut)
            return
        }
        let selected = try Self.isSweepFile(object) ? try selectTrial(text) : try configTrial(object)
        var output = JSONObject()
        if let index = selected.index { output["trial"] = .number(Double(index)) }
        output["id"] = .string(TrialIdentity.id(of: selected.resolved))
        output["parameters"] = .object(selected.resolved)
        if resolveOnly {
            print(JSONValue.object(output).prettyText())
            return
        }
        let experiment = try Self.experiment(selected.model, selected.resolved, source: file)
        let result: ExperimentResult
        do {
            result = try experiment.run(RunToCompletion())
        } catch {
            throw CommandFailure(.internalError, "training failed: \(error)")
        }
        output["divergence"] = result.divergence.map { .string($0) } ?? .null
        var metrics = JSONObject()
        for spec in experiment.metrics {
            metrics[spec.name] = Self.nested(result.metrics[spec.name] ?? [], shape: spec.shape)
        }
        output["metrics"] = .object(metrics)
        output["timings"] = .object(JSONObject(selected.model.timingNames.map { ($0, .number(result.timings[$0] ?? .nan)) }))
        print(JSONValue.object(output).prettyText())
    }

    /// The differential trace (scripts/reference/TRACE.md): the config may carry a "trace" object
    /// of trace settings beside its parameters.
    private func runTrace(_ object: inout JSONObject, traceOut: String) throws {
        let traceSettings = object["trace"]
        object["trace"] = nil
        for member in try overrides.overrides() { object[member.key] = member.value }
        let model: FamilyTrialModel
        do { model = try FamilyTrialModel.forParameters(object) } catch {
            throw CommandFailure(.badInput, "\(file): \(error)")
        }
        guard let tracing = model.family as? any DifferentialTracing else {
            throw CommandFailure(.usage, "family \(model.family.name) has no differential trace")
        }
        var values = object
        values["family"] = nil
        let inputs = try traceIn.map(TraceFolder.read) ?? [:]
        let output: TraceOutput
        do {
            output = try tracing.trace(values, settings: traceSettings, inputs: inputs)
        } catch let error as ParameterError {
            throw CommandFailure(.badInput, "\(file): \(error)")
        } catch let error as TraceInputError {
            throw CommandFailure(.badInput, "\(traceIn ?? file): \(error)")
        } catch {
            throw CommandFailure(.internalError, "training failed: \(error)")
        }
        var config = object
        if let traceSettings { config["trace"] = traceSettings }
        var manifest = JSONObject([("writer", .string("sweep-mpi")), ("family", .string(model.family.name)),
                                   ("config", .object(config)), ("tool_version", .string(SweepMPI.version))])
        // Every parameter with its default filled in, for a reference runner that builds the same model.
        if let resolved = try? model.configure(object).resolved { manifest["parameters"] = .object(resolved) }
        try TraceFolder.write(output.trace, to: traceOut, manifest: manifest)
        if let dumpIn { try TraceFolder.write(output.dump, to: dumpIn, manifest: manifest) }
    }

    /// A config file: the parameters, with the --set values over them.
    private func configTrial(_ object: JSONObject) throws -> (model: FamilyTrialModel, resolved: JSONObject, index: Int?) {
        if trial != nil { throw ValidationError("--trial K needs a sweep file; \(file) is a config") }
        if seeds != nil { throw ValidationError("--seeds needs a sweep file; \(file) is a config") }
        var parameters = object
        for member in try overrides.overrides() { parameters[member.key] = member.value }
        do {
            let model = try FamilyTrialModel.forParameters(parameters)
            return (model, try model.resolve(parameters).parameters, nil)
        } catch {
            throw CommandFailure(.badInput, "\(file): \(Self.describe(error, overridden: overrides.assignments))")
        }
    }

    /// A sweep file: the trial --trial names, from the same expansion as `run` and `plan`.
    private func selectTrial(_ text: String) throws -> (model: FamilyTrialModel, resolved: JSONObject, index: Int?) {
        guard let trial else {
            throw ValidationError("\(file) is a sweep file: choose one of its trials with --trial K (an index or an id prefix; `sweep-mpi plan \(file)` lists them)")
        }
        let selection = try SweepSelection.parse([file] + (seeds.map { ["--seeds", $0] } ?? []))
        let (expansion, model) = try selection.expand(overrides: overrides.overrides())
        let trials = expansion.plan.trials
        let index = try Self.trialIndex(trial, in: trials.map(\.id))
        return (model, trials[index].parameters, index)
    }

    /// `K` as an index (0 ..< count) or a unique prefix of a trial id.
    static func trialIndex(_ k: String, in ids: [String]) throws -> Int {
        if let index = Int(k) {
            guard index >= 0, index < ids.count else {
                throw ValidationError("--trial \(k): the sweep has \(ids.count) trials (0...\(ids.count - 1))")
            }
            return index
        }
        let matches = ids.indices.filter { ids[$0].hasPrefix(k.lowercased()) }
        guard !k.isEmpty, let first = matches.first else {
            throw ValidationError("--trial \(k): no trial index or id starts with \"\(k)\"")
        }
        guard matches.count == 1 else {
            throw ValidationError("--trial \(k): \(matches.count) trial ids start with \"\(k)\" (\(matches.prefix(3).map { ids[$0] }.joined(separator: ", "))...); give more characters")
        }
        return first
    }

    static func experiment(_ model: FamilyTrialModel, _ resolved: JSONObject, source: String) throws -> any Experiment {
        do {
            return try model.configure(resolved).experiment
        } catch {
            throw CommandFailure(.badInput, "\(source): \(error)")
        }
    }

    /// A JSON object from `text`, or 65 naming the place of the syntax error.
    static func parseObject(_ text: String, source: String) throws -> JSONObject {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw CommandFailure(.badInput, "\(source): \(error)")
        }
        guard case .object(let object) = json else {
            throw CommandFailure(.badInput, "\(source): expected a JSON object (a config of parameters, or a sweep file)")
        }
        return object
    }

    /// A sweep file has one of the sweep's own keys (a config holds parameters only).
    static func isSweepFile(_ object: JSONObject) -> Bool {
        object.keys.contains { SweepSpec.topLevelKeys.contains($0) && $0 != "analyses" }
    }

    /// A parameter error, naming --set when the value came from the command line.
    static func describe(_ error: ParameterError, overridden: [String]) -> String {
        overridden.contains { $0.hasPrefix(error.field + "=") } ? "--set \(error)" : "\(error)"
    }

    /// A flat row-major array as nested JSON arrays of the given shape; NaN as null.
    static func nested(_ values: [Double], shape: [Int]) -> JSONValue {
        func element(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        guard let first = shape.first else { return values.first.map(element) ?? .null }
        let stride = shape.dropFirst().reduce(1, *)
        return .array((0..<first).map { i in
            let slice = Array(values[min(values.count, i * stride)..<min(values.count, (i + 1) * stride)])
            return nested(slice + [Double](repeating: .nan, count: stride - slice.count), shape: Array(shape.dropFirst()))
        })
    }
}
