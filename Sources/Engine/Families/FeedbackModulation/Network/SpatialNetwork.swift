/// SpatialNet: the mixture drives a middle population whose gains a few spatially diffuse
/// modulators set, read out by fixed weights:
///   z_t = M_{t−1} ⊙ (W0 x_t),   y_t = W_ro z_t,
///   M_t = M_{t−1} + (W_m u_t − M_{t−1}) / τ,
/// W0 [Nz, 2] and W_ro [2, Nz] fixed N(0, 0.5), W_m [Nz, Nm] the modulation kernel. The state is
/// M [B, Nz]; M_0 = 0.
final class SpatialNetwork: SensoryNetwork {
    let units: Int, modulators: Int
    let inputWeights: UnsafePointer<Float>     // W0 [Nz, 2]
    let readout: UnsafePointer<Float>          // W_ro [2, Nz]
    let kernel: UnsafePointer<Float>           // W_m [Nz, Nm]
    let leak: LeakyIntegration
    let drive: UnsafeMutablePointer<Float>     // W0 x [B, Nz] of the current step
    let dMiddle: UnsafeMutablePointer<Float>   // [B, Nz]
    let target: UnsafeMutablePointer<Float>    // W_m u [B, Nz]

    init(inputWeights: UnsafePointer<Float>, readout: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
         units: Int, modulators: Int, tau: Double, maxBatch: Int) {
        self.units = units; self.modulators = modulators
        self.inputWeights = inputWeights; self.readout = readout; self.kernel = kernel
        leak = LeakyIntegration(tau: Float(tau))
        drive = .allocate(capacity: maxBatch * units)
        dMiddle = .allocate(capacity: maxBatch * units)
        target = .allocate(capacity: maxBatch * units)
    }

    deinit {
        drive.deallocate(); dMiddle.deallocate(); target.deallocate()
    }

    var stateSize: Int { units }
    var middleSize: Int { units }
    var controlSize: Int { modulators }

    func initialState(_ state: UnsafeMutablePointer<Float>, batch: Int, gainSD: Double, stream: inout RandomStream) {
        state.update(repeating: 0, count: batch * units)
    }

    /// W0 x [B, Nz] in the reference's order (x_0 w_i0 + x_1 w_i1).
    @inline(__always)
    private func computeDrive(_ x: UnsafePointer<Float>, batch: Int) {
        for b in 0..<batch {
            let x0 = x[2 * b], x1 = x[2 * b + 1], v = drive + b * units
            for i in 0..<units { v[i] = inputWeights[2 * i] * x0 + inputWeights[2 * i + 1] * x1 }
        }
    }

    func output(state: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                middle: UnsafeMutablePointer<Float>?, batch: Int, tapeStep: Int?) {
        computeDrive(x, batch: batch)
        let z = middle ?? drive
        for i in 0..<(batch * units) { z[i] = state[i] * drive[i] }
        BLAS.gemm(transposeB: true, m: batch, n: 2, k: units, z, readout, y)       // y = z W_roᵀ
    }

    func update(previous: UnsafePointer<Float>, controls: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                batch: Int, frozen: Bool) {
        if frozen { next.update(from: previous, count: batch * units); return }
        BLAS.gemm(transposeB: true, m: batch, n: units, k: modulators, controls, kernel, target)   // W_m u
        for i in 0..<(batch * units) { next[i] = leak.step(previous: previous[i], target: target[i]) }
    }

    func outputBackward(step t: Int, state: UnsafePointer<Float>, x: UnsafePointer<Float>, dY: UnsafePointer<Float>,
                        dState: UnsafeMutablePointer<Float>, batch: Int) {
        computeDrive(x, batch: batch)
        BLAS.gemm(m: batch, n: units, k: 2, dY, readout, dMiddle)                  // dz = dy W_ro
        for i in 0..<(batch * units) { dState[i] += dMiddle[i] * drive[i] }        // dM += dz ⊙ W0 x
    }

    func updateBackward(previous: UnsafePointer<Float>, next: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                        dControls: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>, batch: Int) {
        for i in 0..<(batch * units) { dPrevious[i] = leak.previousGradient(dNext[i]) }
        // du = (dM / τ) W_m
        BLAS.gemm(m: batch, n: modulators, k: units, alpha: 1 / leak.tau, dNext, kernel, dControls)
    }

    /// W_ro diag(M) W0.
    func effectiveReadout(state: UnsafePointer<Float>) -> SIMD4<Float>? {
        var w = SIMD4<Double>(repeating: 0)
        for i in 0..<units {
            let m = Double(state[i])
            let r0 = Double(readout[i]) * m, r1 = Double(readout[units + i]) * m
            w += SIMD4(r0 * Double(inputWeights[2 * i]), r0 * Double(inputWeights[2 * i + 1]),
                       r1 * Double(inputWeights[2 * i]), r1 * Double(inputWeights[2 * i + 1]))
        }
        return SIMD4<Float>(w)
    }
}
