/// Effective dimensionality over layers (docs/families/farrell-spec.md D.1): participation ratio of the input
/// (layer 0) and of the state after k steps (layer k), on `dim_samples` balanced samples run
/// dim_time_steps steps past the input, for the untrained and the trained network.
///   dim_layers [2 (untrained, trained), layers]
final class DimensionalityOverLayers: CheckpointAnalysis {
    let layers: Int, samples: Int, steps: Int, inputSize: Int
    var values: ResultArray
    let participationRatio: ParticipationRatio

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        [MetricSpec("dim_layers", [2, c.analysisLayers], axes: ["state", "layer"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        layers = c.analysisLayers
        samples = c.dim_samples
        steps = c.layerSteps
        inputSize = task.inputSize
        values = ResultArray(count: 2 * layers)
        participationRatio = ParticipationRatio(maxSamples: c.dim_samples, maxFeatures: max(c.N, inputSize))
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        for state in checkpoint.states {
            let c = context.config, set = context.evaluator.set(samples: samples)
            let states = context.evaluator.run(set, steps: steps)
            try set.inputs.withUnsafeBufferPointer {
                values[state * layers] = try participationRatio.compute($0.baseAddress!, samples: samples, features: inputSize)
            }
            for layer in 1..<layers {
                values[state * layers + layer] = try participationRatio.compute(states + layer * samples * c.N,
                                                                                 samples: samples, features: c.N)
            }
        }
    }

    func collect(into results: inout [String: [Double]]) { results["dim_layers"] = values.values }
}

/// Dimensionality through training (D.2): participation ratio of the last state of the training
/// window (h_T, no padding) on the same samples, at every save.   dim_through_training [saves]
final class DimensionalityThroughTraining: CheckpointAnalysis {
    let samples: Int, steps: Int
    var values: ResultArray
    let participationRatio: ParticipationRatio
    var latest = ResultAtWeights<Double>()

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        [MetricSpec("dim_through_training", [CheckpointSchedule(c).count], axes: ["checkpoint"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        samples = c.dim_samples
        steps = c.layerSteps
        values = ResultArray(count: CheckpointSchedule(c).count)
        participationRatio = ParticipationRatio(maxSamples: c.dim_samples, maxFeatures: c.N)
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        guard let index = checkpoint.saveIndex else { return }
        let c = context.config, samples = samples, steps = steps
        values[index] = try latest.value(at: context.network.parameters.version) {
            // The same run as dim_layers (cached): its first T steps are the training window.
            let states = context.evaluator.run(context.evaluator.set(samples: samples), steps: steps)
            return try participationRatio.compute(states + c.sequenceLength * samples * c.N, samples: samples, features: c.N)
        }
    }

    func collect(into results: inout [String: [Double]]) { results["dim_through_training"] = values.values }
}

/// Saturation of the hidden units (docs/families/farrell-spec.md D.8, a new analysis): per layer, the mean slope
/// φ'(a) (1 − h² for tanh) and the fraction of saturated units (|h| > 0.99 for tanh, h = 0 for
/// relu, NaN for linear), on the dimensionality samples. Layer 0 (the input) is NaN so that the
/// layer axis matches dim_layers.   saturation_derivative, saturation_fraction [2, layers]
final class SaturationAnalysis: CheckpointAnalysis {
    let layers: Int, samples: Int, steps: Int
    var slope: ResultArray, fraction: ResultArray
    let saturation: Saturation

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        [MetricSpec("saturation_derivative", [2, c.analysisLayers], axes: ["state", "layer"]),
         MetricSpec("saturation_fraction", [2, c.analysisLayers], axes: ["state", "layer"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        layers = c.analysisLayers
        samples = c.dim_samples
        steps = c.layerSteps
        slope = ResultArray(count: 2 * layers)
        fraction = ResultArray(count: 2 * layers)
        saturation = Saturation(nonlinearity: c.hid_nonlin)
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        for state in checkpoint.states {
            let n = context.config.N, set = context.evaluator.set(samples: samples)
            let states = context.evaluator.run(set, steps: steps)
            for layer in 1..<layers {
                let (meanSlope, saturated) = saturation.measure(ActivityMatrix(states + layer * samples * n, rows: samples, columns: n))
                slope[state * layers + layer] = meanSlope
                fraction[state * layers + layer] = saturated
            }
        }
    }

    func collect(into results: inout [String: [Double]]) {
        results["saturation_derivative"] = slope.values
        results["saturation_fraction"] = fraction.values
    }
}

extension Checkpoint {
    /// The rows of a [2 (untrained, trained), ...] result this checkpoint fills: the first visit
    /// is the untrained network, the last the trained one (both at once with num_epochs = 0).
    var states: [Int] { (isInitial ? [0] : []) + (isFinal ? [1] : []) }
}
