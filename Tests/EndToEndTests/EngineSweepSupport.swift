import Foundation
import Testing
import Sweep

/// Sweep files of real Engine trials for the tests that run the `sweep-mpi` binary.
enum EngineSweep {
    /// A tiny trial: 8 units, 2 epochs of 40 samples, a few milliseconds.
    static let tiny = #"""
        {"N": 8, "X_dim": 4, "X_clusters": 4, "n_lag": 3, "num_epochs": 2, "num_train_samples_per_epoch": 40,
         "batch_size": 10, "dim_samples": 40, "acc_samples": 40, "dim_time_steps": 4}
        """#

    /// About 150 ms a trial in a debug build: 12 trials train for about a second on two ranks,
    /// so that signals and kills land in the middle of the training. (16 epochs since the tanh of
    /// arrays runs in C, 4 before: the debug build's Swift SIMD had made up most of the time.)
    static let slow = merged(tiny, #"{"N": 16, "num_epochs": 16, "num_train_samples_per_epoch": 2000}"#)

    /// Overrides that make the tiny trial's loss overflow within its first two epochs.
    static let diverging = #"{"hid_nonlin": "relu", "optimizer": "sgd", "loss": "mse", "learning_rate": 10000, "g_radius": 250}"#

    /// The text of a sweep file: "name", then "base" (`base` with `overrides` merged in), the two
    /// cheap analyses, then the members of `rest` (all JSON object texts).
    static func text(_ name: String, base: String = tiny, overrides: String = "{}", _ rest: String = "{}") -> String {
        var top = JSONObject([("name", .string(name)), ("base", .object(object(merged(base, overrides)))),
                              ("analyses", .array([.string("dim_layers"), .string("acc_over_training")]))])
        for member in object(rest) { top[member.key] = member.value }
        return top.compactText
    }

    /// `base` with the members of `overrides` replacing or added to its own.
    static func merged(_ base: String, _ overrides: String) -> String {
        var result = object(base)
        for member in object(overrides) { result[member.key] = member.value }
        return result.compactText
    }

    private static func object(_ text: String) -> JSONObject {
        guard case .object(let object)? = try? JSONParser.parse(text) else { fatalError("not a JSON object: \(text)") }
        return object
    }
}

extension Workspace {
    /// Writes `text` to a file of the workspace and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    /// Every file of the workspace with its bytes (to prove that a run touched nothing).
    func snapshot() -> [String: Data] {
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        var result: [String: Data] = [:]
        for name in names {
            let type = (try? FileManager.default.attributesOfItem(atPath: file(name)))?[.type] as? FileAttributeType
            if type == .typeRegular { result[name] = bytes(name) }
        }
        return result
    }
}

extension ResultsChecks {
    /// Metric bytes per trial id: every metric is a pure function of the trial's parameters (the
    /// timings live under /timings), so all of them must be bit-identical between an
    /// interrupted-and-resumed run and an uninterrupted one.
    static func computedBytesById(_ path: String) throws -> [String: [UInt64]] {
        try metricBytesById(path)
    }

    /// Row statuses by trial id.
    static func statusById(_ path: String) throws -> [String: TrialStatus] {
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        return Dictionary(uniqueKeysWithValues: zip(try reader.ids(), try reader.statuses()))
    }
}

/// Results of uninterrupted runs, each computed once per test process: several tests compare
/// their resumed files with the same reference sweep.
final class ReferenceRuns: @unchecked Sendable {
    static let shared = ReferenceRuns()
    private let lock = NSLock()
    private var computed: [String: [String: [UInt64]]] = [:]

    /// The metric bytes by trial id of `sweepText` run to completion on two ranks.
    func computedBytes(of sweepText: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: [UInt64]] {
        lock.lock()
        defer { lock.unlock() }
        if let known = computed[sweepText] { return known }
        let workspace = Workspace()
        let sweep = try workspace.write("reference.json", sweepText)
        let result = try Harness.run(ranks: 2, [sweep, "--output", workspace.file("reference.h5"), "--progress", "none"],
                                     program: Harness.sweepMPI)
        try #require(result.status == 0, "reference run failed: \(result.output)", sourceLocation: sourceLocation)
        let bytes = try ResultsChecks.computedBytesById(workspace.file("reference.h5"))
        computed[sweepText] = bytes
        return bytes
    }
}
