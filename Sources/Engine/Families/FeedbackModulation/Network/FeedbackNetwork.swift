/// The whole model of a trial: the controller (an LSTM on [x_t; y_t] and a linear readout to the
/// modulation signals u_t) and the sensory network it modulates, with every tensor in one
/// parameter store. Only the controller learns (the reference's defaults learn_baseline,
/// learn_ro, learn_wx = False); the sensory weights are stored beside it, fixed.
///
///   W_ih [4H, D], W_hh [4H, H], b_ih, b_hh [4H], W_out [O, H], b_out [O]   (trainable)
///   modulation: W0 [2, 2];  spatial: W0 [Nz, 2], W_ro [2, Nz], W_m [Nz, Nm];
///   dale: W_x [NzL, 2], W0 [Nz, NzL], W_inh [Nz, NzL], W_ro [2, Nz], W_m [Nz, Nm]
final class FeedbackNetwork {
    let config: FeedbackConfig
    let parameters: ParameterStore
    let lstm: LSTMLayer
    let readout: LinearLayer
    let sensory: any SensoryNetwork
    var hiddenSize: Int { config.n_hid }
    var inputSize: Int { config.input_to_net.size }
    var controlSize: Int { config.controlSize }

    /// The model of `config` with room for training sequences of `maxSteps` steps of `maxBatch`
    /// contexts; the weights are zero until `initialize`.
    init(_ config: FeedbackConfig, maxSteps: Int, maxBatch: Int) {
        self.config = config
        parameters = ParameterStore(Self.parameterSpecs(config))
        lstm = LSTMLayer(parameters, inputWeights: "W_ih", recurrentWeights: "W_hh", inputBias: "b_ih",
                         recurrentBias: "b_hh", maxSteps: maxSteps, maxBatch: maxBatch)
        readout = LinearLayer(parameters, weights: "W_out", bias: "b_out")
        let p = parameters
        switch config.model {
        case .modulation:
            sensory = ModulationNetwork(baseline: p.values("W0"), additive: config.additive, tau: config.tau)
        case .spatial:
            sensory = SpatialNetwork(inputWeights: p.values("W0"), readout: p.values("W_ro"), kernel: p.values("W_m"),
                                     units: config.Nz, modulators: config.Nm, tau: config.tau, maxBatch: maxBatch)
        case .dale:
            sensory = DaleNetwork(lowerWeights: p.values("W_x"), excitation: p.values("W0"), inhibition: p.values("W_inh"),
                                  readout: p.values("W_ro"), kernel: p.values("W_m"), units: config.Nz,
                                  lowerUnits: config.NzL, modulators: config.Nm, target: config.mod_target,
                                  tau: config.tau, maxSteps: maxSteps, maxBatch: maxBatch)
        }
    }

    static func parameterSpecs(_ c: FeedbackConfig) -> [TensorSpec] {
        let h = c.n_hid, d = c.input_to_net.size, o = c.controlSize
        var specs = [TensorSpec("W_ih", [4 * h, d], trainable: true), TensorSpec("W_hh", [4 * h, h], trainable: true),
                     TensorSpec("b_ih", [4 * h], trainable: true), TensorSpec("b_hh", [4 * h], trainable: true),
                     TensorSpec("W_out", [o, h], trainable: true), TensorSpec("b_out", [o], trainable: true)]
        switch c.model {
        case .modulation:
            specs.append(TensorSpec("W0", [2, 2], trainable: false))
        case .spatial:
            specs += [TensorSpec("W0", [c.Nz, 2], trainable: false), TensorSpec("W_ro", [2, c.Nz], trainable: false),
                      TensorSpec("W_m", [c.Nz, c.Nm], trainable: false)]
        case .dale:
            specs += [TensorSpec("W_x", [c.NzL, 2], trainable: false), TensorSpec("W0", [c.Nz, c.NzL], trainable: false),
                      TensorSpec("W_inh", [c.Nz, c.NzL], trainable: false), TensorSpec("W_ro", [2, c.Nz], trainable: false),
                      TensorSpec("W_m", [c.Nz, c.Nm], trainable: false)]
        }
        return specs
    }

    /// Draws the initial weights as PyTorch does for the reference's modules: the LSTM and the
    /// readout U(−1/√H, 1/√H); the sensory weights as the reference's model classes.
    func initialize() {
        var stream = RandomStream(seed: config.seed, purpose: FeedbackStream.initialization, index: 0)
        let bound = 1 / Double(hiddenSize).squareRoot()
        for name in ["W_ih", "W_hh", "b_ih", "b_hh", "W_out", "b_out"] {
            let values = parameters.values(name)
            for i in 0..<parameters.spec(name).count { values[i] = Float(bound * (2 * stream.nextUniform() - 1)) }
        }
        let c = config, p = parameters
        switch c.model {
        case .modulation:
            stream.fillNormal(p.values("W0"), count: 4, scale: c.w0_sd, mean: c.additive ? 0 : 1)
        case .spatial:
            stream.fillNormal(p.values("W0"), count: c.Nz * 2, scale: 0.5)
            stream.fillNormal(p.values("W_ro"), count: 2 * c.Nz, scale: 0.5)
            ModulationKernel.fill(p.values("W_m"), units: c.Nz, modulators: c.Nm, width: c.mod_width)
        case .dale:
            // The reference's scales: 20 for the modulated inputs, half for the other with mod_target 1 or 2.
            let scale = 20.0
            let excitatoryScale = c.mod_target == .inhibition ? scale / 2 : scale
            let inhibitoryScale = c.mod_target == .excitation ? scale / 2 : scale
            let nz = c.Nz, nzl = c.NzL, ni = c.inhibitoryCount
            stream.fillNormal(p.values("W_ro"), count: 2 * nz, scale: 0.5)
            stream.fillNormal(p.values("W_x"), count: nzl * 2, scale: 0.5)
            let w0 = p.values("W0")
            for i in 0..<(nz * nzl) { w0[i] = abs(Float((1 + 0.5 * stream.nextNormal()) / Double(nz) * excitatoryScale)) }
            // W_inh = W_zi W_ix, both positive: interneurons pool z_L and inhibit z_H.
            var toInterneurons = [Float](repeating: 0, count: ni * nzl), fromInterneurons = [Float](repeating: 0, count: nz * ni)
            for i in 0..<(ni * nzl) { toInterneurons[i] = abs(Float((1 + 0.5 * stream.nextNormal()) / Double(ni))) }
            for i in 0..<(nz * ni) { fromInterneurons[i] = abs(Float((1 + stream.nextNormal()) / Double(nz) * inhibitoryScale)) }
            BLAS.gemm(m: nz, n: nzl, k: ni, fromInterneurons, toInterneurons, p.values("W_inh"))
            ModulationKernel.fill(p.values("W_m"), units: nz, modulators: c.Nm, width: c.mod_width)
        }
    }

    /// Writes the controller's input of one step, [x; y], x or y per element, into `input`
    /// (element b at `input + b * stride`).
    @inline(__always)
    func controllerInput(x: UnsafePointer<Float>, y: UnsafePointer<Float>, batch: Int, into input: UnsafeMutablePointer<Float>,
                         stride: Int) {
        for b in 0..<batch {
            let row = input + b * stride
            switch config.input_to_net {
            case .xy: row[0] = x[2 * b]; row[1] = x[2 * b + 1]; row[2] = y[2 * b]; row[3] = y[2 * b + 1]
            case .x: row[0] = x[2 * b]; row[1] = x[2 * b + 1]
            case .y: row[0] = y[2 * b]; row[1] = y[2 * b + 1]
            }
        }
    }

    /// u [B, O] = W_out h + b_out for the controller's states h (element b at `h + b * stride`).
    @inline(__always)
    func controls(hidden h: UnsafePointer<Float>, stride: Int, batch: Int, into u: UnsafeMutablePointer<Float>) {
        let o = controlSize
        for b in 0..<batch { (u + b * o).update(from: readout.bias, count: o) }
        BLAS.gemm(transposeB: true, m: batch, n: o, k: hiddenSize, h, lda: stride, readout.weights, beta: 1, u)
    }

    /// Adds the y part of dL/d(controller input) [B, D] to dy [B, 2].
    @inline(__always)
    func addOutputGradient(fromInput dInput: UnsafePointer<Float>, batch: Int, into dY: UnsafeMutablePointer<Float>) {
        switch config.input_to_net {
        case .xy:
            for b in 0..<batch { dY[2 * b] += dInput[4 * b + 2]; dY[2 * b + 1] += dInput[4 * b + 3] }
        case .x: break
        case .y: for i in 0..<(2 * batch) { dY[i] += dInput[i] }
        }
    }
}
