/// Accuracy and loss over training (farrell.md D.5): at every save, the network on
/// `acc_samples` balanced samples — accuracy at the last step, the run's loss over the loss steps.
final class AccuracyOverTraining: CheckpointAnalysis {
    var accuracy: ResultArray, loss: ResultArray
    let samples: Int

    static func results(_ c: RunConfig) -> [ResultSpec] {
        let saves = CheckpointSchedule(c).count
        return [ResultSpec("acc_over_training", [saves], axes: ["checkpoint"]),
                ResultSpec("loss_over_training", [saves], axes: ["checkpoint"])]
    }

    init(_ c: RunConfig) {
        let saves = CheckpointSchedule(c).count
        accuracy = ResultArray(count: saves)
        loss = ResultArray(count: saves)
        samples = c.acc_samples
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        guard let index = checkpoint.saveIndex else { return }
        let c = context.config, evaluator = context.evaluator
        let set = evaluator.set(samples: samples)
        _ = evaluator.run(set, steps: c.sequenceLength)
        var total: Float = 0
        var correct = 0
        set.labels.withUnsafeBufferPointer { labels in
            for t in c.lossSteps {
                let y = evaluator.logits(set, afterSteps: t + 1)
                total += Loss.evaluate(c.loss, logits: y, labels: labels.baseAddress!, batch: set.count, outputs: c.outputSize)
                if t == c.lossSteps.upperBound - 1 {
                    correct = Loss.correctCount(c.loss, logits: y, labels: labels.baseAddress!, batch: set.count, outputs: c.outputSize)
                }
            }
        }
        accuracy[index] = Double(correct) / Double(set.count)
        loss[index] = Double(total / Float(set.count * c.lossSteps.count))
    }

    func collect(into results: inout [String: [Double]]) {
        results["acc_over_training"] = accuracy.values
        results["loss_over_training"] = loss.values
    }
}
