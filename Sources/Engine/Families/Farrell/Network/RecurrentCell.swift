/// How the states of a batch evolve over time: the part of a Farrell network that differs between
/// its architectures (vanilla RNN, feed-forward stack). The trainer, the readout, the losses, the
/// optimizers and the analyses only see this interface, so a new cell is added beside the others
/// without touching them.
///
/// Buffers are row-major. With B = batch, D = input size, N = state size, T = steps,
/// S = input steps:
///   inputs  [S, B, D]   the input at steps 0..<S (zero afterwards)
///   states  [T+1, B, N] states[0] is the initial state, states[t+1] the state after step t
///   dStates [T+1, B, N] dL/dstates (from the readout); consumed by backward
/// What a forward pass is for.
public enum ForwardMode: Sendable {
    /// A training minibatch: record what backward needs, apply noise and dropout.
    case training
    /// The validation pass of an epoch: no noise; dropout only with the reference's
    /// `dropout_in_eval` (B.8).
    case validation
    /// The analyses: the deterministic network, never perturbed (as the reference's helpers).
    case analysis
}

public protocol RecurrentCell: AnyObject {
    /// N: the size of the state the readout and the analyses see.
    var stateSize: Int { get }
    /// D.
    var inputSize: Int { get }

    /// Writes initial parameter values. Streams are keyed by purpose, so cells draw
    /// independently of each other and of the readout.
    func initialize(seed: Int) throws

    /// Runs T steps. In training mode the cell records what `backward` needs (B must be <=
    /// the training batch it was built for) and applies its training-time perturbations.
    func forward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                 states: UnsafeMutablePointer<Float>, mode: ForwardMode, noise: inout RandomStream)

    /// Back-propagates through the T steps of the last training forward pass and accumulates
    /// parameter gradients into the parameter store's gradient buffer.
    func backward(inputs: UnsafePointer<Float>, inputSteps: Int, steps: Int, batch: Int,
                  states: UnsafePointer<Float>, dStates: UnsafeMutablePointer<Float>)

    /// The autonomous (zero-input) dynamics with the current weights, for the Lyapunov
    /// analysis; nil for a cell without recurrent dynamics.
    func autonomousDynamics() -> (any TangentDynamics)?
}
