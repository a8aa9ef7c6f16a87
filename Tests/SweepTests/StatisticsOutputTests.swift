import Testing
@testable import Sweep

@Suite struct StatisticsOutputTests {
    /// Two groups (a = 0.5 and a = "big, \"quoted\"") of a [2, 2] metric named by axes (a, layer):
    /// the axis "a" clashes with the group column "a".
    private func example() throws -> GroupedStatistics {
        let metric = MetricSpec(name: "dims", shape: [2, 2], axes: ["a", "layer"])
        let parameters = [JSONValue.number(0.5), .string("big, \"quoted\"")].flatMap { a in
            (0..<2).map { JSONObject([("a", a), ("seed", .number(Double($0)))]) }
        }
        let rows: [[Double]] = [[1, 2, 3, 4], [3, 2, 1, .nan], [1e-7, 0.1, 0.2, 0.3], [1e-7, 0.1, 0.2, 0.3]]
        return try groupStatistics(metric: metric, rows: rows, parameters: parameters,
                                   statuses: [.done, .done, .done, .failed])
    }

    @Test func csvHasHeaderAndRoundTripNumbers() throws {
        let lines = try example().csv().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "a,a_index,layer,n,mean,std,sem,median,ci_low,ci_high,n_failed,n_diverged,n_pending")
        #expect(lines.count == 1 + 8 + 1 && lines.last == "")
        // Group a = 0.5, element [0, 1]: values 2 and 2.
        #expect(lines[2] == "0.5,0,1,2,2,0,0,2,2,2,0,0,0")
        // Element [1, 1]: one value (4); its spread is NaN.
        #expect(lines[4] == "0.5,1,1,1,4,NaN,NaN,4,4,4,0,0,0")
        // The string group is quoted per RFC 4180; one trial failed, one value 1e-7 counts.
        #expect(lines[5] == #""big, ""quoted""",0,0,1,1e-7,NaN,NaN,1e-7,1e-7,1e-7,1,0,0"#)
        // Element [0, 0] of the first group: values 1 and 3; numbers are shortest round-trip.
        let fields = lines[1].split(separator: ",")
        #expect(fields[3] == "2" && fields[4] == "2" && Double(String(fields[5])) == 2.0.squareRoot())
        #expect(Double(String(fields[6])) == 1.0)
    }

    @Test func jsonRowsParseBack() throws {
        let statistics = try example()
        let parsed = try JSONParser.parse(statistics.json())
        guard case .array(let rows) = parsed, case .object(let first)? = rows.first, case .object(let fourth) = rows[3] else {
            Issue.record("not an array of objects"); return
        }
        #expect(rows.count == 8)
        #expect(first.keys == ["a", "a_index", "layer", "n", "mean", "std", "sem", "median", "ci_low", "ci_high",
                               "n_failed", "n_diverged", "n_pending"])
        #expect(first["a"] == .number(0.5) && first["n"] == .number(2) && first["mean"] == .number(2))
        #expect(first["std"] == .number(2.0.squareRoot()))
        // NaN statistics become null.
        #expect(fourth["std"] == .null && fourth["a_index"] == .number(1) && fourth["layer"] == .number(1))
        guard case .object(let stringGroup) = rows[4] else { Issue.record("not an object"); return }
        #expect(stringGroup["a"] == .string("big, \"quoted\"") && stringGroup["n_failed"] == .number(1))
    }

    @Test func tableIsAlignedWithElementIndex() throws {
        let table = try example().table()
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 9)
        #expect(lines[0] == "a              [a_index, layer]  n  mean   std      sem  median  ci_low  ci_high  n_failed  n_diverged  n_pending")
        #expect(lines[1] == "0.5            [0, 0]            2  2      1.41421  1    2       1       3        0         0           0")
        #expect(lines[5].hasPrefix(#"big, "quoted"  [0, 0]            1  1e-07"#))
        // Every column starts at the same offset on every line.
        let header = Array(lines[0])
        let meanColumn = try #require((0..<header.count - 4).first { String(header[$0..<$0 + 4]) == "mean" })
        for line in lines.dropFirst() {
            let characters = Array(line)
            #expect(characters[meanColumn - 1] == " " && characters[meanColumn] != " ")
        }
    }

    @Test func scalarMetricHasNoElementColumn() throws {
        let parameters = (0..<3).map { JSONObject([("mean", .number(1)), ("seed", .number(Double($0)))]) }
        let statistics = try groupStatistics(metric: MetricSpec(name: "acc", shape: [], axes: []), rows: [[1], [2], [4]],
                                             parameters: parameters, statuses: [.done, .done, .pending], by: ["mean"])
        // A parameter named like a statistic column is renamed in the header.
        #expect(statistics.csv() == "mean_param,n,mean,std,sem,median,ci_low,ci_high,n_failed,n_diverged,n_pending\n"
            + "1,2,1.5,0.7071067811865476,0.5,1.5,1,2,0,0,1\n")
        #expect(statistics.table().hasPrefix("mean_param  n  mean  std       sem  median  ci_low  ci_high  n_failed  n_diverged  n_pending\n"))
    }

    @Test func significantDigits() {
        #expect(formatSignificant(1234567) == "1.23457e+06")
        #expect(formatSignificant(0.000123456789) == "0.000123457")
        #expect(formatSignificant(2) == "2")
        #expect(formatSignificant(.nan) == "NaN")
        #expect(formatSignificant(-.infinity) == "-Infinity")
    }
}
