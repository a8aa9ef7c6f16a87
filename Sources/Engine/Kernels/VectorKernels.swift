import CVectorKernels

/// Which variant of CVectorKernels runs (the GRU's gates, the Lyapunov analysis's Double tanh and
/// CholeskyQR2): the same arithmetic compiled for 4, 8 and 16 Float lanes, the widest the CPU runs
/// chosen at the first call. Every variant gives the same bits.
public enum VectorKernels {
    /// Lanes of the variant in use.
    public static var lanes: Int { vector_kernels_lanes() }

    /// The instruction set of a variant.
    public static func instructionSet(lanes: Int) -> String {
        switch lanes {
        case 16: "AVX-512"
        case 8: "AVX2"
        default: "SSE2"
        }
    }

    /// Whether this CPU runs the variant of `lanes` lanes.
    public static func supports(lanes: Int) -> Bool { vector_kernels_supported(lanes) != 0 }

    /// Uses the variant of `lanes` lanes (nil: the widest this CPU runs); false when the CPU cannot.
    @discardableResult
    public static func select(lanes: Int?) -> Bool { vector_kernels_select(lanes ?? 0) != 0 }

    /// "16 lanes (AVX-512)", for headers and benchmarks.
    public static var summary: String { "\(lanes) lanes (\(instructionSet(lanes: lanes)))" }
}
