import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench ...`: measurements that print numbers and ratios (never pass/fail).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: speed per core against the core's own peak, the generic kernel and an earlier build.",
        discussion: """
            Every time is CPU seconds of the process or thread that does the work (OpenBLAS runs \
            single-threaded), so the numbers hold on a machine shared with other jobs.
            """,
        subcommands: [BenchTrain.self, BenchSweeps.self, BenchLatent.self, BenchFlossing.self, BenchFeedback.self, BenchTimescales.self],
        defaultSubcommand: BenchTrain.self)
}

/// Prints a line at once, also into a file or pipe: a benchmark's lines come minutes apart.
func printNow(_ line: String = "") {
    print(line)
    fflush(nil)
}

/// The OpenBLAS core in use and what the CPU supports, one line.
func openBLASCoreLine() -> String {
    let core = KernelSelection.core
    let supported = OpenBLASCore.InstructionSet.detected
    return "OpenBLAS core \(core.name) (\(core.note)); this CPU has \(supported.name); "
        + "sweep-mpi's kernels built for \(InstructionSetCheck.kernelsBuiltFor), the GRU's gates run "
        + "\(VectorKernels.summary), chosen at run time"
}

extension FarrellConfig {
    /// A config from parameter names and values (the reference's names).
    static func with(_ values: [(String, JSONValue)]) throws -> FarrellConfig {
        try FarrellConfig(JSONObject(values))
    }
}

/// CPU seconds of an experiment run in this thread (the least of `repeats` runs: a run is
/// deterministic, so the spread is the machine's noise), and its result.
func measureExperiment(_ config: FarrellConfig, repeats: Int = 1) throws -> (seconds: Double, result: ExperimentResult) {
    var result: ExperimentResult?, best = Double.infinity
    for _ in 0..<max(1, repeats) {
        best = min(best, try ThreadCPUClock.measure { result = try FarrellExperiment(config).run(RunToCompletion()) })
    }
    return (best, result!)
}
