/// Exit statuses of a sweep run, the same on every rank (values follow BSD sysexits.h, which
/// batch systems and shells already know):
///
/// | code | meaning |
/// |---|---|
/// | 0  | every trial of the plan finished (done, failed and diverged all count as finished) |
/// | 64 | command-line usage error |
/// | 65 | bad sweep input (invalid sweep file, parameter value, or a plan the file cannot store) |
/// | 66 | an input file cannot be read |
/// | 70 | internal error |
/// | 73 | the output cannot be created, belongs to another sweep, or is not a results file |
/// | 74 | I/O error while the run writes results (all ranks stop; written rows stay intact) |
/// | 75 | interrupted by a signal; rerun the same command to resume |
/// | 78 | this build cannot run on this CPU (its kernels need AVX2 and FMA; rebuild with SWEEP_MPI_PORTABLE=1) |
public enum SweepExit: Int32, Sendable, CaseIterable {
    case success = 0
    case usage = 64
    case badInput = 65
    case inputUnreadable = 66
    case internalError = 70
    case cannotCreateOutput = 73
    case ioError = 74
    case interrupted = 75
    case unsupportedCPU = 78
}

extension SweepExit {
    /// One line per code for help texts: "0 finished; 64 usage; ...".
    public static var summary: String {
        "0 finished; 64 usage; 65 bad sweep, config or parameter; 66 input unreadable; 70 internal error; "
            + "73 output not writable, of another sweep or in use; 74 I/O error; 75 interrupted (rerun to resume); "
            + "78 this build's kernels need a newer CPU (rebuild with SWEEP_MPI_PORTABLE=1)"
    }
}

extension StoreError.Kind {
    /// How a failure while preparing the output ends the run.
    var exitCode: SweepExit {
        switch self {
        case .notHDF5, .notResultsFile, .otherSweep, .cannotCreate: .cannotCreateOutput
        case .invalidPlan: .badInput
        case .io: .ioError
        }
    }
}
