import Testing
@testable import Sweep

@Suite struct StatisticsTests {
    static let scalar = MetricSpec(name: "accuracy", shape: [], axes: [])

    /// Parameters of trials over a grid of a in {1, 2} and seeds, in that order.
    private func parameters(a: [Double], seeds: Int) -> [JSONObject] {
        a.flatMap { value in
            (0..<seeds).map { seed in
                JSONObject([("a", .number(value)), ("b", .string("x")), ("seed", .number(Double(seed)))])
            }
        }
    }

    @Test func descriptiveStatisticsMatchHandComputedValues() throws {
        // Group a = 1: values 1, 2, 3, 4; group a = 2: values 10, 30, 20 and a missing one.
        let rows: [[Double]] = [[2], [4], [1], [3], [10], [.nan], [30], [20]]
        let statistics = try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters(a: [1, 2], seeds: 4),
                                             statuses: Array(repeating: .done, count: 8))
        #expect(statistics.groupColumns == ["a"])
        #expect(statistics.groups.map(\.values) == [[.number(1)], [.number(2)]])
        #expect(statistics.groups.map(\.trials) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        let first = statistics.groups[0].elements[0]
        #expect(first.n == 4 && first.mean == 2.5 && first.median == 2.5)
        // sum of squared deviations 5, over n - 1 = 3
        #expect(abs(first.standardDeviation - (5.0 / 3).squareRoot()) < 1e-15)
        #expect(abs(first.standardError - (5.0 / 3).squareRoot() / 2) < 1e-15)
        let second = statistics.groups[1].elements[0]
        #expect(second.n == 3 && second.mean == 20 && second.median == 20 && second.standardDeviation == 10)
        #expect(abs(second.standardError - 10 / 3.0.squareRoot()) < 1e-14)
    }

    @Test func bootstrapIntervalIsReproducibleAndPlausible() throws {
        // 50 replicates with a known spread: the percentile interval of the mean must come
        // close to mean +- 1.96 sigma / sqrt(n) (sigma with divisor n, as the bootstrap sees it).
        let count = 50
        let values = (0..<count).map { Double(($0 * 37) % count) / 7 + 3 }
        let parameters = (0..<count).map { JSONObject([("a", .number(1)), ("seed", .number(Double($0)))]) }
        let run = { () throws(ParameterError) -> ElementStatistics in
            try groupStatistics(metric: Self.scalar, rows: values.map { [$0] }, parameters: parameters,
                                statuses: Array(repeating: .done, count: count)).groups[0].elements[0]
        }
        let first = try run()
        let second = try run()
        #expect(first.confidenceLow.bitPattern == second.confidenceLow.bitPattern)
        #expect(first.confidenceHigh.bitPattern == second.confidenceHigh.bitPattern)
        let mean = values.reduce(0, +) / Double(count)
        let sigma = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)).squareRoot()
        let halfWidth = 1.959964 * sigma / Double(count).squareRoot()
        #expect(first.confidenceLow < mean && mean < first.confidenceHigh)
        #expect(abs((first.confidenceHigh - first.confidenceLow) / 2 - halfWidth) < 0.08 * halfWidth)
        #expect(abs((first.confidenceHigh + first.confidenceLow) / 2 - mean) < 0.1 * halfWidth)
    }

    @Test func groupsGetDifferentDraws() throws {
        // Two groups with identical values: different keys seed different generators. With 12
        // values there are over a million distinct resample means, so the quantiles differ.
        let values: [Double] = (0..<12).map { (Double($0) * 2.718281828).truncatingRemainder(dividingBy: 7) + 1 }
        let parameters = [1.0, 2.0].flatMap { a in
            (0..<12).map { JSONObject([("a", .number(a)), ("seed", .number(Double($0)))]) }
        }
        let statistics = try groupStatistics(metric: Self.scalar, rows: (values + values).map { [$0] },
                                             parameters: parameters, statuses: Array(repeating: .done, count: 24))
        let (first, second) = (statistics.groups[0].elements[0], statistics.groups[1].elements[0])
        #expect(first.mean == second.mean && first.median == second.median)
        #expect(first.confidenceLow != second.confidenceLow || first.confidenceHigh != second.confidenceHigh)
        #expect(first.confidenceLow >= values.min()! && first.confidenceHigh <= values.max()!)
    }

    @Test func statusesAreCountedAndExcluded() throws {
        // One group of six trials: two done, one failed, one diverged, two pending. Values of
        // trials that are not done must not count, even when present.
        let parameters = (0..<6).map { JSONObject([("a", .number(1)), ("seed", .number(Double($0)))]) }
        let statuses: [TrialStatus] = [.done, .failed, .diverged, .done, .pending, .pending]
        let rows: [[Double]] = [[1], [100], [.infinity], [3], [], [.nan]]
        let statistics = try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters, statuses: statuses)
        let group = try #require(statistics.groups.first)
        #expect(statistics.groups.count == 1 && statistics.groupColumns.isEmpty)
        #expect(group.failedCount == 1 && group.divergedCount == 1 && group.pendingCount == 2)
        #expect(group.elements[0].n == 2 && group.elements[0].mean == 2)
    }

    @Test func smallSamples() throws {
        let metric = MetricSpec(name: "curve", shape: [3], axes: ["time"])
        let parameters = (0..<2).map { JSONObject([("a", .number(1)), ("seed", .number(Double($0)))]) }
        // Element 0: two values; element 1: one value; element 2: none (a short row and a NaN).
        let rows: [[Double]] = [[1, 7, .nan], [3]]
        let elements = try groupStatistics(metric: metric, rows: rows, parameters: parameters,
                                           statuses: [.done, .done]).groups[0].elements
        #expect(elements[0].n == 2 && elements[0].mean == 2)
        #expect(elements[0].confidenceLow >= 1 && elements[0].confidenceHigh <= 3)
        #expect(elements[1].n == 1 && elements[1].mean == 7 && elements[1].median == 7)
        #expect(elements[1].standardDeviation.isNaN && elements[1].standardError.isNaN)
        #expect(elements[1].confidenceLow == 7 && elements[1].confidenceHigh == 7)
        #expect(elements[2].n == 0 && elements[2].mean.isNaN && elements[2].median.isNaN && elements[2].confidenceLow.isNaN)
    }

    @Test func groupingByChosenKeys() throws {
        let parameters = [
            JSONObject([("a", .number(1)), ("b", .string("x")), ("seed", .number(0))]),
            JSONObject([("a", .number(2)), ("b", .string("x")), ("seed", .number(0))]),
            JSONObject([("a", .number(1)), ("b", .string("y")), ("seed", .number(0))]),
            JSONObject([("a", .number(1.0)), ("b", .string("x")), ("seed", .number(1))]),
        ]
        let rows: [[Double]] = [[1], [2], [3], [4]]
        let statuses = [TrialStatus](repeating: .done, count: 4)
        let byDefault = try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters, statuses: statuses)
        #expect(byDefault.groupColumns == ["a", "b"])
        #expect(byDefault.groups.map(\.trials) == [[0, 3], [1], [2]])
        let byB = try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters, statuses: statuses, by: ["b"])
        #expect(byB.groupColumns == ["b"])
        #expect(byB.groups.map(\.trials) == [[0, 1, 3], [2]])
        #expect(byB.groups[0].elements[0].mean == 7.0 / 3)
        let bySeed = try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters, statuses: statuses, by: ["seed", "seed"])
        #expect(bySeed.groupColumns == ["seed"] && bySeed.groups.map(\.trials) == [[0, 1, 2], [3]])
        #expect(throws: ParameterError(field: "by", value: "bb", reason: "no trial has this parameter (did you mean \"b\"?)")) {
            try groupStatistics(metric: Self.scalar, rows: rows, parameters: parameters, statuses: statuses, by: ["bb"])
        }
        #expect(throws: ParameterError.self) {
            try groupStatistics(metric: Self.scalar, rows: [[1]], parameters: parameters, statuses: statuses)
        }
    }

    @Test func selectionAgreesWithSorting() {
        var generator = SplitMix64(seed: 99)
        for size in [1, 2, 3, 5, 10, 101, 1000] {
            for _ in 0..<20 {
                // Few distinct values, so that ties are common.
                let values = (0..<size).map { _ in Double(generator.next(below: 7)) }
                let sorted = values.sorted()
                for rank in Set([0, size / 3, size / 2, size - 1]) {
                    var scratch = values
                    let selected = scratch.withUnsafeMutableBufferPointer { select($0, rank: rank) }
                    #expect(selected == sorted[rank])
                }
                for probability in [0.025, 0.5, 0.975] {
                    var scratch = values
                    let position = probability * Double(size - 1)
                    let low = Int(position.rounded(.down))
                    let expected = sorted[low] + (position - Double(low)) * (sorted[min(low + 1, size - 1)] - sorted[low])
                    let computed = scratch.withUnsafeMutableBufferPointer { quantile($0, probability) }
                    #expect(abs(computed - expected) < 1e-12)
                }
            }
        }
    }

    @Test func splitMix64ReferenceOutput() {
        // First outputs of Vigna's splitmix64.c for seed 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
