/// The classical fourth-order Runge-Kutta method for an autonomous ODE ż = f(z) whose vector
/// field is a perceptron, over a batch, with the backward pass through every stage of every
/// step: the gradients are exact for the computed trajectory ("discretise, then differentiate").
///   z_{i+1} = z_i + h/6 (k1 + 2 k2 + 2 k3 + k4),  k1 = f(z_i), k2 = f(z_i + h/2 k1),
///   k3 = f(z_i + h/2 k2), k4 = f(z_i + h k3)
///   states [S+1, B, D] (states[0] = z_0 given); tape: stage inputs and dL/dk [S, 4, B, D],
///   hidden units and dL/d(hidden pre-activations) [S, 4, B, K]
public final class PerceptronRungeKutta {
    public let field: Perceptron
    let maxSteps: Int, maxBatch: Int
    let stageInputs: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>
    let dSlopes: UnsafeMutablePointer<Float>, dHiddenPre: UnsafeMutablePointer<Float>
    /// One step's slopes [4, B, D]; the running state gradients and a stage's input gradient [B, D].
    let slopes: UnsafeMutablePointer<Float>, dState: UnsafeMutablePointer<Float>, dStage: UnsafeMutablePointer<Float>

    public init(field: Perceptron, maxSteps: Int, maxBatch: Int) {
        precondition(field.inputSize == field.outputSize, "a vector field maps the state space to itself")
        self.field = field
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        let d = field.inputSize, k = field.hiddenSize
        stageInputs = .allocate(capacity: max(1, maxSteps * 4 * maxBatch * d))
        dSlopes = .allocate(capacity: max(1, maxSteps * 4 * maxBatch * d))
        hidden = .allocate(capacity: max(1, maxSteps * 4 * maxBatch * k))
        dHiddenPre = .allocate(capacity: max(1, maxSteps * 4 * maxBatch * k))
        slopes = .allocate(capacity: max(1, 4 * maxBatch * d))
        dState = .allocate(capacity: max(1, maxBatch * d))
        dStage = .allocate(capacity: max(1, maxBatch * d))
    }

    deinit {
        stageInputs.deallocate(); dSlopes.deallocate(); hidden.deallocate(); dHiddenPre.deallocate()
        slopes.deallocate(); dState.deallocate(); dStage.deallocate()
    }

    /// The step's stage weights: z_{i+1} = z_i + Σ_s weight_s k_s, and stage s+1 starts at
    /// z_i + offset_s k_s.
    static let weights: [Float] = [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6]
    static let offsets: [Float] = [0.5, 0.5, 1]

    /// Integrates `steps` steps of size `stepSize` from states[0]; writes states[1 ... S].
    public func forward(steps: Int, batch: Int, stepSize h: Float, states: UnsafeMutablePointer<Float>) {
        precondition(steps <= maxSteps && batch <= maxBatch, "Runge-Kutta pass exceeds its workspace")
        let d = field.inputSize, k = field.hiddenSize, bd = batch * d
        for i in 0..<steps {
            let z = states + i * bd, next = states + (i + 1) * bd
            for s in 0..<4 {
                let u = stageInputs + (i * 4 + s) * bd
                if s == 0 {
                    u.update(from: z, count: bd)
                } else {
                    let previousSlope = slopes + (s - 1) * bd, offset = h * Self.offsets[s - 1]
                    for j in 0..<bd { u[j] = z[j] + offset * previousSlope[j] }
                }
                field.forward(u, batch: batch, hidden: hidden + (i * 4 + s) * batch * k, output: slopes + s * bd)
            }
            let w0 = h * Self.weights[0], w1 = h * Self.weights[1]
            let k1 = slopes, k2 = slopes + bd, k3 = slopes + 2 * bd, k4 = slopes + 3 * bd
            for j in 0..<bd { next[j] = z[j] + w0 * (k1[j] + k4[j]) + w1 * (k2[j] + k3[j]) }
        }
    }

    /// Back-propagates through the last forward pass: `dStates` [S+1, B, D] holds dL/dz_i from
    /// outside for every state (state 0's included); writes dL/dz_0 (all paths) into `dInitial`
    /// [B, D] and accumulates the perceptron's weight gradients.
    public func backward(steps: Int, batch: Int, stepSize h: Float, dStates: UnsafePointer<Float>,
                         dInitial: UnsafeMutablePointer<Float>) {
        let d = field.inputSize, k = field.hiddenSize, bd = batch * d
        dState.update(from: dStates + steps * bd, count: bd)
        for i in stride(from: steps - 1, through: 0, by: -1) {
            // dL/dk_s = h weight_s dL/dz_{i+1}; the identity path keeps dL/dz_{i+1} in dState.
            let dk = dSlopes + i * 4 * bd
            for s in 0..<4 {
                let scale = h * Self.weights[s], target = dk + s * bd
                for j in 0..<bd { target[j] = scale * dState[j] }
            }
            for s in stride(from: 3, through: 0, by: -1) {
                dStage.update(repeating: 0, count: bd)
                field.pullback(dOutput: dk + s * bd, hidden: hidden + (i * 4 + s) * batch * k, batch: batch,
                               dHiddenPre: dHiddenPre + (i * 4 + s) * batch * k, dInput: dStage)
                for j in 0..<bd { dState[j] += dStage[j] }
                if s > 0 {
                    // Stage s started at z_i + h offset k_{s-1}.
                    let offset = h * Self.offsets[s - 1], dPrevious = dk + (s - 1) * bd
                    for j in 0..<bd { dPrevious[j] += offset * dStage[j] }
                }
            }
            let outside = dStates + i * bd
            for j in 0..<bd { dState[j] += outside[j] }
        }
        dInitial.update(from: dState, count: bd)
        field.accumulateGradients(inputs: stageInputs, hidden: hidden, dHiddenPre: dHiddenPre, dOutput: dSlopes,
                                  rows: steps * 4 * batch)
    }
}
