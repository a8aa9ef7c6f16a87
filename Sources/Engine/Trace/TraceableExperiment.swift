/// An experiment with a differential trace against its reference code: from given initial
/// weights and minibatches (or its own, which it then records), it runs a few training steps and
/// analyses given weight sets, and returns what passed through as named arrays — the names are
/// paths in a trace folder of .npy files (scripts/reference/TRACE.md). No file I/O here:
/// `sweep-mpi train CONFIG --trace-in DIR --trace-out DIR` reads and writes the folders.
public protocol TraceableExperiment: Experiment {
    /// `inputs`: the arrays of the input folder by name (may be empty); `settings`: the config's
    /// "trace" object. Returns the arrays of the output folder by name.
    func trace(inputs: [String: TraceArray], settings: JSONObject) throws -> [String: TraceArray]
}

/// A trace input or setting that cannot be used, named.
public struct TraceInputError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
