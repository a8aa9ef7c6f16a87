import CBLAS
import CVectorKernels
import Foundation

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

/// Batched tangent dynamics that can also carry the bases in Float while the states stay Double (the
/// Lyapunov analysis does so where the exponents' spread allows: a Float product is twice as fast).
public protocol SinglePrecisionBasisDynamics: BatchedTangentDynamics {
    /// `states` [G, N] advanced into `nextStates` [G, N]; `bases` [G k, N] Float, one vector per row
    /// (trajectory g's basis in rows g k ..< (g + 1) k), mapped by each trajectory's Jacobian into
    /// `nextBases`. The states are those `advance(_:into:group:k:)` computes, bit for bit.
    func advance(states: UnsafePointer<Double>, into nextStates: UnsafeMutablePointer<Double>,
                 bases: UnsafePointer<Float>, into nextBases: UnsafeMutablePointer<Float>, group: Int, k: Int)
}

/// The autonomous (zero-input) vanilla RNN map h ← φ(W h + b), farrell-spec.md D.4.
///
/// Jacobian of the step h_t → h_{t+1}: J = diag(φ'(a_t)) W with a_t = W h_t + b, and φ'(a_t) read off the
/// new state h_{t+1} = φ(a_t) (1 − h² for tanh). The reference instead evaluates diag(φ'(W h_{t+1} + b)) W,
/// the Jacobian of the *next* step, at every step: the two products differ by one factor at each end
/// and give the same exponents asymptotically.
public final class AutonomousRNNMap: SinglePrecisionBasisDynamics {
    public let dimension: Int
    public let nonlinearity: Nonlinearity
    private let weights: UnsafeMutablePointer<Double>        // W [N, N], row-major (Double copy, made once)
    private let transposedWeights: UnsafeMutablePointer<Double>  // Wᵀ [N, N], for the grouped step
    private let bias: UnsafeMutablePointer<Double>           // b [N]
    private let preactivation: UnsafeMutablePointer<Double>  // a [N] scratch
    private let transposedSingleWeights: UnsafeMutablePointer<Float>  // Wᵀ [N, N] (W is a Float network: exact)
    /// The last group step's states, new states and slopes, [G, N] each (up to `memoCapacity` states): a
    /// step from the same states (a trajectory at a fixed point of the map, bit for bit) is not recomputed.
    /// The product of a group's states rounds each row the same whatever the other rows hold, so the
    /// states are those a recomputation gives, bit for bit.
    private let memoStates, memoNextStates, memoSlopes: UnsafeMutablePointer<Double>
    private let memoSingleSlopes: UnsafeMutablePointer<Float>
    private var memoGroup = 0
    private static let memoCapacity = 16
    /// Group steps taken from the memo (a count for tests and benchmarks).
    public private(set) var memoHits = 0
    /// Whether a step from the last step's states is taken from the memo (false: always recomputed).
    public var memoizesFixedPoints = true

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
        transposedSingleWeights = .allocate(capacity: dimension * dimension)
        memoStates = .allocate(capacity: Self.memoCapacity * dimension)
        memoNextStates = .allocate(capacity: Self.memoCapacity * dimension)
        memoSlopes = .allocate(capacity: Self.memoCapacity * dimension)
        memoSingleSlopes = .allocate(capacity: Self.memoCapacity * dimension)
    }

    private func load(_ recurrentWeights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?) {
        for index in 0..<(dimension * dimension) { weights[index] = Double(recurrentWeights[index]) }
        for row in 0..<dimension {
            for column in 0..<dimension { transposedWeights[column * dimension + row] = weights[row * dimension + column] }
        }
        for index in 0..<(dimension * dimension) { transposedSingleWeights[index] = Float(transposedWeights[index]) }
        for index in 0..<dimension { self.bias[index] = bias.map { Double($0[index]) } ?? 0 }
    }

    deinit {
        weights.deallocate()
        transposedWeights.deallocate()
        bias.deallocate()
        preactivation.deallocate()
        transposedSingleWeights.deallocate()
        memoStates.deallocate(); memoNextStates.deallocate(); memoSlopes.deallocate(); memoSingleSlopes.deallocate()
    }

    public func step(_ state: UnsafeMutablePointer<Double>) {
        let n = Int32(dimension)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1, weights, n, state, 1, 0, preactivation, 1)
        state.update(from: preactivation, count: dimension)
        activate(state)
    }

    /// h <- φ(h + b) in place [N]: tanh by CVectorKernels' vectorised Double tanh (within 2 ulp, the
    /// same bits on every CPU; libm's scalar tanh was a quarter of the analysis).
    @inline(__always)
    private func activate(_ state: UnsafeMutablePointer<Double>) {
        switch nonlinearity {
        case .tanh: tanh_double(state, bias, dimension)
        case .relu, .linear: for unit in 0..<dimension { state[unit] = nonlinearity.value(state[unit] + bias[unit]) }
        }
    }

    /// The new states of a group [G, N] from `states` [G, N] into `nextStates`, with their slopes φ' in
    /// `memoSlopes` and `memoSingleSlopes` [G, N]: the product [states] Wᵀ for the whole group, then φ, or
    /// the memo when `states` are the last step's, bit for bit.
    private func advanceStates(_ states: UnsafePointer<Double>, into nextStates: UnsafeMutablePointer<Double>, group: Int) {
        let n = dimension, count = group * n
        if memoizesFixedPoints && group == memoGroup && memcmp(states, memoStates, count * MemoryLayout<Double>.size) == 0 {
            nextStates.update(from: memoNextStates, count: count)
            memoHits += 1
            return
        }
        BLAS.gemm(m: group, n: n, k: n, states, transposedWeights, nextStates)      // [G, N]
        for g in 0..<group {
            let state = nextStates + g * n, slopes = memoSlopes + g * n, singleSlopes = memoSingleSlopes + g * n
            activate(state)
            switch nonlinearity {
            case .tanh: for unit in 0..<n { slopes[unit] = 1 - state[unit] * state[unit] }
            case .relu, .linear: for unit in 0..<n { slopes[unit] = nonlinearity.derivative(fromOutput: state[unit]) }
            }
            for unit in 0..<n { singleSlopes[unit] = Float(slopes[unit]) }
        }
        if group <= Self.memoCapacity && states != UnsafePointer(nextStates) {
            memoStates.update(from: states, count: count)
            memoNextStates.update(from: nextStates, count: count)
            memoGroup = group
        } else {
            memoGroup = 0
        }
    }

    /// The products [states] Wᵀ and [bases] Wᵀ for the whole group (every vector v becomes W v), then φ on the
    /// states and diag(φ') of each new state on its trajectory's mapped basis (the slopes computed once per
    /// state, then applied to the k vectors in a loop the compiler vectorises; the same products as
    /// evaluating φ' per element).
    public func advance(_ vectors: UnsafePointer<Double>, into next: UnsafeMutablePointer<Double>, group: Int, k: Int) {
        let n = dimension
        // The states and the bases in two products, so that the states are those of the Float-basis
        // `advance` bit for bit (one product's row blocking may round a row differently than another's:
        // with OpenBLAS's Haswell kernels one product over states and bases rounds the states otherwise).
        advanceStates(vectors, into: next, group: group)
        BLAS.gemm(m: group * k, n: n, k: n, vectors + group * n, transposedWeights, next + group * n)      // [G k, N]
        for g in 0..<group {
            let slopes = memoSlopes + g * n
            for j in 0..<k {
                let image = next + (group + g * k + j) * n
                for unit in 0..<n { image[unit] *= slopes[unit] }
            }
        }
    }

    /// As `advance(_:into:group:k:)` with the bases in Float: a Double product for the states, a Float one
    /// for the bases, then diag(Float(φ')) of each new state on its trajectory's mapped basis.
    public func advance(states: UnsafePointer<Double>, into nextStates: UnsafeMutablePointer<Double>,
                        bases: UnsafePointer<Float>, into nextBases: UnsafeMutablePointer<Float>, group: Int, k: Int) {
        let n = dimension
        advanceStates(states, into: nextStates, group: group)
        BLAS.gemm(m: group * k, n: n, k: n, bases, transposedSingleWeights, nextBases)         // [G k, N]
        for g in 0..<group {
            let singleSlopes = memoSingleSlopes + g * n
            for j in 0..<k {
                let image = nextBases + (g * k + j) * n
                for unit in 0..<n { image[unit] *= singleSlopes[unit] }
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
