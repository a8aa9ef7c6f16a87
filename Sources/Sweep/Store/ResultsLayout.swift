/// Names and rules of the results file (format_version 1). The Python loader and the stats
/// command read exactly this layout:
///
///     /                 attributes format_version, sweep_name, plan_hash, tool_version, git_commit,
///                       mpi_version, hdf5_version, openblas_version, openblas_core, created, updated
///     /sweep_spec       scalar string: the sweep file text
///     /trials/id, /trials/parameters, /trials/<column>..., /trials/status, seconds, rank, host, error
///     /metrics/<name>   [n, shape...] float64, NaN where nothing was written; attribute "axes"
///     /timings/<name>   [n] float64 seconds (wall-clock parts of a trial; NaN where not written)
///
/// /trials carries an attribute "columns" (the parameter columns in plan order), /metrics and
/// /timings an attribute "names" (their order), because HDF5 lists group members by name.
/// Everything under /metrics is a result: bit-identical whatever the rank count or the run.
/// Files written before /timings existed have none (their timings are metrics named time_*).
public enum ResultsLayout {
    public static let formatVersion: Int64 = 1

    static let specDataset = "sweep_spec"
    static let trialsGroup = "trials"
    static let metricsGroup = "metrics"
    static let timingsGroup = "timings"
    static let idDataset = "id"
    static let parametersDataset = "parameters"
    static let statusDataset = "status"
    static let secondsDataset = "seconds"
    static let rankDataset = "rank"
    static let hostDataset = "host"
    static let errorDataset = "error"
    static let columnsAttribute = "columns"
    static let metricNamesAttribute = "names"
    static let kindAttribute = "kind"
    static let axesAttribute = "axes"

    /// Bytes of /trials/host and /trials/error (longer text is cut at a character boundary).
    public static let hostBytes = 64
    public static let errorBytes = 512

    /// Datasets of /trials that a parameter column may not shadow.
    static let reservedTrialNames: Set<String> = [
        idDataset, parametersDataset, statusDataset, secondsDataset, rankDataset, hostDataset, errorDataset,
    ]

    /// HDF5 link names: non-empty, no "/", not "." (a column or metric name becomes one).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && !name.contains("/")
    }
}

/// How a parameter column is stored (its /trials/<name> attribute "kind").
public enum ColumnKind: String, Sendable, CaseIterable {
    /// int64: every value an integral number.
    case int
    /// float64 (NaN where a trial lacks the parameter).
    case float
    /// int8: 1 true, 0 false, -1 missing.
    case bool
    /// Fixed-length string (empty where missing).
    case string
    /// Fixed-length JSON text (arrays, objects, mixed types; empty where missing).
    case json

    /// The kind that stores every present (non-null) value of a column without loss.
    static func infer(_ values: [JSONValue?]) -> ColumnKind {
        let present = values.compactMap { value -> JSONValue? in
            if case .null? = value { return nil }
            return value
        }
        let missing = present.count < values.count
        guard !present.isEmpty else { return .json }
        if present.allSatisfy({ if case .number = $0 { true } else { false } }) {
            let integral = present.allSatisfy {
                if case .number(let number) = $0 { number == number.rounded() && abs(number) < 9.0e18 } else { false }
            }
            // int64 has no "missing" value; a column that lacks some values stores NaN instead.
            return integral && !missing ? .int : .float
        }
        if present.allSatisfy({ if case .bool = $0 { true } else { false } }) { return .bool }
        if present.allSatisfy({ if case .string = $0 { true } else { false } }) { return .string }
        return .json
    }
}

/// One parameter column read back from /trials/<name>.
public enum ColumnValues: Sendable, Equatable {
    case int([Int64])
    case float([Double])
    case bool([Bool?])
    case string([String])
    case json([String])

    public var kind: ColumnKind {
        switch self {
        case .int: .int
        case .float: .float
        case .bool: .bool
        case .string: .string
        case .json: .json
        }
    }

    public var count: Int {
        switch self {
        case .int(let values): values.count
        case .float(let values): values.count
        case .bool(let values): values.count
        case .string(let values): values.count
        case .json(let values): values.count
        }
    }
}

/// Versions and identity of the program that writes a results file. The store adds the MPI and
/// HDF5 library versions itself.
public struct Provenance: Sendable, Equatable {
    public var toolVersion: String
    public var gitCommit: String
    public var openBLASVersion: String
    /// The OpenBLAS kernel set the run uses (e.g. "SkylakeX"), and how it was chosen.
    public var openBLASCore: String
    public var openBLASCoreNote: String
    public init(toolVersion: String, gitCommit: String, openBLASVersion: String, openBLASCore: String = "",
                openBLASCoreNote: String = "") {
        self.toolVersion = toolVersion; self.gitCommit = gitCommit; self.openBLASVersion = openBLASVersion
        self.openBLASCore = openBLASCore; self.openBLASCoreNote = openBLASCoreNote
    }
}

/// The root attributes of a results file.
public struct ResultsAttributes: Sendable, Equatable {
    public var formatVersion: Int64
    public var sweepName: String
    public var planHash: String
    public var toolVersion: String
    public var gitCommit: String
    public var mpiVersion: String
    public var hdf5Version: String
    public var openBLASVersion: String
    /// ISO-8601 UTC, e.g. "2026-05-01T12:00:00Z".
    public var created: String
    public var updated: String
    /// The OpenBLAS core of the run that created or last grew the file ("" in files of 0.1.0).
    public var openBLASCore: String = ""
}
