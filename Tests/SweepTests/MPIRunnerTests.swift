import Foundation
import Testing
@testable import Sweep

/// A small deterministic model for in-process runs: "steps" units of work, each reporting
/// progress; "fail"/"diverge" flags. The trial whose x is `signalAtX` sends this process
/// SIGUSR1 when it starts (a model setting, not a parameter: the trial's identity stays).
struct CountingModel: TrialModel {
    let parameterNames = ["x", "steps", "fail", "diverge", "seed"]
    let timingNames: [String] = []
    let stepSeconds: Double
    var signalAtX: Double? = nil

    func resolve(_ parameters: JSONObject) throws(ParameterError) -> ResolvedTrial {
        ResolvedTrial(parameters: parameters, metrics: metrics(for: parameters), cost: cost(for: parameters))
    }
    func metrics(for resolved: JSONObject) -> [MetricSpec] {
        [MetricSpec(name: "curve", shape: [Int(number(resolved, "steps"))], axes: ["step"])]
    }
    func cost(for resolved: JSONObject) -> Double { number(resolved, "steps") }

    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome {
        if let signalAtX, number(resolved, "x") == signalAtX { raise(SIGUSR1) }
        let steps = Int(number(resolved, "steps"))
        var curve: [Double] = []
        for step in 0..<steps {
            if control.shouldStop(progress: Double(step) / Double(steps)) { return TrialOutcome(kind: .abandoned) }
            if stepSeconds > 0 { Thread.sleep(forTimeInterval: stepSeconds) }
            curve.append(number(resolved, "x") * Double(step + 1))
        }
        if resolved["fail"] == .bool(true) { return TrialOutcome(kind: .failed, message: "asked to fail") }
        if resolved["diverge"] == .bool(true) {
            curve[curve.count - 1] = .nan
            return TrialOutcome(kind: .diverged, metrics: ["curve": curve], message: "diverged at step \(steps - 1)")
        }
        return TrialOutcome(kind: .done, metrics: ["curve": curve])
    }

    private func number(_ resolved: JSONObject, _ key: String) -> Double {
        if case .number(let value)? = resolved[key] { return value }
        return 0
    }
}

extension RuntimeTests {
    @Suite struct MPIRunnerTests {
        static func plan(_ entries: [[(String, JSONValue)]], model: CountingModel) -> Plan {
            let trials = entries.map { entry -> Trial in
                let trial = StoreFixtures.trial(entry)
                return Trial(id: trial.id, parameters: trial.parameters, cost: model.cost(for: trial.parameters),
                             metrics: model.metrics(for: trial.parameters))
            }
            let longest = trials.map { model.metrics(for: $0.parameters)[0].shape[0] }.max() ?? 0
            return Plan(name: "counting", specText: "{}", output: "unused", trials: trials,
                        metrics: [MetricSpec(name: "curve", shape: [longest], axes: ["step"])],
                        columns: ["x", "steps"], hash: "counting-\(trials.count)")
        }

        static func options(_ path: String, grace: Double = 0.5, rerunFailed: Bool = false) -> RunOptions {
            RunOptions(output: path, provenance: StoreFixtures.provenance, rerunFailed: rerunFailed, grace: grace,
                       progress: .none, programName: "sweep-test")
        }

        @Test func runsEveryTrialAndRecordsItsOutcome() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("run.h5")
            let model = CountingModel(stepSeconds: 0)
            let plan = Self.plan([[("x", .number(1)), ("steps", .number(3))],
                                  [("x", .number(2)), ("steps", .number(5))],
                                  [("x", .number(3)), ("steps", .number(2)), ("fail", .bool(true))],
                                  [("x", .number(4)), ("steps", .number(4)), ("diverge", .bool(true))]], model: model)
            let code = runSweep(plan: plan, model: model, options: Self.options(path), communicator: .world())
            #expect(code == SweepExit.success.rawValue)
            let reader = try ResultsReader(path: path)
            #expect(try reader.statuses() == [.done, .done, .failed, .diverged])
            #expect(try reader.errors() == ["", "", "asked to fail", "diverged at step 3"])
            let curve = try reader.metricValues("curve")
            #expect(Array(curve[0..<5]).map { $0.isNaN ? -1 : $0 } == [1, 2, 3, -1, -1])
            #expect(Array(curve[5..<10]) == [2, 4, 6, 8, 10])
            #expect(curve[10..<15].allSatisfy { $0.isNaN })
            #expect(Array(curve[15..<18]) == [4, 8, 12] && curve[18].isNaN)
            #expect(try reader.ranks() == [0, 0, 0, 0])
            #expect(reader.attributes.updated >= reader.attributes.created)
        }

        @Test func aSignalDrainsAndTheRerunFinishes() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("drain.h5")
            let signalling = CountingModel(stepSeconds: 0.002, signalAtX: 2)
            // Most expensive first: the 20-step trial raises the signal, then nothing new starts.
            let plan = Self.plan([[("x", .number(1)), ("steps", .number(5))],
                                  [("x", .number(2)), ("steps", .number(20))],
                                  [("x", .number(3)), ("steps", .number(4))]], model: signalling)
            // With a long grace the trial in flight finishes; the others stay pending.
            let drained = runSweep(plan: plan, model: signalling, options: Self.options(path, grace: 30), communicator: .world())
            #expect(drained == SweepExit.interrupted.rawValue)
            #expect(try StoreChecks.statuses(path) == [.pending, .done, .pending])

            let quiet = CountingModel(stepSeconds: 0)
            #expect(runSweep(plan: plan, model: quiet, options: Self.options(path), communicator: .world()) == SweepExit.success.rawValue)
            let reader = try ResultsReader(path: path)
            #expect(try reader.statuses() == [.done, .done, .done])
            #expect(try reader.metricValues("curve", rows: 1..<2) == (1...20).map { 2 * Double($0) })
        }

        @Test func withoutGraceTheTrialInFlightIsAbandoned() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("abandon.h5")
            let model = CountingModel(stepSeconds: 0.002, signalAtX: 2)
            let plan = Self.plan([[("x", .number(2)), ("steps", .number(50))],
                                  [("x", .number(3)), ("steps", .number(4))]], model: model)
            let drained = runSweep(plan: plan, model: model, options: Self.options(path, grace: 0), communicator: .world())
            #expect(drained == SweepExit.interrupted.rawValue)
            #expect(try StoreChecks.statuses(path) == [.pending, .pending])
        }

        @Test func dispatchOrderIsMostExpensiveFirstAndBatchesFollowMeasuredSpeed() {
            let model = CountingModel(stepSeconds: 0)
            let plan = Self.plan([3, 9, 1, 9, 5].map { [("steps", .number(Double($0)))] }, model: model)
            let order = DispatchOrder(plan: plan, statuses: [.pending, .pending, .done, .failed, .pending], rerunFailed: false)
            #expect(order.trials == [1, 4, 0])
            let rerun = DispatchOrder(plan: plan, statuses: [.pending, .pending, .done, .failed, .diverged], rerunFailed: true)
            #expect(rerun.trials == [1, 3, 4, 0])

            let many = DispatchOrder(trials: Array(0..<1000), costs: Array(repeating: 1, count: 1000))
            var sizer = BatchSizer(targetSeconds: 0.075, ranks: 4)
            #expect(sizer.batch(from: 0, in: many) == 0..<1)       // nothing measured yet
            sizer.record(seconds: 0.01, cost: 1)                   // 10 ms per trial -> 8 trials per batch
            #expect(sizer.batch(from: 0, in: many) == 0..<8)
            sizer.record(seconds: 0, cost: 99)                     // now 0.1 ms per trial: capped by remaining/(2P)
            #expect(sizer.batch(from: 0, in: many) == 0..<125)
            #expect(sizer.batch(from: 990, in: many) == 990..<991)
            #expect(sizer.batch(from: 1000, in: many) == nil)
        }

        @Test func progressLinesSayWhereTheRunIs() {
            let progress = ProgressReporter(sweepName: "fig5", mode: .none, interval: 30, total: 100,
                                            previously: .init(done: 10, failed: 1, diverged: 0), started: 0)
            let line = progress.line(thisRun: .init(done: 19, failed: 0, diverged: 1), running: 4, now: 60)
            #expect(line == "fig5: 31/100 finished (done 29, failed 1, diverged 1), running 4, 20.0 trials/min, about 3m27s left")
            #expect(ProgressReporter.duration(0.4213) == "0.42s")
            #expect(ProgressReporter.duration(42.04) == "42.0s")
            #expect(ProgressReporter.duration(3725) == "1h02m")
        }
    }
}
