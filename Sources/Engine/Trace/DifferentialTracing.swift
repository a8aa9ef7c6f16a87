/// A family that can run one experiment for the differential harness (scripts/reference/TRACE.md):
/// from given initial weights and minibatches (or its own, returned as a trace input), recording
/// per-step losses, the first gradients, weights after chosen updates and the analyses on named
/// weight sets, as named arrays. No file I/O: `sweep-mpi train --trace-in/--trace-out` maps names
/// to .npy files.
public protocol DifferentialTracing {
    /// `values`: the experiment's parameters (without `family`); `settings`: the config's "trace"
    /// object, which the family reads.
    func trace(_ values: JSONObject, settings: JSONValue?, inputs: [String: TraceArray]) throws -> TraceOutput
}

/// What a traced experiment wrote.
public struct TraceOutput {
    /// The trace: series/, grads/, params/, analysis/.
    public var trace: [String: TraceArray]
    /// The experiment's own inputs (initial weights, minibatches, evaluation set) as a trace input;
    /// empty when the inputs were given.
    public var dump: [String: TraceArray]

    public init(trace: [String: TraceArray], dump: [String: TraceArray]) {
        self.trace = trace; self.dump = dump
    }
}

/// Trace inputs or settings that do not fit the experiment (a usage error of the harness).
public struct TraceInputError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
