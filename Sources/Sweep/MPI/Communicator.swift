import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// MPI_COMM_WORLD for this process. MPI is initialised once per process (MPI_THREAD_SINGLE: every
/// MPI call of the sweep happens on the thread that initialised it) and cannot be re-initialised
/// after `finalize()`. MPI's default error handler stays fatal, so a failing MPI call ends the whole
/// job instead of leaving ranks waiting on each other.
public final class Communicator {
    public let rank: Int
    public let size: Int
    let handle: MPI_Comm

    nonisolated(unsafe) private static var worldCommunicator: Communicator?

    private init(handle: MPI_Comm) {
        self.handle = handle
        var value: Int32 = 0
        MPI_Comm_rank(handle, &value); rank = Int(value)
        MPI_Comm_size(handle, &value); size = Int(value)
    }

    /// Initialises MPI on first use (a process started without mpirun becomes a singleton of
    /// size 1) and returns the world communicator; later calls return the same object.
    public static func world() -> Communicator {
        if let worldCommunicator { return worldCommunicator }
        var initialised: Int32 = 0
        MPI_Initialized(&initialised)
        if initialised == 0 {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, cmpi_thread_single(), &provided)
        }
        let world = Communicator(handle: cmpi_comm_world())
        worldCommunicator = world
        return world
    }

    /// Whether MPI_Init has been called in this process (so `world()` would not initialise it).
    public static var isInitialized: Bool {
        var initialised: Int32 = 0
        MPI_Initialized(&initialised)
        return initialised != 0
    }

    /// Ends MPI for this process. Call once, last; MPI cannot be used (or re-initialised) afterwards.
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    /// Stops every rank of the job with `code` (mpirun exits with it). Never returns.
    public func abort(code: Int32) -> Never {
        MPI_Abort(handle, code)
        exit(code)
    }

    /// The host this rank runs on, as MPI names it.
    public var processorName: String {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The MPI library's own version line (e.g. "Open MPI v4.1.4, ..."); valid before MPI_Init.
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_library_version_string()) + 1)
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Open MPI appends repository and release-date details on later lines/fields.
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? text
        return firstLine.trimmingTrailingNulsAndSpaces()
    }
}

fileprivate extension String {
    func trimmingTrailingNulsAndSpaces() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == "\0" || last == " " || last == "\n" { scalars.removeLast() }
        return String(scalars)
    }
}
