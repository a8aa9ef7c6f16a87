/// Timing of the training step alone, at a fixed sequence length (the speed comparison with the
/// reference measures seconds per step at H 500, B 256, M 50). Seconds are the process's CPU
/// time: on a shared machine wall time counts other jobs' turns.
public enum TimescalesBenchmark {
    /// CPU seconds of each of `steps` training steps (after one warm-up step) of `config`'s network
    /// on minibatches of length `length` for the curriculum list `ns`.
    public static func trainingStepSeconds(_ config: TimescalesConfig, ns: [Int], length: Int, steps: Int) -> [Double] {
        precondition(length <= config.maxSequenceLength, "the length exceeds 4 n_max + 1")
        let network = TimescaleNetwork(config: config, maxSteps: config.maxSequenceLength, maxBatch: config.batch_size)
        network.initialize()
        let trainer = CurriculumTrainer(config: config, network: network)
        _ = trainer.trainingStep(ns: ns, epoch: 0, index: 0, length: length)
        return (0..<steps).map { i in
            let start = ProcessCPUTime.seconds()
            _ = trainer.trainingStep(ns: ns, epoch: 0, index: i + 1, length: length)
            return ProcessCPUTime.seconds() - start
        }
    }

    /// FLOPs of one training step: three H x H products per step of B sequences, and the rest.
    public static func trainingStepFLOPs(_ config: TimescalesConfig, length: Int) -> Double {
        let b = Double(config.batch_size), h = Double(config.hidden_size)
        return 3 * (2 * b * h * h + 12 * b * h) * Double(length)
    }
}
