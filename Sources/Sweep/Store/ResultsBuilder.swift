import CHDF5

/// Everything a new results file holds, row by row. A fresh file has pending rows and no metric
/// values; a grown file carries the old rows' data over.
struct ResultsTable {
    var attributes: ResultsAttributes
    var specText: String
    var ids: [String]
    var parameterTexts: [String]
    /// Parameter columns in order, with each row's value (nil where the trial lacks it).
    var columns: [(name: String, values: [JSONValue?])]
    var statuses: [Int8]
    var seconds: [Double]
    var ranks: [Int32]
    var hosts: [String]
    var errors: [String]
    var metrics: [MetricSpec]
    /// A metric's values, rows × elements row-major, or nil to leave it all NaN.
    var metricValues: (MetricSpec) throws -> [Double]?
    /// Timing names (datasets of /timings, one value per row).
    var timings: [String] = []
    /// A timing's values [rows], or nil to leave it NaN.
    var timingValues: (String) throws -> [Double]? = { _ in nil }

    var rowCount: Int { ids.count }

    /// A table of pending rows for `trials`.
    static func fresh(attributes: ResultsAttributes, specText: String, trials: [Trial],
                      columns: [String], metrics: [MetricSpec], timings: [String]) -> ResultsTable {
        let count = trials.count
        var table = ResultsTable(
            attributes: attributes, specText: specText,
            ids: trials.map(\.id),
            parameterTexts: trials.map(\.parametersText),
            columns: columns.map { name in (name, trials.map { $0.parameter(name) }) },
            statuses: Array(repeating: TrialStatus.pending.rawValue, count: count),
            seconds: Array(repeating: .nan, count: count),
            ranks: Array(repeating: -1, count: count),
            hosts: Array(repeating: "", count: count),
            errors: Array(repeating: "", count: count),
            metrics: metrics,
            metricValues: { _ in nil })
        table.timings = timings
        return table
    }

    /// Rejects names that cannot become datasets of the layout.
    func validateNames() throws {
        var seenColumns = Set<String>()
        for column in columns {
            if ResultsLayout.reservedTrialNames.contains(column.name) {
                throw StoreError(.invalidPlan, "parameter \"\(column.name)\" cannot be stored as a column: /trials/\(column.name) is reserved")
            }
            if !ResultsLayout.isValidName(column.name) {
                throw StoreError(.invalidPlan, "parameter name \"\(column.name)\" cannot name a dataset (empty, \".\" or containing \"/\")")
            }
            if !seenColumns.insert(column.name).inserted {
                throw StoreError(.invalidPlan, "parameter column \"\(column.name)\" is listed twice")
            }
        }
        var seenMetrics = Set<String>()
        for metric in metrics {
            if !ResultsLayout.isValidName(metric.name) {
                throw StoreError(.invalidPlan, "metric name \"\(metric.name)\" cannot name a dataset (empty, \".\" or containing \"/\")")
            }
            if !seenMetrics.insert(metric.name).inserted {
                throw StoreError(.invalidPlan, "metric \"\(metric.name)\" is listed twice")
            }
        }
        for name in timings where !ResultsLayout.isValidName(name) || timings.filter({ $0 == name }).count > 1 {
            throw StoreError(.invalidPlan, "timing \"\(name)\" cannot name a dataset or is listed twice")
        }
        if Set(ids).count != ids.count {
            throw StoreError(.invalidPlan, "the plan lists a trial id twice")
        }
    }
}

/// Writes complete results files. Creation is done by one process, in memory: the
/// file is complete, closed and synced under a temporary name before it is renamed over the
/// output, so a kill at any moment leaves either the old file or the new one at the output path.
/// The ranks open it for writing only afterwards, so none of them ever sees a file being built.
enum ResultsBuilder {
    static func temporaryPath(for path: String) -> String { path + ".partial" }

    /// Builds `table` at `<path>.partial`, then renames it over `path`.
    static func buildAtomically(_ table: ResultsTable, at path: String) throws {
        try table.validateNames()
        let temporary = temporaryPath(for: path)
        try DurableFiles.removeIfPresent(temporary)
        try DurableFiles.probeCreate(temporary)
        do {
            try HDF5Library.lock.withLock { try write(table, to: temporary) }
            try DurableFiles.sync(temporary)
        } catch let error as StoreError {
            _ = try? DurableFiles.removeIfPresent(temporary)
            throw StoreError(.cannotCreate, error.message)
        }
        try DurableFiles.renameDurably(temporary, to: path)
    }

    /// The file is built in memory and written with plain write(2): a full disk or a file-size
    /// limit is then a failed write of our own, named in the error. (Had HDF5 written it, a
    /// failed flush in H5Fclose would leave a dangling file id in HDF5 1.10 that crashes the
    /// process when the library shuts down at MPI_Finalize.)
    private static func write(_ table: ResultsTable, to path: String) throws {
        let file = try H5File.createInMemory(path: path)
        let image: [UInt8]
        do {
            try writeContents(table, into: file)
            image = try file.image()
            try file.close()
        } catch {
            _ = try? file.close()
            throw error
        }
        try DurableFiles.write(image, to: path)
    }

    private static func writeContents(_ table: ResultsTable, into file: H5File) throws {
        let rows = table.rowCount
        let root = file.root
        try writeRootAttributes(table.attributes, to: root.attributes)

        let specBytes = Array(table.specText.utf8)
        let spec = try H5Dataset.create(in: root, name: ResultsLayout.specDataset,
                                        type: .fixedString(specBytes.count), dims: [])
        defer { spec.close() }
        try spec.writeAll(strings: [table.specText])

        let trials = try root.createGroup(ResultsLayout.trialsGroup)
        defer { trials.close() }
        try trials.attributes.set(ResultsLayout.columnsAttribute, strings: table.columns.map(\.name))

        try writeStrings(table.ids, named: ResultsLayout.idDataset, in: trials, width: nil)
        try writeStrings(table.parameterTexts, named: ResultsLayout.parametersDataset, in: trials, width: nil)
        for column in table.columns {
            try writeColumn(column.name, column.values, in: trials)
        }
        let status = try H5Dataset.create(in: trials, name: ResultsLayout.statusDataset, type: .int8, dims: [rows],
                                          fill: .int8(TrialStatus.pending.rawValue))
        defer { status.close() }
        try status.writeAll(int8s: table.statuses)
        let seconds = try H5Dataset.create(in: trials, name: ResultsLayout.secondsDataset, type: .float64, dims: [rows],
                                           fill: .float64(.nan))
        defer { seconds.close() }
        try seconds.writeAll(doubles: table.seconds)
        let ranks = try H5Dataset.create(in: trials, name: ResultsLayout.rankDataset, type: .int32, dims: [rows],
                                         fill: .int32(-1))
        defer { ranks.close() }
        try ranks.writeAll(int32s: table.ranks)
        try writeStrings(table.hosts, named: ResultsLayout.hostDataset, in: trials, width: ResultsLayout.hostBytes)
        try writeStrings(table.errors, named: ResultsLayout.errorDataset, in: trials, width: ResultsLayout.errorBytes)

        let metrics = try root.createGroup(ResultsLayout.metricsGroup)
        defer { metrics.close() }
        try metrics.attributes.set(ResultsLayout.metricNamesAttribute, strings: table.metrics.map(\.name))
        for metric in table.metrics {
            let dataset = try H5Dataset.create(in: metrics, name: metric.name, type: .float64,
                                               dims: [rows] + metric.shape, fill: .float64(.nan))
            defer { dataset.close() }
            try dataset.attributes.set(ResultsLayout.axesAttribute, string: (["trial"] + metric.axes).joined(separator: ","))
            if let values = try table.metricValues(metric) {
                precondition(values.count == rows * metric.elementCount, "metric \(metric.name): wrong value count")
                try dataset.writeAll(doubles: values)
            }
        }
        try writeTimings(table, in: root)
    }

    static func writeTimings(_ table: ResultsTable, in root: H5Group) throws {
        let group = try root.createGroup(ResultsLayout.timingsGroup)
        defer { group.close() }
        try group.attributes.set(ResultsLayout.metricNamesAttribute, strings: table.timings)
        for name in table.timings {
            let dataset = try H5Dataset.create(in: group, name: name, type: .float64, dims: [table.rowCount], fill: .float64(.nan))
            defer { dataset.close() }
            if let values = try table.timingValues(name) {
                precondition(values.count == table.rowCount, "timing \(name): wrong value count")
                try dataset.writeAll(doubles: values)
            }
        }
    }

    private static func writeRootAttributes(_ attributes: ResultsAttributes, to root: H5Attributes) throws {
        try root.set("format_version", int64: attributes.formatVersion)
        try root.set("sweep_name", string: attributes.sweepName)
        try root.set("plan_hash", string: attributes.planHash)
        try root.set("tool_version", string: attributes.toolVersion)
        try root.set("git_commit", string: attributes.gitCommit)
        try root.set("mpi_version", string: attributes.mpiVersion)
        try root.set("hdf5_version", string: attributes.hdf5Version)
        try root.set("openblas_version", string: attributes.openBLASVersion)
        try root.set("openblas_core", string: attributes.openBLASCore)
        try root.set("created", string: attributes.created)
        try root.set("updated", string: attributes.updated)
    }

    /// A fixed-length string dataset as wide as its longest value (or exactly `width` bytes).
    private static func writeStrings(_ values: [String], named name: String, in group: H5Group, width: Int?) throws {
        let size = width ?? max(1, values.map { $0.utf8.count }.max() ?? 1)
        let dataset = try H5Dataset.create(in: group, name: name, type: .fixedString(size), dims: [values.count])
        defer { dataset.close() }
        try dataset.writeAll(strings: values)
    }

    private static func writeColumn(_ name: String, _ values: [JSONValue?], in group: H5Group) throws {
        let kind = ColumnKind.infer(values)
        let rows = values.count
        let dataset: H5Dataset
        switch kind {
        case .int:
            dataset = try H5Dataset.create(in: group, name: name, type: .int64, dims: [rows])
            try dataset.writeAll(int64s: values.map { if case .number(let number)? = $0 { Int64(number) } else { 0 } })
        case .float:
            dataset = try H5Dataset.create(in: group, name: name, type: .float64, dims: [rows], fill: .float64(.nan))
            try dataset.writeAll(doubles: values.map { if case .number(let number)? = $0 { number } else { .nan } })
        case .bool:
            dataset = try H5Dataset.create(in: group, name: name, type: .int8, dims: [rows], fill: .int8(-1))
            try dataset.writeAll(int8s: values.map { if case .bool(let flag)? = $0 { flag ? 1 : 0 } else { -1 } })
        case .string, .json:
            let texts = values.map { value -> String in
                switch value {
                case nil, .null?: return ""
                case .string(let string)? where kind == .string: return string
                case let other?: return other.compactText
                }
            }
            let width = max(1, texts.map { $0.utf8.count }.max() ?? 1)
            dataset = try H5Dataset.create(in: group, name: name, type: .fixedString(width), dims: [rows])
            try dataset.writeAll(strings: texts)
        }
        defer { dataset.close() }
        try dataset.attributes.set(ResultsLayout.kindAttribute, string: kind.rawValue)
    }
}
