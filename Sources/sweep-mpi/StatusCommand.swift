import ArgumentParser
import Foundation
import Sweep

/// Opens a results file for reading (also while a sweep writes it), or fails with 66.
func openResults(_ path: String) throws -> ResultsReader {
    guard FileManager.default.fileExists(atPath: path) else {
        throw CommandFailure(.inputUnreadable, "\(path) does not exist")
    }
    do {
        return try ResultsReader(path: path)
    } catch {
        throw CommandFailure(.inputUnreadable, "\(error)")
    }
}

/// `sweep-mpi status FILE`: where a sweep stands, during or after a run.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Done, pending, failed and diverged trials of a results file, overall and per swept value.")

    @Argument(help: "The results file.")
    var file: String

    @Option(help: "How many failed or diverged trials to list with their message.")
    var failures = 10

    func run() throws {
        let reader = try openResults(file)
        defer { reader.close() }
        let statuses: [TrialStatus], errors: [String]
        var values: ColumnTexts
        do {
            statuses = try reader.statuses()
            errors = try reader.errors()
            values = try ColumnTexts(reader)
        } catch {
            throw CommandFailure(.inputUnreadable, "\(error)")
        }
        let a = reader.attributes
        print("\(file): sweep \(a.sweepName), \(statuses.count) trials (created \(a.created), updated \(a.updated))")
        print("  " + Self.counts(statuses))
        // Per value of every parameter that varies across the file (seeds summarised above).
        for key in reader.columnNames where key != "seed" {
            var order: [String] = [], byValue: [String: [TrialStatus]] = [:]
            for (row, status) in statuses.enumerated() {
                let value = values.text(key, row: row) ?? "-"
                if byValue[value] == nil { order.append(value) }
                byValue[value, default: []].append(status)
            }
            guard order.count > 1 else { continue }
            print("by \(key):")
            let width = order.map(\.count).max() ?? 0
            for value in order { print("  " + value.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Self.counts(byValue[value]!)) }
        }
        let problems = statuses.indices.filter { statuses[$0] == .failed || statuses[$0] == .diverged }
        if !problems.isEmpty {
            print("failed and diverged trials:")
            for row in problems.prefix(max(0, failures)) {
                let label = reader.columnNames.compactMap { key in values.text(key, row: row).map { "\(key)=\($0)" } }
                print("  row \(row) \(statuses[row].name) [\(label.joined(separator: " "))]: \(errors[row])")
            }
            if problems.count > failures { print("  ... \(problems.count - failures) more") }
        }
    }

    static func counts(_ statuses: [TrialStatus]) -> String {
        var counts: [TrialStatus: Int] = [:]
        for status in statuses { counts[status, default: 0] += 1 }
        return [TrialStatus.done, .pending, .failed, .diverged].map { "\(counts[$0] ?? 0) \($0.name)" }.joined(separator: ", ")
    }
}

/// Each trial's parameter values as JSON text (what `compactText` gives; nil where the trial lacks
/// the parameter), read from the /trials/<column> datasets rather than by parsing every trial's
/// /trials/parameters: a file of 100,000 trials reads in a fraction of a second. Where a column
/// cannot tell a missing value from an empty one (an empty string or JSON text), the trial's
/// parameters are parsed.
struct ColumnTexts {
    private let reader: ResultsReader
    private var columns: [String: ColumnValues] = [:]
    private var parsed: [Int: JSONObject] = [:]
    private var texts: [String]?

    init(_ reader: ResultsReader) throws {
        self.reader = reader
        for name in reader.columnNames { columns[name] = try reader.column(name) }
    }

    mutating func text(_ key: String, row: Int) -> String? {
        switch columns[key] {
        case .int(let values)?: return JSONFormat.number(Double(values[row]))
        case .float(let values)?: return values[row].isNaN ? nil : JSONFormat.number(values[row])
        case .bool(let values)?: return values[row].map { $0 ? "true" : "false" }
        case .string(let values)? where !values[row].isEmpty: return JSONFormat.quoted(values[row])
        case .json(let values)? where !values[row].isEmpty: return values[row]
        default: return parameters(row)?[key]?.compactText
        }
    }

    private mutating func parameters(_ row: Int) -> JSONObject? {
        if let object = parsed[row] { return object }
        if texts == nil { texts = (try? reader.parameterTexts()) ?? [] }
        guard let texts, row < texts.count, case .object(let object)? = try? JSONParser.parse(texts[row]) else { return nil }
        parsed[row] = object
        return object
    }
}

/// `sweep-mpi stats FILE --metric NAME`: error-bar statistics across seeds.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Error-bar statistics of a metric across seeds: n, mean, std, sem, median, bootstrap CI.",
        discussion: """
            Trials that differ only in their seed form a group (or, with --by, trials with equal values \
            of the given parameters). For every element of the metric (e.g. every layer of dim_layers): \
            n, mean, standard deviation, standard error, median and a percentile bootstrap confidence \
            interval of the mean (seeded: the same file gives the same interval). Failed, diverged and \
            pending trials are left out and counted. Works on a file that is still being written.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @Argument(help: "The results file.")
    var file: String

    @Option(help: "The metric, e.g. dim_layers.")
    var metric: String

    @Option(help: ArgumentHelp("Group by these parameters only (comma-separated).", valueName: "keys"))
    var by: String?

    @Option(help: "Output format: table, csv or json.")
    var format: Format = .table

    @Option(help: "Bootstrap resamples.")
    var resamples = 10_000

    @Option(help: "Confidence level of the bootstrap interval.")
    var level = 0.95

    func validate() throws {
        guard resamples >= 100 else { throw ValidationError("--resamples must be >= 100") }
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1)") }
    }

    func run() throws {
        let reader = try openResults(file)
        defer { reader.close() }
        guard let spec = reader.metrics.first(where: { $0.name == metric }) else {
            let names = reader.metrics.map(\.name)
            throw CommandFailure(.usage, "--metric \(metric): no such metric in \(file)\(didYouMean(metric, among: names)); "
                                 + "it has \(names.joined(separator: ", "))")
        }
        let grouped: GroupedStatistics
        do {
            let values = try reader.metricValues(metric)
            let width = max(1, spec.elementCount)
            let rows = (0..<reader.trialCount).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
            let keys = by.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            grouped = try groupStatistics(metric: spec, rows: rows, parameters: try reader.parameters(),
                                          statuses: try reader.statuses(), by: keys, resamples: resamples, level: level)
        } catch let error as ParameterError {
            throw CommandFailure(.usage, "--\(error.field) \(error.value): \(error.reason)")
        } catch {
            throw CommandFailure(.inputUnreadable, "\(error)")
        }
        switch format {
        case .table: print(grouped.table(), terminator: "")
        case .csv: print(grouped.csv(), terminator: "")
        case .json: print(grouped.json())
        }
    }
}
