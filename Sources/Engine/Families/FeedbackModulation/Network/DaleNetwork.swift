import Foundation

/// DaleRateNet: rectified rate units with positive feed-forward weights and feed-forward
/// inhibition; the modulators set the gain p of the higher population through the kernel:
///   z_L = relu(W_x x_t),  E = |W0| z_L,  I = W_inh z_L,
///   z_H = p_{t−1} ⊙ relu(E − I)  (mod_target both; relu(p ⊙ E − I), relu(E − p ⊙ I) for the others),
///   y_t = W_ro z_H,
///   m_t = m_{t−1} + (u_t − m_{t−1}) / τ,   p_t = 1 − σ(W_m m_t).
/// W_x [NzL, 2] N(0, 0.5), W0 [Nz, NzL] and W_inh [Nz, NzL] positive, W_ro [2, Nz] N(0, 0.5), all
/// fixed. The state of an element is [m (Nm) | p (Nz)]; m_0 = 0 and p_0 ~ N(1/2, gain sd).
/// Taped per training step: E and I [T, B, Nz].
final class DaleNetwork: SensoryNetwork {
    let units: Int, lowerUnits: Int, modulators: Int
    let target: ModulationTarget
    let lowerWeights: UnsafePointer<Float>        // W_x [NzL, 2]
    let excitation: UnsafePointer<Float>          // |W0| [Nz, NzL]
    let inhibition: UnsafePointer<Float>          // W_inh [Nz, NzL]
    let readout: UnsafePointer<Float>             // W_ro [2, Nz]
    let kernel: UnsafePointer<Float>              // W_m [Nz, Nm]
    let leak: LeakyIntegration
    let lower: UnsafeMutablePointer<Float>        // z_L [B, NzL]
    let excitationTape: UnsafeMutablePointer<Float>, inhibitionTape: UnsafeMutablePointer<Float>   // [T, B, Nz]
    let scratchE: UnsafeMutablePointer<Float>, scratchI: UnsafeMutablePointer<Float>               // [B, Nz] untaped
    let dHigher: UnsafeMutablePointer<Float>      // [B, Nz]
    let dModulators: UnsafeMutablePointer<Float>  // [B, Nm]

    init(lowerWeights: UnsafePointer<Float>, excitation: UnsafePointer<Float>, inhibition: UnsafePointer<Float>,
         readout: UnsafePointer<Float>, kernel: UnsafePointer<Float>, units: Int, lowerUnits: Int, modulators: Int,
         target: ModulationTarget, tau: Double, maxSteps: Int, maxBatch: Int) {
        self.units = units; self.lowerUnits = lowerUnits; self.modulators = modulators; self.target = target
        self.lowerWeights = lowerWeights; self.excitation = excitation; self.inhibition = inhibition
        self.readout = readout; self.kernel = kernel
        leak = LeakyIntegration(tau: Float(tau))
        lower = .allocate(capacity: maxBatch * lowerUnits)
        excitationTape = .allocate(capacity: max(1, maxSteps) * maxBatch * units)
        inhibitionTape = .allocate(capacity: max(1, maxSteps) * maxBatch * units)
        scratchE = .allocate(capacity: maxBatch * units)
        scratchI = .allocate(capacity: maxBatch * units)
        dHigher = .allocate(capacity: maxBatch * units)
        dModulators = .allocate(capacity: maxBatch * modulators)
    }

    deinit {
        for buffer in [lower, excitationTape, inhibitionTape, scratchE, scratchI, dHigher, dModulators] { buffer.deallocate() }
    }

    var stateSize: Int { modulators + units }
    var middleSize: Int { units }
    var controlSize: Int { modulators }

    func initialState(_ state: UnsafeMutablePointer<Float>, batch: Int, gainSD: Double, stream: inout RandomStream) {
        let s = stateSize
        for b in 0..<batch {
            (state + b * s).update(repeating: 0, count: modulators)
            stream.fillNormal(state + b * s + modulators, count: units, scale: gainSD, mean: 0.5)
        }
    }

    @inline(__always)
    private func rectify(_ v: Float) -> Float { max(v, 0) }

    func output(state: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                middle: UnsafeMutablePointer<Float>?, batch: Int, tapeStep: Int?) {
        let nz = units, s = stateSize
        for b in 0..<batch {                                                    // z_L = relu(W_x x)
            let x0 = x[2 * b], x1 = x[2 * b + 1], zl = lower + b * lowerUnits
            for i in 0..<lowerUnits { zl[i] = rectify(lowerWeights[2 * i] * x0 + lowerWeights[2 * i + 1] * x1) }
        }
        let e = tapeStep.map { excitationTape + $0 * batch * nz } ?? scratchE
        let inh = tapeStep.map { inhibitionTape + $0 * batch * nz } ?? scratchI
        BLAS.gemm(transposeB: true, m: batch, n: nz, k: lowerUnits, lower, excitation, e)
        BLAS.gemm(transposeB: true, m: batch, n: nz, k: lowerUnits, lower, inhibition, inh)
        let z = middle ?? dHigher
        for b in 0..<batch {
            let p = state + b * s + modulators, eb = e + b * nz, ib = inh + b * nz, zb = z + b * nz
            switch target {
            case .both: for i in 0..<nz { zb[i] = p[i] * rectify(eb[i] - ib[i]) }
            case .excitation: for i in 0..<nz { zb[i] = rectify(p[i] * eb[i] - ib[i]) }
            case .inhibition: for i in 0..<nz { zb[i] = rectify(eb[i] - p[i] * ib[i]) }
            }
        }
        BLAS.gemm(transposeB: true, m: batch, n: 2, k: nz, z, readout, y)        // y = z_H W_roᵀ
    }

    func update(previous: UnsafePointer<Float>, controls: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                batch: Int, frozen: Bool) {
        let s = stateSize, nm = modulators
        for b in 0..<batch {
            for k in 0..<nm { next[b * s + k] = leak.step(previous: previous[b * s + k], target: controls[b * nm + k]) }
        }
        if frozen {                                    // the gains stay; the modulators keep integrating
            for b in 0..<batch { (next + b * s + nm).update(from: previous + b * s + nm, count: units) }
            return
        }
        // a = m W_mᵀ into the p slots, then p = 1 − σ(a).
        BLAS.gemm(transposeB: true, m: batch, n: units, k: nm, next, lda: s, kernel, next + nm, ldc: s)
        for b in 0..<batch {
            let p = next + b * s + nm
            for i in 0..<units { p[i] = 1 - 1 / (1 + exp(-p[i])) }
        }
    }

    func outputBackward(step t: Int, state: UnsafePointer<Float>, x: UnsafePointer<Float>, dY: UnsafePointer<Float>,
                        dState: UnsafeMutablePointer<Float>, batch: Int) {
        let nz = units, s = stateSize
        let e = excitationTape + t * batch * nz, inh = inhibitionTape + t * batch * nz
        BLAS.gemm(m: batch, n: nz, k: 2, dY, readout, dHigher)                   // dz_H = dy W_ro
        for b in 0..<batch {
            let p = state + b * s + modulators, dp = dState + b * s + modulators
            let dz = dHigher + b * nz, eb = e + b * nz, ib = inh + b * nz
            switch target {
            case .both:
                for i in 0..<nz { dp[i] += dz[i] * rectify(eb[i] - ib[i]) }
            case .excitation:
                for i in 0..<nz where p[i] * eb[i] - ib[i] > 0 { dp[i] += dz[i] * eb[i] }
            case .inhibition:
                for i in 0..<nz where eb[i] - p[i] * ib[i] > 0 { dp[i] -= dz[i] * ib[i] }
            }
        }
    }

    func updateBackward(previous: UnsafePointer<Float>, next: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                        dControls: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>, batch: Int) {
        let s = stateSize, nm = modulators, nz = units
        // da = dp ⊙ dp/da with p = 1 − σ(a): dp/da = −p (1 − p); kept in dHigher.
        for b in 0..<batch {
            let p = next + b * s + nm, dp = dNext + b * s + nm, da = dHigher + b * nz
            for i in 0..<nz { da[i] = -dp[i] * p[i] * (1 - p[i]) }
            (dModulators + b * nm).update(from: dNext + b * s, count: nm)
        }
        BLAS.gemm(m: batch, n: nm, k: nz, dHigher, kernel, beta: 1, dModulators)   // dm += da W_m
        for b in 0..<batch {
            for k in 0..<nm {
                let dm = dModulators[b * nm + k]
                dControls[b * nm + k] = leak.targetGradient(dm)
                dPrevious[b * s + k] = leak.previousGradient(dm)
            }
            (dPrevious + b * s + nm).update(repeating: 0, count: nz)
        }
    }

    func effectiveReadout(state: UnsafePointer<Float>) -> SIMD4<Float>? { nil }
}
