import CBLAS
import Foundation
import Sweep

/// The kernels of an x86-64 build are compiled for x86-64-v3 (Package.swift): on an older CPU
/// their first vector instruction would kill the process with SIGILL and no word of why. This
/// check runs first in `main`, in the executable's own baseline code, before any kernel does.
enum InstructionSetCheck {
    /// Set to a feature word (the bits of `sweep_cpu_vector_features`) to stand for this CPU's:
    /// the tests show the refusal on a machine that has AVX2.
    static let simulatedFeaturesVariable = "SWEEP_MPI_SIMULATED_CPU_FEATURES"

    /// What `-target-cpu haswell` lets the compiler use: AVX2 (bit 1), FMA (bit 2) and the rest of
    /// x86-64-v3 (bit 4: BMI1, BMI2, LZCNT, MOVBE, F16C; every CPU with AVX2 and FMA has them, a
    /// hypervisor may mask them).
    static let required: UInt32 = 2 | 4 | 16

    /// Whether the kernels were compiled for x86-64-v3.
    static var kernelsRequireVectorISA: Bool {
        #if KERNELS_REQUIRE_X86_64_V3
        return true
        #else
        return false
        #endif
    }

    /// The instruction set the kernels were built for, for headers and `bench`.
    static var kernelsBuiltFor: String {
        kernelsRequireVectorISA ? "x86-64-v3 (AVX2, FMA)" : "the architecture's baseline"
    }

    /// Exits with 78 on every rank (rank 0 says why) when this CPU lacks what the kernels need.
    static func ensureSupported() {
        guard kernelsRequireVectorISA else { return }
        var features = UInt32(sweep_cpu_vector_features())
        if let simulated = ProcessInfo.processInfo.environment[simulatedFeaturesVariable], let value = UInt32(simulated) {
            features = value
        }
        guard features & required != required else { return }
        if LaunchEnvironment.isRankZero {
            let missing = [(2, "AVX2"), (4, "FMA"), (16, "one of BMI1, BMI2, LZCNT, MOVBE and F16C")]
                .filter { features & UInt32($0.0) == 0 }.map(\.1)
            let message = "sweep-mpi: error: this build's kernels are compiled for x86-64-v3 (AVX2 and FMA: Intel "
                + "from Haswell, AMD from Zen), and this CPU or its operating system lacks \(missing.joined(separator: " and ")); "
                + "rebuild for any x86-64 CPU with `SWEEP_MPI_PORTABLE=1 swift build -c release` in a clean "
                + "build folder (results are bit-identical, the vector loops slower)\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        exit(SweepExit.unsupportedCPU.rawValue)
    }
}
