import Foundation
import Testing
import Sweep

/// The OpenBLAS core every rank runs with, through the real binary under mpirun: the user's
/// OPENBLAS_CORETYPE is kept, and a weak core OpenBLAS picked by itself is replaced (every rank runs the same start-up code).
/// (The decision table itself is tested in KernelTests/OpenBLASCoreTests.)
extension EndToEnd {
    @Suite struct KernelSelection {
        /// The OpenBLAS core that uses this CPU's widest vector extension, as sweep-mpi chooses it
        /// (nil on a CPU without AVX, where nothing better than the generic core exists).
        static var bestCore: String? {
            let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let flagsLine = text.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
            let flags = Set(flagsLine.split(separator: " ").map(String.init))
            if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return "SkylakeX" }
            if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
            return flags.contains("avx") ? "Sandybridge" : nil
        }

        func run(_ name: String, ranks: Int, environment: [String: String]) throws -> (output: String, core: String) {
            let workspace = Workspace()
            let sweep = try workspace.write("\(name).json", EngineSweep.text(name, #"{"seeds": 3}"#))
            let output = workspace.file("\(name).h5")
            let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"],
                                         environment: environment, program: Harness.sweepMPI)
            #expect(result.status == 0, "\(result.output)")
            let reader = try ResultsReader(path: output)
            defer { reader.close() }
            return (result.output, reader.attributes.openBLASCore)
        }

        @Test func theUsersOpenBLASCoretypeIsKeptAndReported() throws {
            let (output, core) = try run("user", ranks: 2, environment: ["OPENBLAS_CORETYPE": "Prescott"])
            #expect(output.contains("OpenBLAS core Prescott (set by OPENBLAS_CORETYPE=Prescott"), "\(output)")
            #expect(core == "Prescott")
            if let best = Self.bestCore {
                // The header says what the user gives up.
                #expect(output.contains("this CPU supports \(best)"), "\(output)")
            }
        }

        @Test func aWeakCorePickedByOpenBLASIsReplaced() throws {
            // SWEEP_MPI_SIMULATED_PICK makes OPENBLAS_CORETYPE stand for OpenBLAS's own pick, as on a
            // CPU whose model OpenBLAS does not recognise.
            let (output, core) = try run("picked", ranks: 2,
                                         environment: ["OPENBLAS_CORETYPE": "Prescott", "SWEEP_MPI_SIMULATED_PICK": "1"])
            if let best = Self.bestCore {
                #expect(core == best)
                #expect(output.contains("OpenBLAS core \(best) (chosen by sweep-mpi for this CPU; OpenBLAS picked Prescott"), "\(output)")
            } else {
                #expect(core == "Prescott")
                #expect(output.contains("the best this CPU supports"), "\(output)")
            }
        }
    }
}

extension EndToEnd {
    /// An x86-64 build's kernels need x86-64-v3: on a CPU without AVX2 and FMA (simulated by
    /// SWEEP_MPI_SIMULATED_CPU_FEATURES) every rank exits with 78 before any kernel or MPI runs,
    /// rank 0 says why once, and no results file is created.
    @Suite struct InstructionSet {
        /// A sweep run on `ranks` ranks with the CPU's feature word replaced by `features`; whether its
        /// results file exists afterwards.
        func run(features: String, ranks: Int) throws -> (result: Harness.Result, wroteResults: Bool) {
            let workspace = Workspace()
            let sweep = try workspace.write("cpu.json", EngineSweep.text("cpu", #"{"seeds": 2}"#))
            let output = workspace.file("cpu.h5")
            let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"],
                                         environment: ["SWEEP_MPI_SIMULATED_CPU_FEATURES": features], program: Harness.sweepMPI)
            return (result, FileManager.default.fileExists(atPath: output))
        }

        @Test func aCPUWithoutAVX2IsRefusedOnEveryRankBeforeAnythingRuns() throws {
            // AVX and the rest of x86-64-v3 without AVX2 and FMA, as on a Sandy Bridge.
            let (result, wroteResults) = try run(features: "17", ranks: 2)
            #if KERNELS_REQUIRE_X86_64_V3
            #expect(result.status == 78, "\(result.output)")
            let refusals = result.output.components(separatedBy: "this CPU or its operating system lacks AVX2 and FMA").count - 1
            #expect(refusals == 1, "\(result.output)")
            #expect(result.output.contains("SWEEP_MPI_PORTABLE=1"), "\(result.output)")
            #expect(!wroteResults)
            #else
            // A portable build runs anywhere.
            #expect(result.status == 0, "\(result.output)")
            #endif
        }

        /// AVX2 and FMA but a masked BMI2 (a hypervisor can hide one of x86-64-v3's scalar extensions):
        /// refused as well, naming what is missing.
        @Test func aCPUWithoutTheRestOfX86_64V3IsRefused() throws {
            let (result, wroteResults) = try run(features: "7", ranks: 1)
            #if KERNELS_REQUIRE_X86_64_V3
            #expect(result.status == 78, "\(result.output)")
            #expect(result.output.contains("lacks one of BMI1, BMI2, LZCNT, MOVBE and F16C"), "\(result.output)")
            #expect(!wroteResults)
            #else
            #expect(result.status == 0, "\(result.output)")
            #endif
        }
    }
}

extension EndToEnd {
    /// `bench sweeps` runs trials of a sweep file and sets their CPU time beside plan's estimate.
    @Suite struct BenchSweeps {
        @Test func measuresTrialsAgainstTheEstimateAndRefusesBadInput() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("tiny.json", FamilyCommands.sweep)
            let (status, output) = try FamilyCommands.run(["bench", "sweeps", sweep, "--trials", "2"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("6 trials, measuring 0, 3"), "\(output)")
            #expect(output.contains("trial 3 ("), "\(output)")
            let summary = output.split(separator: "\n").first { $0.contains("per network: measured") }
            #expect(summary?.contains("estimate / measured = ") == true, "\(output)")
            let refused = try FamilyCommands.run(["bench", "sweeps", sweep, "--trials", "0"])
            #expect(refused.status == 64 && refused.output.contains("--trials must be >= 1 (got 0)"), "\(refused.output)")
        }

        /// `bench train` checks its flags before it measures anything.
        @Test func benchTrainRefusesBadFlags() throws {
            for (flag, value, message) in [("--repeats", "0", "--repeats must be >= 1 (got 0)"),
                                           ("--epochs", "0", "--epochs must be >= 1 (got 0)"),
                                           ("--g-radius", "-1", "--g-radius must be > 0 (got -1.0)")] {
                let refused = try FamilyCommands.run(["bench", "train", "\(flag)=\(value)"])
                #expect(refused.status == 64 && refused.output.contains(message), "\(flag): \(refused.output)")
            }
        }
    }
}
