/// The replicate axis: an ordered list of distinct seeds, 0 <= seed < 2^31, held as ranges so
/// that a huge request ("0-2000000000") is refused by the trial-count guard before any list
/// is built.
public struct SeedSet: Hashable, Sendable {
    /// Inclusive ranges in the order given; pairwise disjoint.
    public private(set) var ranges: [ClosedRange<Int>]

    /// Seeds must fit a signed 32-bit integer (what the Engine and the results file store).
    public static let limit = 1 << 31

    public var count: Int { ranges.reduce(0) { $0 + $1.count } }
    /// The seeds in order (allocates `count` integers: check `count` first).
    public var values: [Int] { ranges.flatMap { Array($0) } }

    /// The seed at `index` of `values`, without listing them.
    public func value(at index: Int) -> Int {
        var rest = index
        for range in ranges {
            if rest < range.count { return range.lowerBound + rest }
            rest -= range.count
        }
        preconditionFailure("seed index \(index) is beyond the \(count) seeds")
    }

    /// The seeds of a sweep file without "seeds": just 0.
    public static let onlyZero = SeedSet(checkedRanges: [0...0])

    private init(checkedRanges: [ClosedRange<Int>]) { ranges = checkedRanges }

    /// Builds a set from ranges, rejecting out-of-range and repeated seeds.
    init(ranges: [ClosedRange<Int>], field: String, value: JSONValue) throws(SweepSpecError) {
        if ranges.isEmpty { throw SweepSpecError(field, value, "no seeds given (at least one is needed)") }
        for range in ranges where range.lowerBound < 0 || range.upperBound >= SeedSet.limit {
            let bad = range.lowerBound < 0 ? range.lowerBound : range.upperBound
            throw SweepSpecError(field, value, "seed \(bad) is out of range (seeds are 0 to \(SeedSet.limit - 1))")
        }
        // Repeats: sort by start and compare neighbours, without expanding the ranges.
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.lowerBound <= previous.upperBound {
            throw SweepSpecError(field, value, "seed \(next.lowerBound) is given more than once")
        }
        self.ranges = ranges
    }

    /// Parses the string grammar shared by the sweep file and the command line:
    /// comma-separated items, each a seed ("7") or an inclusive range ("0-29"); whitespace
    /// around numbers and separators is ignored. "0,3,7-9" is 0, 3, 7, 8, 9.
    public static func parse(_ text: String, field: String = "seeds") throws(SweepSpecError) -> SeedSet {
        let value = JSONValue.string(text)
        func fail(_ message: String) -> SweepSpecError { SweepSpecError(field, value, message) }
        var ranges: [ClosedRange<Int>] = []
        for (position, rawItem) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let item = rawItem.trimmingWhitespace()
            if item.isEmpty {
                throw fail(text.trimmingWhitespace().isEmpty
                    ? "no seeds given (expected e.g. \"0-29\" or \"0,3,7-9\")"
                    : "item \(position + 1) is empty (expected a seed or a range like 0-29)")
            }
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard bounds.count <= 2, bounds.allSatisfy({ !$0.isEmpty }) else {
                if item.hasPrefix("-") && bounds.count == 2 {
                    throw fail("\"\(item)\": seeds cannot be negative")
                }
                throw fail("\"\(item)\" is not a seed or a range (expected e.g. 7 or 0-29)")
            }
            var numbers: [Int] = []
            for bound in bounds {
                guard bound.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw fail("\"\(item)\" is not a seed or a range (\"\(bound)\" is not a whole number)")
                }
                guard let number = Int(bound), number < SeedSet.limit else {
                    throw fail("seed \(bound) is out of range (seeds are 0 to \(SeedSet.limit - 1))")
                }
                numbers.append(number)
            }
            let low = numbers[0], high = numbers.last!
            guard low <= high else {
                throw fail("range \"\(item)\" is descending (write \(high)-\(low))")
            }
            ranges.append(low...high)
        }
        return try SeedSet(ranges: ranges, field: field, value: value)
    }

    /// The sweep file's "seeds": an integer n (seeds 0..n-1), a string in the grammar of
    /// `parse`, or an array of integers.
    static func fromJSON(_ value: JSONValue, field: String = "seeds") throws(SweepSpecError) -> SeedSet {
        switch value {
        case .number(let number):
            guard let count = exactInteger(number) else {
                throw SweepSpecError(field, value, "a seed count must be a whole number")
            }
            guard count > 0 else {
                throw SweepSpecError(field, value, count == 0
                    ? "seed count 0 gives no trials (use at least 1)"
                    : "a seed count cannot be negative")
            }
            guard count <= SeedSet.limit else {
                throw SweepSpecError(field, value, "seed count is out of range (seeds are 0 to \(SeedSet.limit - 1))")
            }
            return try SeedSet(ranges: [0...(count - 1)], field: field, value: value)
        case .string(let text):
            return try parse(text, field: field)
        case .array(let elements):
            var ranges: [ClosedRange<Int>] = []
            ranges.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard case .number(let number) = element, let seed = exactInteger(number) else {
                    throw SweepSpecError("\(field)[\(index)]", element, "a seed must be a whole number")
                }
                guard seed >= 0 && seed < SeedSet.limit else {
                    throw SweepSpecError("\(field)[\(index)]", element, "seed out of range (seeds are 0 to \(SeedSet.limit - 1))")
                }
                ranges.append(seed...seed)
            }
            if let repeated = firstRepeat(in: elements) {
                throw SweepSpecError("\(field)[\(repeated.second)]", elements[repeated.second],
                                     "seed is given twice (also \(field)[\(repeated.first)])")
            }
            return try SeedSet(ranges: ranges, field: field, value: value)
        default:
            throw SweepSpecError(field, value, "expected a seed count (5), a string (\"0-29\" or \"0,3,7-9\") or an array of seeds, found \(value.kindName)")
        }
    }
}

/// The integer a Double holds exactly, if it holds one that fits an Int.
func exactInteger(_ number: Double) -> Int? {
    guard number.rounded() == number, number.magnitude < 0x1p62 else { return nil }
    return Int(number)
}

/// Positions of the first value that repeats an earlier one (JSON equality: 1 == 1.0).
func firstRepeat(in values: [JSONValue]) -> (first: Int, second: Int)? {
    var seen: [JSONValue: Int] = [:]
    for (index, value) in values.enumerated() {
        if let first = seen[value] { return (first, index) }
        seen[value] = index
    }
    return nil
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

extension JSONValue {
    /// "a number", "an array", ... for type errors.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
