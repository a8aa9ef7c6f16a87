import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A benchmark's child process: another sweep-mpi (or an older release) run with its own
/// environment, so that OpenBLAS loads with the core under test. Its CPU time comes from wait4:
/// on a shared machine that is the honest measure of work, whatever else the cores are doing.
struct ChildProcess {
    var status: Int32
    var output: String
    /// User plus system CPU seconds of the child.
    var cpuSeconds: Double

    /// The running executable (what /proc/self/exe points to).
    static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Runs `arguments` (the first is the executable) to completion; `input` goes to its standard
    /// input, its standard output is returned, its standard error passes through.
    static func run(_ arguments: [String], environment: [String: String?] = [:], input: String = "") throws -> ChildProcess {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        var inputPipe: [Int32] = [0, 0], outputPipe: [Int32] = [0, 0]
        guard pipe(&inputPipe) == 0, pipe(&outputPipe) == 0 else { throw CommandFailure(.internalError, "bench: cannot create a pipe") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        for descriptor in inputPipe + outputPipe { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var cArguments = arguments.map { strdup($0) } + [nil]
        var cEnvironment = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &cArguments, &cEnvironment)
        close(inputPipe[0])
        close(outputPipe[1])
        guard spawned == 0 else {
            close(inputPipe[1])
            close(outputPipe[0])
            throw CommandFailure(.badInput, "bench: cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        // The inputs here are small (a config), far below a pipe's buffer: write, then read.
        _ = input.utf8CString.withUnsafeBufferPointer { write(inputPipe[1], $0.baseAddress, $0.count - 1) }
        close(inputPipe[1])
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(outputPipe[0], &buffer, buffer.count)
            if count > 0 { output += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
        }
        close(outputPipe[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildProcess(status: exitStatus, output: String(decoding: output, as: UTF8.self), cpuSeconds: cpu)
    }
}

/// CPU time of the calling thread: single-threaded OpenBLAS runs in it, so this is the work done,
/// unaffected by other processes sharing the cores.
enum ThreadCPUClock {
    static var seconds: Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = seconds
        try body()
        return seconds - start
    }
}
