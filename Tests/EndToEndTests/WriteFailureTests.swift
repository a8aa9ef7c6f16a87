import Foundation
import Testing
import Sweep

extension EndToEnd {
    @Suite struct WriteFailure {
        /// A preloaded library makes every pwrite to the results file fail with ENOSPC, as a full
        /// disk would, in rank 1 only: rank 1 reports the failure and every rank stops with 74.
        static let failingWrites = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/uio.h>
        #include <unistd.h>
        static int targets(int fd) {
            const char *suffix = getenv("FAIL_WRITE_PATH");
            char link[64], path[4096];
            if (!suffix) return 0;
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, path, sizeof path - 1);
            if (n <= 0) return 0;
            path[n] = 0;
            size_t length = strlen(suffix);
            return (size_t)n >= length && strcmp(path + n - length, suffix) == 0;
        }
        ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
            static ssize_t (*real)(int, const void *, size_t, off_t);
            if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
            if (targets(fd)) { errno = ENOSPC; return -1; }
            return real(fd, buffer, count, offset);
        }
        ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) { return pwrite64(fd, buffer, count, offset); }
        ssize_t pwritev(int fd, const struct iovec *vector, int count, off_t offset) {
            static ssize_t (*real)(int, const struct iovec *, int, off_t);
            if (!real) real = dlsym(RTLD_NEXT, "pwritev");
            if (targets(fd)) { errno = ENOSPC; return -1; }
            return real(fd, vector, count, offset);
        }
        """

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")))
        func aFailedWriteStopsEveryRankWith74AndKeepsWrittenRows() throws {
            let workspace = Workspace()
            try Self.failingWrites.write(toFile: workspace.file("fail.c"), atomically: true, encoding: .utf8)
            let compiled = try ResultsChecks.command(["cc", "-shared", "-fPIC", "-o", workspace.file("fail.so"),
                                                      workspace.file("fail.c"), "-ldl"])
            try #require(compiled.status == 0, "\(compiled.output)")
            let trials = try workspace.trials("io.json", sweep: "io", seeds: 10, ["{\"x\": 1, \"work_ms\": 30}"])
            let output = workspace.file("io.h5")
            let arguments = [Harness.executable, trials, "--output", output]
            let job = try Harness.Job(ranks: 2, arguments: [], mpirunArguments:
                ["-n", "1"] + arguments + [":", "-n", "1", "-x", "LD_PRELOAD=\(workspace.file("fail.so"))",
                                           "-x", "FAIL_WRITE_PATH=/io.h5"] + arguments)
            let result = job.finish(timeout: 30)
            #expect(result.status == 74, "\(result.output)")
            #expect(result.output.contains("sweep-harness: error: rank 1 on "), "\(result.output)")
            #expect(result.output.contains("writing \(output) failed"), "\(result.output)")
            #expect(result.seconds < 20)   // prompt, not a hang (room for mpirun on a loaded machine)

            try ResultsChecks.openWithExternalTools(output)
            let reader = try ResultsReader(path: output)
            let statuses = try reader.statuses(), ranks = try reader.ranks()
            // Rank 1 never managed to write a row; rank 0's rows are intact.
            #expect(!ranks.contains(1))
            #expect(zip(statuses, ranks).allSatisfy { $0.0 == .pending || $0.1 == 0 })
            reader.close()

            let rerun = try Harness.run(ranks: 2, [trials, "--output", output])
            #expect(rerun.status == 0, "\(rerun.output)")
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
        }
    }
}
