import Foundation
import Sweep

/// `sweep-harness FILE.json [--output PATH] [--restart] [--rerun-failed] [--grace SECONDS]
///  [--progress auto|terminal|lines|none] [--progress-interval SECONDS] [--checkpoint-interval SECONDS]
///  [--plan-only]`
/// Runs a sweep file over a synthetic model through the real runner and results store, under
/// mpirun or alone: the runtime's tests, without training networks. `--plan-only` expands the
/// plan and prints its size, hash and the seconds it took, and runs nothing.
@main
struct SweepHarness {
    struct Arguments {
        var input = ""
        var output: String?
        var restart = false
        var rerunFailed = false
        var grace = 0.5
        var progress = ProgressMode.none
        var progressInterval = 30.0
        var checkpointInterval = 600.0
        var planOnly = false
    }

    struct UsageError: Error { var message: String }

    static func parse(_ arguments: [String]) throws -> Arguments {
        var result = Arguments()
        var index = 0
        func value(_ flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(message: "\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--output": result.output = try value(argument)
            case "--restart": result.restart = true
            case "--rerun-failed": result.rerunFailed = true
            case "--plan-only": result.planOnly = true
            case "--grace":
                let text = try value(argument)
                guard let grace = Double(text), grace >= 0 else { throw UsageError(message: "--grace \(text): not a number of seconds") }
                result.grace = grace
            case "--progress":
                let text = try value(argument)
                guard let mode = ProgressMode(rawValue: text) else { throw UsageError(message: "--progress \(text): use auto, terminal, lines or none") }
                result.progress = mode
            case "--progress-interval":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else { throw UsageError(message: "--progress-interval \(text): not a positive number") }
                result.progressInterval = seconds
            case "--checkpoint-interval":
                let text = try value(argument)
                guard let seconds = Double(text), seconds >= 0 else { throw UsageError(message: "--checkpoint-interval \(text): not a number of seconds") }
                result.checkpointInterval = seconds
            default:
                guard !argument.hasPrefix("-"), result.input.isEmpty else { throw UsageError(message: "unexpected argument \(argument)") }
                result.input = argument
            }
            index += 1
        }
        if result.input.isEmpty { throw UsageError(message: "missing trial file") }
        return result
    }

    static func main() {
        let communicator = Communicator.world()
        let code = run(communicator)
        communicator.finalize()
        exit(code)
    }

    static func run(_ communicator: Communicator) -> Int32 {
        func fail(_ code: SweepExit, _ message: String) -> Int32 {
            if communicator.rank == 0 { FileHandle.standardError.write(Data("sweep-harness: error: \(message)\n".utf8)) }
            return code.rawValue
        }
        let arguments: Arguments
        do { arguments = try parse(Array(CommandLine.arguments.dropFirst())) } catch let error as UsageError {
            return fail(.usage, error.message)
        } catch { return fail(.internalError, "\(error)") }
        guard let data = FileManager.default.contents(atPath: arguments.input) else {
            return fail(.inputUnreadable, "cannot read \(arguments.input)")
        }
        let model = SyntheticModel()
        let plan: Plan
        let started = ContinuousClock.now
        do {
            plan = try makePlan(specText: String(decoding: data, as: UTF8.self), model: model)
        } catch {
            return fail(.badInput, "\(arguments.input): \(error)")
        }
        if arguments.planOnly {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if communicator.rank == 0 {
                print("\(plan.name): \(plan.trials.count) trials, plan hash \(plan.hash), expanded in \(String(format: "%.3f", seconds)) s")
            }
            return SweepExit.success.rawValue
        }
        let options = RunOptions(output: arguments.output ?? plan.output,
                                 provenance: Provenance(toolVersion: "sweep-harness", gitCommit: "none", openBLASVersion: "none"),
                                 restart: arguments.restart, rerunFailed: arguments.rerunFailed, grace: arguments.grace,
                                 progress: arguments.progress, progressInterval: arguments.progressInterval,
                                 checkpointInterval: arguments.checkpointInterval, programName: "sweep-harness")
        return runSweep(plan: plan, model: model, options: options, communicator: communicator)
    }
}
