import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernel set ("core") runs the matrix products. A DYNAMIC_ARCH OpenBLAS picks its
/// core from the CPU's identity when it loads; on virtual machines that mask the CPU model, and on
/// CPUs newer than the library, it picks one weaker than the CPU supports (OpenBLAS 0.3.21 runs an
/// AVX-512 AMD EPYC with its Haswell kernels, at half the speed or less). It reads
/// `OPENBLAS_CORETYPE` only when it loads, so the fix is to start the process again with it set.
public enum OpenBLASCore {
    /// The core OpenBLAS runs with in this process.
    public static var current: String { String(cString: openblas_get_corename()) }

    /// What the CPU supports, as the OpenBLAS core that uses it fully and safely.
    public enum InstructionSet: Int, Comparable, Sendable {
        case baseline = 0, avx, avx2, avx512

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

        /// The core to ask OpenBLAS for (its own names; SkylakeX's kernels run on every CPU with
        /// AVX-512 F, BW, VL and DQ, Intel or AMD).
        public var core: String? {
            switch self {
            case .baseline: nil
            case .avx: "Sandybridge"
            case .avx2: "Haswell"
            case .avx512: "SkylakeX"
            }
        }

        /// The extensions, as people name them.
        public var name: String {
            switch self {
            case .baseline: "no AVX"
            case .avx: "AVX"
            case .avx2: "AVX2 and FMA"
            case .avx512: "AVX-512"
            }
        }

        /// What this CPU and operating system support (cpuid and xgetbv).
        public static var detected: InstructionSet {
            let bits = sweep_cpu_vector_features()
            return InstructionSet(flags: Set([(1, "avx"), (2, "avx2"), (4, "fma")].compactMap { bits & $0.0 != 0 ? $0.1 : nil }
                                           + (bits & 8 != 0 ? ["avx512f", "avx512bw", "avx512vl", "avx512dq"] : [])))
        }

        /// From the CPU's feature flags (as /proc/cpuinfo names them).
        public init(flags: Set<String>) {
            if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) {
                self = .avx512
            } else if flags.contains("avx2") && flags.contains("fma") {
                self = .avx2
            } else if flags.contains("avx") {
                self = .avx
            } else {
                self = .baseline
            }
        }
    }

    /// The instruction set an OpenBLAS core uses (nil for a name this table does not know).
    public static func instructionSet(ofCore name: String) -> InstructionSet? {
        switch name.lowercased() {
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron_sse3",
             "barcelona", "bobcat", "katmai", "coppermine", "northwood", "banias", "athlon", "generic":
            .baseline
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator":
            .avx
        case "haswell", "zen":
            .avx2
        case "skylakex", "cooperlake", "sapphirerapids":
            .avx512
        default:
            nil
        }
    }

    /// What to do about the core, decided from OpenBLAS's choice, the CPU's flags and the user's
    /// own `OPENBLAS_CORETYPE` (which always wins).
    public enum Decision: Equatable, Sendable {
        /// Keep OpenBLAS's core: it is the best the CPU supports (or unknown, or the user's).
        case keep(reason: String)
        /// Start again with OPENBLAS_CORETYPE set to this core.
        case switchTo(String)
    }

    public static func decide(openBLASCore: String, supported: InstructionSet, userSetting: String?) -> Decision {
        if let userSetting, !userSetting.isEmpty {
            if let used = instructionSet(ofCore: userSetting), used < supported, let better = supported.core {
                return .keep(reason: "set by OPENBLAS_CORETYPE=\(userSetting); this CPU supports \(better), "
                             + "which runs small products up to several times faster: unset OPENBLAS_CORETYPE to use it")
            }
            return .keep(reason: "set by OPENBLAS_CORETYPE=\(userSetting)")
        }
        guard let used = instructionSet(ofCore: openBLASCore) else {
            return .keep(reason: "OpenBLAS's choice; sweep-mpi does not know the core \(openBLASCore)")
        }
        guard used < supported, let better = supported.core else { return .keep(reason: "OpenBLAS's choice, the best this CPU supports") }
        return .switchTo(better)
    }
}
