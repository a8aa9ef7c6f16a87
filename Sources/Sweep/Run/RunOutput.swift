#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered output: one write(2) per message, so lines from a rank reach mpirun (and a log
/// file) whole and in order even if the process is killed right after.
enum RunOutput {
    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// One line on standard error: "<program>: error: <message>".
    static func error(_ programName: String, _ message: String) {
        write("\(programName): error: \(message)\n", to: STDERR_FILENO)
    }

    /// Text for standard output (progress and summary lines).
    static func show(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Whether standard output is a terminal. Under mpirun a rank's output is always a
    /// pseudo-terminal that mpirun relays, so what counts is mpirun's own standard output
    /// (rank 0 runs under mpirun on the first node).
    static var standardOutputIsTerminal: Bool {
        guard isatty(STDOUT_FILENO) != 0 else { return false }
        guard getenv("OMPI_COMM_WORLD_SIZE") != nil else { return true }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/\(getppid())/fd/1", &buffer, buffer.count - 1)
        guard length > 0 else { return false }
        let target = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("/dev/pts/") || target.hasPrefix("/dev/tty")
    }
}
