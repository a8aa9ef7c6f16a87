/// The differential trace of a latent_dynamics trial (scripts/reference/TRACE.md's folder format;
/// scripts/latent_dynamics/harness.py reads it): the data set, the initial weights, and for each
/// of the first K training steps the minibatch's trials, the curriculum's bins, the dropout masks,
/// the latents and log-rates, the loss, the gradients and the weights after the update; the
/// validation pass before and after. Arrays are batch-major as the reference's tensors: [B, T, ·].
/// The trial draws its own inputs (the reference side takes them from the trace), so a trace
/// input is refused.
extension LatentDynamicsFamily: DifferentialTracing {
    public func trace(_ values: JSONObject, settings: JSONValue?, inputs: [String: TraceArray]) throws -> TraceOutput {
        let (config, _) = try configuration(values)
        guard inputs.isEmpty else {
            throw TraceInputError(description: "latent_dynamics draws its own data, weights and minibatches and records them in the trace: it takes no trace input")
        }
        return TraceOutput(trace: try LatentTrace.record(config, steps: try LatentTrace.steps(settings)), dump: [:])
    }
}

enum LatentTrace {
    /// The config's "trace" object: {"steps": K} (default 3), the training steps to record.
    static func steps(_ settings: JSONValue?) throws(TraceInputError) -> Int {
        guard let settings else { return 3 }
        guard case .object(let object) = settings else { throw TraceInputError(description: "\"trace\" must be an object") }
        var steps = 3
        for member in object {
            switch (member.key, member.value) {
            case ("steps", .number(let x)) where x >= 0 && x == x.rounded() && x < 1e9:
                steps = Int(x)
            default:
                throw TraceInputError(description: "trace.\(member.key): latent_dynamics reads only \"steps\", a count of training steps >= 0")
            }
        }
        return steps
    }

    static func record(_ c: LatentDynamicsConfig, steps: Int) throws -> [String: TraceArray] {
        let dataset = try DatasetCache.dataset(for: c)
        let model = SequentialAutoencoder(c, maxBatch: max(c.largestBatch, dataset.valid.count))
        model.initialize()
        let trainer = LatentTrainer(config: c, dataset: dataset, model: model)
        let s = c.n_samples, t = c.n_timesteps, n = c.obs_dim, d = dataset.latentDimension, l = c.latent_size
        var arrays: [String: TraceArray] = [
            "data/latents": .float32(dataset.latents, shape: [s, t, d]),
            "data/rates": .float32(dataset.rates, shape: [s, t, n]),
            "data/spikes": .float32(dataset.spikes, shape: [s, t, n]),
            "data/readout": .float64(dataset.readout, shape: [d, n]),
            "data/train_inds": .int32(dataset.train.map { Int32($0) }, shape: [dataset.train.count]),
            "data/valid_inds": .int32(dataset.valid.map { Int32($0) }, shape: [dataset.valid.count]),
            "data/test_inds": .int32(dataset.test.map { Int32($0) }, shape: [dataset.test.count]),
        ]
        func parameters(_ prefix: String, _ buffer: UnsafeMutablePointer<Float>) {
            let store = model.parameters
            for (spec, offset) in zip(store.specs, store.offsets) {
                arrays["\(prefix)/\(spec.name)"] = .float32(Array(UnsafeBufferPointer(start: buffer + offset, count: spec.count)), shape: spec.shape)
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
            arrays["\(label)/log_rates"] = .float32(batchMajor(model.logRates, batch: v, width: n), shape: [v, t, n])
            arrays["\(label)/latents"] = .float32(batchMajor(model.latents, batch: v, width: l), shape: [v, t, l])
            arrays["\(label)/loss"] = .float64([loss, fullLoss], shape: [2])
            arrays["\(label)/r2_observ"] = .float64(observ, shape: [4])
            arrays["\(label)/r2_latent"] = .float64(latent, shape: [4])
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
                arrays["\(label)/epoch"] = .int32([Int32(e)], shape: [1])
                arrays["\(label)/trials"] = .int32(trials.map { Int32($0) }, shape: [batch])
                arrays["\(label)/points"] = .int32([Int32(points)], shape: [1])
                let loss = trainer.step(trials: trials, points: points, dropoutIndex: UInt64(e * batches + i)) { model, loss in
                    let h = c.encoder_size
                    // Without dropout the masks are all ones (the model leaves its mask buffers untouched).
                    func mask(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
                        c.dropout > 0 ? Array(UnsafeBufferPointer(start: p, count: count)) : [Float](repeating: 1, count: count)
                    }
                    arrays["\(label)/final_mask"] = .float32(mask(model.finalMask, batch * 2 * h), shape: [batch, 2 * h])
                    arrays["\(label)/initial_mask"] = .float32(mask(model.initialMask, batch * l), shape: [batch, l])
                    arrays["\(label)/latents"] = .float32(batchMajor(model.latents, batch: batch, width: l), shape: [batch, t, l])
                    arrays["\(label)/log_rates"] = .float32(batchMajor(model.logRates, batch: batch, width: n), shape: [batch, t, n])
                    arrays["\(label)/loss"] = .float64([loss], shape: [1])
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
