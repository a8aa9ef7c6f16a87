import ArgumentParser
import Engine
import Foundation
import Sweep

/// Options shared by `run` and `plan`: which sweep, which seeds, which file.
struct SweepSelection: ParsableArguments {
    @Argument(help: "The sweep file (JSON).")
    var sweep: String

    @Option(help: "Results file (default: the sweep file's \"output\", else results/<name>.h5).")
    var output: String?

    @Option(help: ArgumentHelp("Seeds to run instead of the file's, e.g. 0-29 or 0,3,7-9.", valueName: "list"))
    var seeds: String?

    /// A malformed --seeds is a command-line mistake (usage, 64) like any other bad flag value,
    /// reported before the sweep file is read.
    func validate() throws {
        guard let seeds else { return }
        do {
            _ = try SeedSet.parse(seeds, field: "--seeds")
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Reads and expands the sweep file with the model of its family; every rank does this
    /// identically. `overrides` (`--set`) apply to every trial.
    func expand(overrides: JSONObject = JSONObject()) throws -> (expansion: SweepExpansion, model: FamilyTrialModel) {
        let text = try CommandFailure.readText(sweep, what: "sweep file")
        do {
            let model = try FamilyTrialModel.forSweep(specText: text)
            return (try expandSweep(specText: text, model: model, seedsOverride: seeds, overrides: overrides), model)
        } catch {
            throw CommandFailure(.badInput, "\(sweep): \(error)")
        }
    }
}

/// `sweep-mpi run SWEEP.json` (the default command): the sweep on every rank of the MPI job.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep (under mpirun/srun, or alone) into one HDF5 results file.",
        discussion: """
            Every rank expands the same sweep; rank 0 hands out trials (most expensive first) and \
            trains too. Rerunning the same command resumes: finished trials are kept, the rest run. \
            A larger sweep (more seeds, a new value) adds its new trials to the same file. SIGTERM, \
            SIGINT, SIGUSR1 or SIGUSR2 drains the job (exit 75; rerun to resume).
            """)

    @OptionGroup var selection: SweepSelection

    @Flag(help: "Start over: keep the existing output as <output>.<time>.bak and create a new file.")
    var restart = false

    @Flag(help: "Run failed and diverged trials again.")
    var rerunFailed = false

    @Option(help: "After a stop signal, let a trial in flight finish if it will within this many seconds.")
    var grace = 0.5

    @Option(help: "Progress display: auto, terminal (one updating line), lines (periodic lines), none.")
    var progress: ProgressMode = .auto

    @Option(help: "Seconds between progress lines in lines mode.")
    var progressInterval = 30.0

    @Option(help: ArgumentHelp("Seconds of a long trial's run between its checkpoints (families whose trials run for minutes to hours save them; a rerun resumes a trial from its last one).", valueName: "seconds"))
    var checkpointInterval = 600.0

    func validate() throws {
        guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be a number of seconds >= 0") }
        guard progressInterval > 0, progressInterval.isFinite else { throw ValidationError("--progress-interval must be > 0") }
        guard checkpointInterval >= 0, checkpointInterval.isFinite else {
            throw ValidationError("--checkpoint-interval must be a number of seconds >= 0")
        }
    }

    func run() throws {
        // Before MPI starts: a child process after MPI_Init is unsafe with some transports.
        let provenance = Provenance(toolVersion: SweepMPI.version, gitCommit: LaunchEnvironment.isRankZero ? BuildInfo.gitCommit : "",
                                    openBLASVersion: BLAS.configuration, openBLASCore: KernelSelection.core.name,
                                    openBLASCoreNote: KernelSelection.core.note)
        BLAS.useSingleThread()
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        let communicator = Communicator.world()
        let code: Int32
        do {
            let (expansion, model) = try selection.expand()
            let plan = expansion.plan
            let options = RunOptions(output: selection.output ?? plan.output, provenance: provenance, restart: restart,
                                     rerunFailed: rerunFailed, grace: grace, progress: progress,
                                     progressInterval: progressInterval, checkpointInterval: checkpointInterval)
            code = runSweep(plan: plan, model: model, options: options, communicator: communicator)
        } catch let failure as CommandFailure {
            // Every rank reads and expands the same file, so every rank fails the same way.
            if communicator.rank == 0 { FileHandle.standardError.write(Data("sweep-mpi: error: \(failure.message)\n".utf8)) }
            code = failure.code.rawValue
        }
        communicator.finalize()
        Foundation.exit(code)
    }
}

extension ProgressMode: ExpressibleByArgument {}

/// The source revision the binary was built from: written beside it by scripts/bundle.sh
/// (`../share/sweep-mpi/git-commit`), or asked of git when it runs from its checkout.
enum BuildInfo {
    static var gitCommit: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let recorded = executable.appendingPathComponent("../share/sweep-mpi/git-commit").standardized.path
        if let text = try? String(contentsOfFile: recorded, encoding: .utf8) {
            let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty { return commit }
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", sources, "describe", "--always", "--dirty", "--abbrev=12"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}
