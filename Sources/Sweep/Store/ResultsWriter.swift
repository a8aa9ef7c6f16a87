/// One finished trial's row, as a worker writes it.
struct RowRecord {
    var row: Int
    var status: TrialStatus
    var seconds: Double
    var rank: Int32
    var host: String
    /// Failure message or where the trial diverged.
    var error: String
    /// Metric values in row-major order of `metricShapes[name]` (the trial's own shape).
    var metrics: [String: [Double]]
    var metricShapes: [String: [Int]]
    /// Timing name -> seconds.
    var timings: [String: Double] = [:]
}

/// The results file opened on every rank for the run. Opening and closing are collective; in
/// between each rank writes only raw data into the rows of its own trials, with independent
/// transfers into space allocated when the file was built: no metadata ever changes, so nothing
/// a killed rank leaves behind can damage the file.
final class ResultsWriter {
    let path: String
    private let file: H5File
    private let trials: H5Group
    private let metricsGroup: H5Group
    private let metricDatasets: [(shape: [Int], dataset: H5Dataset)]
    private let metricNames: [String]
    /// /timings datasets by name (none in files written before timings had their own group).
    private let timingDatasets: [(name: String, dataset: H5Dataset)]
    private let timingsGroup: H5Group?
    private let status, seconds, rank, host, error: H5Dataset

    /// Collective: every rank calls it with the same path.
    init(path: String, communicator: Communicator) throws {
        self.path = path
        let opened = try HDF5Library.lock.withLock { () throws -> (H5File, H5Group, H5Group, [String], [H5Dataset], [H5Dataset], H5Group?, [(String, H5Dataset)]) in
            let file = try H5File.openParallel(path: path, communicator: communicator)
            let trials = try file.root.openGroup(ResultsLayout.trialsGroup)
            let metricsGroup = try file.root.openGroup(ResultsLayout.metricsGroup)
            let names = try metricsGroup.attributes.strings(ResultsLayout.metricNamesAttribute) ?? metricsGroup.memberNames()
            let metrics = try names.map { try H5Dataset.open(in: metricsGroup, name: $0) }
            let fixed = try [ResultsLayout.statusDataset, ResultsLayout.secondsDataset, ResultsLayout.rankDataset,
                             ResultsLayout.hostDataset, ResultsLayout.errorDataset].map { try H5Dataset.open(in: trials, name: $0) }
            var timingsGroup: H5Group?
            var timings: [(String, H5Dataset)] = []
            if file.root.contains(ResultsLayout.timingsGroup) {
                let group = try file.root.openGroup(ResultsLayout.timingsGroup)
                timingsGroup = group
                let timingNames = try group.attributes.strings(ResultsLayout.metricNamesAttribute) ?? group.memberNames()
                timings = try timingNames.map { ($0, try H5Dataset.open(in: group, name: $0)) }
            }
            return (file, trials, metricsGroup, names, metrics, fixed, timingsGroup, timings)
        }
        file = opened.0; trials = opened.1; metricsGroup = opened.2; metricNames = opened.3
        timingsGroup = opened.6; timingDatasets = opened.7.map { (name: $0.0, dataset: $0.1) }
        metricDatasets = opened.4.map { (Array($0.dims.dropFirst()), $0) }
        (status, seconds, rank, host, error) = (opened.5[0], opened.5[1], opened.5[2], opened.5[3], opened.5[4])
    }

    /// Writes finished rows: metrics first, then timings and messages, and the status last, so a
    /// row reads as finished only once all its data is in place. Few HDF5 calls per batch: one
    /// write per dataset covering every row.
    func write(_ records: [RowRecord]) throws {
        guard !records.isEmpty else { return }
        let sorted = records.sorted { $0.row < $1.row }
        let rows = sorted.map(\.row)
        try HDF5Library.lock.withLock {
            for (index, entry) in metricDatasets.enumerated() {
                let name = metricNames[index]
                let rowCount = entry.shape.reduce(1, *)
                var buffer = [Double](repeating: .nan, count: rows.count * rowCount)
                for (position, record) in sorted.enumerated() {
                    guard let values = record.metrics[name] else { continue }
                    var shaped = values
                    let shape = record.metricShapes[name] ?? [values.count]
                    let expected = shape.reduce(1, *)
                    // A shorter array is padded with NaN; anything beyond the declared shape is dropped.
                    if shaped.count < expected { shaped += Array(repeating: .nan, count: expected - shaped.count) }
                    if shape.count == entry.shape.count {
                        ResultsStore.embed(shaped, at: 0, shape: shape, into: &buffer, at: position * rowCount, shape: entry.shape)
                    } else {
                        for element in 0..<min(rowCount, shaped.count) { buffer[position * rowCount + element] = shaped[element] }
                    }
                }
                try buffer.withUnsafeBytes { try entry.dataset.writeRows(rows, $0, as: .float64) }
            }
            for entry in timingDatasets {
                try sorted.map { $0.timings[entry.name] ?? .nan }.withUnsafeBytes { try entry.dataset.writeRows(rows, $0, as: .float64) }
            }
            try sorted.map(\.seconds).withUnsafeBytes { try seconds.writeRows(rows, $0, as: .float64) }
            try sorted.map(\.rank).withUnsafeBytes { try rank.writeRows(rows, $0, as: .int32) }
            try FixedStrings.pack(sorted.map(\.host), size: ResultsLayout.hostBytes).withUnsafeBytes {
                try host.writeRows(rows, $0, as: .fixedString(ResultsLayout.hostBytes))
            }
            try FixedStrings.pack(sorted.map(\.error), size: ResultsLayout.errorBytes).withUnsafeBytes {
                try error.writeRows(rows, $0, as: .fixedString(ResultsLayout.errorBytes))
            }
            try sorted.map(\.status.rawValue).withUnsafeBytes { try status.writeRows(rows, $0, as: .int8) }
        }
    }

    /// Collective: records the update time (the same `updated` text on every rank) and closes.
    func close(updated: String?) throws {
        try HDF5Library.lock.withLock {
            for entry in metricDatasets { entry.dataset.close() }
            for entry in timingDatasets { entry.dataset.close() }
            timingsGroup?.close()
            for dataset in [status, seconds, rank, host, error] { dataset.close() }
            trials.close()
            metricsGroup.close()
            if let updated { try file.root.attributes.set("updated", string: updated) }
            try file.close()
        }
    }
}
