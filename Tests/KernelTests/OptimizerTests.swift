import Foundation
import Testing
@testable import Kernels

@Suite struct OptimizerTests {
    /// θ = 1 (trainable) and a frozen neighbour, constant gradient 0.5, two steps of lr 0.1.
    static func twoSteps(_ rule: OptimizerRule) -> (Float, Float, Float) {
        let store = ParameterStore([TensorSpec("theta", [1], trainable: true), TensorSpec("frozen", [1], trainable: false)])
        store.values[0] = 1; store.values[1] = 7
        let optimizer = Optimizer(rule, parameters: store)
        store.gradients[0] = 0.5; store.gradients[1] = 0.5
        optimizer.step(learningRate: 0.1)
        let first = store.values[0]
        optimizer.step(learningRate: 0.1)
        return (first, store.values[0], store.values[1])
    }

    @Test func rmspropUsesAlpha09AndEpsilonOutsideTheRoot() {
        // v1 = 0.1·0.25 = 0.025, θ1 = 1 − 0.1·0.5/√0.025; v2 = 0.9·0.025 + 0.025, θ2 = θ1 − 0.1·0.5/√0.0475.
        let (first, second, frozen) = Self.twoSteps(.rmsprop(smoothing: 0.9, epsilon: 1e-8))
        #expect(abs(first - 0.683_772_234) < 1e-6)
        #expect(abs(second - 0.454_356_5) < 1e-6)
        #expect(frozen == 7)
    }

    @Test func rmspropWithMomentum() {
        // buf1 = 3.16227766, buf2 = 0.5·buf1 + 2.29415734.
        let (first, second, _) = Self.twoSteps(.rmsprop(smoothing: 0.9, epsilon: 1e-8, momentum: 0.5))
        #expect(abs(first - 0.683_772_234) < 1e-6)
        #expect(abs(second - 0.296_242_617) < 1e-6)
    }

    @Test func sgdWithAndWithoutMomentum() {
        let (first, second, frozen) = Self.twoSteps(.sgd(momentum: 0.9))
        #expect(abs(first - 0.95) < 1e-7)       // buf = g on the first step
        #expect(abs(second - 0.855) < 1e-6)     // buf = 0.9·0.5 + 0.5
        #expect(frozen == 7)
        let (plainFirst, plainSecond, _) = Self.twoSteps(.sgd(momentum: 0))
        #expect(abs(plainFirst - 0.95) < 1e-7 && abs(plainSecond - 0.9) < 1e-6)
    }

    @Test func adamIsBiasCorrected() {
        // A constant gradient makes every bias-corrected Adam step exactly lr (up to ε).
        let (first, second, _) = Self.twoSteps(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        #expect(abs(first - 0.9) < 1e-6)
        #expect(abs(second - 0.8) < 1e-6)
    }

    @Test func sgdNesterovAndWeightDecay() {
        // Nesterov, μ 0.5: d = 0.5; buf1 = d, θ1 = 1 − 0.1 (d + 0.5 buf1) = 0.925;
        // buf2 = 0.5·0.5 + 0.5 = 0.75, θ2 = θ1 − 0.1 (0.5 + 0.375) = 0.8375.
        let (first, second, frozen) = Self.twoSteps(.sgd(momentum: 0.5, nesterov: true))
        #expect(abs(first - 0.925) < 1e-6 && abs(second - 0.8375) < 1e-6 && frozen == 7)
        // Weight decay 0.1 adds 0.1 θ to the gradient: θ1 = 1 − 0.1 (0.5 + 0.1) = 0.94,
        // θ2 = 0.94 − 0.1 (0.5 + 0.094) = 0.8806.
        let (decayed1, decayed2, _) = Self.twoSteps(.sgd(momentum: 0, weightDecay: 0.1))
        #expect(abs(decayed1 - 0.94) < 1e-6 && abs(decayed2 - 0.8806) < 1e-6)
    }

    @Test func adamWeightDecayCoupledAndDecoupled() {
        // Coupled (PyTorch Adam): the first bias-corrected step is lr·sign(g + λθ) = 0.1.
        let (coupled, _, _) = Self.twoSteps(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5))
        #expect(abs(coupled - 0.9) < 1e-6)
        // Decoupled (AdamW): θ ·= 1 − lr λ = 0.95 first, then the Adam step of 0.1.
        let (decoupled, _, frozen) = Self.twoSteps(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5, decoupled: true))
        #expect(abs(decoupled - 0.85) < 1e-6 && frozen == 7)
    }
}

@Suite struct OptimizerLaneTests {
    /// The 8-lane loops give exactly the scalar arithmetic, for every entry (19: two full vectors
    /// and a tail), over several steps.
    @Test(arguments: [OptimizerRule.rmsprop(smoothing: 0.9, epsilon: 1e-8),
                      .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)])
    func vectorAndScalarArithmeticAgree(rule: OptimizerRule) {
        let count = 19
        let store = ParameterStore([TensorSpec("theta", [count], trainable: true)])
        var s = RandomStream(seed: 4, purpose: RandomPurpose(rawValue: 0))
        for i in 0..<count { store.values[i] = Float(s.nextNormal()) }
        var theta = (0..<count).map { store.values[$0] }
        var first = [Float](repeating: 0, count: count), second = [Float](repeating: 0, count: count)
        let optimizer = Optimizer(rule, parameters: store)
        for step in 1...4 {
            let gradients = (0..<count).map { _ in Float(s.nextNormal()) }
            for i in 0..<count { store.gradients[i] = gradients[i] }
            optimizer.step(learningRate: 0.01)
            for i in 0..<count {
                let g = gradients[i]
                switch rule {
                case .rmsprop:
                    second[i] = second[i] * Float(0.9) + Float(1 - 0.9) * g * g
                    theta[i] += Float(-0.01) * (g / (second[i].squareRoot() + Float(1e-8)))
                default:
                    first[i] += Float(1 - 0.9) * (g - first[i])
                    second[i] = second[i] * Float(0.999) + Float(1 - 0.999) * g * g
                    let root = Float((1 - pow(0.999, Double(step))).squareRoot())
                    theta[i] += Float(-0.01 / (1 - pow(0.9, Double(step)))) * (first[i] / (second[i].squareRoot() / root + Float(1e-8)))
                }
            }
            #expect((0..<count).map { store.values[$0].bitPattern } == theta.map(\.bitPattern), "step \(step)")
        }
    }
}

@Suite struct GradientClippingTests {
    static func store(_ gradients: [Float]) -> ParameterStore {
        let store = ParameterStore([TensorSpec("a", [2], trainable: true), TensorSpec("frozen", [1], trainable: false),
                                    TensorSpec("b", [1], trainable: true)])
        for (i, g) in gradients.enumerated() { store.gradients[i] = g }
        return store
    }

    @Test func clipByNormScalesTheTrainableGradientsOnly() {
        let s = Self.store([3, 0, 100, 4])            // trainable norm 5 (the frozen 100 does not count)
        #expect(abs(GradientClipping.norm(s) - 5) < 1e-12)
        let before = GradientClipping.clipNorm(s, maxNorm: 1)
        #expect(abs(before - 5) < 1e-12)
        let scale = Float(1 / (5 + 1e-6))
        #expect(s.gradients[0] == 3 * scale && s.gradients[3] == 4 * scale && s.gradients[2] == 100)
        #expect(abs(GradientClipping.norm(s) - 1) < 1e-6)
        let small = Self.store([0.3, 0, 0, 0.4])
        GradientClipping.clipNorm(small, maxNorm: 1)   // below the limit: unchanged
        #expect(small.gradients[0] == 0.3 && small.gradients[3] == 0.4)
    }

    @Test func clipByValue() {
        let s = Self.store([3, -0.5, 100, -4])
        GradientClipping.clipValue(s, limit: 1)
        #expect(s.gradients[0] == 1 && s.gradients[1] == -0.5 && s.gradients[2] == 100 && s.gradients[3] == -1)
    }
}

@Suite struct SchedulerTests {
    func run(_ schedule: LearningRateSchedule, losses: [Double]) -> [Double] {
        var schedule = schedule
        return losses.map { schedule.epochEnded(validationLoss: $0); return schedule.learningRate }
    }

    @Test func plateauReducesAfterMoreThanPatienceBadEpochs() {
        let s = LearningRateSchedule(kind: .plateau, learningRate: 1, factor: 0.5, patience: 2, totalSteps: 1, finalDivision: 1, plateauThreshold: 1e-7)
        #expect(s.learningRate == 1)
        // 0.5 − 5e-8 is not better than 0.5 by the absolute threshold 1e-7.
        let rates = run(s, losses: [1, 0.5, 0.5 - 5e-8, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4])
        #expect(rates == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
    }

    @Test func plateauWithAZeroLossHalvesEverySixEpochs() {
        // The reference's Fig 2 runs: 40 epochs of exactly zero validation loss take the
        // learning rate from 1e-3 to 1.5625e-5.
        let s = LearningRateSchedule(kind: .plateau, learningRate: 1e-3, factor: 0.5, patience: 5, totalSteps: 1, finalDivision: 1, plateauThreshold: 1e-7)
        let rates = run(s, losses: [Double](repeating: 0, count: 40))
        #expect(rates.last == 1e-3 / 64)
        #expect(rates[5] == 1e-3 && rates[6] == 5e-4 && rates[12] == 2.5e-4)
    }

    @Test func stepLR() {
        let s = LearningRateSchedule(kind: .steplr, learningRate: 1, factor: 0.1, patience: 3, totalSteps: 1, finalDivision: 1, plateauThreshold: 0)
        let rates = run(s, losses: [Double](repeating: 1, count: 7))
        let expected = [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01]
        for (r, e) in zip(rates, expected) { #expect(abs(r - e) < 1e-12) }
    }

    @Test func cyclicTriangularAndHalving() {
        let s = LearningRateSchedule(kind: .cyclic, learningRate: 1, factor: 0.1, patience: 2, totalSteps: 1, finalDivision: 1, plateauThreshold: 0)
        #expect(abs(s.learningRate - 0.1) < 1e-12)
        let rates = run(s, losses: [Double](repeating: 1, count: 6))
        for (r, e) in zip(rates, [0.55, 1.0, 0.55, 0.1, 0.55, 1.0]) { #expect(abs(r - e) < 1e-12) }
        let halving = run(LearningRateSchedule(kind: .cyclicHalving, learningRate: 1, factor: 0.1, patience: 2, totalSteps: 1, finalDivision: 1, plateauThreshold: 0),
                          losses: [Double](repeating: 1, count: 6))
        for (r, e) in zip(halving, [0.55, 1.0, 0.55, 0.1, 0.325, 0.55]) { #expect(abs(r - e) < 1e-12) }
    }

    @Test func oneCycleCosine() {
        let s = LearningRateSchedule(kind: .onecyclelr, learningRate: 1, factor: 10, patience: 3,
                                     totalSteps: 10, finalDivision: 1e4, plateauThreshold: 0)
        #expect(abs(s.learningRate - 0.1) < 1e-12)
        let rates = run(s, losses: [Double](repeating: 1, count: 9))
        #expect(abs(rates[0] - 0.55) < 1e-12)          // halfway through the warm-up
        #expect(abs(rates[1] - 1.0) < 1e-12)           // peak at step learning_patience − 1
        let fraction = 3.0 / 7.0                       // step 5 of the 7-step annealing phase
        #expect(abs(rates[4] - (1e-5 + (1 - 1e-5) / 2 * (1 + cos(Double.pi * fraction)))) < 1e-12)
        #expect(abs(rates[8] - 1e-5) < 1e-15)          // final lr = lr / (div · final_div)
    }
}
