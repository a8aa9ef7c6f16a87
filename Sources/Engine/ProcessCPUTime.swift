import Foundation

/// CPU seconds this process has run, all its threads together: benchmarks time with it because on a
/// shared machine wall time also counts other jobs' turns on the cores.
public enum ProcessCPUTime {
    public static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
