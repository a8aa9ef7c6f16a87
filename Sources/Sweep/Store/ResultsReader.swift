import CHDF5

/// Reads a results file with the serial HDF5 driver: no MPI needed, and safe while a run is
/// writing the file (a run only overwrites allocated raw data; a row is complete once its status
/// says so). Every method throws `StoreError`.
public final class ResultsReader {
    public let path: String
    public let trialCount: Int
    public let attributes: ResultsAttributes
    /// Parameter columns (/trials/<name>) in plan order.
    public let columnNames: [String]
    /// Metrics in plan order; `shape` and `axes` exclude the trial axis.
    public let metrics: [MetricSpec]
    /// Timings (/timings/<name>, seconds per trial); empty for files written before timings had
    /// a group of their own.
    public let timingNames: [String]

    private let file: H5File
    private let trials: H5Group
    private let metricsGroup: H5Group

    /// Opens `path`; fails with `.notHDF5` for anything HDF5 cannot open and `.notResultsFile`
    /// for an HDF5 file that is not a results file of format version 1.
    public init(path: String) throws {
        self.path = path
        let opened = try HDF5Library.lock.withLock { () throws -> (H5File, H5Group, H5Group, ResultsAttributes, [String], [MetricSpec], Int) in
            try ResultsReader.open(path)
        }
        (file, trials, metricsGroup, attributes, columnNames, metrics, trialCount) = opened
        timingNames = HDF5Library.lock.withLock {
            guard opened.0.root.contains(ResultsLayout.timingsGroup),
                  let group = try? opened.0.root.openGroup(ResultsLayout.timingsGroup) else { return [] }
            defer { group.close() }
            return (try? group.attributes.strings(ResultsLayout.metricNamesAttribute) ?? group.memberNames()) ?? []
        }
    }

    private static func open(_ path: String) throws -> (H5File, H5Group, H5Group, ResultsAttributes, [String], [MetricSpec], Int) {
        switch DurableFiles.entry(at: path) {
        case .missing: throw StoreError(.io, "\(path) does not exist")
        case .directory: throw StoreError(.notHDF5, "\(path) is a directory, not a results file")
        case .other: throw StoreError(.notHDF5, "\(path) is not a regular file")
        case .file: break
        }
        HDF5Library.prepare()
        let signature = H5Fis_hdf5(path)
        if signature == 0 { throw StoreError(.notHDF5, "\(path) is not an HDF5 file") }
        if signature < 0 { throw HDF5Library.failure(.notHDF5, "\(path) cannot be read") }
        let file: H5File
        do {
            file = try H5File.openReadOnly(path: path)
        } catch let error as StoreError {
            throw StoreError(.notHDF5, "\(path) is not a readable HDF5 file (truncated or damaged?): "
                             + error.message.replacingPrefix("cannot open \(path): ", with: ""))
        }
        let notResults = "\(path) is an HDF5 file but not a sweep-mpi results file"
        let root = file.root.attributes
        guard let version = root.int64("format_version"), let sweepName = root.string("sweep_name") else {
            throw StoreError(.notResultsFile, "\(notResults) (no format_version or sweep_name attribute)")
        }
        guard version == ResultsLayout.formatVersion else {
            throw StoreError(.notResultsFile, "\(path) is a results file of format version \(version); this program reads version \(ResultsLayout.formatVersion)")
        }
        let attributes = ResultsAttributes(
            formatVersion: version, sweepName: sweepName,
            planHash: root.string("plan_hash") ?? "", toolVersion: root.string("tool_version") ?? "",
            gitCommit: root.string("git_commit") ?? "", mpiVersion: root.string("mpi_version") ?? "",
            hdf5Version: root.string("hdf5_version") ?? "", openBLASVersion: root.string("openblas_version") ?? "",
            created: root.string("created") ?? "", updated: root.string("updated") ?? "",
            openBLASCore: root.string("openblas_core") ?? "")
        guard file.root.contains(ResultsLayout.trialsGroup), file.root.contains(ResultsLayout.metricsGroup) else {
            throw StoreError(.notResultsFile, "\(notResults) (no /trials or /metrics group)")
        }
        do {
            let trials = try file.root.openGroup(ResultsLayout.trialsGroup)
            let metricsGroup = try file.root.openGroup(ResultsLayout.metricsGroup)
            let ids = try H5Dataset.open(in: trials, name: ResultsLayout.idDataset)
            defer { ids.close() }
            let count = ids.rowCount
            for name in ResultsLayout.reservedTrialNames {
                let dataset = try H5Dataset.open(in: trials, name: name)
                defer { dataset.close() }
                guard dataset.dims == [count] else {
                    throw StoreError(.notResultsFile, "\(path): \(dataset.path) has \(dataset.dims) rows, /trials/id has \(count)")
                }
            }
            let columnNames = trials.attributes.strings(ResultsLayout.columnsAttribute) ?? []
            let metricNames = try metricsGroup.attributes.strings(ResultsLayout.metricNamesAttribute)
                ?? metricsGroup.memberNames()
            var metrics: [MetricSpec] = []
            for name in metricNames {
                let dataset = try H5Dataset.open(in: metricsGroup, name: name)
                defer { dataset.close() }
                guard dataset.dims.first == count else {
                    throw StoreError(.notResultsFile, "\(path): \(dataset.path) does not have one row per trial")
                }
                let shape = Array(dataset.dims.dropFirst())
                var axes = (dataset.attributes.string(ResultsLayout.axesAttribute) ?? "")
                    .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if axes.first == "trial" { axes.removeFirst() }
                if axes.count != shape.count { axes = shape.indices.map { "axis\($0 + 1)" } }
                metrics.append(MetricSpec(name: name, shape: shape, axes: axes))
            }
            return (file, trials, metricsGroup, attributes, columnNames, metrics, count)
        } catch let error as StoreError where error.kind != .notResultsFile {
            throw StoreError(.notResultsFile, "\(notResults) (\(error.message))")
        }
    }

    private func dataset<T>(_ group: H5Group, _ name: String, _ body: (H5Dataset) throws -> T) throws -> T {
        try HDF5Library.lock.withLock {
            let dataset = try H5Dataset.open(in: group, name: name)
            defer { dataset.close() }
            return try body(dataset)
        }
    }

    public func ids() throws -> [String] { try dataset(trials, ResultsLayout.idDataset) { try $0.readStrings() } }

    /// Each trial's resolved parameters as the JSON text stored in /trials/parameters.
    public func parameterTexts() throws -> [String] {
        try dataset(trials, ResultsLayout.parametersDataset) { try $0.readStrings() }
    }

    /// Each trial's resolved parameters.
    public func parameters() throws -> [JSONObject] {
        try parameterTexts().enumerated().map { row, text in
            guard case .object(let object)? = try? JSONParser.parse(text) else {
                throw StoreError(.notResultsFile, "\(path): /trials/parameters row \(row) is not a JSON object")
            }
            return object
        }
    }

    /// Unknown status codes read as pending: such a row is simply run again.
    public func statuses() throws -> [TrialStatus] {
        try dataset(trials, ResultsLayout.statusDataset) { try $0.readInt8s() }.map { TrialStatus(rawValue: $0) ?? .pending }
    }

    public func seconds() throws -> [Double] { try dataset(trials, ResultsLayout.secondsDataset) { try $0.readDoubles() } }
    public func ranks() throws -> [Int32] { try dataset(trials, ResultsLayout.rankDataset) { try $0.readInt32s() } }
    public func hosts() throws -> [String] { try dataset(trials, ResultsLayout.hostDataset) { try $0.readStrings() } }
    public func errors() throws -> [String] { try dataset(trials, ResultsLayout.errorDataset) { try $0.readStrings() } }

    /// A parameter column, typed by its "kind" attribute (or by its stored type if it has none).
    public func column(_ name: String) throws -> ColumnValues {
        guard columnNames.contains(name) else { throw StoreError(.io, "\(path) has no parameter column \"\(name)\"") }
        return try dataset(trials, name) { dataset in
            let declared = dataset.attributes.string(ResultsLayout.kindAttribute).flatMap(ColumnKind.init(rawValue:))
            switch declared ?? Self.kind(of: dataset.elementType) {
            case .int: return .int(try dataset.readInt64s())
            case .float: return .float(try dataset.readDoubles())
            case .bool: return .bool(try dataset.readInt8s().map { $0 < 0 ? nil : $0 != 0 })
            case .string: return .string(try dataset.readStrings())
            case .json: return .json(try dataset.readStrings())
            }
        }
    }

    private static func kind(of type: H5ElementType) -> ColumnKind {
        switch type {
        case .float64: .float
        case .int64, .int32, .int8: .int
        case .fixedString: .string
        }
    }

    /// A metric's values for `rows` (all rows when nil), rows × elements in row-major order.
    public func metricValues(_ name: String, rows: Range<Int>? = nil) throws -> [Double] {
        guard metrics.contains(where: { $0.name == name }) else { throw StoreError(.io, "\(path) has no metric \"\(name)\"") }
        if let rows, rows.lowerBound < 0 || rows.upperBound > trialCount {
            throw StoreError(.io, "\(path): rows \(rows) are outside 0..<\(trialCount)")
        }
        return try dataset(metricsGroup, name) { try $0.readDoubles(rows: rows) }
    }

    /// A timing's values, one per trial (seconds; NaN where not written).
    public func timingValues(_ name: String) throws -> [Double] {
        guard timingNames.contains(name) else { throw StoreError(.io, "\(path) has no timing \"\(name)\"") }
        return try HDF5Library.lock.withLock {
            let group = try file.root.openGroup(ResultsLayout.timingsGroup)
            defer { group.close() }
            let dataset = try H5Dataset.open(in: group, name: name)
            defer { dataset.close() }
            return try dataset.readDoubles()
        }
    }

    /// The sweep file text stored in /sweep_spec.
    public func specText() throws -> String {
        try dataset(file.root, ResultsLayout.specDataset) { try $0.readStrings().first ?? "" }
    }

    /// Closes the file now (otherwise when the reader is released).
    public func close() {
        HDF5Library.lock.withLock {
            trials.close()
            metricsGroup.close()
            _ = try? file.close()
        }
    }

    deinit { close() }
}

fileprivate extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
