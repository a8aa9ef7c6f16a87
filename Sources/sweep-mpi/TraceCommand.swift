import ArgumentParser
import Engine
import Foundation
import Sweep

/// `sweep-mpi trace CONFIG --out DIR`: the differential trace of one experiment (its data,
/// initial weights and first training steps) as a folder of .npy files, for the reference-side
/// scripts of its family (scripts/<family>/).
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Record an experiment's data, initial weights and first training steps as .npy files.",
        discussion: """
            CONFIG is one JSON object of parameters (as for `sweep-mpi train`). DIR receives one \
            .npy file per array (numpy format 1.0, C order, little-endian), in subfolders named \
            by the array's path, and trace.json with the resolved parameters. Families that \
            support it: latent_dynamics (scripts/latent_dynamics/harness.py compares it with the \
            reference model).
            """)

    @Argument(help: "A config (JSON object of parameters), or - for standard input.")
    var config: String

    @Option(help: ArgumentHelp("The folder to write (created; must not hold a trace already).", valueName: "DIR"))
    var out: String

    @Option(help: "Training steps (minibatches) to record.")
    var steps = 3

    @OptionGroup var overrides: ParameterOverrides

    func run() throws {
        BLAS.useSingleThread()
        guard steps >= 0 else { throw ValidationError("--steps must be >= 0") }
        let text = try CommandFailure.readText(config, what: config == "-" ? "standard input" : "config")
        let object = try TrainCommand.parseObject(text, source: config)
        var parameters = object
        for member in try overrides.overrides() { parameters[member.key] = member.value }
        let model: FamilyTrialModel, resolved: JSONObject, experiment: any Experiment
        do {
            model = try FamilyTrialModel.forParameters(parameters)
            (experiment, resolved) = try model.configure(parameters)
        } catch {
            throw CommandFailure(.badInput, "\(config): \(error)")
        }
        guard let traceable = experiment as? TraceableExperiment else {
            throw CommandFailure(.badInput, "\(config): family \(model.family.name) records no differential trace")
        }
        let manifest = URL(fileURLWithPath: out).appendingPathComponent("trace.json")
        if FileManager.default.fileExists(atPath: manifest.path) {
            throw CommandFailure(.badInput, "\(out) already holds a trace (trace.json): choose another folder")
        }
        let arrays: [TracedArray]
        do {
            arrays = try traceable.trace(steps: steps)
        } catch {
            throw CommandFailure(.internalError, "tracing failed: \(error)")
        }
        do {
            for array in arrays {
                let file = URL(fileURLWithPath: out).appendingPathComponent(array.name + ".npy")
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try NPYFile.data(array).write(to: file)
            }
            let description = JSONObject([("format", .string("sweep-mpi-trace")), ("family", .string(model.family.name)),
                                          ("steps", .number(Double(steps))), ("parameters", .object(resolved))])
            try Data(JSONValue.object(description).prettyText().utf8).write(to: manifest)
        } catch {
            throw CommandFailure(.cannotCreateOutput, "cannot write the trace to \(out): \(error.localizedDescription)")
        }
        print("trace of \(arrays.count) arrays written to \(out)")
    }
}

/// numpy's .npy format 1.0: magic, version, a little-endian header length, the header dict
/// padded with spaces to a multiple of 64 bytes and ending in a newline, then the raw values.
enum NPYFile {
    static func data(_ array: TracedArray) -> Data {
        let descriptor: String
        var payload = Data()
        switch array.values {
        case .float32(let v): descriptor = "<f4"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .float64(let v): descriptor = "<f8"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .int32(let v): descriptor = "<i4"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        }
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }
}
