import Foundation
import Testing
@testable import Sweep

/// Every test that touches MPI or HDF5 lives under this suite: both libraries are used from one
/// thread at a time (MPI_THREAD_SINGLE; HDF5 built without thread safety).
@Suite(.serialized) struct RuntimeTests {}

/// A fresh temporary directory, removed when the value is released.
final class StoreScratchDirectory {
    let path: String
    init() {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-store-XXXXXX").path
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum StoreFixtures {
    static let provenance = Provenance(toolVersion: "0.1.0-test", gitCommit: "abc123", openBLASVersion: "OpenBLAS 0.3.21")

    static func trial(_ parameters: [(String, JSONValue)], cost: Double = 1) -> Trial {
        let object = JSONObject(parameters)
        return Trial(id: TrialIdentity.id(of: object), parameters: object, cost: cost)
    }

    /// A plan over seeds × x with a few column kinds and a 1-D and a 2-D metric.
    static func plan(name: String = "demo", seeds: Range<Int> = 0..<3, xs: [Double] = [0.5, 2],
                     curveLength: Int = 4, extraColumn: Bool = false) -> Plan {
        var trials: [Trial] = []
        for x in xs {
            for seed in seeds {
                var parameters: [(String, JSONValue)] = [
                    ("x", .number(x)), ("seed", .number(Double(seed))), ("network", .string("vanilla")),
                    ("train", .bool(seed % 2 == 0)), ("layers", .array([.number(10), .number(Double(seed))])),
                ]
                if extraColumn { parameters.append(("noise", .number(0.1))) }
                trials.append(trial(parameters, cost: x))
            }
        }
        var columns = ["x", "seed", "network", "train", "layers"]
        if extraColumn { columns.append("noise") }
        return Plan(name: name, specText: "{\"name\": \"\(name)\"}", output: "unused.h5", trials: trials,
                    metrics: [MetricSpec(name: "curve", shape: [curveLength], axes: ["epoch"]),
                              MetricSpec(name: "grid", shape: [2, 3], axes: ["row", "column"])],
                    columns: columns, hash: "hash-\(trials.count)")
    }

    /// Runs a command, returning its exit status and combined output.
    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

enum StoreChecks {
    static func statuses(_ path: String) throws -> [TrialStatus] {
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        return try reader.statuses()
    }
}
