/// Rank 0's view of the run, shown as one line updated in place on a terminal, or as a plain
/// line every `interval` seconds elsewhere (log files, Slurm output).
final class ProgressReporter {
    struct Counts: Equatable {
        var done = 0, failed = 0, diverged = 0
        var finished: Int { done + failed + diverged }
    }

    let sweepName: String
    let mode: ProgressMode
    let interval: Double
    let total: Int
    /// Finished before this run started.
    let previously: Counts
    let started: Double
    private var lastShown: Double

    init(sweepName: String, mode: ProgressMode, interval: Double, total: Int, previously: Counts, started: Double) {
        self.sweepName = sweepName
        self.mode = mode == .auto ? (RunOutput.standardOutputIsTerminal ? .terminal : .lines) : mode
        self.interval = max(0.1, interval)
        self.total = total; self.previously = previously; self.started = started
        lastShown = started
    }

    /// Shows progress if it is time to (`thisRun`: trials finished by this run).
    func update(thisRun: Counts, running: Int, now: Double) {
        switch mode {
        case .none, .auto: return
        case .terminal:
            guard now - lastShown >= 0.25 else { return }
            RunOutput.show("\r" + line(thisRun: thisRun, running: running, now: now) + "\u{1B}[K")
        case .lines:
            guard now - lastShown >= interval else { return }
            RunOutput.show(line(thisRun: thisRun, running: running, now: now) + "\n")
        }
        lastShown = now
    }

    /// Shows the final counts on the in-place line and ends it, so that what follows starts on
    /// a fresh line (in `lines` mode the summary that follows says it all).
    func finish(thisRun: Counts, now: Double) {
        guard mode == .terminal else { return }
        RunOutput.show("\r" + line(thisRun: thisRun, running: 0, now: now) + "\u{1B}[K\n")
    }

    func line(thisRun: Counts, running: Int, now: Double) -> String {
        let finished = previously.finished + thisRun.finished
        let elapsed = max(now - started, 1e-9)
        let perMinute = Double(thisRun.finished) / elapsed * 60
        let remaining = total - finished
        var text = "\(sweepName): \(finished)/\(total) finished (done \(previously.done + thisRun.done), "
            + "failed \(previously.failed + thisRun.failed), diverged \(previously.diverged + thisRun.diverged)), "
            + "running \(running), \(Self.rate(perMinute)) trials/min"
        if thisRun.finished > 0 && remaining > 0 {
            text += ", about \(Self.duration(Double(remaining) / perMinute * 60)) left"
        }
        return text
    }

    static func rate(_ perMinute: Double) -> String {
        perMinute >= 100 ? String(Int(perMinute.rounded())) : String(Double(Int(perMinute * 10)) / 10)
    }

    /// "0.42s", "7.5s", "45s", "12m05s", "3h07m"
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        if seconds < 9.995 { return String(Double((seconds * 100).rounded()) / 100) + "s" }
        if seconds < 59.95 { return String(Double((seconds * 10).rounded()) / 10) + "s" }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m\(twoDigits(total % 60))s" }
        return "\(total / 3600)h\(twoDigits(total % 3600 / 60))m"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
