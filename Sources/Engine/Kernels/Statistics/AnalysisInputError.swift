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
