import CBLAS

/// A discrete-time dynamical system h ← f(h) together with its tangent map, as the Lyapunov analysis
/// needs it. Any recurrent cell can conform; buffers are Double and owned by the caller.
public protocol TangentDynamics {
    /// State dimension N.
    var dimension: Int { get }

    /// One step h ← f(h), in place. `state` [N].
    func step(_ state: UnsafeMutablePointer<Double>)

    /// out[N, k] = J · q[N, k] (both row-major), J the Jacobian of the step just taken (the map from the
    /// previous state to `newState`), expressed through the new state [N].
    func applyJacobian(newState: UnsafePointer<Double>, _ q: UnsafePointer<Double>, k: Int, _ out: UnsafeMutablePointer<Double>)
}

/// Tangent dynamics that advance several trajectories and their tangent bases in one pass, so that
/// the map's matrix is read once per step for all of them (the Lyapunov analysis runs its initial
/// conditions in groups).
public protocol BatchedTangentDynamics: TangentDynamics {
    /// `vectors` [G(1 + k), N], one vector per row: rows 0..<G are G states, then G bases of k vectors
    /// each (trajectory g's basis in rows G + g k ..< G + (g + 1) k, i.e. a column-major [N, k] matrix).
    /// Writes to `next`, in the same layout, the advanced states and each basis mapped by its
    /// trajectory's Jacobian, J_g Q_g.
    func advance(_ vectors: UnsafePointer<Double>, into next: UnsafeMutablePointer<Double>, group: Int, k: Int)
}

/// The autonomous (zero-input) vanilla RNN map h ← φ(W h + b), farrell-spec.md D.4.
///
/// Jacobian of the step h_t → h_{t+1}: J = diag(φ'(a_t)) W with a_t = W h_t + b, and φ'(a_t) read off the
/// new state h_{t+1} = φ(a_t) (1 − h² for tanh). The reference instead evaluates diag(φ'(W h_{t+1} + b)) W,
/// the Jacobian of the *next* step, at every step: the two products differ by one factor at each end
/// and give the same exponents asymptotically.
public final class AutonomousRNNMap: BatchedTangentDynamics {
    public let dimension: Int
    public let nonlinearity: Nonlinearity
    private let weights: UnsafeMutablePointer<Double>        // W [N, N], row-major (Double copy, made once)
    private let transposedWeights: UnsafeMutablePointer<Double>  // Wᵀ [N, N], for the grouped step
    private let bias: UnsafeMutablePointer<Double>           // b [N]
    private let preactivation: UnsafeMutablePointer<Double>  // a [N] scratch

    /// - Parameters:
    ///   - recurrentWeights: W [N, N] row-major (h ← φ(W h + b), the reference's `h @ W.T`).
    ///   - bias: b [N], or nil for zero.
    public convenience init(recurrentWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, dimension: Int,
                            nonlinearity: Nonlinearity) {
        precondition(dimension >= 1, "AutonomousRNNMap needs dimension >= 1 (got \(dimension))")
        self.init(dimension: dimension, nonlinearity: nonlinearity)
        load(recurrentWeights, bias)
    }

    /// Array form: `recurrentWeights` [N, N] row-major, `bias` [N] or nil.
    public convenience init(recurrentWeights: [Float], bias: [Float]?, nonlinearity: Nonlinearity) throws {
        let n = Int(Double(recurrentWeights.count).squareRoot().rounded())
        try require(n >= 1 && n * n == recurrentWeights.count, "recurrentWeights.count", recurrentWeights.count,
                    "must be N*N with N >= 1")
        if let bias { try require(bias.count == n, "bias.count", bias.count, "must equal N = \(n)") }
        self.init(dimension: n, nonlinearity: nonlinearity)
        recurrentWeights.withUnsafeBufferPointer { w in
            if let bias { bias.withUnsafeBufferPointer { load(w.baseAddress!, $0.baseAddress!) } } else { load(w.baseAddress!, nil) }
        }
    }

    private init(dimension: Int, nonlinearity: Nonlinearity) {
        self.dimension = dimension
        self.nonlinearity = nonlinearity
        weights = .allocate(capacity: dimension * dimension)
        transposedWeights = .allocate(capacity: dimension * dimension)
        bias = .allocate(capacity: dimension)
        preactivation = .allocate(capacity: dimension)
        preactivation.initialize(repeating: 0, count: dimension)
    }

    private func load(_ recurrentWeights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?) {
        for index in 0..<(dimension * dimension) { weights[index] = Double(recurrentWeights[index]) }
        for row in 0..<dimension {
            for column in 0..<dimension { transposedWeights[column * dimension + row] = weights[row * dimension + column] }
        }
        for index in 0..<dimension { self.bias[index] = bias.map { Double($0[index]) } ?? 0 }
    }

    deinit {
        weights.deallocate()
        transposedWeights.deallocate()
        bias.deallocate()
        preactivation.deallocate()
    }

    public func step(_ state: UnsafeMutablePointer<Double>) {
        let n = Int32(dimension)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1, weights, n, state, 1, 0, preactivation, 1)
        for unit in 0..<dimension { state[unit] = nonlinearity.value(preactivation[unit] + bias[unit]) }
    }

    /// One product [states; bases] Wᵀ for the whole group (every vector v becomes W v), then φ on the
    /// states and diag(φ') of each new state on its trajectory's mapped basis.
    public func advance(_ vectors: UnsafePointer<Double>, into next: UnsafeMutablePointer<Double>, group: Int, k: Int) {
        let n = dimension
        BLAS.gemm(m: group * (1 + k), n: n, k: n, vectors, transposedWeights, next)     // [G(1+k), N]
        for g in 0..<group {
            let state = next + g * n
            for unit in 0..<n { state[unit] = nonlinearity.value(state[unit] + bias[unit]) }
            for j in 0..<k {
                let image = next + (group + g * k + j) * n
                for unit in 0..<n { image[unit] *= nonlinearity.derivative(fromOutput: state[unit]) }
            }
        }
    }

    public func applyJacobian(newState: UnsafePointer<Double>, _ q: UnsafePointer<Double>, k: Int, _ out: UnsafeMutablePointer<Double>) {
        BLAS.gemm(m: dimension, n: k, k: dimension, weights, q, out)               // W q  [N, k]
        for unit in 0..<dimension {                                                // diag(φ') (W q)
            let slope = nonlinearity.derivative(fromOutput: newState[unit])
            let row = out + unit * k
            for column in 0..<k { row[column] *= slope }
        }
    }
}
