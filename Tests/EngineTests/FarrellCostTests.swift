import Testing
@testable import Engine
import Values

/// The Farrell cost model (FarrellCost.swift) against its closed forms: the FLOP counts from the
/// shapes, the training seconds as the sum of their parts, and the reuse of evaluations at frozen
/// weights. (How close the seconds come to measured ones is `sweep-mpi bench sweeps`'s job.)
@Suite struct FarrellCostTests {
    static func config(_ values: [String: JSONValue]) throws -> FarrellConfig {
        var all: [String: JSONValue] = ["N": .number(20), "X_dim": .number(5), "n_lag": .number(6), "n_hold": .number(2),
                                        "n_out": .number(1), "num_classes": .number(2), "batch_size": .number(4),
                                        "num_train_samples_per_epoch": .number(40), "num_test_samples_per_epoch": .number(8)]
        for (key, value) in values { all[key] = value }
        return try FarrellConfig(JSONObject(all.sorted { $0.key < $1.key }))
    }

    @Test func forwardAndBackwardCountTheProductsOfTheShapes() throws {
        let c = try Self.config([:])
        // Recurrent: input at the first n_hold = 2 steps (2·B·D·N each), 5 recurrent products
        // (2·B·N² each), the readout at the n_out = 1 loss step (2·B·N·C).
        let b = 4.0, n = 20.0, d = 5.0, classes = 2.0
        #expect(c.forwardFLOPs(batch: 4) == 2 * b * d * n * 2 + 2 * b * n * n * 5 + 2 * b * n * classes)
        #expect(c.backwardFLOPs(batch: 4) == 4 * b * n * n * 5 + 4 * b * n * classes)
        // Feed-forward: n_lag + n_hold = 8 layers, the input once.
        let f = try Self.config(["network": .string("feedforward")])
        #expect(f.forwardFLOPs(batch: 4) == 2 * b * d * n + 2 * b * n * n * 7 + 2 * b * n * classes)
        #expect(f.backwardFLOPs(batch: 4) == 4 * b * n * n * 7 + 2 * b * n * d + 4 * b * n * classes)
    }

    @Test func trainingIsEpochsTimesMinibatchesAndGrowsLinearly() throws {
        let c = try Self.config(["loss": .string("mse"), "num_epochs": .number(3)])
        // 40 training samples in 10 minibatches of 4, 8 validation samples in 2.
        #expect(c.trainingFLOPs == 3 * (10 * (c.forwardFLOPs(batch: 4) + c.backwardFLOPs(batch: 4)) + 2 * c.forwardFLOPs(batch: 4)))
        let twice = try Self.config(["loss": .string("mse"), "num_epochs": .number(6)])
        #expect(abs(twice.estimatedTrainingSeconds / c.estimatedTrainingSeconds - 2) < 1e-12)
        #expect(c.estimatedSeconds == c.estimatedTrainingSeconds + c.analyses.reduce(0) { $0 + c.estimatedSeconds(of: $1) })
    }

    @Test func onlySeparableAdaptiveCCERunsStopStepping() throws {
        // K ≤ D clusters with cce and an adaptive optimiser: the loss reaches exactly 0 after about
        // four epochs; otherwise every minibatch steps.
        #expect(try Self.config(["loss": .string("cce"), "X_clusters": .number(4), "num_epochs": .number(40)]).expectedSteppingFraction == 0.1)
        #expect(try Self.config(["loss": .string("cce"), "X_clusters": .number(4), "num_epochs": .number(2)]).expectedSteppingFraction == 1)
        #expect(try Self.config(["loss": .string("mse"), "X_clusters": .number(4), "num_epochs": .number(40)]).expectedSteppingFraction == 1)
        #expect(try Self.config(["loss": .string("cce"), "optimizer": .string("sgd"), "X_clusters": .number(4),
                                 "num_epochs": .number(40)]).expectedSteppingFraction == 1)
        #expect(try Self.config(["loss": .string("cce"), "X_clusters": .number(60), "num_epochs": .number(40)]).expectedSteppingFraction == 1)
        // Fewer stepping minibatches, fewer seconds.
        let separable = try Self.config(["loss": .string("cce"), "X_clusters": .number(4), "num_epochs": .number(40)])
        let mixed = try Self.config(["loss": .string("cce"), "X_clusters": .number(60), "num_epochs": .number(40)])
        #expect(separable.estimatedTrainingSeconds < mixed.estimatedTrainingSeconds)
    }

    @Test func lyapunovEpochsAfterTheWeightsFreezeAreCountedOnce() throws {
        // Per initial condition and step: 2·N²·(k + 1) + 4·N·k² with k = min(10, N) = 10.
        let perStep = 2.0 * 20 * 20 * 11 + 4.0 * 20 * 100
        let epochs: JSONValue = .array([0, 1, 5, 10, -1].map { .number(Double($0)) })
        let mse = try Self.config(["loss": .string("mse"), "num_epochs": .number(40), "lyap_epochs": epochs])
        #expect(mse.analysisFLOPs(.lyapunov) == 5 * 10 * 1000 * perStep)
        // Separable cce steps for 4 of 40 epochs: 5, 10 and the last share the final weights.
        let cce = try Self.config(["loss": .string("cce"), "X_clusters": .number(4), "num_epochs": .number(40), "lyap_epochs": epochs])
        #expect(cce.analysisFLOPs(.lyapunov) == 3 * 10 * 1000 * perStep)
    }

    @Test func productRateRisesWithTheBatchTowardsTheCoresRate() {
        #expect(abs(FarrellCoreRate.productRate(batch: 1) - FarrellCoreRate.largeBatchProductRate * 2.3 / 13.5) < 1)
        var previous = 0.0
        for batch in [1, 2, 10, 100, 10_000] {
            let rate = FarrellCoreRate.productRate(batch: batch)
            #expect(rate > previous && rate < FarrellCoreRate.largeBatchProductRate)
            previous = rate
        }
        #expect(FarrellCoreRate.productRate(batch: 1_000_000) > 0.999 * FarrellCoreRate.largeBatchProductRate)
    }
}
