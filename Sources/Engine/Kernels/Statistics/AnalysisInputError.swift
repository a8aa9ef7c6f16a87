/// Invalid input to an analysis (a size beyond the workspace, an empty selection, ...), naming the
/// offending field and its value. Numerical degeneracy is not an error: it gives NaN results.
public struct AnalysisInputError: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var value: String
    public var reason: String

    public init(field: String, value: some CustomStringConvertible, reason: String) {
        self.field = field
        self.value = value.description
        self.reason = reason
    }

    public var description: String { "invalid \(field) = \(value): \(reason)" }
}

/// Throws unless `condition` holds; shared by the analyses' argument checks. The message parts are
/// autoclosures so that checks inside loops build no strings unless they fail.
@inline(__always)
func require<Value: CustomStringConvertible>(_ condition: Bool, _ field: @autoclosure () -> String, _ value: @autoclosure () -> Value,
                                             _ reason: @autoclosure () -> String) throws {
    if !condition { throw AnalysisInputError(field: field(), value: value(), reason: reason()) }
}

/// The index of the first of `count` values that is not finite (±∞ or NaN), or nil. The scan is
/// branch-free (the smallest of the exponent bits xor all-ones, which is 0 exactly for a non-finite
/// value), so the compiler vectorises it; the index is looked for only when there is one.
func firstNonFinite(_ values: UnsafePointer<Double>, count: Int) -> Int? {
    let exponent: UInt64 = 0x7FF0_0000_0000_0000
    var smallest = UInt64.max
    for index in 0..<count { smallest = min(smallest, (values[index].bitPattern & exponent) ^ exponent) }
    return smallest == 0 ? (0..<count).first { !values[$0].isFinite } : nil
}

/// `firstNonFinite` of Float values.
func firstNonFinite(_ values: UnsafePointer<Float>, count: Int) -> Int? {
    let exponent: UInt32 = 0x7F80_0000
    var smallest = UInt32.max
    for index in 0..<count { smallest = min(smallest, (values[index].bitPattern & exponent) ^ exponent) }
    return smallest == 0 ? (0..<count).first { !values[$0].isFinite } : nil
}
