/// The differential trace of a latent_dynamics trial (scripts/latent_dynamics/harness.py reads
/// it): the data set, the initial weights, and for each of the first K training steps the
/// minibatch's trials, the curriculum's bins, the dropout masks, the latents and log-rates, the
/// loss, the gradients and the weights after the update; the validation pass before and after.
/// Arrays are batch-major as the reference's tensors: [B, T, ·].
extension LatentDynamicsExperiment: TraceableExperiment {
    public func trace(steps: Int) throws -> [TracedArray] {
        let c = config
        let dataset = try DatasetCache.dataset(for: c)
        let model = SequentialAutoencoder(c, maxBatch: max(c.largestBatch, dataset.valid.count))
        model.initialize()
        let trainer = LatentTrainer(config: c, dataset: dataset, model: model)
        let s = c.n_samples, t = c.n_timesteps, n = c.obs_dim, d = dataset.latentDimension, l = c.latent_size
        var arrays: [TracedArray] = [
            TracedArray("data/latents", [s, t, d], .float32(dataset.latents)),
            TracedArray("data/rates", [s, t, n], .float32(dataset.rates)),
            TracedArray("data/spikes", [s, t, n], .float32(dataset.spikes)),
            TracedArray("data/readout", [d, n], .float64(dataset.readout)),
            TracedArray("data/train_inds", [dataset.train.count], .int32(dataset.train.map { Int32($0) })),
            TracedArray("data/valid_inds", [dataset.valid.count], .int32(dataset.valid.map { Int32($0) })),
            TracedArray("data/test_inds", [dataset.test.count], .int32(dataset.test.map { Int32($0) })),
        ]
        func parameters(_ prefix: String, _ buffer: UnsafeMutablePointer<Float>) {
            let store = model.parameters
            for (spec, offset) in zip(store.specs, store.offsets) {
                arrays.append(TracedArray("\(prefix)/\(spec.name)", spec.shape,
                                          .float32(Array(UnsafeBufferPointer(start: buffer + offset, count: spec.count)))))
            }
        }
        /// [T, B, w] time-major -> [B, T, w].
        func batchMajor(_ p: UnsafePointer<Float>, batch: Int, width: Int) -> [Float] {
            var result = [Float](repeating: 0, count: t * batch * width)
            for time in 0..<t { for b in 0..<batch { for j in 0..<width { result[(b * t + time) * width + j] = p[(time * batch + b) * width + j] } } }
            return result
        }
        func validation(_ label: String, points: Int) {
            let v = dataset.valid.count
            let (loss, fullLoss, observ, latent) = trainer.validate(points: points)
            arrays += [TracedArray("\(label)/log_rates", [v, t, n], .float32(batchMajor(model.logRates, batch: v, width: n))),
                       TracedArray("\(label)/latents", [v, t, l], .float32(batchMajor(model.latents, batch: v, width: l))),
                       TracedArray("\(label)/loss", [2], .float64([loss, fullLoss])),
                       TracedArray("\(label)/r2_observ", [4], .float64(observ)),
                       TracedArray("\(label)/r2_latent", [4], .float64(latent))]
        }
        parameters("init", model.parameters.values)
        validation("valid_init", points: c.curriculumPoints(epoch: 0))
        let batches = c.trainBatchesPerEpoch, size = c.batch_size
        var k = 0, lastPoints = c.curriculumPoints(epoch: 0)
        epochs: for e in 0..<max(c.max_epochs, 1) {
            let order = trainer.order(epoch: e), points = c.curriculumPoints(epoch: e)
            lastPoints = points
            for i in 0..<batches {
                guard k < steps else { break epochs }
                let trials = order[(i * size)..<min(order.count, (i + 1) * size)], batch = trials.count
                let label = "step_\(k)"
                arrays += [TracedArray("\(label)/epoch", [1], .int32([Int32(e)])),
                           TracedArray("\(label)/trials", [batch], .int32(trials.map { Int32($0) })),
                           TracedArray("\(label)/points", [1], .int32([Int32(points)]))]
                let loss = trainer.step(trials: trials, points: points, dropoutIndex: UInt64(e * batches + i)) { model, loss in
                    let h = c.encoder_size
                    // Without dropout the masks are all ones (the model leaves its mask buffers untouched).
                    func mask(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
                        c.dropout > 0 ? Array(UnsafeBufferPointer(start: p, count: count)) : [Float](repeating: 1, count: count)
                    }
                    arrays += [
                        TracedArray("\(label)/final_mask", [batch, 2 * h], .float32(mask(model.finalMask, batch * 2 * h))),
                        TracedArray("\(label)/initial_mask", [batch, l], .float32(mask(model.initialMask, batch * l))),
                        TracedArray("\(label)/latents", [batch, t, l], .float32(batchMajor(model.latents, batch: batch, width: l))),
                        TracedArray("\(label)/log_rates", [batch, t, n], .float32(batchMajor(model.logRates, batch: batch, width: n))),
                        TracedArray("\(label)/loss", [1], .float64([loss]))]
                    parameters("\(label)/grads", model.parameters.gradients)
                }
                guard loss.isFinite else { break epochs }
                parameters("\(label)/params", model.parameters.values)
                k += 1
            }
        }
        validation("valid_final", points: lastPoints)
        return arrays
    }
}
