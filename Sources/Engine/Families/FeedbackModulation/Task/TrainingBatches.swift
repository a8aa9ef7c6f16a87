/// The training data of the reference's Runner.train: batch k holds B contexts (one per element),
/// and one window of n_sample samples per source with its own random start (the same windows
/// for every element of the batch, as the reference); x_t = A_b s_t + N(0, mix_noise) per element.
/// For ica_style (three sources) each batch uses a random pair of them, in their order. Batch k is
/// drawn from streams indexed by k alone.
///   sources [T, B, 2] (the window, repeated per element: the loss target), mixtures [T, B, 2]
struct TrainingBatches {
    let config: FeedbackConfig
    let signals: SourceSignals

    /// Writes batch k's targets and mixtures; returns its contexts.
    @discardableResult
    func fill(batch k: Int, sources: UnsafeMutablePointer<Float>, mixtures: UnsafeMutablePointer<Float>) -> [MixingContext] {
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
                sources[i] = s0; sources[i + 1] = s1
                mixtures[i] = a[0] * s0 + a[1] * s1 + Float(sd * noise.nextNormal())
                mixtures[i + 1] = a[2] * s0 + a[3] * s1 + Float(sd * noise.nextNormal())
            }
        }
        return contexts
    }
}
