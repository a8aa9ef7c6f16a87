/// Differential traces: an experiment that can record what its first training steps compute,
/// so that a reference implementation can be started from the same weights on the same
/// minibatches and compared array by array (scripts/<family>/ hold the reference side).

/// One named array of a trace; the name is a path ("step_0/grads/readout.weight").
public struct TracedArray: Sendable {
    public enum Values: Sendable {
        case float32([Float]), float64([Double]), int32([Int32])
    }
    public var name: String
    public var shape: [Int]
    public var values: Values

    public init(_ name: String, _ shape: [Int], _ values: Values) {
        self.name = name; self.shape = shape; self.values = values
    }

    public var count: Int {
        switch values {
        case .float32(let v): v.count
        case .float64(let v): v.count
        case .int32(let v): v.count
        }
    }
}

/// An experiment that records its data, initial weights and first `steps` training steps.
public protocol TraceableExperiment: Experiment {
    func trace(steps: Int) throws -> [TracedArray]
}
