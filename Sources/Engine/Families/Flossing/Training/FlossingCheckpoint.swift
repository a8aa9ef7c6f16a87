/// A flossing trial's whole state at a point where it is complete — before epoch `epoch`, with
/// `phaseUpdates` updates of that epoch's flossing phase done — as an `ExperimentState`: the
/// parameters, both optimizers' moments and step counts, the flossing update counter and the
/// record so far. Every random stream is keyed by the epoch or the update number, so a trial
/// resumed from it continues bit-identically.
struct FlossingCheckpoint {
    var epoch: Int
    var phaseUpdates: Int

    static func save(epoch: Int, phaseUpdates: Int, network: RateNetwork, trainer: BitTaskTrainer, flosser: Flosser,
                     record: FlossingRecord) -> ExperimentState {
        let store = network.parameters, count = store.count
        var state = ExperimentState()
        state["position"] = .integer([Int64(epoch), Int64(phaseUpdates), Int64(flosser.updates),
                                      Int64(trainer.optimizer.steps), Int64(flosser.optimizer.steps)])
        state.store("parameters", store.values, count: count)
        state.store("training_first", trainer.optimizer.first, count: count)
        state.store("training_second", trainer.optimizer.second, count: count)
        state.store("flossing_first", flosser.optimizer.first, count: count)
        state.store("flossing_second", flosser.optimizer.second, count: count)
        for (name, values) in record.arrays { state[name] = .double(values) }
        return state
    }

    /// Restores everything from `state`, or throws (leaving the trial as it was) when the state
    /// does not fit this trial.
    static func restore(_ state: ExperimentState, network: RateNetwork, trainer: BitTaskTrainer, flosser: Flosser,
                        record: inout FlossingRecord) throws(ExperimentStateError) -> FlossingCheckpoint {
        let store = network.parameters, count = store.count
        let position = try state.integers("position", count: 5)
        var restored = record
        for (name, values) in record.arrays { try restored.set(name, try state.doubles(name, count: values.count)) }
        let buffers = [("parameters", store.values), ("training_first", trainer.optimizer.first),
                       ("training_second", trainer.optimizer.second), ("flossing_first", flosser.optimizer.first),
                       ("flossing_second", flosser.optimizer.second)]
        // Everything is read before anything is written.
        var copies: [[Float]] = []
        for (name, _) in buffers {
            var values = [Float](repeating: 0, count: count)
            try values.withUnsafeMutableBufferPointer { (pointer) throws(ExperimentStateError) in
                try state.load(name, into: pointer.baseAddress!, count: count)
            }
            copies.append(values)
        }
        for ((_, buffer), values) in zip(buffers, copies) { buffer.update(from: values, count: count) }
        flosser.updates = Int(position[2])
        trainer.optimizer.steps = Int(position[3])
        flosser.optimizer.steps = Int(position[4])
        record = restored
        return FlossingCheckpoint(epoch: Int(position[0]), phaseUpdates: Int(position[1]))
    }
}

extension FlossingRecord {
    /// The record's arrays by name (what a checkpoint stores).
    var arrays: [(String, [Double])] {
        [("train_loss", trainLoss), ("train_accuracy", trainAccuracy), ("gradient_norm", gradientNorm),
         ("flossing_loss", flossingLoss), ("flossing_phase_epochs", phaseEpochs), ("spectrum_initial", spectrumInitial),
         ("spectrum_after_flossing", spectrumAfterFlossing), ("success_epoch", [successEpoch])]
    }

    mutating func set(_ name: String, _ values: [Double]) throws(ExperimentStateError) {
        switch name {
        case "train_loss": trainLoss = values
        case "train_accuracy": trainAccuracy = values
        case "gradient_norm": gradientNorm = values
        case "flossing_loss": flossingLoss = values
        case "flossing_phase_epochs": phaseEpochs = values
        case "spectrum_initial": spectrumInitial = values
        case "spectrum_after_flossing": spectrumAfterFlossing = values
        case "success_epoch": successEpoch = values[0]
        default: throw ExperimentStateError("no record array named \(name)")
        }
    }
}
