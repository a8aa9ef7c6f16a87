import Engine
import Foundation
import Sweep

/// Trace folders on disk: every array is DIR/<name>.npy (its name is its path without ".npy"),
/// with a manifest DIR/trace.json. The family's `TraceableExperiment` names the arrays; this only
/// maps names to files.
enum TraceFiles {
    static let format = "sweep-mpi-trace"

    /// Runs the experiment's trace from `traceIn` (if any) into `traceOut`.
    static func run(_ experiment: any Experiment, settings: JSONValue?, traceIn: String?, traceOut: String, manifest: JSONObject) throws {
        guard let traceable = experiment as? any TraceableExperiment else {
            throw CommandFailure(.badInput, "this family has no differential trace")
        }
        var settingsObject = JSONObject()
        if let settings {
            guard case .object(let object) = settings else { throw CommandFailure(.badInput, "\"trace\" must be an object of trace settings") }
            settingsObject = object
        }
        let inputs = try traceIn.map(read) ?? [:]
        let arrays: [String: TraceArray]
        do {
            arrays = try traceable.trace(inputs: inputs, settings: settingsObject)
        } catch let error as TraceInputError {
            throw CommandFailure(.badInput, "\(traceIn ?? "trace"): \(error)")
        }
        var object = JSONObject([("format", .string(format)), ("version", .number(1))])
        for member in manifest { object[member.key] = member.value }
        if let settings { object["trace"] = settings }
        try write(arrays, to: traceOut, manifest: object)
    }

    /// Every .npy under `folder`, by name.
    static func read(_ folder: String) throws -> [String: TraceArray] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw CommandFailure(.badInput, "trace folder \(folder) cannot be read")
        }
        var arrays: [String: TraceArray] = [:]
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator where url.pathExtension == "npy" {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(.badInput, "\(path) cannot be read") }
            do {
                arrays[String(path.dropFirst(prefix.count).dropLast(4))] = try NPY.decode(data)
            } catch {
                throw CommandFailure(.badInput, "\(path): \(error)")
            }
        }
        return arrays
    }

    static func write(_ arrays: [String: TraceArray], to folder: String, manifest: JSONObject) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, array) in arrays {
                let url = URL(fileURLWithPath: folder).appendingPathComponent(name + ".npy")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try NPY.encode(array).write(to: url)
            }
            try Data((JSONValue.object(manifest).prettyText() + "\n").utf8)
                .write(to: URL(fileURLWithPath: folder).appendingPathComponent("trace.json"))
        } catch {
            throw CommandFailure(.ioError, "trace folder \(folder) cannot be written: \(error)")
        }
    }
}
