/// The reference's sequential autoencoder (paper_src/models.py): a bidirectional GRU encoder
/// over the spike counts, its two final states concatenated, dropout, a linear map to the
/// initial condition z_0, dropout, an autonomous decoder unrolled over the trial, and a linear
/// readout to log-rates. Forward and backward passes over flat buffers allocated once.
///   spikes [T, B, n]; encoder states [T+1, B, H] per direction; final [B, 2H]; z0 [B, L];
///   latents [T, B, L]; logRates, dLogRates [T, B, n]
public final class SequentialAutoencoder {
    let config: LatentDynamicsConfig
    public let parameters: ParameterStore
    let forwardEncoder: GatedRecurrence, backwardEncoder: GatedRecurrence
    let initialCondition: LinearLayer, readout: LinearLayer
    let decoder: any LatentDecoder
    let bins: Int, neurons: Int, encoderSize: Int, latentSize: Int, maxBatch: Int
    let dropout: StatePerturbation

    let forwardStates: UnsafeMutablePointer<Float>, backwardStates: UnsafeMutablePointer<Float>
    /// The concatenated final states after dropout, and its mask (0 or 1/(1−p)).
    let final: UnsafeMutablePointer<Float>, finalMask: UnsafeMutablePointer<Float>
    /// z_0 after dropout, and its mask.
    let initial: UnsafeMutablePointer<Float>, initialMask: UnsafeMutablePointer<Float>
    public let logRates: UnsafeMutablePointer<Float>
    let dLogRates: UnsafeMutablePointer<Float>, dLatents: UnsafeMutablePointer<Float>
    let dInitial: UnsafeMutablePointer<Float>, dFinal: UnsafeMutablePointer<Float>
    let dForwardFinal: UnsafeMutablePointer<Float>, dBackwardFinal: UnsafeMutablePointer<Float>
    /// The latents of the last forward pass [T, B, L] (the decoder's buffer).
    public private(set) var latents: UnsafeMutablePointer<Float>
    /// The input of the last forward pass, its batch size, and whether it dropped units out.
    private var lastSpikes: UnsafePointer<Float>?, lastBatch = 0, lastDropped = false

    public init(_ c: LatentDynamicsConfig, maxBatch: Int) {
        config = c
        bins = c.n_timesteps; neurons = c.obs_dim; encoderSize = c.encoder_size; latentSize = c.latent_size
        self.maxBatch = maxBatch
        parameters = ParameterStore(AutoencoderParameters.specs(c))
        forwardEncoder = GatedRecurrence(parameters, inputWeights: "encoder.weight_ih_l0", recurrentWeights: "encoder.weight_hh_l0",
                                         inputBias: "encoder.bias_ih_l0", recurrentBias: "encoder.bias_hh_l0",
                                         maxSteps: bins, maxBatch: maxBatch)
        backwardEncoder = GatedRecurrence(parameters, inputWeights: "encoder.weight_ih_l0_reverse",
                                          recurrentWeights: "encoder.weight_hh_l0_reverse", inputBias: "encoder.bias_ih_l0_reverse",
                                          recurrentBias: "encoder.bias_hh_l0_reverse", maxSteps: bins, maxBatch: maxBatch)
        initialCondition = LinearLayer(parameters, weights: "ic_linear.weight", bias: "ic_linear.bias")
        readout = LinearLayer(parameters, weights: "readout.weight", bias: "readout.bias")
        decoder = Decoders.make(c, parameters: parameters, maxBatch: maxBatch)
        dropout = StatePerturbation(noiseScale: 0, dropProbability: Float(c.dropout))
        let h = encoderSize, l = latentSize, n = neurons
        forwardStates = .allocate(capacity: (bins + 1) * maxBatch * h)
        backwardStates = .allocate(capacity: (bins + 1) * maxBatch * h)
        final = .allocate(capacity: maxBatch * 2 * h); finalMask = .allocate(capacity: maxBatch * 2 * h)
        initial = .allocate(capacity: maxBatch * l); initialMask = .allocate(capacity: maxBatch * l)
        logRates = .allocate(capacity: bins * maxBatch * n)
        dLogRates = .allocate(capacity: bins * maxBatch * n)
        dLatents = .allocate(capacity: bins * maxBatch * l)
        dInitial = .allocate(capacity: maxBatch * l)
        dFinal = .allocate(capacity: maxBatch * 2 * h)
        dForwardFinal = .allocate(capacity: maxBatch * h); dBackwardFinal = .allocate(capacity: maxBatch * h)
        latents = dLatents   // replaced by the first forward pass
    }

    deinit {
        for buffer in [forwardStates, backwardStates, final, finalMask, initial, initialMask, logRates, dLogRates, dLatents,
                       dInitial, dFinal, dForwardFinal, dBackwardFinal] { buffer.deallocate() }
    }

    /// PyTorch's default initialisation from the trial's weight stream.
    public func initialize() { AutoencoderParameters.initialize(parameters, config) }

    /// The forward pass of `batch` trials: log-rates [T, B, n] into `logRates`, latents into
    /// `latents`. With a `dropoutIndex` (training: one per minibatch of the trial), the final
    /// states and z_0 are dropped out with masks from the stream (seed, dropout, index), kept for
    /// the backward pass.
    public func forward(spikes: UnsafePointer<Float>, batch: Int, dropoutIndex: UInt64?) {
        precondition(batch <= maxBatch, "batch exceeds the model's buffers")
        let h = encoderSize, l = latentSize, bh = batch * h
        forwardStates.update(repeating: 0, count: bh)
        backwardStates.update(repeating: 0, count: bh)
        forwardEncoder.forward(inputs: spikes, steps: bins, batch: batch, reverse: false, states: forwardStates)
        backwardEncoder.forward(inputs: spikes, steps: bins, batch: batch, reverse: true, states: backwardStates)
        let forwardFinal = forwardStates + bins * bh, backwardFinal = backwardStates + bins * bh
        for b in 0..<batch {
            (final + b * 2 * h).update(from: forwardFinal + b * h, count: h)
            (final + b * 2 * h + h).update(from: backwardFinal + b * h, count: h)
        }
        lastDropped = dropoutIndex != nil && dropout.isActive
        var stream = RandomStream(seed: config.seed, purpose: LatentStream.dropout, index: dropoutIndex ?? 0)
        if lastDropped {
            finalMask.update(repeating: 1, count: batch * 2 * h)
            dropout.apply(final, gate: finalMask, count: batch * 2 * h, stream: &stream)
        }
        initialCondition.forward(final, batch: batch, output: initial)
        if lastDropped {
            initialMask.update(repeating: 1, count: batch * l)
            dropout.apply(initial, gate: initialMask, count: batch * l, stream: &stream)
        }
        latents = decoder.forward(initial: initial, batch: batch)
        readout.forward(latents, batch: bins * batch, output: logRates)
        lastSpikes = spikes
        lastBatch = batch
    }

    /// The Poisson loss of the last forward pass over the first `bins` bins (mean over trials,
    /// bins and neurons) and, with `gradient`, dL/dlogRates. Counts are time-major like the
    /// spikes.
    public func loss(counts: UnsafePointer<Float>, bins used: Int, gradient: Bool) -> Double {
        let entries = used * lastBatch * neurons
        if gradient {
            let total = PoissonLoss.sum(logRates: logRates, counts: counts, count: entries,
                                        gradientScale: 1 / Float(entries), dLogRates: dLogRates)
            return total / Double(entries)
        }
        return PoissonLoss.sum(logRates: logRates, counts: counts, count: entries) / Double(entries)
    }

    /// Back-propagates dL/dlogRates of the first `bins` bins (from `loss(gradient: true)`) into
    /// the parameter gradients (which the caller zeroes), through the last forward pass.
    public func backward(bins used: Int) {
        guard let spikes = lastSpikes else { preconditionFailure("backward without a forward pass") }
        let batch = lastBatch, h = encoderSize, l = latentSize, rows = used * batch
        readout.accumulateGradients(latents, dOutput: dLogRates, rows: rows)
        readout.propagate(dOutput: dLogRates, batch: rows, dInput: dLatents, accumulate: false)
        decoder.backward(dLatents: dLatents, bins: used, batch: batch, dInitial: dInitial)
        if lastDropped { for i in 0..<(batch * l) { dInitial[i] *= initialMask[i] } }
        initialCondition.accumulateGradients(final, dOutput: dInitial, rows: batch)
        initialCondition.propagate(dOutput: dInitial, batch: batch, dInput: dFinal, accumulate: false)
        if lastDropped { for i in 0..<(batch * 2 * h) { dFinal[i] *= finalMask[i] } }
        for b in 0..<batch {
            (dForwardFinal + b * h).update(from: dFinal + b * 2 * h, count: h)
            (dBackwardFinal + b * h).update(from: dFinal + b * 2 * h + h, count: h)
        }
        forwardEncoder.backward(inputs: spikes, steps: bins, batch: batch, reverse: false, states: forwardStates,
                                dFinal: dForwardFinal, dOutputs: nil, dInitial: nil)
        backwardEncoder.backward(inputs: spikes, steps: bins, batch: batch, reverse: true, states: backwardStates,
                                 dFinal: dBackwardFinal, dOutputs: nil, dInitial: nil)
    }
}
