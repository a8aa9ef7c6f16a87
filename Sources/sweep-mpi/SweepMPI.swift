import ArgumentParser
import Foundation
import Sweep

/// sweep-mpi: runs the recurrent-network experiments of a paper as one distributed sweep.
@main
struct SweepMPI: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sweep-mpi",
        abstract: "Run recurrent-network experiments as one distributed sweep into one HDF5 file.",
        discussion: """
            A sweep on 8 ranks:  mpirun -n 8 sweep-mpi sweeps/fig5.json
            Error bars:          sweep-mpi stats results/fig5.h5 --metric dim_layers

            Exit codes: \(SweepExit.summary).
            """,
        version: version,
        subcommands: [RunCommand.self, PlanCommand.self, StatusCommand.self, StatsCommand.self,
                      TrainCommand.self, ParamsCommand.self, BenchCommand.self],
        defaultSubcommand: RunCommand.self)

    /// Parses and runs the command; under mpirun only rank 0 prints argument errors, and every
    /// rank exits with the same status.
    static func main() {
        InstructionSetCheck.ensureSupported()
        KernelSelection.ensureBestCore()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let failure as CommandFailure {
            if LaunchEnvironment.isRankZero {
                FileHandle.standardError.write(Data("sweep-mpi: error: \(failure.message)\n".utf8))
            }
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if LaunchEnvironment.isRankZero || code == .success {
                let message = fullMessage(for: error)
                if !message.isEmpty {
                    if code == .success {
                        print(message)
                    } else {
                        FileHandle.standardError.write(Data((prefixed(message) + "\n").utf8))
                    }
                }
            }
            Foundation.exit(code.rawValue)
        }
    }

    private static func prefixed(_ message: String) -> String {
        message.hasPrefix("Error:") || message.hasPrefix("Usage:") || message.hasPrefix("sweep-mpi:")
            ? message : "sweep-mpi: error: " + message
    }
}

/// What the launcher (mpirun, srun) tells a process before MPI is initialised.
enum LaunchEnvironment {
    static var rank: Int {
        let environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID", "PMI_RANK"] {
            if let value = environment[key], let rank = Int(value) { return rank }
        }
        return 0
    }
    static var isRankZero: Bool { rank == 0 }
}

/// An error that carries its own exit status and a one-line message.
struct CommandFailure: Error, CustomStringConvertible {
    var code: SweepExit
    var message: String
    init(_ code: SweepExit, _ message: String) { self.code = code; self.message = message }
    var description: String { message }
}

extension CommandFailure {
    /// Reads a text file (`-` reads standard input), or fails with 66 (EX_NOINPUT).
    static func readText(_ path: String, what: String) throws -> String {
        if path == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw CommandFailure(.inputUnreadable, "\(what) \(path) \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure(.badInput, "\(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
