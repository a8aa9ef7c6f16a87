import ArgumentParser
import Engine
import Foundation
import Sweep

/// `sweep-mpi bench sweeps FILE...`: trains a few trials of each sweep file and sets the measured
/// time per network beside `plan`'s estimate, and the analyses beside the training.
struct BenchSweeps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweeps",
        abstract: "Measured time per network of sweep files against plan's estimate; analyses against training.",
        discussion: """
            For each file, trains --trials trials spread evenly over its plan (the first, then every \
            count/trials-th), one after another in this process, and prints per trial and per file the \
            CPU seconds against the estimate `sweep-mpi plan` uses (estimate / measured), split over \
            the parts the trial times itself (training, analyses, ...) in proportion to their wall-clock \
            timings, and the analyses against the training where a family times both.
            """)

    @Argument(help: "Sweep files.") var files: [String]
    @Option(help: "Trials per file.") var trials = 3

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be >= 1 (got \(trials))") }
    }

    func run() throws {
        BLAS.useSingleThread()
        printNow(openBLASCoreLine())
        printNow("CPU seconds per network, measured against plan's estimate, and split over the parts each trial times (by their wall-clock share).")
        var worst: (file: String, ratio: Double)?
        for file in files {
            let selection = try SweepSelection.parse([file])
            let (expansion, model) = try selection.expand()
            let plan = expansion.plan
            let count = plan.trials.count
            let chosen = Array(Set((0..<min(trials, count)).map { $0 * count / min(trials, count) })).sorted()
            printNow()
            printNow("\(file): \(count) trials, measuring \(chosen.map(String.init).joined(separator: ", "))")
            var measuredTotal = 0.0, estimatedTotal = 0.0
            for index in chosen {
                let trial = plan.trials[index]
                let experiment = try TrainCommand.experiment(model, trial.parameters, source: file)
                var result: ExperimentResult?
                let seconds = try ThreadCPUClock.measure { result = try experiment.run(RunToCompletion()) }
                measuredTotal += seconds
                estimatedTotal += trial.cost
                // CPU seconds split by the trial's own wall-clock timings (every part it times).
                let timings = result!.timings, wall = timings.values.reduce(0, +)
                var split = ""
                if wall > 0 {
                    let share = { (name: String) in seconds * (timings[name] ?? 0) / wall }
                    split = "; " + timings.keys.sorted().map {
                        String(format: "%@ %.2f s", String($0.replacingOccurrences(of: "_seconds", with: "")), share($0))
                    }.joined(separator: ", ")
                    if let train = timings["train_seconds"], let analysis = timings["analysis_seconds"], train > 0 {
                        split += String(format: "; analyses %.2f x training", analysis / train)
                    }
                    if let farrell = experiment as? FarrellExperiment {
                        let config = farrell.config
                        split += String(format: " (estimates: training %.2f s, analyses %.2f s)", config.estimatedTrainingSeconds,
                                        config.estimatedSeconds - config.estimatedTrainingSeconds)
                    }
                }
                printNow(String(format: "  trial %d (%@): %.2f s, estimate %.2f s (%.2f)%@", index, String(trial.id.prefix(8)),
                             seconds, trial.cost, trial.cost / seconds, split))
            }
            let ratio = estimatedTotal / measuredTotal
            printNow(String(format: "  per network: measured %.2f s, estimate %.2f s, estimate / measured = %.2f%@",
                         measuredTotal / Double(chosen.count), estimatedTotal / Double(chosen.count), ratio,
                         abs(ratio - 1) > 0.3 ? "  (off by more than 30 %)" : ""))
            if worst == nil || abs(log(ratio)) > abs(log(worst!.ratio)) { worst = (file, ratio) }
        }
        if let worst, files.count > 1 {
            printNow()
            printNow(String(format: "furthest estimate: %@, estimate / measured = %.2f", worst.file, worst.ratio))
        }
    }
}
