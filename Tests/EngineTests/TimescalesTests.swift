import Foundation
import Testing
@testable import Engine

/// The timescales family: its tasks and curricula, its parameters, the whole network's
/// gradient, its analyses on a network with known timescales, and checkpoints.
@Suite struct TimescalesTests {
    static func config(_ values: [String: JSONValue] = [:]) throws(ParameterError) -> TimescalesConfig {
        try TimescalesFamily().configuration(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })).0
    }

    /// A network small enough to train through N 2 and 3 in a few epochs in a test.
    static let tiny: [String: JSONValue] = [
        "hidden_size": .number(32), "batch_size": .number(32), "train_steps": .number(200), "test_batches": .number(4),
        "n_max": .number(3), "max_epochs": .number(6), "readout_heads": .number(2), "tau_net_steps": .number(600),
        "tau_net_trials": .number(2), "ac_lags": .number(20), "fit_lags": .number(10), "model": .string("mod"),
    ]

    static func merged(_ a: [String: JSONValue], _ b: [String: JSONValue]) -> [String: JSONValue] {
        a.merging(b) { $1 }
    }

    // MARK: Tasks

    @Test func parityAndDMSLabelsOfKnownSequences() {
        // Two sequences of M = 6 bits, stored [M, B].
        let first: [Float] = [1, 0, 1, 1, 0, 1], second: [Float] = [0, 0, 0, 1, 1, 0]
        let inputs = (0..<6).flatMap { [first[$0], second[$0]] }
        var labels = [Int32](repeating: -1, count: 3 * 2)
        BitSequences.writeLabels(.parity, ns: [2, 3, 4], length: 6, batch: 2, inputs: inputs, labels: &labels)
        #expect(labels == [1, 1, 0, 0, 1, 0])        // [head, sequence]: parities of the last 2, 3, 4 bits
        BitSequences.writeLabels(.dms, ns: [2, 3, 4], length: 6, batch: 2, inputs: inputs, labels: &labels)
        #expect(labels == [0, 0, 1, 0, 1, 1])        // x_{M−N} = x_{M−1}
        // In time: the parity of bits s − N + 1 … s, and x_s = x_{s−N+1}.
        #expect(BitSequences.targetInTime(.parity, n: 3, bits: first, stride: 1, step: 3) == 0)   // 0 1 1
        #expect(BitSequences.targetInTime(.parity, n: 2, bits: first, stride: 1, step: 2) == 1)   // 0 1
        #expect(BitSequences.targetInTime(.dms, n: 3, bits: first, stride: 1, step: 4) == 0)      // x2 = 1, x4 = 0
        #expect(BitSequences.targetInTime(.dms, n: 4, bits: second, stride: 1, step: 5) == 1)     // x2 = 0, x5 = 0
    }

    @Test func drawnBatchesHaveTheReferenceLengthsBitsAndInitialStates() {
        let batch = 64, hidden = 8, ns = [2, 3, 5]
        var inputs = [Float](repeating: 0, count: 21 * batch), labels = [Int32](repeating: 0, count: 3 * batch)
        var h0 = [Float](repeating: 0, count: batch * hidden)
        var lengths = Set<Int>()
        var perSequence: [Double] = []
        for index in 0..<200 {
            var stream = RandomStream(seed: 1, purpose: TimescalesStream.trainingBatch, index: UInt64(index))
            let m = BitSequences.draw(.parity, ns: ns, batch: batch, hiddenSize: hidden, stream: &stream,
                                      inputs: &inputs, labels: &labels, initialStates: &h0)
            lengths.insert(m)
            for b in 0..<batch { perSequence.append((0..<m).reduce(0.0) { $0 + Double(inputs[$1 * batch + b]) } / Double(m)) }
            var expected = [Int32](repeating: 0, count: 3 * batch)
            BitSequences.writeLabels(.parity, ns: ns, length: m, batch: batch, inputs: inputs, labels: &expected)
            #expect(labels == expected)
            #expect(h0.allSatisfy { $0 >= 0 && $0 < 0.1 })
        }
        // M ~ U{N_last + 2 … 4 N_last + 1} = U{7 … 21}: every value, nothing else.
        #expect(lengths == Set(7...21))
        // p ~ U(0,1) per sequence: the fractions of ones spread over (0, 1), far beyond Bernoulli(0.5).
        let mean = perSequence.reduce(0, +) / Double(perSequence.count)
        let variance = perSequence.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perSequence.count)
        #expect(abs(mean - 0.5) < 0.02 && variance > 0.06, "mean \(mean) variance \(variance) (U(0,1): 1/12 + noise)")
        // N-DMS: Bernoulli(0.5) bits.
        var stream = RandomStream(seed: 2, purpose: TimescalesStream.trainingBatch, index: 0)
        let m = BitSequences.draw(.dms, ns: ns, batch: batch, hiddenSize: hidden, stream: &stream,
                                  inputs: &inputs, labels: &labels, initialStates: &h0)
        let ones = inputs[0..<(m * batch)].reduce(0, +) / Float(m * batch)
        #expect(abs(ones - 0.5) < 0.06)
    }

    // MARK: Curricula

    /// Feeds per-epoch accuracies to a curriculum; returns the lists in play at every epoch and
    /// whether it completed.
    static func script(_ values: [String: JSONValue], _ accuracies: [[Double]]) throws -> ([[Int]], Bool) {
        var curriculum = Curriculum(try config(values))
        var lists: [[Int]] = []
        for epoch in accuracies {
            lists.append(curriculum.ns)
            #expect(epoch.count == curriculum.ns.count, "the script gives one accuracy per head")
            if Curriculum.shouldAdvance(accuracies: epoch, threshold: 98), !curriculum.advance() { return (lists, true) }
        }
        return (lists, false)
    }

    @Test func cumulativeCurriculumOnAScriptedAccuracySequence() throws {
        let (lists, complete) = try Self.script(["curriculum": .string("cumulative"), "n_max": .number(5)], [
            [97.9],                   // below: stay
            [98.0],                   // not above 98: stay
            [99.2],                   // advance to [2, 3]
            [100, 98.0],              // newest not above: stay
            [97, 99],                 // newest above, mean 98.0 not above: stay
            [99, 98.5],               // advance to [2, 3, 4]
            [100, 100, 99],           // advance to [2 … 5]
            [99, 99, 99, 99.1],       // N 5 = n_max reached: complete
        ])
        #expect(lists == [[2], [2], [2], [2, 3], [2, 3], [2, 3], [2, 3, 4], [2, 3, 4, 5]])
        #expect(complete)
    }

    @Test func singleAndSlidingCurricula() throws {
        let (single, singleComplete) = try Self.script(["curriculum": .string("single"), "n_min": .number(3), "n_max": .number(5)],
                                                       [[99], [50], [99], [99]])
        #expect(single == [[3], [4], [4], [5]] && singleComplete)
        // A window of 4 heads forgetting 2: [2 … 5] -> [4 … 7]; the next, [6 … 9], would pass n_max 8.
        let (sliding, slidingComplete) = try Self.script(["curriculum": .string("sliding"), "init_heads": .number(4),
                                                          "forget_heads": .number(2), "n_max": .number(8)],
                                                         [[99, 99, 99, 99], [99, 99, 99, 99]])
        #expect(sliding == [[2, 3, 4, 5], [4, 5, 6, 7]] && slidingComplete)
        // Cumulative with two heads added per milestone.
        let (added, _) = try Self.script(["curriculum": .string("cumulative"), "add_heads": .number(2), "n_max": .number(9)],
                                         [[99], [99, 99, 99]])
        #expect(added == [[2], [2, 3, 4]])
    }

    // MARK: Parameters

    @Test func badParametersNameTheFieldAndTheValue() throws {
        let cases: [([String: JSONValue], String, String)] = [
            (["fixed_tau": .number(0.5)], "fixed_tau", "must be >= 1"),
            (["fixed_tau": .string("2")], "fixed_tau", "expected a number"),
            (["n_max": .number(1)], "n_max", "must be >= n_min"),
            (["n_max": .number(40), "readout_heads": .number(20)], "readout_heads", "needs 39 heads"),
            (["curriculum": .string("sliding"), "init_heads": .number(2), "forget_heads": .number(3)], "forget_heads", "window"),
            (["curriculum": .string("stacked")], "curriculum", "unknown name"),
            (["model": .string("modified")], "model", "unknown name"),
            (["activation": .string("gelu")], "activation", "unknown name"),
            (["task": .string("dms"), "n_min": .number(1)], "n_min", "N-DMS"),
            (["analyses": .array([.string("lyapunov")])], "analyses", "unknown analysis"),
            (["analyses": .array([.string("ablation")]), "ablation_ns": .array([.number(200)])], "ablation_ns", "n_min...n_max"),
            (["analyses": .array([.string("perturbation")]), "n_max": .number(20)], "perturbation_ns", "n_min...n_max"),
            (["tau_net_steps": .number(400)], "tau_net_burn_in", "must leave"),
            (["learning_rate": .number(-1)], "learning_rate", "> 0"),
            (["momentum": .number(1)], "momentum", "[0, 1)"),
            (["hidden_size": .number(0)], "hidden_size", "1...8192"),
            (["n_mx": .number(3)], "n_mx", "did you mean \"n_max\""),
        ]
        for (values, field, reason) in cases {
            do {
                _ = try Self.config(values)
                Issue.record("\(values) was accepted")
            } catch {
                #expect(error.field == field, "\(values): \(error)")
                #expect("\(error)".contains(reason), "\(values): \(error)")
                if let value = values[field], case .number = value { #expect("\(error)".contains(value.compactText), "\(error) names the value") }
            }
        }
    }

    @Test func resolvedParametersStartWithTheReferenceDefaults() throws {
        let (c, resolved) = try TimescalesFamily().configuration(JSONObject())
        #expect(resolved.keys.prefix(8) == ["seed", "task", "curriculum", "model", "activation", "hidden_size", "fixed_tau", "readout_heads"])
        #expect(resolved["fixed_tau"] == .null && c.fixed_tau == nil)
        #expect(c.hidden_size == 500 && c.batch_size == 256 && c.train_steps == 600 && c.test_batches == 50)
        #expect(c.learning_rate == 0.05 && c.momentum == 0.1 && c.clip_norm == 2 && c.max_epochs == 1000)
        #expect(c.model == .default && c.activation == .leakyReLU && c.curriculum == .cumulative && c.readout_heads == 100)
        #expect(c.tau_net_trials == 10 && c.tau_net_steps == 101_000 && c.tau_net_burn_in == 500 && c.recordedStates == 100_501)
    }

    // MARK: Network

    @Test func initialisationFollowsPyTorchsDefaults() throws {
        let c = try Self.config(["hidden_size": .number(100), "readout_heads": .number(3), "n_max": .number(4)])
        let network = TimescaleNetwork(config: c, maxSteps: 4, maxBatch: 1)
        network.initialize()
        let p = network.parameters
        func values(_ name: String) -> [Float] { Array(UnsafeBufferPointer(start: p.values(name), count: p.spec(name).count)) }
        #expect(values("tau").allSatisfy { $0 >= 1 && $0 < 2 } && p.spec("tau").trainable)
        #expect(values("W_in").allSatisfy { abs($0) <= 1 } && values("W_in").contains { abs($0) > 0.9 })
        #expect(values("W_hh").allSatisfy { abs($0) <= 0.1 } && values("W_hh").contains { abs($0) > 0.095 })
        #expect((0..<100).allSatisfy { values("W_hh")[$0 * 101] == 0 }, "no self-coupling")
        #expect(values("W_out").allSatisfy { abs($0) <= 0.1 })
        // The heads do not depend on how many are allocated.
        let more = TimescaleNetwork(config: try Self.config(["hidden_size": .number(100), "readout_heads": .number(7), "n_max": .number(4)]),
                                    maxSteps: 4, maxBatch: 1)
        more.initialize()
        #expect(Array(UnsafeBufferPointer(start: more.parameters.values("W_out"), count: 600)) == values("W_out"))
        // A fixed τ: every unit, not trained.
        let fixed = TimescaleNetwork(config: try Self.config(["fixed_tau": .number(2), "n_max": .number(4)]), maxSteps: 4, maxBatch: 1)
        fixed.initialize()
        #expect((0..<500).allSatisfy { fixed.parameters.values("tau")[$0] == 2 } && !fixed.parameters.spec("tau").trainable)
    }

    /// The minibatch loss (two heads) against central differences in every parameter but the
    /// zeroed diagonal, for both update rules.
    @Test(arguments: ["default", "mod"])
    func wholeNetworkGradient(model: String) throws {
        let c = try Self.config(["hidden_size": .number(6), "batch_size": .number(5), "n_max": .number(3), "readout_heads": .number(3),
                                 "model": .string(model), "activation": .string("tanh"), "seed": .number(4)])
        let network = TimescaleNetwork(config: c, maxSteps: c.maxSequenceLength, maxBatch: c.batch_size)
        network.initialize()
        let p = network.parameters
        // Scale the recurrence up from its tiny initial values so that every term matters.
        for i in 0..<36 { p.values("W_hh")[i] *= 8 }
        let trainer = CurriculumTrainer(config: c, network: network)
        let ns = [2, 3]
        _ = trainer.computeGradients(heads: 2, length: trainer.draw(ns: ns, purpose: TimescalesStream.trainingBatch, epoch: 0, index: 0))
        let analytic = Array(UnsafeBufferPointer(start: p.gradients, count: p.count))
        let diagonal = Set((0..<6).map { p.offsets[3] + $0 * 7 })
        var difference = 0.0, norm = 0.0
        let epsilon: Float = 1e-2
        for i in 0..<p.count where !diagonal.contains(i) {
            let saved = p.values[i]
            p.values[i] = saved + epsilon; let plus = Double(trainer.minibatchLoss(ns: ns, epoch: 0, index: 0))
            p.values[i] = saved - epsilon; let minus = Double(trainer.minibatchLoss(ns: ns, epoch: 0, index: 0))
            p.values[i] = saved
            let numeric = (plus - minus) / Double(2 * epsilon)
            difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += max(numeric * numeric, Double(analytic[i]) * Double(analytic[i]))
        }
        let error = (difference / norm).squareRoot()
        #expect(error < 5e-3, "relative error \(error)")
        // The third head is not in play: no gradient.
        #expect((0..<(2 * 6)).allSatisfy { p.gradients("W_out")[4 * 6 + $0] == 0 })
        #expect(analytic[p.offsets[0]..<(p.offsets[0] + 6)].contains { $0 != 0 }, "tau learns")
    }

    // MARK: Analyses

    /// Without recurrent weights and with f(W_in x + b) = x, a `mod` unit is h' = (1 − 1/τ) h + x/τ:
    /// an AR(1) of white input, whose autocorrelation is (1 − 1/τ)^k: the single-exponential fit
    /// finds τ_AC = −1 / ln(1 − 1/τ). (Which fit wins by AIC depends on the sampling noise of the
    /// long lags: scipy's fits on the same data also often prefer a slow, tiny second component.)
    @Test func networkTimescalesOfUncoupledLeakyUnits() throws {
        let c = try Self.config(["hidden_size": .number(6), "n_max": .number(3), "model": .string("mod"), "tau_net_trials": .number(4),
                                 "tau_net_steps": .number(40_000), "ac_lags": .number(40)])
        let network = TimescaleNetwork(config: c, maxSteps: 4, maxBatch: 4)
        network.initialize()
        let p = network.parameters
        let taus: [Float] = [1.5, 2, 3, 5, 8, 12]
        for i in 0..<6 { p.values("tau")[i] = taus[i]; p.values("W_in")[i] = 1; p.values("b_in")[i] = 0; p.values("b_hh")[i] = 0 }
        p.values("W_hh").update(repeating: 0, count: 36)
        var results = TimescalesResults(c)
        try NetworkTimescales(config: c, network: network).analyse(n: 2, row: 0, into: &results)
        let tauNet = results.values["tau_net"]!, models = results.values["tau_net_model"]!
        let single = results.values["fit_single"]!, double = results.values["fit_double"]!, aic = results.values["fit_aic"]!
        for i in 0..<6 {
            let expected = -1 / log(1 - 1 / Double(taus[i]))
            #expect(abs(single[2 * i + 1] - expected) < 0.05 * expected, "unit \(i): \(single[2 * i + 1]) vs \(expected)")
            #expect(abs(single[2 * i] - 1) < 0.02, "amplitude of a normalised autocorrelation")
            // τ_net is the chosen model's (slowest) timescale.
            if models[i] == 1 {
                #expect(aic[2 * i] < aic[2 * i + 1] && tauNet[i] == single[2 * i + 1])
            } else {
                #expect(models[i] == 2 && aic[2 * i + 1] < aic[2 * i] && tauNet[i] == max(double[4 * i + 1], double[4 * i + 2]))
            }
        }
        // The population sum is a sum of such processes: its autocorrelation decreases.
        let population = results.values["population_ac"]!
        #expect(population[0] > population[5] && population[5] > population[30])
        #expect(results.values["pca_dimension"]!.prefix(4).allSatisfy { $0 >= 0 && $0 < 6 })
    }

    // MARK: Training and checkpoints

    /// A control that saves a checkpoint at every opportunity (keeping all of them), optionally
    /// starts from a given state, and can stop the run after a number of polls.
    final class Recorder: ExperimentControl {
        var saved: [ExperimentState] = []
        var polls = 0
        var resumedAt: [String] = []
        let stopAfter: Int?
        let start: ExperimentState?
        init(stopAfter: Int? = nil, start: ExperimentState? = nil) { self.stopAfter = stopAfter; self.start = start }
        func shouldStop(progress: Double) -> Bool { polls += 1; return polls == stopAfter }
        func restoreCheckpoint() -> ExperimentState? { start }
        func checkpointDue() -> Bool { true }
        func saveCheckpoint(_ state: ExperimentState) throws { saved.append(try ExperimentState(decoding: state.encoded())) }
        func resumed(at position: String) { resumedAt.append(position) }
    }

    static func bits(_ result: ExperimentResult) -> [String: [UInt64]] {
        result.metrics.mapValues { $0.map(\.bitPattern) }
    }

    @Test func trainsThroughTheCurriculumAndResumesBitIdenticallyFromAnyCheckpoint() throws {
        let c = try Self.config(Self.tiny)
        let reference = try TimescalesExperiment(c).run(RunToCompletion())
        #expect(reference.divergence == nil)
        let r = reference.metrics
        #expect(r["largest_n"]![0] == 3, "the tiny network reaches N 3: \(r["milestone_epoch"]!)")
        #expect(r["milestone_epoch"]![0] <= 1 && r["milestone_epoch"]![1] > r["milestone_epoch"]![0])
        let epochs = Int(r["epochs"]![0])
        #expect(epochs == Int(r["milestone_epoch"]![1]) + 1, "stops once N 3 = n_max is reached")
        #expect(r["loss"]![epochs - 1].isFinite && r["loss"]![epochs].isNaN && r["n_newest"]![epochs - 1] == 3)
        #expect(r["tau_net"]!.prefix(16).contains { $0.isFinite } && r["pca_dimension"]![0].isFinite)
        #expect(Self.bits(try TimescalesExperiment(c).run(RunToCompletion())) == Self.bits(reference), "deterministic")

        // Stopped mid-epoch (poll 250: epoch 1, minibatch 50): it saves its state, then a rerun resumes it.
        let stopped = Recorder(stopAfter: 250)
        #expect(throws: ExperimentCancelled.self) { _ = try TimescalesExperiment(c).run(stopped) }
        let last = try #require(stopped.saved.last)
        #expect(try last.integers("position", count: 2) == [1, 50])
        let resumed = Recorder(start: last)
        #expect(Self.bits(try TimescalesExperiment(c).run(resumed)) == Self.bits(reference))
        #expect(resumed.resumedAt == ["epoch 1, minibatch 50"])
        // Checkpoints at an epoch boundary and at the last minibatch of an epoch resume as well.
        let positions = try stopped.saved.map { try $0.integers("position", count: 2) }
        #expect(positions.contains([1, 0]) && positions.contains([0, 200]))
        for state in stopped.saved where [[1, 0], [0, 200]].contains(try state.integers("position", count: 2)) {
            #expect(Self.bits(try TimescalesExperiment(c).run(Recorder(start: state))) == Self.bits(reference))
        }
        // A state that does not fit (another network size) is ignored: the run starts over.
        let other = try Self.config(Self.merged(Self.tiny, ["hidden_size": .number(8)]))
        let stranger = Recorder(stopAfter: 3)
        _ = try? TimescalesExperiment(other).run(stranger)
        let fresh = Recorder(start: stranger.saved.last)
        #expect(Self.bits(try TimescalesExperiment(c).run(fresh)) == Self.bits(reference))
        #expect(fresh.resumedAt.isEmpty)
    }

    @Test func ablationAndPerturbationAnalysesAtTheirMilestones() throws {
        let c = try Self.config(Self.merged(Self.tiny, [
            "analyses": .array([.string("ablation"), .string("perturbation")]), "ablation_ns": .array([.number(2)]),
            "ablation_neurons": .number(3), "perturbation_ns": .array([.number(3)]), "accuracy_trials": .number(2),
            "accuracy_steps": .number(60), "accuracy_warmup": .number(10)]))
        let result = try TimescalesExperiment(c).run(RunToCompletion())
        let m = result.metrics
        let units = m["ablation_units"]!, taus = m["ablation_tau"]!
        #expect(Set(units).count == 6 && units.allSatisfy { $0 >= 0 && $0 < 32 })
        #expect(taus[0] <= taus[1] && taus[1] <= taus[2] && taus[2] <= taus[3], "fastest first, slowest last")
        #expect(m["ablation_baseline"]!.allSatisfy { $0 >= 0 && $0 <= 1 } && m["ablation_accuracy"]!.count == 12)
        #expect(m["ablation_accuracy"]!.allSatisfy { $0 >= 0 && $0 <= 1 })
        // ε = 0 is the unperturbed network: the weight and the τ arrays agree there.
        let weights = m["perturbation_weights_accuracy"]!, tau = m["perturbation_tau_accuracy"]!
        #expect(weights.count == 11 * 2 && tau.count == 14 * 2 && weights[0..<2] == tau[0..<2])
        #expect(m["perturbation_weights_strength"]! == TimescalesResults.weightPerturbations)
        // The largest weight perturbation (10 ‖W‖) leaves chance accuracy.
        #expect(weights[20..<22].allSatisfy { abs($0 - 0.5) < 0.25 })
    }

    @Test func metricShapesComeFromTheConfigAlone() throws {
        let c = try Self.config(["curriculum": .string("single"), "n_max": .number(20), "max_epochs": .number(300)])
        let shapes = Dictionary(uniqueKeysWithValues: TimescalesExperiment(c).metrics.map { ($0.name, $0.shape) })
        #expect(shapes["accuracy"] == [300, 1] && shapes["tau"] == [19, 500] && shapes["fit_double"] == [19, 500, 4])
        #expect(shapes["population_ac"] == [19, 200] && shapes["pca_dimension"] == [19, 10] && shapes["largest_n"] == [])
        #expect(shapes["ablation_accuracy"] == nil)
        let cumulative = try Self.config(["n_max": .number(20)])
        #expect(TimescalesExperiment(cumulative).metrics.first { $0.name == "accuracy" }?.shape == [1000, 19])
    }

    // MARK: Differential trace

    @Test func traceEvaluatesWeightSetsWithFewerHeadsAndAScalarTau() throws {
        let c = try Self.config(["hidden_size": .number(6), "batch_size": .number(8), "n_max": .number(3), "readout_heads": .number(4),
                                 "test_batches": .number(3)])
        var s = RandomStream(seed: 9, purpose: RandomPurpose(rawValue: 0))
        func random(_ shape: [Int]) -> TraceArray {
            .float32((0..<shape.reduce(1, *)).map { _ in Float(0.3 * s.nextNormal()) }, shape: shape)
        }
        var inputs: [String: TraceArray] = [
            "weights/x/tau": .float32([2], shape: [1]), "weights/x/W_in": random([6, 1]), "weights/x/b_in": random([6]),
            "weights/x/W_hh": random([6, 6]), "weights/x/b_hh": random([6]),
            "weights/x/W_out": random([4, 6]), "weights/x/b_out": random([4]),      // two heads of the four
        ]
        let settings = JSONObject([("steps", .number(1)), ("pairs", .array([.array([.number(0), .number(2)]), .array([.number(1), .number(3)])]))])
        let output = try TimescalesExperiment(c).trace(inputs: inputs, settings: settings)
        #expect(output["analysis/x/tau_mean"] == .float64([2], shape: [1]), "a scalar tau is every unit's")
        let accuracy = try #require(output["analysis/x/accuracy"]).doubles
        #expect(accuracy.count == 2 && accuracy.allSatisfy { $0 >= 0 && $0 <= 100 })
        #expect(output["grads/step_000000/tau"]?.shape == [6] && output["series/train_loss"]?.count == 1)
        // A tensor of the wrong shape is named.
        inputs["weights/x/W_hh"] = random([5, 5])
        #expect(throws: TraceInputError.self) { _ = try TimescalesExperiment(c).trace(inputs: inputs, settings: settings) }
        let badPairs = JSONObject([("pairs", .array([.array([.number(7), .number(2)])]))])
        #expect(throws: TraceInputError.self) { _ = try TimescalesExperiment(c).trace(inputs: [:], settings: badPairs) }
    }
}
