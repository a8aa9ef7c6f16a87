import ArgumentParser
import Engine
import Foundation
import Sweep

/// `sweep-mpi plan SWEEP.json`: what a run would do, without running anything.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the trials a sweep would run, what the results file already holds, and the cost.")

    @OptionGroup var selection: SweepSelection

    @OptionGroup var overrides: ParameterOverrides

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "text: a summary; json: every trial (index, id, resolved parameters), one JSON object per line.")
    var format: Format = .text

    @Option(help: "How many trials to list (text format).")
    var show = 5

    @Option(help: "Ranks to estimate the wall time for.")
    var ranks = 8

    func run() throws {
        var expansion = try selection.expand(overrides: overrides.overrides()).expansion
        if format == .json {
            // Written as JSONObject([index, id, parameters]).compactText would write it, without
            // building every trial's object.
            var lines = ""
            for (index, trial) in expansion.plan.trials.enumerated() {
                lines += "{\"index\":\(index),\"id\":\"\(trial.id)\",\"parameters\":\(trial.parametersText)}\n"
                if lines.utf8.count > 1 << 20 {
                    print(lines, terminator: "")
                    lines = ""
                }
            }
            print(lines, terminator: "")
            return
        }
        if let output = selection.output { expansion.plan.output = output }
        let plan = expansion.plan
        let output = plan.output
        print(expansion.summary)
        print("first trials (in expansion order):")
        let varyingKeys = expansion.axisValues.filter { $0.values.count > 1 }.map(\.name)
        for trial in plan.trials.prefix(max(0, show)) {
            let varying = varyingKeys.compactMap { key in trial.parameter(key).map { "\(key)=\($0.compactText)" } }
            print("  \(trial.id)  " + varying.joined(separator: " "))
        }
        if plan.trials.count > show { print("  ... \(plan.trials.count - show) more") }

        var pending = plan.trials.count
        do {
            switch try ResultsStore.inspect(path: output, sweepName: plan.name) {
            case .missing:
                print("results file: \(output) (does not exist yet)")
            case .results(let summary):
                var statusOfID: [String: TrialStatus] = [:]
                for (id, status) in zip(summary.ids, summary.statuses) { statusOfID[id] = status }
                var counts: [TrialStatus: Int] = [:]
                for trial in plan.trials { counts[statusOfID[trial.id] ?? .pending, default: 0] += 1 }
                let known = Set(plan.trials.map(\.id))
                let outside = summary.ids.filter { !known.contains($0) }.count
                pending = counts[.pending] ?? 0
                print("results file: \(output): \(counts[.done] ?? 0) done, \(counts[.failed] ?? 0) failed, "
                      + "\(counts[.diverged] ?? 0) diverged, \(pending) to run"
                      + (outside > 0 ? "; \(outside) other trials in the file are kept" : ""))
            }
        } catch {
            print("results file: \(output): \(error) (run would refuse it)")
        }
        let remaining = plan.trials.reduce(0.0) { $0 + $1.cost } * Double(pending) / Double(max(plan.trials.count, 1))
        print("estimated compute for what is left: \(formatDuration(remaining)) on one core, "
              + "about \(formatDuration(remaining / Double(max(ranks, 1)))) on \(ranks) ranks")
    }
}
