import Foundation

/// Training speed of one feedback_modulation trial, by phase (`sweep-mpi bench feedback`).
public enum FeedbackBenchmark {
    public struct Timing: Sendable {
        public var batches: Int
        /// Seconds per batch: data, forward, backward, optimiser step.
        public var total: Double
        public var data: Double, forward: Double, backward: Double, update: Double
        /// CPU seconds per batch of this thread (what the machine's other load does not inflate).
        public var cpu: Double
        /// FLOPs of one training batch (the cost model's count).
        public var flopsPerBatch: Double
    }

    /// Trains `batches` batches of `config` (after one untimed warm-up batch) and times each phase.
    public static func measure(_ config: FeedbackConfig, batches: Int) -> Timing {
        let signals = SourceSignals(config)
        let network = FeedbackNetwork(config, maxSteps: config.n_sample, maxBatch: config.batch_size)
        network.initialize()
        let trainer = FeedbackTrainer(config: config, network: network, signals: signals)
        _ = trainer.step()
        let clock = ContinuousClock()
        let cpuStart = threadCPUSeconds()
        var data = Duration.zero, forward = Duration.zero, backward = Duration.zero, update = Duration.zero
        for k in 0..<batches {
            let t0 = clock.now
            trainer.batches.fill(batch: k + 1, sources: trainer.loop.sources, mixtures: trainer.loop.mixtures)
            network.parameters.zeroGradients()
            let t1 = clock.now
            _ = trainer.loop.forward()
            let t2 = clock.now
            trainer.loop.backward()
            let t3 = clock.now
            GradientClipping.clipValue(network.parameters, limit: Float(config.max_grad_value))
            trainer.optimizer.step(learningRate: config.learning_rate)
            trainer.loop.carry()
            let t4 = clock.now
            data += t1 - t0; forward += t2 - t1; backward += t3 - t2; update += t4 - t3
        }
        let n = Double(max(batches, 1))
        let cpu = (threadCPUSeconds() - cpuStart) / n
        return Timing(batches: batches, total: (data + forward + backward + update).seconds / n,
                      data: data.seconds / n, forward: forward.seconds / n, backward: backward.seconds / n,
                      update: update.seconds / n, cpu: cpu,
                      flopsPerBatch: Double(config.batch_size * config.n_sample) * config.stepFLOPs(training: true))
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
