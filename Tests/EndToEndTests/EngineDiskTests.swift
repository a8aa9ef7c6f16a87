import Foundation
import Testing
import Sweep

/// A disk that fills up or fails under the real `sweep-mpi`.
///
/// The results file is allocated and filled in full before any training (early allocation), so
/// during the run a rank only overwrites bytes that already exist: on an ordinary local file
/// system a full disk or a file-size limit can only stop the creation or the growth of the file.
/// What can fail mid-run is the file system itself, which the third test provokes.
extension EndToEnd {
    @Suite struct EngineDisk {
        /// A file-size limit on the ranks alone: mpirun's own files and the shared-memory
        /// transport's 4 MiB segment would exceed it too, so the ranks talk over TCP.
        static func limited(bytes: Int, _ arguments: [String]) throws -> (codes: [Int32], output: String, seconds: Double) {
            try Harness.runReportingEveryRank(ranks: 2, ["--fsize=\(bytes)", Harness.sweepMPI] + arguments,
                                              program: "/usr/bin/prlimit", environment: ["OMPI_MCA_btl": "self,tcp"])
        }

        static func errorLines(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("sweep-mpi: error: ") }
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
        func aFileSizeLimitBelowTheNewFileIsACleanErrorOnEveryRank() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("limit.json", EngineSweep.text("limit", #"{"grid": {"g_radius": [20, 250]}, "seeds": 6}"#))
            let output = workspace.file("limit.h5")
            // The file of these 12 trials takes about 40 kB.
            let (codes, text, seconds) = try Self.limited(bytes: 20_000, [sweep, "--output", output, "--progress", "none"])
            #expect(codes == [73, 73], "\(text)")
            let errors = Self.errorLines(text)
            #expect(errors.count == 1 && errors.first?.hasPrefix("sweep-mpi: error: cannot write \(output).partial (") == true, "\(text)")
            #expect(errors.first?.hasSuffix(" bytes): File too large") == true, "\(text)")
            #expect(seconds < 20)   // prompt, not a hang (room for mpirun on a loaded machine)
            #expect(!FileManager.default.fileExists(atPath: output))
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
        func growthBeyondAFileSizeLimitFailsAndKeepsTheOldFileByteIdentical() throws {
            let workspace = Workspace()
            let small = try workspace.write("small.json", EngineSweep.text("grow", #"{"grid": {"g_radius": [20, 250]}, "seeds": 6}"#))
            let large = try workspace.write("large.json", EngineSweep.text("grow", #"{"grid": {"g_radius": [20, 250]}, "seeds": 60}"#))
            let output = workspace.file("grow.h5")
            let first = try Harness.run(ranks: 2, [small, "--output", output, "--progress", "none"], program: Harness.sweepMPI)
            #expect(first.status == 0, "\(first.output)")
            let original = try #require(workspace.bytes("grow.h5"))
            #expect(original.count < 100_000)

            // The grown file (120 trials, about 260 kB) exceeds the limit; the old one does not.
            let (codes, text, _) = try Self.limited(bytes: 100_000, [large, "--output", output, "--progress", "none"])
            #expect(codes == [73, 73], "\(text)")
            let errors = Self.errorLines(text)
            #expect(errors.count == 1 && errors.first?.contains("cannot write \(output).partial") == true, "\(text)")
            #expect(errors.first?.hasSuffix("File too large") == true, "\(text)")
            #expect(workspace.bytes("grow.h5") == original, "the old file changed")
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))

            // Without the limit the same command grows the file and keeps the old rows.
            let oldRows = try ResultsChecks.metricBytesById(output)
            let grown = try Harness.run(ranks: 2, [large, "--output", output, "--progress", "none"], program: Harness.sweepMPI)
            #expect(grown.status == 0 && grown.output.contains("grown by 108 trials"), "\(grown.output)")
            let after = try ResultsChecks.metricBytesById(output)
            #expect(oldRows.allSatisfy { after[$0.key] == $0.value })
        }

        /// The file system under the results file fails in the middle of the run (ext4's shutdown
        /// ioctl, as on a fatal disk error: every later write fails with EIO). Linux does not let
        /// a file system become read-only by `mount -o remount,ro` while a file is open for
        /// writing ("mount point is busy"), so this is how a file system goes away under a run.
        @Test(.enabled(if: Ext4Image.canMount, "needs root, mkfs.ext4 and a loop device to mount a file system image"))
        func fileSystemFailingMidRunStopsEveryRankWith74AndKeepsDoneRows() throws {
            let workspace = Workspace()
            let image = try #require(Ext4Image(in: workspace))
            let sweepText = EngineSignals.sweepText
            let sweep = try workspace.write("disk.json", sweepText)
            let output = image.mountpoint + "/disk.h5"
            let arguments = [sweep, "--output", output, "--progress", "none"]
            let job = try Harness.Job(ranks: 2, arguments: arguments, program: Harness.sweepMPI)
            let deadline = Date().addingTimeInterval(30)
            var before: [String: TrialStatus] = [:]
            while job.isRunning && Date() < deadline && before.values.filter({ $0 == .done }).count < 3 {
                Thread.sleep(forTimeInterval: 0.02)
                before = (try? ResultsChecks.statusById(output)) ?? [:]
            }
            let doneBefore = Set(before.filter { $0.value == .done }.map(\.key))
            try #require(job.isRunning && doneBefore.count >= 3 && doneBefore.count < EngineSignals.trialCount,
                         "\(doneBefore.count) rows done: \(job.output)")
            let rowsBefore = try ResultsChecks.metricBytesById(output)

            let failed = Date()
            try #require(image.shutDown(), "the shutdown ioctl failed")
            let result = job.finish(timeout: 30)
            let seconds = Date().timeIntervalSince(failed)
            #expect(result.status == 74, "\(result.output)")
            #expect(result.output.contains("sweep-mpi: error: rank "), "\(result.output)")
            #expect(result.output.contains("\(output) failed"), "\(result.output)")
            #expect(seconds < 20, "the ranks took \(seconds) s to stop")

            // After the file system is mounted again, every row done before the failure is there.
            try #require(image.remount(), "cannot mount the image again")
            try ResultsChecks.openWithExternalTools(output)
            let after = try ResultsChecks.statusById(output)
            #expect(doneBefore.allSatisfy { after[$0] == .done })
            let rowsAfter = try ResultsChecks.metricBytesById(output)
            for (key, bytes) in rowsBefore where doneBefore.contains(String(key.prefix { $0 != "/" })) {
                #expect(rowsAfter[key] == bytes, "\(key) changed")
            }

            let rerun = try Harness.run(ranks: 2, arguments, program: Harness.sweepMPI)
            #expect(rerun.status == 0, "\(rerun.output)")
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
            #expect(try ResultsChecks.computedBytesById(output) == ReferenceRuns.shared.computedBytes(of: sweepText))
        }

    }
}

/// A small ext4 file system in an image file of a test's workspace, mounted through a loop
/// device (root only), unmounted when released.
final class Ext4Image {
    let image: String
    let mountpoint: String
    private var mounted = false

    init?(in workspace: Workspace, megabytes: Int = 32) {
        image = workspace.file("fs.img")
        mountpoint = workspace.file("fs")
        guard geteuid() == 0,
              (try? FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)) != nil,
              (try? ResultsChecks.command(["truncate", "-s", "\(megabytes)M", image]))?.status == 0,
              (try? ResultsChecks.command(["mkfs.ext4", "-q", "-F", image]))?.status == 0,
              remount() else { return nil }
    }

    /// Mounts the image (again, after `unmount`).
    func remount() -> Bool {
        if mounted { unmount() }
        mounted = (try? ResultsChecks.command(["mount", "-o", "loop", image, mountpoint]))?.status == 0
        return mounted
    }

    func unmount() {
        guard mounted else { return }
        _ = try? ResultsChecks.command(["umount", mountpoint])
        mounted = false
    }

    /// EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_DEFAULT: what is written so far is flushed, then
    /// every further write on the file system fails with EIO until it is mounted again.
    func shutDown() -> Bool {
        let descriptor = open(mountpoint, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let shutdownRequest: UInt = 0x8004_587D  // _IOR('X', 125, __u32)
        var flags: UInt32 = 0
        return withUnsafeMutablePointer(to: &flags) { ioctl(descriptor, shutdownRequest, $0) } == 0
    }

    deinit { unmount() }

    static let canMount: Bool = {
        let workspace = Workspace()
        return withExtendedLifetime(workspace) { Ext4Image(in: workspace, megabytes: 8) != nil }
    }()
}
