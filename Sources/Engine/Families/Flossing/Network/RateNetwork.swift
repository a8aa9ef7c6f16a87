import Foundation

/// The reference's network (docs/families/flossing.md): a tanh rate RNN in pre-activations with a
/// logit readout from x itself and one trainable initial state per batch row,
///   x_{t+1} = J tanh(x_t) + b + ws s_t,   r_t = wr x_t + offset
/// All parameters in one store, the flossed ones first:
///   ws [N, 1], J [N, N], b [N], wr [1, N], offset [1], xInit [B, N]
public final class RateNetwork {
    public let config: FlossingConfig
    public let parameters: ParameterStore
    public let recurrence: RateRecurrence
    public let readout: LinearLayer
    /// What flossing trains (the reference's psFlossing).
    public static let flossedTensors = ["ws", "J", "b"]
    /// Autonomous steps that relax the random initial states (the reference's relaxIC(…, 100)).
    static let relaxationSteps = 100

    public init(config: FlossingConfig) {
        self.config = config
        let n = config.N
        parameters = ParameterStore([TensorSpec("ws", [n, 1], trainable: true), TensorSpec("J", [n, n], trainable: true),
                                     TensorSpec("b", [n], trainable: true), TensorSpec("wr", [1, n], trainable: true),
                                     TensorSpec("offset", [1], trainable: true), TensorSpec("xInit", [config.B, n], trainable: true)])
        recurrence = RateRecurrence(parameters, recurrent: "J", bias: "b", input: "ws", initial: "xInit", nonlinearity: .tanh,
                                    maxSteps: config.T, maxBatch: config.B)
        readout = LinearLayer(parameters, weights: "wr", bias: "offset")
    }

    /// The reference's initialisation for the config's seed: ws = wsS N(0,1) + wsM, wr = wrS N(0,1) + wrM,
    /// b = bM + bS U(0,1), offset = 0.001, J gaussian or orthogonal, and the initial states drawn
    /// N(0, 1) and relaxed for 100 input-free steps x ← J tanh(x) + b.
    public func initialize() throws {
        let c = config, n = c.N
        var stream = RandomStream(seed: c.seed, purpose: FlossingStream.weights, index: 0)
        stream.fillNormal(parameters.values("ws"), count: n, scale: c.wsS, mean: c.wsM)
        stream = RandomStream(seed: c.seed, purpose: FlossingStream.weights, index: 1)
        stream.fillNormal(parameters.values("wr"), count: n, scale: c.wrS, mean: c.wrM)
        stream = RandomStream(seed: c.seed, purpose: FlossingStream.weights, index: 2)
        let b = parameters.values("b")
        for i in 0..<n { b[i] = Float(c.bM + c.bS * stream.nextUniform()) }
        try initializeCoupling()
        parameters.values("offset")[0] = 0.001
        relaxInitialStates()
    }

    private func initializeCoupling() throws {
        let c = config, n = c.N
        var stream = RandomStream(seed: c.seed, purpose: FlossingStream.weights, index: 3)
        var gaussian = [Double](repeating: 0, count: n * n)
        stream.fillNormal(&gaussian, count: n * n)
        let J = parameters.values("J")
        switch c.IC {
        case .gaussian:
            let scale = c.g / Double(n).squareRoot(), mean = c.gbar / Double(n)
            for i in 0..<(n * n) { J[i] = Float(scale * gaussian[i] + mean) }
        case .orthogonal:
            // Q of the QR of a Gaussian matrix, columns signed by diag R: Haar-distributed.
            var diagonal = [Double](repeating: 0, count: n)
            try LAPACK.reducedQR(&gaussian, m: n, n: n, rDiagonal: &diagonal)
            for column in 0..<n {
                let sign: Double = diagonal[column] < 0 ? -1 : 1
                for row in 0..<n { J[row * n + column] = Float(c.g * sign * gaussian[column * n + row]) }
            }
        }
    }

    private func relaxInitialStates() {
        let n = config.N, rows = config.B
        let x = parameters.values("xInit"), J = parameters.values("J"), b = parameters.values("b")
        var stream = RandomStream(seed: config.seed, purpose: FlossingStream.initialStates, index: 0)
        stream.fillNormal(x, count: rows * n)
        let activity = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
        defer { activity.deallocate() }
        for _ in 0..<Self.relaxationSteps {
            activity.update(from: x, count: rows * n)
            Nonlinearity.tanh.apply(activity, count: rows * n)
            for row in 0..<rows { (x + row * n).update(from: b, count: n) }
            BLAS.gemm(transposeB: true, m: rows, n: n, k: n, activity, J, beta: 1, x)
        }
    }
}
