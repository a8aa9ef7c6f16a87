/// The training data of the reference's Runner.train: batch k holds B contexts (one per element),
/// and one window of n_sample samples per source with its own random start (the same windows
/// for every element of the batch, as the reference); x_t = A_b s_t + N(0, mix_noise) per element.
/// For ica_style (three sources) each batch uses a random pair of them, in their order. Batch k is
/// drawn from streams indexed by k alone.
///   sources [T, B, 2] (the window, repeated per element: the loss target), mixtures [T, B, 2]
struct TrainingBatches {
    let config: FeedbackConfig
    let signals: SourceSignals

    /// What batch k drew besides its mixing noise.
    struct Draw: Equatable {
        var contexts: [MixingContext]
        /// The two sources used, in order.
        var chosen: [Int]
        /// The first sample of each source's window.
        var starts: [Int]
    }

    /// Writes batch k's targets and mixtures (and, with `noise`, the noise [T, B, 2] it added);
    /// returns what it drew.
    @discardableResult
    func fill(batch k: Int, sources: UnsafeMutablePointer<Float>, mixtures: UnsafeMutablePointer<Float>,
              noise noiseOut: UnsafeMutablePointer<Float>? = nil) -> Draw {
        let b = config.batch_size, steps = config.n_sample, seed = config.seed
        var contextStream = RandomStream(seed: seed, purpose: FeedbackStream.trainingContexts, index: UInt64(k))
        let contexts = MixingContext.draw(count: b, threshold: config.det_threshold, stream: &contextStream)
        var sourceStream = RandomStream(seed: seed, purpose: FeedbackStream.trainingSources, index: UInt64(k))
        var chosen = [0, 1]
        if signals.count > 2 {
            // np.sort(np.random.choice(n, 2, replace=False)): a uniformly random pair, in order.
            let first = sourceStream.nextInt(below: signals.count)
            var second = sourceStream.nextInt(below: signals.count - 1)
            if second >= first { second += 1 }
            chosen = [min(first, second), max(first, second)]
        }
        // np.random.randint(0, length - n_sample) per source.
        let starts = chosen.map { _ in sourceStream.nextInt(below: signals.length - steps) }
        var noise = RandomStream(seed: seed, purpose: FeedbackStream.trainingNoise, index: UInt64(k))
        let sd = config.mix_noise
        for t in 0..<steps {
            let s0 = signals[sample: starts[0] + t, source: chosen[0]], s1 = signals[sample: starts[1] + t, source: chosen[1]]
            for e in 0..<b {
                let i = (t * b + e) * 2, a = contexts[e].mixing
                let n0 = Float(sd * noise.nextNormal()), n1 = Float(sd * noise.nextNormal())
                sources[i] = s0; sources[i + 1] = s1
                mixtures[i] = a[0] * s0 + a[1] * s1 + n0
                mixtures[i + 1] = a[2] * s0 + a[3] * s1 + n1
                noiseOut?[i] = n0; noiseOut?[i + 1] = n1
            }
        }
        return Draw(contexts: contexts, chosen: chosen, starts: starts)
    }

    /// Writes a batch from given draws (the differential trace replays another run's batch):
    /// the windows of `draw` and the noise [T, B, 2].
    func fill(_ draw: Draw, noise: UnsafePointer<Float>, sources: UnsafeMutablePointer<Float>, mixtures: UnsafeMutablePointer<Float>) {
        let b = config.batch_size
        for t in 0..<config.n_sample {
            let s0 = signals[sample: draw.starts[0] + t, source: draw.chosen[0]], s1 = signals[sample: draw.starts[1] + t, source: draw.chosen[1]]
            for e in 0..<b {
                let i = (t * b + e) * 2, a = draw.contexts[e].mixing
                sources[i] = s0; sources[i + 1] = s1
                mixtures[i] = a[0] * s0 + a[1] * s1 + noise[i]
                mixtures[i + 1] = a[2] * s0 + a[3] * s1 + noise[i + 1]
            }
        }
    }
}
