import Foundation
import Testing
import Sweep

/// Runs the `sweep-harness` executable (synthetic trials) or the real `sweep-mpi` (Engine
/// trials) under real mpirun. This test target never initialises MPI itself (a process that has
/// called MPI_Init cannot start mpirun).
enum Harness {
    /// The harness binary, built next to this test bundle.
    static let executable = builtProduct("sweep-harness")
    /// The real command-line tool, built next to this test bundle.
    static let sweepMPI = builtProduct("sweep-mpi")

    private static func builtProduct(_ name: String) -> String {
        let bundleDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return bundleDirectory.appendingPathComponent(name).path
    }

    struct Result {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// mpirun's environment: the root permissions it needs here, no variables of an enclosing
    /// MPI job, and whatever the test adds.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    static func mpirunArguments(ranks: Int, arguments: [String], exported: [String], program: String = executable) -> [String] {
        ["-n", String(ranks)] + exported.flatMap { ["-x", $0] } + [program] + arguments
    }

    /// A started mpirun job. It is spawned with posix_spawn rather than Foundation's Process
    /// because the child must start with no blocked signals: test threads block most signals,
    /// Process passes that mask on, and mpirun would then never see SIGTERM or SIGUSR1.
    final class Job {
        let pid: pid_t
        private let logPath: String
        /// mpirun's session directory and the ranks' shared-memory segments go here, and are
        /// removed with the job: a killed job cannot clean them up itself.
        private let scratchPath: String
        private var exitStatus: Int32?
        let started = Date()

        init(ranks: Int, arguments: [String], environment extra: [String: String] = [:],
             mpirunArguments: [String]? = nil, program: String = Harness.executable) throws {
            let name = "sweep-mpirun-\(UUID().uuidString)"
            logPath = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".log").path
            scratchPath = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: scratchPath, withIntermediateDirectories: false)
            let argv = ["/usr/bin/mpirun"] + (mpirunArguments ?? Harness.mpirunArguments(ranks: ranks, arguments: arguments,
                                                                                           exported: Array(extra.keys), program: program))
            let scratch = ["OMPI_MCA_orte_tmpdir_base": scratchPath, "OMPI_MCA_btl_vader_backing_directory": scratchPath]
            let envp = Harness.environment(scratch.merging(extra) { $1 }).map { "\($0.key)=\($0.value)" }

            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            var every = sigset_t()
            sigfillset(&every)
            posix_spawnattr_setsigdefault(&attributes, &every)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

            var cArguments = argv.map { strdup($0) } + [nil]
            var cEnvironment = envp.map { strdup($0) } + [nil]
            defer { (cArguments + cEnvironment).forEach { free($0) } }
            var child: pid_t = 0
            let status = posix_spawn(&child, argv[0], &actions, &attributes, &cArguments, &cEnvironment)
            guard status == 0 else {
                throw NSError(domain: "mpirun", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "cannot start mpirun: \(String(cString: strerror(status)))"])
            }
            pid = child
        }

        deinit {
            if exitStatus == nil { killEverything(); _ = finish(timeout: 5) }
            try? FileManager.default.removeItem(atPath: logPath)
            try? FileManager.default.removeItem(atPath: scratchPath)
        }

        var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        var isRunning: Bool {
            if exitStatus != nil { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            // Exit code, or 128 + signal for a killed mpirun (as a shell reports it).
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return false
        }

        /// The pids of mpirun's children (the ranks: each in its own process group).
        var rankPIDs: [Int32] { Harness.children(of: pid) }

        /// Waits until the job's output contains `text` (or the deadline passes).
        func waitForOutput(_ text: String, timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if output.contains(text) { return true }
                if !isRunning { return output.contains(text) }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }

        func signal(_ number: Int32) { kill(pid, number) }

        /// SIGKILL to mpirun and every rank at once: the whole job dies with no chance to react.
        func killEverything() {
            // Stopped first, mpirun cannot start a rank between the listing and the kill (a rank
            // it started after the listing would outlive the job).
            kill(pid, SIGSTOP)
            let ranks = rankPIDs
            kill(pid, SIGKILL)
            for rank in ranks { kill(rank, SIGKILL) }
            for rank in ranks { Harness.waitUntilGone(rank) }
        }

        /// Waits for mpirun to exit (killing the job after `timeout` seconds: nothing may hang).
        func finish(timeout: Double = 60) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if isRunning {
                killEverything()
                while isRunning { Thread.sleep(forTimeInterval: 0.01) }
                Issue.record("mpirun did not finish within \(timeout) s: \(output)")
            }
            return Result(status: exitStatus ?? -1, output: output, seconds: Date().timeIntervalSince(started))
        }
    }

    /// Runs the harness (or `program`) under mpirun to completion.
    static func run(ranks: Int, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 60,
                    program: String = executable) throws -> Result {
        try Job(ranks: ranks, arguments: arguments, environment: environment, program: program).finish(timeout: timeout)
    }

    static func children(of parent: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let closing = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: closing)...].split(separator: " ")
            // fields[0] is the state, fields[1] the parent pid.
            guard fields.count > 1, fields[0] != "Z", Int32(fields[1]) == parent else { return nil }
            return pid
        }
    }

    static func waitUntilGone(_ pid: Int32, timeout: Double = 5) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return }
            if let closing = stat.lastIndex(of: ")"), stat[stat.index(after: closing)...].split(separator: " ").first == "Z" { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

extension Harness {
    /// Runs the harness (or `program`) under mpirun through a shell that prints each rank's exit
    /// status, so a test can check that every rank returned the same code.
    static func runReportingEveryRank(ranks: Int, _ arguments: [String], program: String = executable,
                                      environment: [String: String] = [:],
                                      timeout: Double = 30) throws -> (codes: [Int32], output: String, seconds: Double) {
        let wrapper = ["sh", "-c", "\"$0\" \"$@\"; echo \"rank $OMPI_COMM_WORLD_RANK exited with $?\"", program] + arguments
        let job = try Job(ranks: ranks, arguments: [], environment: environment,
                          mpirunArguments: ["-n", String(ranks)] + environment.keys.flatMap { ["-x", $0] } + wrapper)
        let result = job.finish(timeout: timeout)
        let codes = (0..<ranks).map { rank -> Int32 in
            guard let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("rank \(rank) exited with ") }),
                  let code = Int32(line.split(separator: " ").last ?? "") else { return -1 }
            return code
        }
        return (codes, result.output, result.seconds)
    }
}

/// A temporary directory with the trial files and results of one test.
final class Workspace {
    let path: String

    init() {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-e2e-XXXXXX").path
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes a sweep file whose cases are `trials`, each repeated for seeds 0..<seeds, and returns its path.
    func trials(_ name: String, sweep: String, seeds: Int, _ trials: [String]) throws -> String {
        let path = file(name)
        try "{\"name\": \"\(sweep)\", \"seeds\": \(seeds), \"cases\": [\(trials.joined(separator: ", "))]}"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: file(name)) }

    /// Lines in the trial log (one per trial started).
    func logLines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum ResultsChecks {
    /// h5dump and the PyPI h5py both open the file and read every dataset.
    static func openWithExternalTools(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dump = try command(["h5dump", "-H", path])
        #expect(dump.status == 0, "h5dump failed on \(path): \(dump.output)", sourceLocation: sourceLocation)
        let script = """
        import h5py
        with h5py.File('\(path)', 'r') as f:
            assert f.attrs['format_version'] == 1
            n = f['trials/id'].shape[0]
            for name in list(f['trials']) + ['metrics/' + m for m in f['metrics']]:
                data = f[name if name.startswith('metrics/') else 'trials/' + name][()]
                assert data.shape[0] == n, name
        print('h5py ok')
        """
        let python = try command(["python3", "-c", script])
        #expect(python.output.contains("h5py ok"), "h5py failed on \(path): \(python.output)", sourceLocation: sourceLocation)
    }

    /// Every metric's raw bytes, to compare files bit for bit.
    static func metricBytes(_ path: String) throws -> [String: [UInt64]] {
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        var result: [String: [UInt64]] = [:]
        for metric in reader.metrics { result[metric.name] = try reader.metricValues(metric.name).map(\.bitPattern) }
        return result
    }

    /// Metric bytes per trial id (row order may differ between files).
    static func metricBytesById(_ path: String) throws -> [String: [UInt64]] {
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        let ids = try reader.ids()
        var result: [String: [UInt64]] = [:]
        for metric in reader.metrics {
            let values = try reader.metricValues(metric.name)
            let width = metric.elementCount
            for (row, id) in ids.enumerated() {
                result[id + "/" + metric.name] = values[(row * width)..<((row + 1) * width)].map(\.bitPattern)
            }
        }
        return result
    }

    static func statuses(_ path: String) throws -> [TrialStatus] {
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        return try reader.statuses()
    }

    @discardableResult
    static func command(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
