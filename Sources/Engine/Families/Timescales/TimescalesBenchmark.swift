/// Timing of the training step alone, at a fixed sequence length (the speed comparison with the
/// reference measures seconds per step at H 500, B 256, M 50).
public enum TimescalesBenchmark {
    /// Seconds of each of `steps` training steps (after one warm-up step) of `config`'s network on
    /// minibatches of length `length` for the curriculum list `ns`, read from `clock` (the caller's:
    /// CPU time of the thread on a shared machine).
    public static func trainingStepSeconds(_ config: TimescalesConfig, ns: [Int], length: Int, steps: Int,
                                           clock: () -> Double) -> [Double] {
        precondition(length <= config.maxSequenceLength, "the length exceeds 4 n_max + 1")
        let network = TimescaleNetwork(config: config, maxSteps: config.maxSequenceLength, maxBatch: config.batch_size)
        network.initialize()
        let trainer = CurriculumTrainer(config: config, network: network)
        _ = trainer.trainingStep(ns: ns, epoch: 0, index: 0, length: length)
        return (0..<steps).map { i in
            let start = clock()
            _ = trainer.trainingStep(ns: ns, epoch: 0, index: i + 1, length: length)
            return clock() - start
        }
    }

    /// FLOPs of one training step: three H x H products per step of B sequences, and the rest.
    public static func trainingStepFLOPs(_ config: TimescalesConfig, length: Int) -> Double {
        let b = Double(config.batch_size), h = Double(config.hidden_size)
        return 3 * (2 * b * h * h + 12 * b * h) * Double(length)
    }
}
