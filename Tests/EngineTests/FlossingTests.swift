import Foundation
import Testing
@testable import Engine

/// The flossing family: parameters (the reference's names, aliases, bad values), the delayed bit
/// tasks, the training and flossing gradients against finite differences, what flossing does to
/// the spectrum, reproducibility and divergence.
@Suite struct FlossingTests {
    static func config(_ values: [String: JSONValue]) throws(ParameterError) -> FlossingConfig {
        try FlossingConfig(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    static func error(_ values: [String: JSONValue]) -> ParameterError? {
        do { _ = try config(values); return nil } catch { return error }
    }

    /// A small network that trains in a fraction of a second in a debug build.
    static let smallValues: [String: JSONValue] = [
        "N": .number(12), "nLE": .number(5), "T": .number(40), "delay": .number(3), "B": .number(4), "E": .number(6),
        "Ep": .number(3), "Ef": .number(2), "Ei": .number(2), "Ni": .number(2), "Tp": .number(20),
        "spectrum_steps": .number(40), "test_samples": .number(10), "seed": .number(3)]

    static func small(_ extra: [String: JSONValue]) throws -> FlossingConfig {
        try config(smallValues.merging(extra) { $1 })
    }

    // MARK: - Parameters

    @Test func defaultsAreTheReadmeExample() throws {
        let c = FlossingConfig.defaults
        #expect(c.N == 80 && c.E == 3001 && c.Ef == 100 && c.Ei == 500 && c.Ep == 500 && c.Ni == 2 && c.B == 16)
        #expect(c.T == 300 && c.Tp == 55 && c.lr == 1e-3 && c.b1 == 0.9 && c.b2 == 0.999 && c.IC == .gaussian)
        #expect(c.g == 1 && c.gbar == 0 && c.I1 == 1 && c.delay == 10 && c.wsS == 1 && c.wrS == 1 && c.bS == 0.1)
        #expect(c.nLE == 75 && c.task == -1 && c.Lwnt == 0 && c.clip_norm == 0.03)
        // The reference's derived quantities: 16 discarded steps of 55, flossing before 1-based epochs 100 and 200.
        #expect(c.flossingTransient == 16 && c.lossStart == 20 && c.interflossingEpochs == [99, 199])
        #expect(c.flossingUpdates == 1500 && c.flossingPhases == 3 && c.updatesPerPhase == 500)
        #expect(try Self.config(["N": .number(40)]).nLE == 40)
    }

    @Test func aliasesNameTheSameTrial() throws {
        let family = FlossingFamily()
        let (_, canonical) = try family.configuration(JSONObject([("delay", .number(20)), ("nLE", .number(10)), ("E", .number(5))]))
        let (_, aliased) = try family.configuration(JSONObject([("d", .number(20)), ("k", .number(10)), ("epochs", .number(5))]))
        #expect(canonical == aliased)
        #expect(canonical.keys == family.parameterNames)
        #expect(family.acceptedNames.contains("d") && family.acceptedNames.contains("preflossing_updates"))
        let coded = try Self.config(["IC": .number(3)]), named = try Self.config(["coupling": .string("orthogonal")])
        #expect(coded.IC == .orthogonal && named.IC == .orthogonal)
    }

    @Test func badParametersAreRejectedClearly() {
        let cases: [([String: JSONValue], String, String)] = [
            (["N": .number(8), "nLE": .number(9)], "nLE", "must be <= N (8)"),
            (["N": .number(8), "k": .number(12)], "nLE", "must be <= N (8)"),
            (["delay": .number(150)], "delay", "too large for T = 300: the loss starts at step d 2^h (XOR of level 1) = 300, which must be < T"),
            (["task": .number(0), "delay": .number(150)], "delay", "the loss starts at step 2 d (copy) = 300"),
            (["task": .number(-3), "d": .number(40)], "delay", "d 2^h (XOR of level 3) = 320"),
            (["task": .number(1)], "task", "unknown task: 0 is the delayed copy, -h the delayed XOR of level h"),
            (["task": .number(-11)], "task", "unknown task"),
            (["task": .string("xor")], "task", "expected an integer"),
            (["Tp": .number(12)], "Tp", "must exceed the 12 discarded steps"),
            (["spectrum_steps": .number(5)], "spectrum_steps", "must exceed"),
            (["IC": .number(2)], "IC", "the reference's 1 (gaussian) and 3 (orthogonal)"),
            (["IC": .string("haar")], "IC", "expected one of"),
            (["delay": .number(0)], "delay", "must be in 1...100000"),
            (["d": .number(0)], "d", "must be in 1...100000"),
            (["d": .number(5), "delay": .number(5)], "d", "is another name of delay, which is already given as delay"),
            (["dealy": .number(5)], "dealy", "did you mean \"delay\""),
            (["lr": .number(0)], "lr", "> 0"),
            (["accuracy_threshold": .number(1.5)], "accuracy_threshold", "(0, 1]"),
            (["N": .number(4096), "T": .number(1_000_000)], "N", "GiB of memory"),
        ]
        for (values, field, fragment) in cases {
            let error = Self.error(values)
            #expect(error?.field == field, "\(values): \(String(describing: error))")
            #expect(error?.reason.contains(fragment) == true, "\(values): \(String(describing: error?.reason)) should contain \(fragment)")
        }
        // Without preflossing or interflossing, Tp is never used and not checked.
        #expect(Self.error(["Tp": .number(5), "Ep": .number(0), "Ni": .number(0)]) == nil)
    }

    // MARK: - Tasks

    /// Targets against the definition, recomputed from the inputs: copy s_{t−d}; XOR of level h the
    /// parity of s_{t−d}, ..., s_{t−2^h d}; scored from 2d (copy) or d 2^h (XOR).
    @Test(arguments: [(0, 1), (0, 4), (0, 7), (-1, 1), (-1, 5), (-2, 3), (-3, 2)])
    func targetsFollowTheDefinition(task: Int, delay: Int) throws {
        let c = try Self.config(["task": .number(Double(task)), "delay": .number(Double(delay)), "T": .number(70), "I1": .number(0.5)])
        let level = -task
        #expect(c.lossStart == (task == 0 ? 2 * delay : delay << level))
        let generator = DelayedBitTask(level: level, delay: delay, amplitude: c.I1, steps: c.T, lossStart: c.lossStart)
        let batch = 5
        var inputs = [Float](repeating: -1, count: c.T * batch), targets = [Float](repeating: -1, count: c.lossSteps * batch)
        var stream = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 99))
        generator.draw(batch: batch, inputs: &inputs, targets: &targets, stream: &stream)
        var ones = 0
        for b in 0..<batch {
            func bit(_ t: Int) -> Int {
                #expect(inputs[t * batch + b] == 0 || inputs[t * batch + b] == 0.5)
                return inputs[t * batch + b] == 0.5 ? 1 : 0
            }
            for t in c.lossStart..<c.T {
                let expected = level == 0 ? bit(t - delay) : (1...(1 << level)).reduce(0) { $0 ^ bit(t - $1 * delay) }
                #expect(targets[(t - c.lossStart) * batch + b] == Float(expected), "task \(task), d \(delay), t \(t)")
                ones += expected
            }
        }
        // Both classes occur (the bits are random).
        #expect(ones > 0 && ones < batch * c.lossSteps)
    }

    // MARK: - Gradients

    /// Central differences of a Float32 loss over every entry of `names`: relative error of the whole vector.
    static func relativeError(_ store: ParameterStore, _ names: [String], epsilon: Float,
                              loss: () throws -> Double, analytic: () throws -> Void) rethrows -> Double {
        try analytic()
        let gradients = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        var difference = 0.0, norm = 0.0
        for name in names {
            let values = store.values(name), range = store.range(name)
            for i in 0..<range.count {
                let saved = values[i]
                values[i] = saved + epsilon; let plus = try loss()
                values[i] = saved - epsilon; let minus = try loss()
                values[i] = saved
                let numeric = (plus - minus) / Double(2 * epsilon), exact = Double(gradients[range.lowerBound + i])
                difference += (numeric - exact) * (numeric - exact)
                norm += numeric * numeric
            }
        }
        return (difference / norm).squareRoot()
    }

    /// BPTT through the whole training loss: readout from x at the scored steps, the recurrence,
    /// the trainable initial states.
    @Test(arguments: [0, -1])
    func trainingGradientMatchesFiniteDifferences(task: Int) throws {
        let c = try Self.small(["task": .number(Double(task)), "N": .number(6), "T": .number(14), "delay": .number(2), "B": .number(3)])
        let network = RateNetwork(config: c)
        try network.initialize()
        let trainer = BitTaskTrainer(config: c, network: network)
        let error = Self.relativeError(network.parameters, ["ws", "J", "b", "wr", "offset", "xInit"], epsilon: 1e-2,
                                       loss: { trainer.gradient(epoch: 4).loss }, analytic: { _ = trainer.gradient(epoch: 4) })
        #expect(error < 1e-2, "relative error \(error)")
    }

    /// The flossing loss mean_i λ_i² through the spectrum, the QRs and the trajectory, for k < N and k = N.
    @Test(arguments: [5, 8])
    func flossingGradientMatchesFiniteDifferences(k: Int) throws {
        let c = try Self.small(["N": .number(8), "nLE": .number(Double(k)), "g": .number(1.5), "Lwnt": .number(-0.1)])
        let network = RateNetwork(config: c)
        try network.initialize()
        let flosser = try Flosser(config: c, network: network)
        let error = try Self.relativeError(network.parameters, ["ws", "J", "b"], epsilon: 3e-3,
                                           loss: { try flosser.gradient(update: 2) }, analytic: { _ = try flosser.gradient(update: 2) })
        #expect(error < 2e-2, "k \(k): relative error \(error)")
        // Flossing leaves the readout and the initial states alone.
        _ = try flosser.gradient(update: 2)
        for name in ["wr", "offset", "xInit"] {
            let range = network.parameters.range(name)
            #expect((range).allSatisfy { network.parameters.gradients[$0] == 0 })
        }
    }

    // MARK: - Runs

    /// Preflossing drives the k exponents towards zero (the paper's claim), measured on the
    /// recorded spectra of a held-out probe input.
    @Test func preflossingDrivesTheExponentsToZero() throws {
        let c = try Self.small(["N": .number(16), "nLE": .number(8), "Ep": .number(150), "E": .number(1), "Ni": .number(0),
                                "lr": .number(0.01), "spectrum_steps": .number(300)])
        let result = try FlossingExperiment(c).run(RunToCompletion())
        let before = result.metrics["spectrum_initial"]!, after = Array(result.metrics["spectrum_after_flossing"]!.prefix(8))
        let meanBefore = before.map(abs).reduce(0, +) / 8, meanAfter = after.map(abs).reduce(0, +) / 8
        #expect(meanAfter < 0.3 * meanBefore, "mean |λ| \(meanBefore) -> \(meanAfter)")
        let losses = result.metrics["flossing_loss"]!
        #expect(losses[149] < 0.2 * losses[0], "flossing loss \(losses[0]) -> \(losses[149])")
    }

    @Test func metricsHaveTheirDeclaredShapesAndRunsAreReproducible() throws {
        let c = try Self.small([:])
        let experiment = FlossingExperiment(c)
        let first = try experiment.run(RunToCompletion()), second = try experiment.run(RunToCompletion())
        for spec in experiment.metrics {
            let values = try #require(first.metrics[spec.name], "\(spec.name) missing")
            #expect(values.count == spec.elementCount, "\(spec.name)")
            #expect(values.map(\.bitPattern) == second.metrics[spec.name]!.map(\.bitPattern), "\(spec.name) differs between runs")
        }
        #expect(Set(first.metrics.keys) == Set(experiment.metrics.map(\.name)))
        #expect(Set(first.timings.keys) == Set(FlossingFamily().timingNames))
        // Phases: preflossing before epoch 0, interflossing before 0-based epochs 1 and 3 (1-based 2 and 4).
        #expect(first.metrics["flossing_phase_epochs"]! == [0, 1, 3])
        #expect(first.metrics["flossing_loss"]!.count == 3 * 3 && first.metrics["flossing_loss"]![5].isNaN)
        #expect(first.metrics["train_loss"]!.allSatisfy(\.isFinite) && first.metrics["test_accuracy"]![0].isFinite)
        #expect(first.divergence == nil && first.metrics["diverged_epoch"]![0].isNaN)
        #expect(c.estimatedFLOPs > 0)
    }

    /// An absurd learning rate makes the first flossing update's Float32 step size (lr / (1 − β1))
    /// overflow. The divergence is a result that says where it happened, and what was computed
    /// before it is kept.
    @Test func anOverflowingNetworkDivergesInFlossing() throws {
        let c = try Self.small(["lr": .number(1e38)])
        let result = try FlossingExperiment(c).run(RunToCompletion())
        #expect(result.divergence == "weights became non-finite in flossing phase 0, update 0, before epoch 0", "\(String(describing: result.divergence))")
        #expect(result.metrics["diverged_epoch"] == [0])
        #expect(result.metrics["spectrum_initial"]!.allSatisfy(\.isFinite) && result.metrics["flossing_loss"]![0].isFinite)
        #expect(result.metrics["train_loss"]!.allSatisfy(\.isNaN) && result.metrics["test_accuracy"]![0].isNaN)
        // Without flossing, the first training update does.
        let unflossed = try FlossingExperiment(try Self.small(["lr": .number(1e38), "Ep": .number(0), "Ni": .number(0)])).run(RunToCompletion())
        #expect(unflossed.divergence == "weights became non-finite in epoch 0", "\(String(describing: unflossed.divergence))")
        #expect(unflossed.metrics["train_loss"]![0].isFinite)
    }

    /// A control that stops the trial at its `stopAt`-th poll (saving a checkpoint, as a drain
    /// does) and hands a saved state to the next run.
    final class Interrupting: ExperimentControl {
        var polls = 0
        let stopAt: Int?
        var saved: ExperimentState?
        let restored: ExperimentState?
        init(stopAt: Int?, restoring: ExperimentState?) { self.stopAt = stopAt; restored = restoring }
        func shouldStop(progress: Double) -> Bool { polls += 1; return polls == stopAt }
        func restoreCheckpoint() -> ExperimentState? { restored }
        func checkpointDue() -> Bool { false }
        func saveCheckpoint(_ state: ExperimentState) throws { saved = try ExperimentState(decoding: state.encoded()) }
    }

    /// Stopped in preflossing, after an epoch, in interflossing or after the last epoch, and resumed
    /// from the checkpoint it saved (twice in a row too), a trial gives the uninterrupted results bit
    /// for bit. The polls of the small trial: preflossing updates 1–3, epoch 0, interflossing 5–6,
    /// epochs 1 and 2, interflossing 9–10, epochs 3, 4 and 5.
    @Test(arguments: [[2], [4], [6], [10], [13], [2, 3], [5, 6]])
    func aStoppedTrialResumesBitIdentically(stops: [Int]) throws {
        let c = try Self.small([:])
        let reference = try FlossingExperiment(c).run(RunToCompletion())
        var state: ExperimentState?
        for stop in stops {
            let control = Interrupting(stopAt: stop, restoring: state)
            #expect(throws: ExperimentCancelled.self) { try FlossingExperiment(c).run(control) }
            state = try #require(control.saved, "no checkpoint saved at poll \(stop)")
        }
        let resumed = try FlossingExperiment(c).run(Interrupting(stopAt: nil, restoring: state))
        for (name, values) in reference.metrics {
            #expect(resumed.metrics[name]!.map(\.bitPattern) == values.map(\.bitPattern), "\(name) after stops at \(stops)")
        }
        // A state that does not fit the trial (another N) is ignored: the trial starts over.
        let other = Interrupting(stopAt: 4, restoring: nil)
        _ = try? FlossingExperiment(try Self.small(["N": .number(10)])).run(other)
        let fresh = try FlossingExperiment(c).run(Interrupting(stopAt: nil, restoring: other.saved))
        #expect(fresh.metrics["test_accuracy"]!.map(\.bitPattern) == reference.metrics["test_accuracy"]!.map(\.bitPattern))
    }

    /// A stop request abandons the trial.
    @Test func aStopRequestCancels() throws {
        final class StopAtOnce: ExperimentControl { func shouldStop(progress: Double) -> Bool { true } }
        #expect(throws: ExperimentCancelled.self) { try FlossingExperiment(try Self.small([:])).run(StopAtOnce()) }
    }
}
