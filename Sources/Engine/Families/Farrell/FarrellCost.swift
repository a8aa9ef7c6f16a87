/// Floating-point operations of a run, counted analytically from the shapes (matrix products
/// only), and the single-core seconds they take at the rates each part of a run sustains: the
/// scheduler runs the most expensive trials first and `plan` prints the time a sweep needs.
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
        trainingFLOPs + analyses.reduce(0) { $0 + analysisFLOPs($1) }
    }

    /// Estimated seconds of the whole run on the reference core.
    public var estimatedSeconds: Double {
        estimatedTrainingSeconds + analyses.reduce(0) { $0 + estimatedSeconds(of: $1) }
    }

    /// Fraction of the training minibatches expected to run their backward pass and update. With
    /// cce the reference skips a minibatch whose Float32 loss is exactly 0; with an adaptive
    /// optimiser that happens to nearly all of them a few epochs in when the clusters are linearly
    /// separable (no more clusters than input dimensions), and rarely otherwise.
    public var expectedSteppingFraction: Double {
        guard loss == .cce, optimizer != .sgd, X_clusters <= X_dim, num_epochs > 0 else { return 1 }
        return min(1, FarrellCoreRate.cceSteppingEpochs / Double(num_epochs))
    }

    /// Trainable parameters (weights and biases), each updated at every optimiser step.
    var parameterCount: Int {
        let layers = network == .vanillaRNN ? 1 : max(sequenceLength - 1, 0)
        return N * X_dim + N + layers * (N * N + N) + outputSize * (N + 1)
    }

    /// Training and validation on the reference core: the products at the rate of their batch
    /// size, the elementwise work per unit and step, the optimiser's updates, the data drawn.
    public var estimatedTrainingSeconds: Double {
        let batches = Double(num_epochs * trainBatchesPerEpoch), validation = Double(num_epochs * validationBatchesPerEpoch)
        let stepping = batches * expectedSteppingFraction
        let b = Double(batch_size)
        let products = (batches + validation) * forwardFLOPs(batch: batch_size) + stepping * backwardFLOPs(batch: batch_size)
        let unitSteps = (batches + validation + stepping) * b * Double(N * sequenceLength)
        let updateSeconds = optimizer == .sgd ? FarrellCoreRate.sgdUpdateSeconds : FarrellCoreRate.adaptiveUpdateSeconds
        return products / FarrellCoreRate.productRate(batch: batch_size)
            + unitSteps * FarrellCoreRate.unitStepSeconds
            + stepping * Double(parameterCount) * updateSeconds
            + (batches + validation) * (b * Double(X_dim) * FarrellCoreRate.drawSeconds + FarrellCoreRate.minibatchSeconds)
    }

    /// One analysis on the reference core.
    public func estimatedSeconds(of analysis: AnalysisKind) -> Double {
        let rate: Double = switch analysis {
        case .lyapunov: FarrellCoreRate.lyapunov
        case .clustHoldout: FarrellCoreRate.clusterHoldout
        case .pca: FarrellCoreRate.pca
        default: FarrellCoreRate.evaluation
        }
        return analysisFLOPs(analysis) / rate
    }

    /// FLOPs of one analysis. Evaluations at unchanged weights are reused (ResultAtWeights), so a
    /// separable cce run pays for the checkpoints of its stepping epochs only.
    public func analysisFLOPs(_ analysis: AnalysisKind) -> Double {
        let n = Double(N), k = Double(lyap_exponents)
        let saves = Double(CheckpointSchedule(self).count)
        let changedSaves = min(saves, (saves * expectedSteppingFraction).rounded(.up) + 1)
        switch analysis {
        case .accOverTraining:
            return changedSaves * forwardFLOPs(batch: acc_samples)
        case .dimThroughTraining:
            return changedSaves * (forwardFLOPs(batch: dim_samples) + 2 * Double(dim_samples) * n * n)
        case .dimLayers, .saturation:
            return 2 * (forwardFLOPs(batch: dim_samples, steps: dim_time_steps) + Double(dim_time_steps) * 2 * Double(dim_samples) * n * n)
        case .clustHoldout:
            // Newton steps of a logistic regression per layer and repeat: O(M n² + n³).
            return 2 * Double(holdoutLayers * holdout_repeats) * 10 * (2 * Double(holdout_samples) * n * n + n * n * n / 3)
        case .lyapunov:
            // Per initial condition and step: the state and its k tangent vectors through W, and
            // their re-orthonormalisation. Epochs after the weights stop changing are reused.
            let steppingEpochs = Double(num_epochs) * expectedSteppingFraction
            let epochs = Set(lyap_epochs.map { $0 < 0 ? num_epochs : $0 }.map { Double($0) > steppingEpochs ? num_epochs : $0 })
            return Double(epochs.count * lyap_max_ics * lyap_max_steps) * (2 * n * n * (k + 1) + 4 * n * k * k)
        case .pca:
            return forwardFLOPs(batch: pca_samples, steps: pca_time_steps) + Double(pca_time_steps) * (2 * Double(pca_samples) * n * n + 4 * n * n * n)
        }
    }
}

/// Sustained rates of one reference core on each part of a Farrell run (the 2-core AMD EPYC
/// development machine, OpenBLAS's AVX-512 kernels, one thread), from
/// `sweep-mpi bench sweeps sweeps/*.json` (docs/performance.md): every figure and supplementary
/// sweep file's estimate is within 30 % of its measured time per network.
enum FarrellCoreRate {
    /// Training products (forward and backward) at a batch size: near the core's large-product
    /// rate for large batches, a sixth of it for one sample (matrix-vector products) (FLOP/s).
    static func productRate(batch: Int) -> Double {
        largeBatchProductRate * (Double(batch) + 1.3) / (Double(batch) + 12.5)
    }
    /// The training products' rate for large batches (FLOP/s; refitted for the x86-64-v3 build,
    /// whose training runs 1.1–1.3x faster than the baseline build's, for which this was 2.2e11).
    static let largeBatchProductRate = 2.5e11
    /// Elementwise work of one unit at one step, forward or backward (seconds; 0.3e-9 before the
    /// tanh of arrays ran 16 lanes).
    static let unitStepSeconds = 0.26e-9
    /// One parameter's update by SGD, and by RMSprop or Adam (seconds): what dominates batch-1 training.
    static let sgdUpdateSeconds = 0.3e-9
    static let adaptiveUpdateSeconds = 1.4e-9
    /// One input coordinate drawn (seconds).
    static let drawSeconds = 10e-9
    /// Per minibatch: loss and bookkeeping (seconds).
    static let minibatchSeconds = 2e-6
    /// Forward passes of the analyses over large batches, with their covariances (FLOP/s; 1.1e11
    /// before the x86-64-v3 build, 1.3e11 before the tanh of arrays ran 16 lanes).
    static let evaluation = 1.6e11
    /// Tangent-space products and re-orthonormalisation of the Lyapunov spectrum (FLOP/s; 7e10 before
    /// the states' tanh was vectorised, 8.5e10 before the C CholeskyQR2).
    static let lyapunov = 9.5e10
    /// Newton steps of the cluster hold-out regressions, as counted above (FLOP/s; warm starts and
    /// chord steps do less than ten full steps, and the Hessian is assembled and factored in Float;
    /// 2.5e11 with a Double Hessian, 3.75e11 with LAPACK's Float Cholesky).
    static let clusterHoldout = 4.7e11
    /// Forward pass and eigendecompositions of the PCA snapshots (FLOP/s; 5e10 with them in Double).
    static let pca = 6e10
    /// Epochs a separable cce run keeps updating before its Float32 loss is exactly 0.
    static let cceSteppingEpochs = 4.0
}
