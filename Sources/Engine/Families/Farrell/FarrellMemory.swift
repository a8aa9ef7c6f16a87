/// Memory a run allocates, estimated from the config before anything is allocated, so that an
/// impossible config is rejected with a message instead of failing mid-sweep.
enum FarrellMemory {
    static func estimatedBytes(_ c: FarrellConfig) -> Int {
        let n = c.N, d = c.X_dim, b = c.batch_size, t = c.sequenceLength, outputs = c.outputSize
        var floats = 0
        let parameters = Network.parameterSpecs(c, inputSize: d, outputSize: outputs).reduce(0) { $0 + $1.count }
        floats += 4 * parameters                                         // values, gradients, 2 optimizer buffers
        floats += 2 * t * b * n                                          // cell training workspace
        floats += 2 * (t + 1) * b * n + c.inputSteps * b * d             // trainer buffers
        for (samples, steps) in Evaluator.plannedBuffers(c) {
            floats += (steps + 1) * samples * n + samples * d * c.inputSteps   // evaluation states and inputs
        }
        if c.freeze_input { floats += (c.num_train_samples_per_epoch + c.num_test_samples_per_epoch) * d }
        var doubles = n * n * 3                                          // analysis copies of the weights
        if c.analyses.contains(.clustHoldout) { doubles += c.holdout_samples * (max(n, d) + 1) + (max(n, d) + 1) * (max(n, d) + 1) * 2 }
        if c.analyses.contains(.pca) { doubles += c.pca_time_steps * c.pca_points * 2 + n * n * 2 }
        return floats * 4 + doubles * 8 + c.X_clusters * d * 4
    }
}
