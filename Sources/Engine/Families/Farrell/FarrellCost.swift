/// Floating-point operations of a run, counted analytically from the shapes (matrix products
/// only: they are all but a few percent of the work). Used for scheduling (most expensive
/// first) and by the benchmark to turn seconds into GFLOP/s.
extension FarrellConfig {
    /// One forward pass of `batch` samples over `steps` steps, with the readout at the loss steps.
    public func forwardFLOPs(batch: Int, steps: Int? = nil) -> Double {
        let b = Double(batch), n = Double(N), d = Double(X_dim), t = Double(steps ?? sequenceLength)
        let readout = 2 * b * n * Double(outputSize) * Double(lossSteps.count)
        switch network {
        case .vanillaRNN:
            return 2 * b * d * n * Double(inputSteps) + 2 * b * n * n * max(t - 1, 0) + readout
        case .feedforward:
            return 2 * b * d * n + 2 * b * n * n * max(t - 1, 0) + readout
        }
    }

    /// The backward pass of one training minibatch (states, weight and readout gradients).
    public func backwardFLOPs(batch: Int) -> Double {
        let b = Double(batch), n = Double(N), t = Double(sequenceLength)
        let readout = 4 * b * n * Double(outputSize) * Double(lossSteps.count)
        switch network {
        case .vanillaRNN: return 4 * b * n * n * max(t - 1, 0) + readout
        case .feedforward: return 4 * b * n * n * max(t - 1, 0) + 2 * b * n * Double(X_dim) + readout
        }
    }

    /// Training FLOPs if every minibatch steps (an upper bound: zero-loss steps skip the backward pass).
    public var trainingFLOPs: Double {
        let batches = Double(trainBatchesPerEpoch), validation = Double(validationBatchesPerEpoch)
        return Double(num_epochs) * (batches * (forwardFLOPs(batch: batch_size) + backwardFLOPs(batch: batch_size))
                                     + validation * forwardFLOPs(batch: batch_size))
    }

    /// Estimated FLOPs of the whole run, analyses included.
    public var estimatedFLOPs: Double {
        let n = Double(N), saves = Double(CheckpointSchedule(self).count)
        var total = trainingFLOPs
        for analysis in analyses {
            switch analysis {
            case .accOverTraining: total += saves * forwardFLOPs(batch: acc_samples)
            case .dimThroughTraining: total += saves * (forwardFLOPs(batch: dim_samples) + 2 * Double(dim_samples) * n * n)
            case .dimLayers, .saturation:
                total += 2 * (forwardFLOPs(batch: dim_samples, steps: dim_time_steps) + Double(dim_time_steps) * 2 * Double(dim_samples) * n * n)
            case .clustHoldout:
                // Newton steps of a logistic regression per layer and repeat: O(M n² + n³).
                total += 2 * Double(holdoutLayers * holdout_repeats) * 10 * (2 * Double(holdout_samples) * n * n + n * n * n / 3)
            case .lyapunov:
                total += Double(lyap_epochs.count * lyap_max_ics * lyap_max_steps) * (2 * n * n * Double(lyap_exponents) + 4 * n * Double(lyap_exponents * lyap_exponents)) / 3
            case .pca:
                total += forwardFLOPs(batch: pca_samples, steps: pca_time_steps) + Double(pca_time_steps) * (2 * Double(pca_samples) * n * n + 4 * n * n * n)
            }
        }
        return total
    }
}
