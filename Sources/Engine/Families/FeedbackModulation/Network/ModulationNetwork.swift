/// ModulationNet: the output is the mixture read out by a modulated 2x2 matrix,
///   y_t = W_{t−1} x_t,
///   W_t = W_{t−1} + (W0 ⊙ U_t − W_{t−1}) / τ     (multiplicative; additive: W0 + U_t),
/// with U_t the controller's four outputs as a row-major 2x2 matrix and W0 fixed
/// (N(1, w0_sd), additive N(0, w0_sd)). The state is W, row-major [B, 4]; W_0 = 0.
final class ModulationNetwork: SensoryNetwork {
    let baseline: UnsafePointer<Float>   // W0 [2, 2]
    let additive: Bool
    let leak: LeakyIntegration

    init(baseline: UnsafePointer<Float>, additive: Bool, tau: Double) {
        self.baseline = baseline
        self.additive = additive
        leak = LeakyIntegration(tau: Float(tau))
    }

    var stateSize: Int { 4 }
    var middleSize: Int { 0 }
    var controlSize: Int { 4 }

    func initialState(_ state: UnsafeMutablePointer<Float>, batch: Int, gainSD: Double, stream: inout RandomStream) {
        state.update(repeating: 0, count: batch * 4)
    }

    func output(state: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                middle: UnsafeMutablePointer<Float>?, batch: Int, tapeStep: Int?) {
        for b in 0..<batch {
            let w = state + 4 * b, xb = x + 2 * b
            y[2 * b] = w[0] * xb[0] + w[1] * xb[1]
            y[2 * b + 1] = w[2] * xb[0] + w[3] * xb[1]
        }
    }

    func update(previous: UnsafePointer<Float>, controls: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                batch: Int, frozen: Bool) {
        for i in 0..<(4 * batch) {
            if frozen { next[i] = previous[i]; continue }
            let target = additive ? baseline[i % 4] + controls[i] : baseline[i % 4] * controls[i]
            next[i] = leak.step(previous: previous[i], target: target)
        }
    }

    func outputBackward(step t: Int, state: UnsafePointer<Float>, x: UnsafePointer<Float>, dY: UnsafePointer<Float>,
                        dState: UnsafeMutablePointer<Float>, batch: Int) {
        for b in 0..<batch {                                  // dW += dy xᵀ
            let dw = dState + 4 * b, xb = x + 2 * b, dy = dY + 2 * b
            dw[0] += dy[0] * xb[0]; dw[1] += dy[0] * xb[1]
            dw[2] += dy[1] * xb[0]; dw[3] += dy[1] * xb[1]
        }
    }

    func updateBackward(previous: UnsafePointer<Float>, next: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                        dControls: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>, batch: Int) {
        for i in 0..<(4 * batch) {
            let dTarget = leak.targetGradient(dNext[i])
            dControls[i] = additive ? dTarget : dTarget * baseline[i % 4]
            dPrevious[i] = leak.previousGradient(dNext[i])
        }
    }

    func effectiveReadout(state: UnsafePointer<Float>) -> SIMD4<Float>? {
        SIMD4(state[0], state[1], state[2], state[3])
    }
}
