/// One named result array of a trial: its shape (known before the trial runs, so that the results
/// file can be laid out up front) and the name of each axis. The Engine declares them; the Sweep
/// creates one /metrics/<name> dataset per spec, with the trial axis in front.
public struct MetricSpec: Hashable, Sendable {
    public var name: String
    /// Dimensions without the trial axis ([] for a scalar).
    public var shape: [Int]
    /// One name per dimension (stored in the results file so that readers can label them).
    public var axes: [String]

    public init(name: String, shape: [Int], axes: [String]) {
        precondition(shape.count == axes.count, "one axis name per dimension")
        self.name = name; self.shape = shape; self.axes = axes
    }

    public init(_ name: String, _ shape: [Int], axes: [String]) {
        self.init(name: name, shape: shape, axes: axes)
    }

    public var elementCount: Int { shape.reduce(1, *) }
}
