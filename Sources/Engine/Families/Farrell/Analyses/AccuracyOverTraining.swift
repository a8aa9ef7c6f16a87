/// Accuracy and loss over training (docs/families/farrell-spec.md D.5): at every save, the network on
/// `acc_samples` balanced samples — accuracy at the last step, the run's loss over the loss steps.
final class AccuracyOverTraining: CheckpointAnalysis {
    var accuracy: ResultArray, loss: ResultArray
    let samples: Int
    var latest = ResultAtWeights<(accuracy: Double, loss: Double)>()

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        let saves = CheckpointSchedule(c).count
        return [MetricSpec("acc_over_training", [saves], axes: ["checkpoint"]),
                MetricSpec("loss_over_training", [saves], axes: ["checkpoint"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        let saves = CheckpointSchedule(c).count
        accuracy = ResultArray(count: saves)
        loss = ResultArray(count: saves)
        samples = c.acc_samples
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        guard let index = checkpoint.saveIndex else { return }
        let c = context.config, evaluator = context.evaluator, samples = samples
        let result = latest.value(at: context.network.parameters.version) {
            let set = evaluator.set(samples: samples)
            let states = evaluator.run(set, steps: c.sequenceLength)
            let (total, correct) = set.labels.withUnsafeBufferPointer { labels in
                context.network.readoutLoss(states: states, batch: set.count, labels: labels.baseAddress!,
                                            logits: evaluator.logits, logitsStride: 0)
            }
            return (Double(correct) / Double(set.count), Double(total / Float(set.count * c.lossSteps.count)))
        }
        accuracy[index] = result.accuracy
        loss[index] = result.loss
    }

    func collect(into results: inout [String: [Double]]) {
        results["acc_over_training"] = accuracy.values
        results["loss_over_training"] = loss.values
    }
}
