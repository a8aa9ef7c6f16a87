/// The line rank 0 prints when a run ends.
struct RunSummary {
    var sweepName: String
    var output: String
    var total: Int
    var previously: ProgressReporter.Counts
    var thisRun: ProgressReporter.Counts
    var unfinished: Int
    var signal: Int32?
    var seconds: Double

    func line(for code: SweepExit) -> String {
        let finished = previously.finished + thisRun.finished
        let counts = "\(previously.done + thisRun.done) done, \(previously.failed + thisRun.failed) failed, "
            + "\(previously.diverged + thisRun.diverged) diverged"
        switch code {
        case .success:
            return "\(sweepName): \(total) trials finished: \(counts) "
                + "(\(thisRun.finished) run now in \(ProgressReporter.duration(seconds))) -> \(output)"
        case .interrupted:
            return "\(sweepName): interrupted by \(DrainSignals.name(signal ?? 0)): \(finished) of \(total) trials finished "
                + "(\(counts)), \(total - finished) pending; rerun the same command to resume -> \(output)"
        default:
            return "\(sweepName): \(unfinished) trials stopped without a result although no signal asked for it; "
                + "rerun the same command to run them -> \(output)"
        }
    }
}

extension ProgressReporter.Counts {
    /// Trials already finished according to `statuses`, leaving out those this run will redo.
    init(statuses: [TrialStatus], excluding rerun: Set<Int>) {
        self.init()
        for (index, status) in statuses.enumerated() where !rerun.contains(index) {
            switch status {
            case .done: done += 1
            case .failed: failed += 1
            case .diverged: diverged += 1
            case .pending: break
            }
        }
    }
}
