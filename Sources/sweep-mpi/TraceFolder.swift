import Engine
import Foundation
import Sweep

/// Trace folders on disk (scripts/reference/TRACE.md): every array is DIR/<name>.npy, with a
/// manifest DIR/trace.json. The family's `DifferentialTracing` names the arrays; this only maps names to files.
enum TraceFolder {
    static let format = "sweep-mpi-trace"
    static let version = 1

    /// Every .npy under `folder`, by name (its relative path without ".npy").
    static func read(_ folder: String) throws -> [String: TraceArray] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw CommandFailure(.inputUnreadable, "trace folder \(folder) cannot be read")
        }
        var arrays: [String: TraceArray] = [:]
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator where url.pathExtension == "npy" {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            let name = String(path.dropFirst(prefix.count).dropLast(4))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(.inputUnreadable, "\(path) cannot be read")
            }
            do {
                arrays[name] = try NPY.decode(data)
            } catch {
                throw CommandFailure(.badInput, "\(path): \(error)")
            }
        }
        return arrays
    }

    /// Writes each array as folder/<name>.npy and the manifest.
    static func write(_ arrays: [String: TraceArray], to folder: String, manifest: JSONObject) throws {
        var object = JSONObject([("format", .string(format)), ("version", .number(Double(version)))])
        for member in manifest { object[member.key] = member.value }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, array) in arrays {
                let url = URL(fileURLWithPath: folder).appendingPathComponent(name + ".npy")
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try NPY.encode(array).write(to: url)
            }
            try Data((JSONValue.object(object).prettyText() + "\n").utf8)
                .write(to: URL(fileURLWithPath: folder).appendingPathComponent("trace.json"))
        } catch {
            throw CommandFailure(.cannotCreateOutput, "trace folder \(folder) cannot be written: \(error)")
        }
    }
}
