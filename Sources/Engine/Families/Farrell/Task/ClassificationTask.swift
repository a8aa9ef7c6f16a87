/// Where a task writes `count` samples:
///   inputs [S, count, D] (the input at each of the S input steps), labels [count], groups [count]
/// A group is what the cluster-holdout analysis holds out (a sample's cluster for the Gaussian-
/// cluster task; a task without such structure uses the label).
public struct SampleBuffer {
    public var inputs: UnsafeMutablePointer<Float>
    public var labels: UnsafeMutablePointer<Int32>
    public var groups: UnsafeMutablePointer<Int32>
    public init(inputs: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>, groups: UnsafeMutablePointer<Int32>) {
        self.inputs = inputs; self.labels = labels; self.groups = groups
    }
}

/// A supervised classification task: all the network, the trainer and the analyses know of the
/// data. A new task conforms beside `GaussianClusterTask` and is handed to
/// `FarrellExperiment(config, task:)`: the network sizes its input and readout from it, and
/// nothing else changes.
public protocol ClassificationTask: AnyObject {
    /// D.
    var inputSize: Int { get }
    /// S: the steps at which an input is presented (zero input afterwards).
    var inputSteps: Int { get }
    /// C: the readout has one output per class (one in all for mse_scalar).
    var classes: Int { get }

    /// Fresh samples for training and validation minibatches.
    func drawTraining(count: Int, into buffer: SampleBuffer, stream: inout RandomStream)

    /// The samples of the analyses (for the cluster task, balanced over clusters).
    func drawEvaluation(count: Int, into buffer: SampleBuffer, stream: inout RandomStream)
}
