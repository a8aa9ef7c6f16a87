/// The decision rank 0 takes about the output before anything collective happens, shared with
/// every rank: where each plan trial's row is and its stored status (or one error for all).
struct RunSetup {
    var rowOfTrial: [Int]
    var statusOfTrial: [TrialStatus]
    var actionText: String
    /// Rank 0's lock on the output, held until the run ends.
    var lock: OutputLock?

    enum Outcome {
        case ready(RunSetup)
        /// The exit status every rank returns.
        case failed(Int32)
    }

    /// Collective. Rank 0 prepares the output; on failure it prints the one error line, and
    /// every rank returns the same status without touching any file.
    static func agree(plan: Plan, options: RunOptions, communicator: Communicator) -> Outcome {
        // Every rank must have expanded the same plan (same sweep file and program everywhere);
        // checked before rank 0 touches the output.
        let planIdentity = [Int64(plan.trials.count)] + plan.hash.utf8.map(Int64.init)
        if communicator.broadcast(planIdentity) != planIdentity {
            RunOutput.error(options.programName, "rank \(communicator.rank) expanded a different plan than rank 0 "
                       + "(\(plan.trials.count) trials, hash \(plan.hash)): are all ranks reading the same sweep file?")
            communicator.abort(code: SweepExit.internalError.rawValue)
        }
        var words: [Int64] = []
        var text = ""
        var lock: OutputLock?
        if communicator.rank == 0 {
            do {
                lock = try OutputLock.acquire(for: options.output)
                let prepared = try ResultsStore.prepare(plan: plan, path: options.output, restart: options.restart,
                                                        provenance: options.provenance)
                words = [0, Int64(plan.trials.count)] + prepared.rowOfTrial.map(Int64.init)
                    + prepared.statusOfTrial.map { Int64($0.rawValue) }
                text = describe(prepared.action)
            } catch let error as StoreError {
                words = [Int64(error.kind.exitCode.rawValue)]
                text = error.message
            } catch {
                words = [Int64(SweepExit.internalError.rawValue)]
                text = "\(error)"
            }
        }
        words = communicator.broadcast(words)
        text = communicator.broadcast(text)
        if words[0] != 0 {
            lock?.release()
            if communicator.rank == 0 { RunOutput.error(options.programName, text) }
            return .failed(Int32(words[0]))
        }
        let count = Int(words[1])
        let rows = words[2..<(2 + count)].map { Int($0) }
        let statuses = words[(2 + count)..<(2 + 2 * count)].map { TrialStatus(rawValue: Int8($0)) ?? .pending }
        return .ready(RunSetup(rowOfTrial: rows, statusOfTrial: statuses, actionText: text, lock: lock))
    }

    static func describe(_ action: PreparedOutput.Action) -> String {
        switch action {
        case .created: "new file"
        case .resumed: "resuming"
        case .grown(let added): "grown by \(added) trials"
        case .restarted(let backup): "started over; the old file is kept as \(backup)"
        }
    }
}
