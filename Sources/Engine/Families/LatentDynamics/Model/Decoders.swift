/// The decoders: autonomous maps unrolled from the initial condition z_0 into the latents of
/// every bin. All buffers are allocated once, for `maxBatch` trials of T bins.
///   z0 [B, L], latents [T, B, L], dLatents [T, B, L]
protocol LatentDecoder: AnyObject {
    /// Unrolls from `initial`; the latents of bins 0 ..< T stay valid until the next forward.
    func forward(initial: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float>
    /// Back-propagates dL/dlatents of the first `bins` bins (later bins carry no gradient) into
    /// dL/dz_0 [B, L], accumulating the decoder's parameter gradients.
    func backward(dLatents: UnsafePointer<Float>, bins: Int, batch: Int, dInitial: UnsafeMutablePointer<Float>)
}

enum Decoders {
    static func make(_ c: LatentDynamicsConfig, parameters: ParameterStore, maxBatch: Int) -> any LatentDecoder {
        switch c.model.decoder {
        case .gru:
            return RecurrentDecoder(parameters, bins: c.n_timesteps, maxBatch: maxBatch)
        case .perceptron(let residual):
            return ResidualDecoder(c, parameters, map: .perceptron, residual: residual, maxBatch: maxBatch)
        case .tanhLayer(let residual):
            return ResidualDecoder(c, parameters, map: .tanhLayer, residual: residual, maxBatch: maxBatch)
        case .ode:
            return ODEDecoder(c, parameters, maxBatch: maxBatch)
        }
    }

    static func perceptron(_ parameters: ParameterStore, _ names: AutoencoderParameters.PerceptronNames,
                           activation: Nonlinearity) -> Perceptron {
        Perceptron(first: LinearLayer(parameters, weights: names.firstWeight, bias: names.firstBias),
                   second: LinearLayer(parameters, weights: names.secondWeight, bias: names.secondBias),
                   nonlinearity: activation)
    }
}

/// gru: a GRUCell fed zeros, z_t = GRU(z_{t−1}); the latents are z_1 ... z_T.
///   states [T+1, B, L]
final class RecurrentDecoder: LatentDecoder {
    let cell: GatedRecurrence
    let bins: Int, size: Int
    let states: UnsafeMutablePointer<Float>

    init(_ parameters: ParameterStore, bins: Int, maxBatch: Int) {
        cell = GatedRecurrence(parameters, inputWeights: nil, recurrentWeights: "decoder.cell.weight_hh",
                               inputBias: "decoder.cell.bias_ih", recurrentBias: "decoder.cell.bias_hh",
                               maxSteps: bins, maxBatch: maxBatch)
        self.bins = bins
        size = cell.hiddenSize
        states = .allocate(capacity: (bins + 1) * maxBatch * size)
    }

    deinit { states.deallocate() }

    func forward(initial: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
        states.update(from: initial, count: batch * size)
        cell.forward(inputs: nil, steps: bins, batch: batch, reverse: false, states: states)
        return states + batch * size
    }

    func backward(dLatents: UnsafePointer<Float>, bins used: Int, batch: Int, dInitial: UnsafeMutablePointer<Float>) {
        // Steps past the last bin with a gradient add nothing: back-propagate through the first `used` only.
        cell.backward(inputs: nil, steps: used, batch: batch, reverse: false, states: states, dFinal: nil,
                      dOutputs: dLatents, dInitial: dInitial)
    }
}

/// The discrete residual decoders: z_t = c z_{t−1} + s g(z_{t−1}) with g an MLP (node-discrete,
/// rm-gradual; rm-pass without the residual) or tanh(W z + b_ih + b_hh) (rm-mlp; vanilla without
/// the residual); c = 1 and s = dt with the residual, c = 0 and s = 1 without. The latents are
/// z_1 ... z_T.
///   states [T+1, B, L]; hidden, dHiddenPre [T, B, K] (K = L for the tanh layer); dMap [T, B, L]
final class ResidualDecoder: LatentDecoder {
    enum Map { case perceptron, tanhLayer }
    let map: Map
    let perceptron: Perceptron?
    /// The tanh layer: W and b_hh as a linear layer, b_ih added beside it.
    let layer: LinearLayer?, inputBias: UnsafeMutablePointer<Float>?, inputBiasGradients: UnsafeMutablePointer<Float>?
    let bins: Int, size: Int, width: Int
    let carry: Float, scale: Float
    let states: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>, dHiddenPre: UnsafeMutablePointer<Float>
    let dMap: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    let dState: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>

    init(_ c: LatentDynamicsConfig, _ parameters: ParameterStore, map: Map, residual: Bool, maxBatch: Int) {
        self.map = map
        bins = c.n_timesteps
        size = c.latent_size
        switch map {
        case .perceptron:
            perceptron = Decoders.perceptron(parameters, AutoencoderParameters.perceptronNames, activation: c.mlp_activation.nonlinearity)
            layer = nil; inputBias = nil; inputBiasGradients = nil
            width = c.mlp_hidden_size
        case .tanhLayer:
            perceptron = nil
            layer = LinearLayer(parameters, weights: "decoder.cell.weight_hh", bias: "decoder.cell.bias_hh")
            inputBias = parameters.values("decoder.cell.bias_ih")
            inputBiasGradients = parameters.gradients("decoder.cell.bias_ih")
            width = size
        }
        carry = residual ? 1 : 0
        scale = residual ? Float(c.dt) : 1
        states = .allocate(capacity: (bins + 1) * maxBatch * size)
        hidden = .allocate(capacity: bins * maxBatch * width)
        dHiddenPre = .allocate(capacity: bins * maxBatch * width)
        dMap = .allocate(capacity: bins * maxBatch * size)
        output = .allocate(capacity: maxBatch * size)
        dState = .allocate(capacity: maxBatch * size)
        dPrevious = .allocate(capacity: maxBatch * size)
    }

    deinit {
        states.deallocate(); hidden.deallocate(); dHiddenPre.deallocate(); dMap.deallocate()
        output.deallocate(); dState.deallocate(); dPrevious.deallocate()
    }

    func forward(initial: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
        let bl = batch * size
        states.update(from: initial, count: bl)
        for t in 0..<bins {
            let z = states + t * bl, next = states + (t + 1) * bl, h = hidden + t * batch * width
            switch map {
            case .perceptron:
                perceptron!.forward(z, batch: batch, hidden: h, output: output)
                for i in 0..<bl { next[i] = carry * z[i] + scale * output[i] }
            case .tanhLayer:
                layer!.forward(z, batch: batch, output: h)
                for b in 0..<batch { for j in 0..<size { h[b * size + j] += inputBias![j] } }
                fastTanh(h, count: bl)
                for i in 0..<bl { next[i] = carry * z[i] + scale * h[i] }
            }
        }
        return states + bl
    }

    func backward(dLatents: UnsafePointer<Float>, bins used: Int, batch: Int, dInitial: UnsafeMutablePointer<Float>) {
        let bl = batch * size
        var dz = dState, dPrevious = self.dPrevious
        dz.update(from: dLatents + (used - 1) * bl, count: bl)
        for t in stride(from: used - 1, through: 0, by: -1) {
            // dz holds dL/dz_{t+1}; dL/d(map output) = s dz.
            let dOut = dMap + t * bl, h = hidden + t * batch * width
            for i in 0..<bl {
                dOut[i] = scale * dz[i]
                dPrevious[i] = carry * dz[i]
            }
            switch map {
            case .perceptron:
                perceptron!.pullback(dOutput: dOut, hidden: h, batch: batch, dHiddenPre: dHiddenPre + t * batch * width,
                                     dInput: dPrevious)
            case .tanhLayer:
                let dA = dHiddenPre + t * bl
                for i in 0..<bl { dA[i] = dOut[i] * (1 - h[i] * h[i]) }
                layer!.propagate(dOutput: dA, batch: batch, dInput: dPrevious)
            }
            if t > 0 {
                let outside = dLatents + (t - 1) * bl
                for i in 0..<bl { dPrevious[i] += outside[i] }
            }
            swap(&dz, &dPrevious)
        }
        dInitial.update(from: dz, count: bl)
        let rows = used * batch
        switch map {
        case .perceptron:
            perceptron!.accumulateGradients(inputs: states, hidden: hidden, dHiddenPre: dHiddenPre, dOutput: dMap, rows: rows)
        case .tanhLayer:
            layer!.accumulateGradients(states, dOutput: dHiddenPre, rows: rows)
            ColumnSums.accumulate(dHiddenPre, rows: rows, columns: size, into: inputBiasGradients!)
        }
    }
}

/// node: ż = MLP(z) on t ∈ [0, 1] with the latents at t_j = j / (T − 1), j = 0 ... T−1 (z(0)
/// included, as torchdyn returns it), by `ode_steps_per_bin` RK4 steps per bin, differentiated
/// through every step.
///   states [S+1, B, L] with S = (T − 1) steps per bin; latents [T, B, L]
final class ODEDecoder: LatentDecoder {
    let solver: PerceptronRungeKutta
    let bins: Int, size: Int, stepsPerBin: Int
    let stepSize: Float
    let states: UnsafeMutablePointer<Float>, latents: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>

    init(_ c: LatentDynamicsConfig, _ parameters: ParameterStore, maxBatch: Int) {
        bins = c.n_timesteps
        size = c.latent_size
        stepsPerBin = c.ode_steps_per_bin
        let steps = (bins - 1) * stepsPerBin
        stepSize = Float(1 / Double(steps))
        let field = Decoders.perceptron(parameters, AutoencoderParameters.vectorFieldNames, activation: c.mlp_activation.nonlinearity)
        solver = PerceptronRungeKutta(field: field, maxSteps: steps, maxBatch: maxBatch)
        states = .allocate(capacity: (steps + 1) * maxBatch * size)
        dStates = .allocate(capacity: (steps + 1) * maxBatch * size)
        latents = .allocate(capacity: bins * maxBatch * size)
    }

    deinit { states.deallocate(); dStates.deallocate(); latents.deallocate() }

    func forward(initial: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
        let bl = batch * size
        states.update(from: initial, count: bl)
        solver.forward(steps: (bins - 1) * stepsPerBin, batch: batch, stepSize: stepSize, states: states)
        for j in 0..<bins { (latents + j * bl).update(from: states + j * stepsPerBin * bl, count: bl) }
        return latents
    }

    func backward(dLatents: UnsafePointer<Float>, bins used: Int, batch: Int, dInitial: UnsafeMutablePointer<Float>) {
        let bl = batch * size, steps = (used - 1) * stepsPerBin
        dStates.update(repeating: 0, count: (steps + 1) * bl)
        for j in 0..<used { (dStates + j * stepsPerBin * bl).update(from: dLatents + j * bl, count: bl) }
        solver.backward(steps: steps, batch: batch, stepSize: stepSize, dStates: dStates, dInitial: dInitial)
    }
}
