/// What a results path holds, as far as a run is concerned.
public enum OutputInspection: Sendable {
    case missing
    case results(ResultsSummary)
}

/// The parts of an existing results file that decide how a run continues it.
public struct ResultsSummary: Sendable {
    public var attributes: ResultsAttributes
    public var ids: [String]
    public var statuses: [TrialStatus]
    public var columns: [String]
    public var metrics: [MetricSpec]
}

/// How `prepare` left the output file, and where each plan trial's row is.
public struct PreparedOutput: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// A new file (there was none).
        case created
        /// The existing file already holds every trial of the plan.
        case resumed
        /// The existing file was rewritten with `added` new trials (and any new columns/metrics).
        case grown(added: Int)
        /// The old file was renamed to `backup` and a new one created.
        case restarted(backup: String)
    }
    public var action: Action
    /// The file row of each plan trial (plan order).
    public var rowOfTrial: [Int]
    /// Each plan trial's stored status.
    public var statusOfTrial: [TrialStatus]
    /// Rows in the file (at least the plan's trial count).
    public var rowCount: Int
}

/// Serial (single-process) operations on results files: run by rank 0 before anything collective.
public enum ResultsStore {
    /// Classifies `path`: missing, or a results file (summarised). Throws `StoreError` for a
    /// directory, a non-HDF5 or truncated file, an HDF5 file that is not a results file, and (when
    /// `sweepName` is given) a results file of another sweep.
    public static func inspect(path: String, sweepName: String? = nil) throws -> OutputInspection {
        if DurableFiles.entry(at: path) == .missing { return .missing }
        let reader = try ResultsReader(path: path)
        defer { reader.close() }
        if let sweepName, reader.attributes.sweepName != sweepName {
            throw StoreError(.otherSweep, "\(path) exists and belongs to sweep \"\(reader.attributes.sweepName)\" "
                             + "(use --output for another file, or --restart to start over; the old file is kept as \(path).<time>.bak)")
        }
        do {
            return .results(ResultsSummary(attributes: reader.attributes, ids: try reader.ids(),
                                           statuses: try reader.statuses(), columns: reader.columnNames,
                                           metrics: reader.metrics))
        } catch let error as StoreError {
            throw StoreError(.notResultsFile, "\(path) is a damaged results file: \(error.message)")
        }
    }

    /// Makes `path` ready for a run of `plan`: creates it, keeps it (every trial already has a
    /// row), grows it (rewritten with the union of rows, then renamed over the old one), or with
    /// `restart` renames whatever is there to a timestamped .bak first (and its trial checkpoints to
    /// `<backup>.checkpoints`). Never deletes results.
    public static func prepare(plan: Plan, path: String, restart: Bool, provenance: Provenance) throws -> PreparedOutput {
        try DurableFiles.removeIfPresent(ResultsBuilder.temporaryPath(for: path))
        var backup: String?
        if restart, DurableFiles.entry(at: path) != .missing {
            if DurableFiles.entry(at: path) == .directory {
                throw StoreError(.cannotCreate, "\(path) is a directory, not a results file")
            }
            let target = DurableFiles.backupPath(for: path)
            try DurableFiles.renameDurably(path, to: target)
            backup = target
            // The checkpoints of the old file's unfinished trials go with it: starting over means
            // starting every trial from scratch.
            let checkpoints = TrialCheckpoints(resultsPath: path).directory
            if DurableFiles.entry(at: checkpoints) == .directory {
                try DurableFiles.renameDurably(checkpoints, to: TrialCheckpoints(resultsPath: target).directory)
            }
        }
        switch try inspect(path: path, sweepName: plan.name) {
        case .missing:
            let now = UTCTime.iso8601()
            let table = ResultsTable.fresh(attributes: attributes(plan: plan, provenance: provenance, created: now, updated: now),
                                           specText: plan.specText, trials: plan.trials,
                                           columns: plan.columns, metrics: plan.metrics, timings: plan.timings)
            try ResultsBuilder.buildAtomically(table, at: path)
            return PreparedOutput(action: backup.map { .restarted(backup: $0) } ?? .created,
                                  rowOfTrial: Array(plan.trials.indices),
                                  statusOfTrial: Array(repeating: .pending, count: plan.trials.count),
                                  rowCount: plan.trials.count)
        case .results(let summary):
            let rowOfId = Dictionary(summary.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            if fits(plan, in: summary, rowOfId: rowOfId) {
                let rows = plan.trials.map { rowOfId[$0.id]! }
                return PreparedOutput(action: .resumed, rowOfTrial: rows, statusOfTrial: rows.map { summary.statuses[$0] },
                                      rowCount: summary.ids.count)
            }
            return try grow(path: path, plan: plan, provenance: provenance)
        }
    }

    /// Whether the file already has a row for every trial, every column and every metric (with
    /// room for its shape), so that the run can write into it as it is. Timings do not count: a
    /// file without a place for some timing is resumed as it is, without those timings.
    private static func fits(_ plan: Plan, in summary: ResultsSummary, rowOfId: [String: Int]) -> Bool {
        guard plan.trials.allSatisfy({ rowOfId[$0.id] != nil }) else { return false }
        guard Set(plan.columns).isSubset(of: summary.columns) else { return false }
        return plan.metrics.allSatisfy { metric in
            guard let stored = summary.metrics.first(where: { $0.name == metric.name }) else { return false }
            return stored.shape.count == metric.shape.count && zip(stored.shape, metric.shape).allSatisfy { $0 >= $1 }
        }
    }

    static func attributes(plan: Plan, provenance: Provenance, created: String, updated: String) -> ResultsAttributes {
        ResultsAttributes(formatVersion: ResultsLayout.formatVersion, sweepName: plan.name, planHash: plan.hash,
                          toolVersion: provenance.toolVersion, gitCommit: provenance.gitCommit,
                          mpiVersion: Communicator.libraryVersion, hdf5Version: HDF5Library.version,
                          openBLASVersion: provenance.openBLASVersion, created: created, updated: updated,
                          openBLASCore: provenance.openBLASCore)
    }
}
