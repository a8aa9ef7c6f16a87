import Foundation
import Sweep

/// A stand-in for the Engine with the same contract: parameters in, named arrays out,
/// deterministically. Parameters: x (number, default 1), size (integer, default 4: length of
/// "values"), work_ms (number, default 0: busy work of about that long, polling the control),
/// fail_if (number: the trial fails when x equals it), diverge_if (number: the trial diverges
/// when x equals it), seed (integer, default 0), label (string, optional), stages (integer,
/// default 1: the work in that many stages, with a checkpoint after every stage when one is due
/// and when the trial is asked to stop; a resumed trial logs "resumed x=.. seed=.. at stage k").
struct SyntheticModel: TrialModel {
    let parameterNames = ["x", "size", "work_ms", "fail_if", "diverge_if", "seed", "label", "stages"]
    /// Wall-clock seconds of the busy work (stored under /timings, never in /metrics).
    let timingNames = ["work_seconds"]

    /// Set by the tests: every trial that starts appends one line here (counts recomputation).
    let trialLog: String? = ProcessInfo.processInfo.environment["SWEEP_HARNESS_LOG"]

    func resolve(_ parameters: JSONObject) throws(ParameterError) -> ResolvedTrial {
        let resolved = try resolveParameters(parameters)
        return ResolvedTrial(parameters: resolved, metrics: metrics(for: resolved), cost: 1 + value(resolved, "work_ms"))
    }

    private func resolveParameters(_ parameters: JSONObject) throws(ParameterError) -> JSONObject {
        for member in parameters where !parameterNames.contains(member.key) {
            throw ParameterError(field: member.key, value: "\(member.value)", reason: "unknown parameter")
        }
        func number(_ key: String, default value: Double?) throws(ParameterError) -> Double? {
            switch parameters[key] {
            case nil: return value
            case .number(let number)?: return number
            case let other?: throw ParameterError(field: key, value: "\(other)", reason: "must be a number")
            }
        }
        var resolved = JSONObject()
        resolved["x"] = .number(try number("x", default: 1)!)
        let size = try number("size", default: 4)!
        guard size >= 0, size == size.rounded(), size <= 1_000_000 else {
            throw ParameterError(field: "size", value: "\(size)", reason: "must be an integer in 0...1000000")
        }
        resolved["size"] = .number(size)
        let work = try number("work_ms", default: 0)!
        guard work >= 0 else { throw ParameterError(field: "work_ms", value: "\(work)", reason: "must be >= 0") }
        resolved["work_ms"] = .number(work)
        resolved["seed"] = .number(try number("seed", default: 0)!)
        let stages = try number("stages", default: 1)!
        guard stages >= 1, stages == stages.rounded(), stages <= 1000 else {
            throw ParameterError(field: "stages", value: "\(stages)", reason: "must be an integer in 1...1000")
        }
        if stages > 1 { resolved["stages"] = .number(stages) }
        if let failIf = try number("fail_if", default: nil) { resolved["fail_if"] = .number(failIf) }
        if let divergeIf = try number("diverge_if", default: nil) { resolved["diverge_if"] = .number(divergeIf) }
        if let label = parameters["label"] {
            guard case .string = label else { throw ParameterError(field: "label", value: "\(label)", reason: "must be a string") }
            resolved["label"] = label
        }
        return resolved
    }

    private func metrics(for resolved: JSONObject) -> [MetricSpec] {
        [MetricSpec(name: "values", shape: [Int(value(resolved, "size"))], axes: ["index"]),
         MetricSpec(name: "total", shape: [1], axes: ["component"])]
    }

    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome {
        let x = value(resolved, "x")
        let seed = value(resolved, "seed")
        if let trialLog { appendLine("x=\(x) seed=\(seed)\n", to: trialLog) }
        let started = ContinuousClock.now
        let stages = max(1, Int(value(resolved, "stages")))
        var firstStage = 0
        if stages > 1, let saved = control.restoreCheckpoint(),
           let stage = Int(String(decoding: saved, as: UTF8.self).dropFirst("stage ".count)) {
            firstStage = stage
            if let trialLog { appendLine("resumed x=\(x) seed=\(seed) at stage \(stage)\n", to: trialLog) }
        }
        for stage in firstStage..<stages {
            if !busyWork(milliseconds: value(resolved, "work_ms") / Double(stages), control: control) {
                if stages > 1 { try? control.saveCheckpoint(Array("stage \(stage)".utf8)) }
                return TrialOutcome(kind: .abandoned)
            }
            if stages > 1, stage + 1 < stages, control.checkpointDue() {
                try? control.saveCheckpoint(Array("stage \(stage + 1)".utf8))
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        do {
            var outcome = try compute(resolved, x: x, seed: seed)
            outcome.timings = ["work_seconds": seconds]
            return outcome
        } catch {
            return TrialOutcome(kind: .failed, message: "\(error)")
        }
    }

    struct InjectedFailure: Error, CustomStringConvertible {
        var x: Double
        var description: String { "x = \(x) is the value of fail_if" }
    }

    private func compute(_ resolved: JSONObject, x: Double, seed: Double) throws -> TrialOutcome {
        if case .number(let failIf)? = resolved["fail_if"], failIf == x { throw InjectedFailure(x: x) }
        var seedMixer = SplitMix64(seed: UInt64(seed))
        var generator = SplitMix64(seed: seedMixer.next() ^ x.bitPattern)
        let size = Int(value(resolved, "size"))
        var values = (0..<size).map { _ in x * generator.nextUnit() }
        if case .number(let divergeIf)? = resolved["diverge_if"], divergeIf == x {
            let from = size / 2
            for index in from..<size { values[index] = .nan }
            return TrialOutcome(kind: .diverged, metrics: ["values": values, "total": [.nan]],
                                message: "diverged at index \(from)")
        }
        return TrialOutcome(kind: .done, metrics: ["values": values, "total": [values.reduce(0, +)]])
    }

    /// Computes for about `milliseconds` of this thread's CPU time (not wall time, so that ranks
    /// sharing a core take longer, as real training does), asking the control about every
    /// millisecond whether to stop.
    private func busyWork(milliseconds: Double, control: TrialControl) -> Bool {
        guard milliseconds > 0 else { return true }
        let start = threadCPUSeconds()
        let seconds = milliseconds / 1000
        var sink: UInt64 = 0
        var nextPoll = 0.0
        while true {
            let elapsed = threadCPUSeconds() - start
            if elapsed >= seconds { break }
            if elapsed >= nextPoll {
                if control.shouldStop(progress: elapsed / seconds) { return false }
                nextPoll = elapsed + 0.001
            }
            for step in 0..<1000 { sink = sink &* 6364136223846793005 &+ UInt64(step) }
        }
        return sink != 1 || true
    }

    private func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    private func value(_ resolved: JSONObject, _ key: String) -> Double {
        if case .number(let number)? = resolved[key] { return number }
        return 0
    }

    private func appendLine(_ line: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return }
        _ = line.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }
}

/// SplitMix64: a tiny, fully specified generator (same numbers on every machine).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
