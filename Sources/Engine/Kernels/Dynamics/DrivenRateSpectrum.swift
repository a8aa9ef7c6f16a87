import Foundation

/// The finite-time Lyapunov spectrum of a driven rate network along one trajectory, by QR
/// (Benettin) at every step, and its gradient with respect to the network's parameters by
/// back-propagation through the trajectory and every QR factorisation: what gradient flossing
/// (Engelken 2023) minimises. Float32, as the reference trains; log |R_ii| summed in Double.
///
/// Forward, for t = 1...T, from x_0 and an orthonormal Q_0 (N × k):
///   x_t = J φ(x_{t−1}) + b + U s_t
///   Z_t = diag(φ'(x_t)) J Q_{t−1},   Q_t R_t = qr(Z_t)
///   λ_i = Σ_{t > transient} log |R_t,ii| / (T − transient)      (natural log, per step)
/// diag(φ'(x_t)) J is the Jacobian of the step φ(x_{t−1}) → φ(x_t), as the reference takes it.
///
/// Backward, given dλ: R̄_t = diag(dλ_i / ((T − transient) R_t,ii)) for t > transient; the QR
/// adjoint (`ThinQR`) gives Z̄_t; through Z_t = diag(φ'(x_t)) P_t with P_t = J Q_{t−1}:
/// P̄ = diag(φ') Z̄, dφ'(x_t) = rowsums(Z̄ ⊙ P) (→ x̄_t through φ''), J̄ += P̄ Q_{t−1}ᵀ,
/// Q̄_{t−1} = Jᵀ P̄; through the states: J̄ += x̄_t φ(x_{t−1})ᵀ, b̄ += x̄_t, Ū += x̄_t s_tᵀ,
/// x̄_{t−1} += φ'(x_{t−1}) ⊙ Jᵀ x̄_t. x_0 and Q_0 are constants.
///
///   J [N, N], b [N], U [N, D] row-major; inputs s [T, D] (row t−1 drives step t); x_0 [N];
///   Q_0 column-major N × k (= row-major [k, N]); exponents [k]
public final class DrivenRateSpectrum {
    public let units: Int            // N
    public let inputSize: Int        // D
    public let exponentCount: Int    // k
    /// Longest trajectory a recorded (differentiable) forward pass may have.
    public let maxRecordedSteps: Int
    public let nonlinearity: Nonlinearity
    private let qr: ThinQR
    // The tape: rows t = 0...T when recording, two alternating rows otherwise.
    private let states: UnsafeMutablePointer<Float>        // x_t [T+1, N]
    private let activations: UnsafeMutablePointer<Float>   // φ(x_t) [T+1, N]
    private let gates: UnsafeMutablePointer<Float>         // φ'(x_t) [T+1, N]
    private let bases: UnsafeMutablePointer<Float>         // Q_t [T+1, k, N]
    private let products: UnsafeMutablePointer<Float>      // P_t = J Q_{t−1} [T, k, N] (row t−1)
    private let triangles: UnsafeMutablePointer<Float>     // R_t [T, k, k] (row t−1)
    // Backward scratch.
    private var cotangent: UnsafeMutablePointer<Float>     // Q̄_t, then Z̄_t, then P̄_t [k, N]
    private var nextCotangent: UnsafeMutablePointer<Float> // Q̄_{t−1} [k, N]
    private let rCotangent: UnsafeMutablePointer<Float>    // diag R̄_t [k]
    private let dStates: UnsafeMutablePointer<Float>       // x̄_t [T+1, N]
    private let dGates: UnsafeMutablePointer<Float>        // dφ'(x_t) [N]
    private let propagated: UnsafeMutablePointer<Float>    // Jᵀ x̄_t [N]
    private let logSums: UnsafeMutablePointer<Double>      // [k]
    private var recorded: (steps: Int, transient: Int)?

    public init(units n: Int, inputSize d: Int, exponents k: Int, maxRecordedSteps: Int, nonlinearity: Nonlinearity = .tanh) {
        precondition(n >= 1 && d >= 1 && k >= 1 && k <= n && maxRecordedSteps >= 1,
                     "DrivenRateSpectrum needs 1 <= k <= N, D >= 1 and maxRecordedSteps >= 1")
        units = n; inputSize = d; exponentCount = k
        self.maxRecordedSteps = maxRecordedSteps
        self.nonlinearity = nonlinearity
        qr = ThinQR(rows: n, columns: k)
        let rows = maxRecordedSteps + 1
        states = .allocate(capacity: rows * n)
        activations = .allocate(capacity: rows * n)
        gates = .allocate(capacity: rows * n)
        bases = .allocate(capacity: rows * k * n)
        products = .allocate(capacity: maxRecordedSteps * k * n)
        triangles = .allocate(capacity: maxRecordedSteps * k * k)
        cotangent = .allocate(capacity: k * n)
        nextCotangent = .allocate(capacity: k * n)
        rCotangent = .allocate(capacity: k)
        dStates = .allocate(capacity: rows * n)
        dGates = .allocate(capacity: n)
        propagated = .allocate(capacity: n)
        logSums = .allocate(capacity: k)
    }

    deinit {
        for buffer in [states, activations, gates, bases, products, triangles, cotangent, nextCotangent, rCotangent, dStates, dGates, propagated] {
            buffer.deallocate()
        }
        logSums.deallocate()
    }

    /// The exponents [k] (Double) over `steps` steps, discarding the first `transient` (0 <=
    /// transient < steps). With `recording` (steps <= maxRecordedSteps) it keeps what `backward`
    /// needs. Returns false, with NaN exponents, when a log |R_ii| is not finite.
    @discardableResult
    public func forward(recurrent J: UnsafePointer<Float>, bias b: UnsafePointer<Float>, input U: UnsafePointer<Float>,
                        inputs s: UnsafePointer<Float>, initialState x0: UnsafePointer<Float>,
                        initialBasis q0: UnsafePointer<Float>, steps: Int, transient: Int, recording: Bool,
                        exponents: UnsafeMutablePointer<Double>) throws -> Bool {
        let n = units, d = inputSize, k = exponentCount, kn = k * n
        precondition(steps > transient && transient >= 0, "DrivenRateSpectrum needs 0 <= transient < steps")
        precondition(!recording || steps <= maxRecordedSteps, "DrivenRateSpectrum: \(steps) steps exceed the tape")
        recorded = nil
        func row(_ t: Int) -> Int { recording ? t : t % 2 }
        func step(_ t: Int) -> Int { recording ? t - 1 : 0 }
        states.update(from: x0, count: n)
        activations.update(from: x0, count: n)
        nonlinearity.apply(activations, count: n)
        bases.update(from: q0, count: kn)
        logSums.update(repeating: 0, count: k)
        for t in 1...steps {
            let previous = row(t - 1), current = row(t)
            let x = states + current * n, h = activations + current * n, gate = gates + current * n
            // x_t = b + U s_t + J φ(x_{t−1}) (row vectors: s Uᵀ and φ Jᵀ).
            x.update(from: b, count: n)
            BLAS.gemm(transposeB: true, m: 1, n: n, k: d, s + (t - 1) * d, U, beta: 1, x)
            BLAS.gemm(transposeB: true, m: 1, n: n, k: n, activations + previous * n, J, beta: 1, x)
            h.update(from: x, count: n)
            nonlinearity.apply(h, count: n)
            nonlinearity.derivative(fromOutputs: h, into: gate, count: n)
            // P_t = J Q_{t−1}, stored transposed: Pᵀ = Q_{t−1}ᵀ Jᵀ; Z = diag(φ') P into Q_t's slot.
            let p = products + step(t) * kn, z = bases + current * kn, r = triangles + step(t) * k * k
            BLAS.gemm(transposeB: true, m: k, n: n, k: n, bases + previous * kn, J, beta: 0, p)
            for i in 0..<k {
                let pi = p + i * n, zi = z + i * n
                for a in 0..<n { zi[a] = pi[a] * gate[a] }
            }
            try qr.factor(z, r: r)
            if t > transient {
                for j in 0..<k { logSums[j] += Foundation.log(Double(abs(r[j * k + j]))) }
            }
        }
        var finite = true
        let window = Double(steps - transient)
        for j in 0..<k {
            exponents[j] = logSums[j] / window
            if !exponents[j].isFinite { finite = false }
        }
        if !finite {
            exponents.update(repeating: .nan, count: k)
        } else if recording {
            recorded = (steps, transient)
        }
        return finite
    }

    /// Accumulates the gradient of a loss with dL/dλ = `dExponents` [k] into dJ [N, N], db [N]
    /// and dU [N, D], through the last recorded forward pass (which must have been finite).
    public func backward(recurrent J: UnsafePointer<Float>, inputs s: UnsafePointer<Float>,
                         dExponents: UnsafePointer<Float>,
                         dRecurrent dJ: UnsafeMutablePointer<Float>, dBias db: UnsafeMutablePointer<Float>,
                         dInput dU: UnsafeMutablePointer<Float>) {
        guard let (steps, transient) = recorded else {
            preconditionFailure("DrivenRateSpectrum.backward needs a finite recorded forward pass")
        }
        let n = units, d = inputSize, k = exponentCount, kn = k * n
        let window = Float(steps - transient)
        dStates.update(repeating: 0, count: (steps + 1) * n)
        var hasQCotangent = false                      // Q_T feeds nothing
        for t in stride(from: steps, through: 1, by: -1) {
            let q = bases + t * kn, r = triangles + (t - 1) * k * k, p = products + (t - 1) * kn
            let gate = gates + t * n, h = activations + t * n
            let dR: ThinQR.RCotangent
            if t > transient {
                for j in 0..<k { rCotangent[j] = dExponents[j] / (window * r[j * k + j]) }
                dR = .diagonal(rCotangent)
            } else {
                dR = .zero
            }
            qr.backward(q: q, r: r, dQ: hasQCotangent ? cotangent : nil, dR: dR, dA: cotangent)
            // Z = diag(φ') P: P̄ = diag(φ') Z̄ (in place), dφ' = Σ_i Z̄ ⊙ P.
            dGates.update(repeating: 0, count: n)
            for i in 0..<k {
                let zi = cotangent + i * n, pi = p + i * n
                for a in 0..<n {
                    dGates[a] += zi[a] * pi[a]
                    zi[a] *= gate[a]
                }
            }
            let dx = dStates + t * n
            for a in 0..<n { dx[a] += dGates[a] * Float(nonlinearity.secondDerivative(fromOutput: Double(h[a]))) }
            // P = J Q_{t−1}: J̄ += P̄ Q_{t−1}ᵀ and Q̄_{t−1} = Jᵀ P̄ (transposed storage).
            let previousBasis = bases + (t - 1) * kn
            BLAS.gemm(transposeA: true, m: n, n: n, k: k, cotangent, previousBasis, beta: 1, dJ)
            if t > 1 {
                BLAS.gemm(m: k, n: n, k: n, cotangent, J, beta: 0, nextCotangent)
                (cotangent, nextCotangent) = (nextCotangent, cotangent)
                hasQCotangent = true
                // x_t = J φ(x_{t−1}) + ...: x̄_{t−1} += φ'(x_{t−1}) ⊙ Jᵀ x̄_t.
                BLAS.gemm(m: 1, n: n, k: n, dx, J, beta: 0, propagated)
                let previousGate = gates + (t - 1) * n, dPrevious = dStates + (t - 1) * n
                for a in 0..<n { dPrevious[a] += propagated[a] * previousGate[a] }
            }
        }
        // Through the states, one product each: J̄ += Σ_t x̄_t φ(x_{t−1})ᵀ, Ū += Σ_t x̄_t s_tᵀ, b̄ += Σ_t x̄_t.
        BLAS.gemm(transposeA: true, m: n, n: n, k: steps, dStates + n, activations, beta: 1, dJ)
        BLAS.gemm(transposeA: true, m: n, n: d, k: steps, dStates + n, s, beta: 1, dU)
        ActivationTape.accumulateBiasGradient(dStates + n, rows: steps, units: n, into: db)
    }
}
