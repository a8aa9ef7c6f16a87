/// Floating-point operations of a trial, counted from the shapes: the matrix products and the
/// elementwise work of the gates (a few percent). The benchmark turns seconds into GFLOP/s with
/// it; at the core's sustained rate it is `plan`'s time and the scheduler's order.
extension LatentDynamicsConfig {
    /// The forward pass of one trial.
    public var forwardFLOPsPerTrial: Double {
        let t = Double(n_timesteps), n = Double(obs_dim), h = Double(encoder_size), l = Double(latent_size)
        let encoder = 2 * t * (2 * n * 3 * h + 2 * h * 3 * h + 30 * h)          // two directions
        let initial = 2 * 2 * h * l
        return encoder + initial + decoderFLOPs(bins: t, backward: false) + 2 * t * l * n
    }

    /// The backward pass of one trial whose loss reads `bins` bins.
    public func backwardFLOPsPerTrial(bins: Double) -> Double {
        let t = Double(n_timesteps), n = Double(obs_dim), h = Double(encoder_size), l = Double(latent_size)
        let encoder = 2 * t * (2 * n * 3 * h + 4 * h * 3 * h + 30 * h)          // dW_ih, dh and dW_hh
        return encoder + 4 * 2 * h * l + decoderFLOPs(bins: bins, backward: true) + 4 * bins * l * n
    }

    /// The decoder over `bins` bins (the backward pass about twice the forward's products).
    func decoderFLOPs(bins t: Double, backward: Bool) -> Double {
        let l = Double(latent_size), k = Double(mlp_hidden_size), factor = backward ? 2.0 : 1.0
        switch model.decoder {
        case .gru: return factor * t * (2 * l * 3 * l + 30 * l)
        case .perceptron: return factor * t * (4 * l * k + 4 * k)
        case .tanhLayer: return factor * t * (2 * l * l + 4 * l)
        case .ode: return factor * max(t - 1, 0) * Double(ode_steps_per_bin) * 4 * (4 * l * k + 4 * k)
        }
    }

    /// One epoch: every training trial forward and backward over epoch e's curriculum, the
    /// validation trials forward.
    public func epochFLOPs(epoch e: Int) -> Double {
        let sizes = splitSizes, bins = Double(curriculumPoints(epoch: e))
        return Double(sizes.train) * (forwardFLOPsPerTrial + backwardFLOPsPerTrial(bins: bins))
            + Double(sizes.valid) * forwardFLOPsPerTrial
    }

    /// Every epoch of the trial (the data set is built once per process and not counted).
    public var estimatedFLOPs: Double {
        var total = 0.0, e = 0
        // Epochs of one curriculum group cost the same.
        while e < max_epochs {
            let groupEnd = min(max_epochs, (e / epochs_per_group + 1) * epochs_per_group)
            total += Double(groupEnd - e) * epochFLOPs(epoch: e)
            e = groupEnd
        }
        return total
    }

    /// Seconds on one reference core (`plan`'s cost, the scheduler's order): the work is the
    /// encoder's and decoder's products and gates, at one sustained rate.
    public var estimatedSeconds: Double { estimatedFLOPs / LatentCoreRate.training }
}

/// The sustained rate of one reference core on a latent_dynamics epoch (the 2-core AMD EPYC
/// development machine, OpenBLAS's AVX-512 kernels, one thread): `sweep-mpi bench latent` measured
/// 109–148 GFLOP/s over the decoders (the GRU encoder's 650 × 64 × 192 products, its gates and the
/// operands' packing; 73–99 before the gates ran 16 lanes wide with their tape prefetched), and
/// `sweep-mpi bench sweeps` checks every sweep file's estimate against its measured time
/// (docs/families/latent_dynamics.md, Speed).
enum LatentCoreRate {
    static let training = 1.1e11
}

/// Memory a trial allocates, estimated from the config before anything is allocated, so that an
/// impossible config is rejected with a message instead of failing mid-sweep.
enum LatentMemory {
    static func estimatedBytes(_ c: LatentDynamicsConfig) -> Int {
        let t = c.n_timesteps, n = c.obs_dim, h = c.encoder_size, l = c.latent_size, k = c.mlp_hidden_size
        let sizes = c.splitSizes, batch = max(min(c.batch_size, sizes.train), sizes.valid)
        let d = c.systemDimension, samples = c.n_samples * t
        let parameters = AutoencoderParameters.specs(c).reduce(0) { $0 + $1.count }
        var floats = 4 * parameters
        floats += 2 * (4 * t * batch * h + (t + 1) * batch * h)               // encoder gates, candidates, states
        switch c.model.decoder {
        case .gru: floats += 4 * t * batch * l + (t + 1) * batch * l
        case .perceptron, .tanhLayer: floats += (t + 1) * batch * l + 2 * t * batch * k + t * batch * l
        case .ode:
            let steps = (t - 1) * c.ode_steps_per_bin
            floats += steps * 4 * batch * (2 * l + 2 * k) + 2 * (steps + 1) * batch * l + t * batch * l
        }
        floats += 3 * t * batch * n + 2 * t * batch * l                       // log-rates, gradients, spikes
        floats += samples * (d + 2 * n)                                        // the data set
        var doubles = samples * (d + n)                                        // trajectory and activity, while building
        doubles += t * sizes.valid * (2 * d + 2 * l + 2)                       // validation metrics
        return floats * 4 + doubles * 8
    }
}
