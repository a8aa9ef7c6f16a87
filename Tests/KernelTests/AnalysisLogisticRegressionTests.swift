import Kernels
import Foundation
import Testing

@Suite struct LogisticRegressionTests {
    /// Blobs around `classes` random centres in d dimensions (overlapping when `spread` is large).
    func blobs(samples n: Int, features d: Int, classes: Int, spread: Double, seed: UInt64) -> (features: [Double], labels: [Int]) {
        var random = TestRandom(seed: seed)
        let centres = random.gaussians(classes * d)
        var features = [Double](repeating: 0, count: n * d), labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            labels[i] = i % classes
            for j in 0..<d { features[i * d + j] = centres[labels[i] * d + j] + spread * random.gaussian() }
        }
        return (features, labels)
    }

    /// Central finite-difference gradient of the exposed objective.
    func finiteDifferenceGradient(_ solver: LogisticRegression, at point: [Double], features: [Double], featureCount d: Int,
                                  labels: [Int], classes: Int, strength: Double, step: Double = 1e-5) throws -> [Double] {
        try point.indices.map { index in
            var plus = point, minus = point
            plus[index] += step
            minus[index] -= step
            let up = try solver.objective(parameters: plus, features: features, samples: labels.count, featureCount: d,
                                          labels: labels, classes: classes, inverseRegularization: strength)
            let down = try solver.objective(parameters: minus, features: features, samples: labels.count, featureCount: d,
                                            labels: labels, classes: classes, inverseRegularization: strength)
            return (up - down) / (2 * step)
        }
    }

    @Test(arguments: [2, 3])
    func gradientVanishesAtTheSolution(classes: Int) throws {
        let d = 4
        let (features, labels) = blobs(samples: 90, features: d, classes: classes, spread: 1.2, seed: UInt64(classes))
        let solver = LogisticRegression(maxSamples: 90, maxFeatures: d, maxClasses: 3)
        let model = try solver.fit(features: features, featureCount: d, labels: labels, classes: classes, inverseRegularization: 0.7)
        #expect(model.report.converged)
        #expect(model.report.gradientNorm < 1e-10 * (1 + abs(model.report.objective)))
        #expect(model.outputs == (classes == 2 ? 1 : classes))
        let numerical = try finiteDifferenceGradient(solver, at: model.parameters, features: features, featureCount: d,
                                                     labels: labels, classes: classes, strength: 0.7)
        #expect(numerical.allSatisfy { abs($0) < 1e-6 })
        // And the analytic gradient agrees with finite differences away from the optimum.
        var random = TestRandom(seed: 99)
        let point = random.gaussians(model.parameters.count, scale: 0.5)
        var analytic = [Double](repeating: 0, count: point.count)
        _ = try solver.gradient(parameters: point, features: features, samples: labels.count, featureCount: d, labels: labels,
                                classes: classes, inverseRegularization: 0.7, into: &analytic)
        let reference = try finiteDifferenceGradient(solver, at: point, features: features, featureCount: d, labels: labels,
                                                     classes: classes, strength: 0.7)
        for (a, b) in zip(analytic, reference) { #expect(abs(a - b) < 1e-6 * max(1, abs(b))) }
    }

    /// A warm start from a nearby problem's solution reaches the same (unique) optimum in fewer steps,
    /// and with that solution's last Hessian factor for the first step (`.previousFit`) in fewer
    /// Hessians than from the same point without it (`.given`).
    @Test(arguments: [2, 3])
    func warmStartReachesTheSameOptimum(classes: Int) throws {
        let d = 12, n = 120
        let (features, labels) = blobs(samples: n, features: d, classes: classes, spread: 0.9, seed: 7)
        var random = TestRandom(seed: 8)
        let nearby = zip(features, random.gaussians(features.count, scale: 0.01)).map { $0 + $1 }
        let warm = LogisticRegression(maxSamples: n, maxFeatures: d, maxClasses: 3)
        let cold = LogisticRegression(maxSamples: n, maxFeatures: d, maxClasses: 3)
        try labels.withUnsafeBufferPointer { y in
            _ = try warm.solve(features: features, samples: n, featureCount: d, labels: y.baseAddress!, classes: classes)
            let warmReport = try warm.solve(features: nearby, samples: n, featureCount: d, labels: y.baseAddress!, classes: classes,
                                            start: .previousFit)
            let coldReport = try cold.solve(features: nearby, samples: n, featureCount: d, labels: y.baseAddress!, classes: classes)
            #expect(warmReport.converged && coldReport.converged)
            let given = LogisticRegression(maxSamples: n, maxFeatures: d, maxClasses: 3)
            _ = try given.solve(features: features, samples: n, featureCount: d, labels: y.baseAddress!, classes: classes)
            let start = Array(given.currentParameters!)
            let givenReport = try start.withUnsafeBufferPointer {
                try given.solve(features: nearby, samples: n, featureCount: d, labels: y.baseAddress!, classes: classes,
                                start: .given($0.baseAddress!))
            }
            #expect(givenReport.converged)
            #expect(warmReport.hessians < givenReport.hessians, "\(warmReport.hessians) vs \(givenReport.hessians)")
            for (x, z) in zip(Array(warm.currentParameters!), Array(given.currentParameters!)) { #expect(abs(x - z) <= 1e-8 * max(1, abs(z))) }
            #expect(warmReport.iterations < coldReport.iterations, "\(warmReport.iterations) vs \(coldReport.iterations)")
            let a = Array(warm.currentParameters!), b = Array(cold.currentParameters!)
            for (x, z) in zip(a, b) { #expect(abs(x - z) <= 1e-8 * max(1, abs(z))) }
            #expect(try warm.accuracy(features: nearby, samples: n, labels: y.baseAddress!)
                    == cold.accuracy(features: nearby, samples: n, labels: y.baseAddress!))
        }
    }

    /// The binary fit's Newton steps with the Hessian in Float reach the Double Hessian's optimum: the
    /// gradient decides convergence in both, so the parameters agree to the tolerance and the accuracies
    /// exactly, on a cluster-holdout sized problem (400 samples, 200 tanh-like features, overlapping
    /// classes) and on a small separable one.
    @Test(arguments: [(400, 200, 2.5), (60, 5, 0.3)])
    func singlePrecisionHessianReachesTheSameOptimum(shape: (Int, Int, Double)) throws {
        let (n, d, spread) = shape
        let (raw, labels) = blobs(samples: n, features: d, classes: 2, spread: spread, seed: 31)
        let features = raw.map { tanh(0.5 * $0) }
        func fit(_ single: Bool) throws -> LogisticModel {
            let solver = LogisticRegression(maxSamples: n, maxFeatures: d)
            solver.singlePrecisionHessian = single
            return try solver.fit(features: features, featureCount: d, labels: labels, classes: 2)
        }
        let single = try fit(true), double = try fit(false)
        #expect(single.report.converged && double.report.converged)
        #expect(single.report.gradientNorm < 1e-10 * (1 + abs(single.report.objective)))
        for (a, b) in zip(single.parameters, double.parameters) { #expect(abs(a - b) <= 1e-8 * max(1, abs(b)), "\(a) vs \(b)") }
        #expect(abs(single.report.objective - double.report.objective) <= 1e-12 * abs(double.report.objective))
        features.withUnsafeBufferPointer {
            #expect(single.accuracy(features: $0.baseAddress!, labels: labels) == double.accuracy(features: $0.baseAddress!, labels: labels))
        }
    }

    @Test func symmetricOneFeatureProblemMatchesOneDimensionalMinimum() throws {
        // x = +1: 7 samples of class 1, 3 of class 0; x = −1: the mirror image. By symmetry b = 0 and
        // w minimises the convex ½w² + 2C (7 softplus(−w) + 3 softplus(w)); its derivative
        // w + 2C (3 σ(w) − 7 σ(−w)) is increasing, so bisection finds the minimiser to rounding.
        let strength = 0.5
        var features: [Double] = [], labels: [Int] = []
        for _ in 0..<7 { features += [1, -1]; labels += [1, 0] }
        for _ in 0..<3 { features += [1, -1]; labels += [0, 1] }
        func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }
        func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        func objective(_ w: Double) -> Double { 0.5 * w * w + 2 * strength * (7 * softplus(-w) + 3 * softplus(w)) }
        func derivative(_ w: Double) -> Double { w + 2 * strength * (3 * sigmoid(w) - 7 * sigmoid(-w)) }
        var (low, high) = (0.0, 10.0)
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if derivative(middle) > 0 { high = middle } else { low = middle }
        }
        let solver = LogisticRegression(maxSamples: 20, maxFeatures: 1)
        let model = try solver.fit(features: features, featureCount: 1, labels: labels, classes: 2, inverseRegularization: strength)
        #expect(abs(model.coefficient(output: 0, feature: 0) - (low + high) / 2) < 1e-8)
        #expect(abs(model.intercept(output: 0)) < 1e-10)
        #expect(abs(model.report.objective - objective((low + high) / 2)) < 1e-12)
    }

    @Test(arguments: [(40, 3), (20, 50)])
    func separableDataIsFittedWithFiniteWeights(shape: (Int, Int)) throws {
        // Well-separated blobs (n > d), and random labels with more features than samples (n < d):
        // both separable; the L2 term keeps the optimum finite.
        let (n, d) = shape
        var (features, labels) = blobs(samples: n, features: d, classes: 2, spread: 0.05, seed: 7)
        if d > n {
            var random = TestRandom(seed: 8)
            features = random.gaussians(n * d)
        }
        let solver = LogisticRegression(maxSamples: n, maxFeatures: d)
        let model = try solver.fit(features: features, featureCount: d, labels: labels, classes: 2)
        #expect(model.report.converged)
        #expect(model.accuracy(features: features, labels: labels) == 1)
        #expect(model.parameters.allSatisfy { $0.isFinite && abs($0) < 100 })
    }

    @Test func multinomialSolutionIsSymmetricAndAccurate() throws {
        let d = 2
        let (features, labels) = blobs(samples: 150, features: d, classes: 3, spread: 0.5, seed: 3)
        let solver = LogisticRegression(maxSamples: 150, maxFeatures: d, maxClasses: 3)
        let model = try solver.fit(features: features, featureCount: d, labels: labels, classes: 3)
        #expect(model.report.converged)
        // At the optimum Σ_c w_c = 0 (stationarity of the shift-invariant loss plus ½‖W‖²), and the
        // intercept gauge keeps Σ_c b_c = 0.
        for j in 0..<d { #expect(abs((0..<3).reduce(0) { $0 + model.coefficient(output: $1, feature: j) }) < 1e-9) }
        #expect(abs((0..<3).reduce(0) { $0 + model.intercept(output: $1) }) < 1e-9)
        #expect(model.accuracy(features: features, labels: labels) > 0.8)
        // The workspace form gives the same accuracy.
        let workspaceAccuracy = try labels.withUnsafeBufferPointer {
            try solver.accuracy(features: features, samples: labels.count, labels: $0.baseAddress!)
        }
        #expect(workspaceAccuracy == model.accuracy(features: features, labels: labels))
    }

    @Test(arguments: [2, 3])
    func invariantToPermutingSamples(classes: Int) throws {
        let d = 5, n = 60
        let (features, labels) = blobs(samples: n, features: d, classes: classes, spread: 1, seed: 17)
        var random = TestRandom(seed: 18)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, random.integer(below: i + 1)) }
        let permutedFeatures = order.flatMap { features[($0 * d)..<($0 * d + d)] }
        let permutedLabels = order.map { labels[$0] }
        let solver = LogisticRegression(maxSamples: n, maxFeatures: d, maxClasses: 3)
        let original = try solver.fit(features: features, featureCount: d, labels: labels, classes: classes)
        let permuted = try solver.fit(features: permutedFeatures, featureCount: d, labels: permutedLabels, classes: classes)
        for (a, b) in zip(original.parameters, permuted.parameters) { #expect(abs(a - b) < 1e-9 * max(1, abs(a))) }
    }

    @Test func badInputThrows() throws {
        let solver = LogisticRegression(maxSamples: 4, maxFeatures: 2)
        let features: [Double] = [0, 1, 1, 0, 2, 2, 3, 1]
        #expect(throws: AnalysisInputError.self) { try solver.fit(features: features, featureCount: 2, labels: [0, 1, 2, 0], classes: 2) }
        #expect(throws: AnalysisInputError.self) { try solver.fit(features: features, featureCount: 2, labels: [1, 1, 1, 1], classes: 2) }
        #expect(throws: AnalysisInputError.self) { try solver.fit(features: features, featureCount: 2, labels: [0, 1, 0, 1, 0], classes: 2) }
        #expect(throws: AnalysisInputError.self) { try solver.fit(features: features, featureCount: 3, labels: [0, 1], classes: 2) }
        #expect(throws: AnalysisInputError.self) { try solver.fit(features: features, featureCount: 2, labels: [0, 1, 0, 1], classes: 3) }
        #expect(throws: AnalysisInputError.self) {
            try solver.fit(features: features, featureCount: 2, labels: [0, 1, 0, 1], classes: 2, inverseRegularization: 0)
        }
        // A value that is not finite is named by its sample and feature.
        for (index, value, field) in [(3, Double.nan, "features[1, 1]"), (4, .infinity, "features[2, 0]"), (7, -.infinity, "features[3, 1]")] {
            var broken = features
            broken[index] = value
            #expect(throws: AnalysisInputError(field: field, value: value, reason: "must be finite")) {
                try solver.fit(features: broken, featureCount: 2, labels: [0, 1, 0, 1], classes: 2)
            }
        }
        let fresh = LogisticRegression(maxSamples: 4, maxFeatures: 2)
        #expect(throws: AnalysisInputError.self) { try fresh.accuracy(features: features, samples: 4, labels: [0, 1, 0, 1]) }
    }
}
