/// What the backward pass of a "φ after an affine map" step needs from its forward pass, for up
/// to T steps of a batch, allocated once: room for dL/da_t and, when the forward pass perturbed
/// the states (dropout), the gate φ'(a_t) times the dropout mask it recorded. Without perturbation
/// the gate follows from the outputs h_{t+1} = φ(a_t) the caller keeps anyway, and the forward pass
/// records nothing. Shared by the cells.
///   gates, dPreactivations [T, B, N]
public final class ActivationTape {
    public let gates: UnsafeMutablePointer<Float>
    public let dPreactivations: UnsafeMutablePointer<Float>

    public init(steps: Int, batch: Int, units: Int) {
        let size = max(1, steps * batch * units)
        gates = .allocate(capacity: size)
        dPreactivations = .allocate(capacity: size)
    }

    deinit {
        gates.deallocate()
        dPreactivations.deallocate()
    }

    /// dL/da_t = dL/dh_{t+1} ⊙ gate_t over the `count` = B·N entries of step t.
    @inline(__always)
    public func preactivationGradient(step t: Int, count: Int, dNext: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let dA = dPreactivations + t * count, gate = gates + t * count
        for i in 0..<count { dA[i] = dNext[i] * gate[i] }
        return dA
    }

    /// dL/da_t = dL/dh_{t+1} ⊙ φ'(a_t), with φ' taken from the outputs h_{t+1} [B·N] of an
    /// unperturbed forward pass.
    @inline(__always)
    public func preactivationGradient(step t: Int, count: Int, dNext: UnsafePointer<Float>, outputs h: UnsafePointer<Float>,
                                      nonlinearity: Nonlinearity) -> UnsafeMutablePointer<Float> {
        let dA = dPreactivations + t * count
        nonlinearity.backward(outputs: h, dOutputs: dNext, into: dA, count: count)
        return dA
    }

    /// db [N] += column sums of dA [rows, N].
    @inline(__always)
    public static func accumulateBiasGradient(_ dA: UnsafePointer<Float>, rows: Int, units n: Int, into db: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let r = dA + row * n
            for i in 0..<n { db[i] += r[i] }
        }
    }
}
