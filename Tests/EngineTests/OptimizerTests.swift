import Foundation
import Testing
@testable import Engine

@Suite struct OptimizerTests {
    /// θ = 1 (trainable) and a frozen neighbour, constant gradient 0.5, two steps of lr 0.1.
    static func twoSteps(_ kind: OptimizerKind, momentum: Double = 0) -> (Float, Float, Float) {
        let store = ParameterStore([TensorSpec("theta", [1], trainable: true), TensorSpec("frozen", [1], trainable: false)])
        store.values[0] = 1; store.values[1] = 7
        let optimizer = Optimizer(kind: kind, parameters: store, momentum: momentum)
        store.gradients[0] = 0.5; store.gradients[1] = 0.5
        optimizer.step(learningRate: 0.1)
        let first = store.values[0]
        optimizer.step(learningRate: 0.1)
        return (first, store.values[0], store.values[1])
    }

    @Test func rmspropUsesAlpha09AndEpsilonOutsideTheRoot() {
        // v1 = 0.1·0.25 = 0.025, θ1 = 1 − 0.1·0.5/√0.025; v2 = 0.9·0.025 + 0.025, θ2 = θ1 − 0.1·0.5/√0.0475.
        let (first, second, frozen) = Self.twoSteps(.rmsprop)
        #expect(abs(first - 0.683_772_234) < 1e-6)
        #expect(abs(second - 0.454_356_5) < 1e-6)
        #expect(frozen == 7)
    }

    @Test func rmspropWithMomentum() {
        // buf1 = 3.16227766, buf2 = 0.5·buf1 + 2.29415734.
        let (first, second, _) = Self.twoSteps(.rmsprop, momentum: 0.5)
        #expect(abs(first - 0.683_772_234) < 1e-6)
        #expect(abs(second - 0.296_242_617) < 1e-6)
    }

    @Test func sgdWithAndWithoutMomentum() {
        let (first, second, frozen) = Self.twoSteps(.sgd, momentum: 0.9)
        #expect(abs(first - 0.95) < 1e-7)       // buf = g on the first step
        #expect(abs(second - 0.855) < 1e-6)     // buf = 0.9·0.5 + 0.5
        #expect(frozen == 7)
        let (plainFirst, plainSecond, _) = Self.twoSteps(.sgd)
        #expect(abs(plainFirst - 0.95) < 1e-7 && abs(plainSecond - 0.9) < 1e-6)
    }

    @Test func adamIsBiasCorrected() {
        // A constant gradient makes every bias-corrected Adam step exactly lr (up to ε).
        let (first, second, _) = Self.twoSteps(.adam, momentum: 0.9)
        #expect(abs(first - 0.9) < 1e-6)
        #expect(abs(second - 0.8) < 1e-6)
    }
}

@Suite struct SchedulerTests {
    func run(_ schedule: LearningRateSchedule, losses: [Double]) -> [Double] {
        var schedule = schedule
        return losses.map { schedule.epochEnded(validationLoss: $0); return schedule.learningRate }
    }

    @Test func plateauReducesAfterMoreThanPatienceBadEpochs() {
        let s = LearningRateSchedule(kind: .plateau, learningRate: 1, factor: 0.5, patience: 2)
        #expect(s.learningRate == 1)
        // 0.5 − 5e-8 is not better than 0.5 by the absolute threshold 1e-7.
        let rates = run(s, losses: [1, 0.5, 0.5 - 5e-8, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4])
        #expect(rates == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
    }

    @Test func plateauWithAZeroLossHalvesEverySixEpochs() {
        // The reference's Fig 2 runs: 40 epochs of exactly zero validation loss take the
        // learning rate from 1e-3 to 1.5625e-5.
        let s = LearningRateSchedule(kind: .plateau, learningRate: 1e-3, factor: 0.5, patience: 5)
        let rates = run(s, losses: [Double](repeating: 0, count: 40))
        #expect(rates.last == 1e-3 / 64)
        #expect(rates[5] == 1e-3 && rates[6] == 5e-4 && rates[12] == 2.5e-4)
    }

    @Test func stepLR() {
        let s = LearningRateSchedule(kind: .steplr, learningRate: 1, factor: 0.1, patience: 3)
        let rates = run(s, losses: [Double](repeating: 1, count: 7))
        let expected = [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01]
        for (r, e) in zip(rates, expected) { #expect(abs(r - e) < 1e-12) }
    }

    @Test func cyclicTriangularAndHalving() {
        let s = LearningRateSchedule(kind: .cyclic, learningRate: 1, factor: 0.1, patience: 2)
        #expect(abs(s.learningRate - 0.1) < 1e-12)
        let rates = run(s, losses: [Double](repeating: 1, count: 6))
        for (r, e) in zip(rates, [0.55, 1.0, 0.55, 0.1, 0.55, 1.0]) { #expect(abs(r - e) < 1e-12) }
        let halving = run(LearningRateSchedule(kind: .cyclicHalving, learningRate: 1, factor: 0.1, patience: 2),
                          losses: [Double](repeating: 1, count: 6))
        for (r, e) in zip(halving, [0.55, 1.0, 0.55, 0.1, 0.325, 0.55]) { #expect(abs(r - e) < 1e-12) }
    }

    @Test func oneCycleCosine() {
        let s = LearningRateSchedule(kind: .onecyclelr, learningRate: 1, factor: 10, patience: 3,
                                     totalSteps: 10, finalDivision: 1e4)
        #expect(abs(s.learningRate - 0.1) < 1e-12)
        let rates = run(s, losses: [Double](repeating: 1, count: 9))
        #expect(abs(rates[0] - 0.55) < 1e-12)          // halfway through the warm-up
        #expect(abs(rates[1] - 1.0) < 1e-12)           // peak at step learning_patience − 1
        let fraction = 3.0 / 7.0                       // step 5 of the 7-step annealing phase
        #expect(abs(rates[4] - (1e-5 + (1 - 1e-5) / 2 * (1 + cos(Double.pi * fraction)))) < 1e-12)
        #expect(abs(rates[8] - 1e-5) < 1e-15)          // final lr = lr / (div · final_div)
    }
}
