import CBLAS
import Foundation

/// How a logistic-regression fit ended.
public struct LogisticFitReport: Sendable, Equatable {
    /// Newton steps taken.
    public var iterations: Int
    /// Whether ‖∇f‖ < gradientTolerance · (1 + |f|) was reached.
    public var converged: Bool
    /// Objective f at the returned parameters.
    public var objective: Double
    /// ‖∇f‖₂ at the returned parameters.
    public var gradientNorm: Double
    /// Largest ridge that had to be added to the Hessian's diagonal for the Cholesky factorisation (0 normally).
    public var ridge: Double
    /// Hessians assembled and factored (the other steps reused a factor).
    public var hessians = 0
}

/// Where Newton's method starts.
public enum NewtonStart {
    /// θ = 0 (scikit-learn's start).
    case zero
    /// The previous fit's parameters (when it had the same shape; else 0).
    case previousFit
    /// These parameters [outputs, featureCount + 1].
    case given(UnsafePointer<Double>)
}

/// A fitted L2-regularised logistic regression (scikit-learn's `LogisticRegression` conventions).
public struct LogisticModel: Sendable, Equatable {
    /// Number of classes (labels are 0..<classes).
    public var classes: Int
    /// Number of input features d.
    public var featureCount: Int
    /// Score outputs: 1 for two classes (class 1 iff score > 0, scikit-learn's binary form), else `classes`.
    public var outputs: Int
    /// [outputs, featureCount + 1] row-major: each output's coefficients, then its intercept.
    public var parameters: [Double]
    public var report: LogisticFitReport

    public func coefficient(output: Int, feature: Int) -> Double { parameters[output * (featureCount + 1) + feature] }
    public func intercept(output: Int) -> Double { parameters[output * (featureCount + 1) + featureCount] }

    /// Predicted class of one sample `features` [d].
    public func predict(_ features: UnsafePointer<Double>) -> Int {
        parameters.withUnsafeBufferPointer { predictedClass($0.baseAddress!, outputs: outputs, featureCount: featureCount, sample: features) }
    }

    /// Fraction of the samples `features` [n, d] whose predicted class equals `labels` [n].
    public func accuracy(features: UnsafePointer<Double>, labels: [Int]) -> Double {
        labels.withUnsafeBufferPointer { labelBuffer in
            parameters.withUnsafeBufferPointer {
                classificationAccuracy($0.baseAddress!, outputs: outputs, featureCount: featureCount, features: features,
                                       samples: labels.count, labels: labelBuffer.baseAddress!)
            }
        }
    }
}

/// L2-regularised logistic regression with an unpenalised intercept, matching scikit-learn's
/// `LogisticRegression()` defaults (farrell-spec.md D.3): minimises
///
///     f(θ) = ½ ‖W‖_F² + C Σ_i logloss_i,
///
/// binary (one sigmoid output) for two classes, multinomial (softmax over all classes, ½‖W‖_F² over all
/// rows) for more. Solved by Newton's method on the exact Hessian (LAPACK Cholesky; a small ridge only if
/// the factorisation fails) with a backtracking Armijo line search, to ‖∇f‖ < 1e-10·(1 + |f|) or 100
/// iterations. The L2 term keeps the optimum finite on separable data (every class must be present:
/// otherwise the unpenalised intercept runs off to infinity, which is reported as an input error).
///
/// Multinomial intercepts are determined only up to a common shift (f is invariant to it, so the
/// Hessian is singular along it). The Newton system uses H + u uᵀ, u = 1 on every intercept: starting
/// from Σ_c b_c = 0 every step keeps that sum, the gauge scikit-learn's symmetric solution has too.
///
/// Construct once with the largest sizes; `solve` and `accuracy` then allocate nothing.
public final class LogisticRegression {
    public let maxSamples: Int
    public let maxFeatures: Int
    public let maxClasses: Int
    /// Newton iteration limit (scikit-learn's max_iter).
    public var maxIterations = 100
    /// Relative gradient-norm tolerance.
    public var gradientTolerance = 1e-10
    /// Whether a binary fit's Newton steps solve with the Hessian in Float (assembled and factored at
    /// twice the speed). The gradient, the objective and the convergence test stay Double, so the fit
    /// ends at the same point to the tolerance: a direction accurate to κ·6e-8 only changes how fast
    /// Newton gets there (tested against the Double Hessian in AnalysisLogisticRegressionTests).
    public var singlePrecisionHessian = true

    private let maxOutputs: Int
    private let augmented: UnsafeMutablePointer<Double>     // X̃ = [X, 1] [n, d+1]
    private let weightedRows: UnsafeMutablePointer<Double>  // diag(w) X̃ [n, d+1], Hessian scratch
    private let scores: UnsafeMutablePointer<Double>        // Z = X̃ θᵀ [n, K']
    private let probabilities: UnsafeMutablePointer<Double> // p [n, K']
    private let residuals: UnsafeMutablePointer<Double>     // p − onehot [n, K']
    private let parameters: UnsafeMutablePointer<Double>    // θ [K', d+1]
    private let trial: UnsafeMutablePointer<Double>         // θ + t Δ [K', d+1]
    private let gradient: UnsafeMutablePointer<Double>      // ∇f [K', d+1]
    private let direction: UnsafeMutablePointer<Double>     // Δ [P], P = K'(d+1)
    private let hessian: UnsafeMutablePointer<Double>       // ∇²f [P, P]
    private let factor: UnsafeMutablePointer<Double>        // Cholesky factor [P, P]
    /// The binary fit's Hessian in Float: √w X̃ [n, d+1], ∇²f and its factor [P, P], a direction [P].
    private let weightedRowsSingle, hessianSingle, factorSingle, directionSingle: UnsafeMutablePointer<Float>
    private var fitted: Problem?
    /// The parameter count and precision of the Cholesky factor in `factor` or `factorSingle`: the last
    /// Hessian factored without a ridge, nil when there is none.
    private var factorShape: (count: Int, single: Bool)?

    /// Shape of the problem currently loaded in the workspace.
    private struct Problem {
        var samples: Int, featureCount: Int, classes: Int, inverseRegularization: Double
        var outputs: Int { classes == 2 ? 1 : classes }
        var width: Int { featureCount + 1 }
        var parameterCount: Int { outputs * width }
    }

    public init(maxSamples: Int, maxFeatures: Int, maxClasses: Int = 2) {
        precondition(maxSamples >= 1 && maxFeatures >= 1 && maxClasses >= 2,
                     "LogisticRegression needs maxSamples, maxFeatures >= 1 and maxClasses >= 2")
        self.maxSamples = maxSamples
        self.maxFeatures = maxFeatures
        self.maxClasses = maxClasses
        maxOutputs = maxClasses == 2 ? 1 : maxClasses
        let width = maxFeatures + 1, parameterCount = maxOutputs * width
        augmented = .allocate(capacity: maxSamples * width)
        weightedRows = .allocate(capacity: maxSamples * width)
        scores = .allocate(capacity: maxSamples * maxOutputs)
        probabilities = .allocate(capacity: maxSamples * maxOutputs)
        residuals = .allocate(capacity: maxSamples * maxOutputs)
        parameters = .allocate(capacity: parameterCount)
        trial = .allocate(capacity: parameterCount)
        gradient = .allocate(capacity: parameterCount)
        direction = .allocate(capacity: parameterCount)
        hessian = .allocate(capacity: parameterCount * parameterCount)
        factor = .allocate(capacity: parameterCount * parameterCount)
        // A binary fit (any two-class problem) has width parameters.
        weightedRowsSingle = .allocate(capacity: maxSamples * width)
        hessianSingle = .allocate(capacity: width * width)
        factorSingle = .allocate(capacity: width * width)
        directionSingle = .allocate(capacity: width)
    }

    deinit {
        for buffer in [augmented, weightedRows, scores, probabilities, residuals, parameters, trial, gradient, direction,
                       hessian, factor] { buffer.deallocate() }
        for buffer in [weightedRowsSingle, hessianSingle, factorSingle, directionSingle] { buffer.deallocate() }
    }

    // MARK: Public API

    /// Fits and returns the model (allocates the model's parameter array).
    /// - Parameters:
    ///   - features: X [labels.count, featureCount] row-major.
    ///   - labels: class of each sample, in 0..<classes; every class must occur.
    ///   - inverseRegularization: C (scikit-learn's `C`), > 0.
    public func fit(features: UnsafePointer<Double>, featureCount: Int, labels: [Int], classes: Int,
                    inverseRegularization: Double = 1) throws -> LogisticModel {
        let report = try labels.withUnsafeBufferPointer {
            try solve(features: features, samples: labels.count, featureCount: featureCount, labels: $0.baseAddress!,
                      classes: classes, inverseRegularization: inverseRegularization)
        }
        let problem = fitted!
        return LogisticModel(classes: classes, featureCount: featureCount, outputs: problem.outputs,
                             parameters: Array(UnsafeBufferPointer(start: parameters, count: problem.parameterCount)),
                             report: report)
    }

    /// Fits without allocating; the parameters stay in the workspace for `accuracy` and `currentParameters`.
    /// - Parameters: as `fit`, with `features` [samples, featureCount] and `labels` [samples].
    ///   `start`: where Newton starts. The optimum is unique, so only the number of iterations depends on
    ///   it: a start near the optimum (a nearby problem's solution) saves most of them. `.previousFit`
    ///   also takes that fit's last Hessian factor for the first step.
    @discardableResult
    public func solve(features: UnsafePointer<Double>, samples: Int, featureCount: Int, labels: UnsafePointer<Int>,
                      classes: Int, inverseRegularization: Double = 1, start: NewtonStart = .zero) throws -> LogisticFitReport {
        let previous = fitted
        let problem = try load(features: features, samples: samples, featureCount: featureCount, labels: labels,
                               classes: classes, inverseRegularization: inverseRegularization)
        var fromCurrent = false, fromPreviousFit = false
        switch start {
        case .zero: break
        case .previousFit:
            fromCurrent = previous.map { $0.parameterCount == problem.parameterCount && $0.outputs == problem.outputs } == true
            fromPreviousFit = fromCurrent
        case .given(let point):
            parameters.update(from: point, count: problem.parameterCount)
            fromCurrent = true
        }
        let report = newton(problem, labels: labels, fromCurrentParameters: fromCurrent, previousFactor: fromPreviousFit)
        fitted = problem
        return report
    }

    /// Accuracy of the last `solve`/`fit` on `features` [samples, featureCount of that fit] with `labels` [samples].
    public func accuracy(features: UnsafePointer<Double>, samples: Int, labels: UnsafePointer<Int>) throws -> Double {
        guard let problem = fitted else { throw AnalysisInputError(field: "accuracy", value: "no fit", reason: "call solve or fit first") }
        return classificationAccuracy(parameters, outputs: problem.outputs, featureCount: problem.featureCount,
                                      features: features, samples: samples, labels: labels)
    }

    /// Parameters of the last fit [outputs, featureCount + 1] (valid until the next solve), or nil.
    public var currentParameters: UnsafeBufferPointer<Double>? {
        fitted.map { UnsafeBufferPointer(start: parameters, count: $0.parameterCount) }
    }

    /// The objective f(θ) for `parameters` [outputs, featureCount + 1] (outputs = 1 for two classes).
    public func objective(parameters point: UnsafePointer<Double>, features: UnsafePointer<Double>, samples: Int,
                          featureCount: Int, labels: UnsafePointer<Int>, classes: Int,
                          inverseRegularization: Double = 1) throws -> Double {
        let problem = try load(features: features, samples: samples, featureCount: featureCount, labels: labels,
                               classes: classes, inverseRegularization: inverseRegularization)
        return evaluate(point, problem, labels: labels, withGradient: false)
    }

    /// ∇f(θ) into `gradient` [outputs, featureCount + 1]; returns f(θ).
    public func gradient(parameters point: UnsafePointer<Double>, features: UnsafePointer<Double>, samples: Int,
                         featureCount: Int, labels: UnsafePointer<Int>, classes: Int, inverseRegularization: Double = 1,
                         into result: UnsafeMutablePointer<Double>) throws -> Double {
        let problem = try load(features: features, samples: samples, featureCount: featureCount, labels: labels,
                               classes: classes, inverseRegularization: inverseRegularization)
        let value = evaluate(point, problem, labels: labels, withGradient: true)
        result.update(from: gradient, count: problem.parameterCount)
        return value
    }

    // MARK: Problem set-up

    /// Checks the arguments and copies X into X̃ = [X, 1].
    private func load(features: UnsafePointer<Double>, samples n: Int, featureCount d: Int, labels: UnsafePointer<Int>,
                      classes: Int, inverseRegularization: Double) throws -> Problem {
        try require(n >= 1 && n <= maxSamples, "samples", n, "must be in 1...\(maxSamples)")
        try require(d >= 1 && d <= maxFeatures, "featureCount", d, "must be in 1...\(maxFeatures)")
        try require(classes >= 2 && classes <= maxClasses, "classes", classes, "must be in 2...\(maxClasses)")
        try require(inverseRegularization > 0 && inverseRegularization.isFinite, "inverseRegularization",
                    inverseRegularization, "must be finite and > 0")
        // Which classes occur, as a bit mask for small class counts (no allocation).
        var present = 0, distinct = 0
        for i in 0..<n {
            let label = labels[i]
            try require(label >= 0 && label < classes, "labels[\(i)]", label, "must be in 0..<\(classes)")
            if label < Int.bitWidth - 1, present & (1 << label) == 0 { present |= 1 << label; distinct += 1 }
        }
        if classes < Int.bitWidth - 1 {
            try require(distinct == classes, "labels", "\(distinct) distinct classes",
                        "every class 0..<\(classes) must occur, else its intercept diverges")
        }
        let width = d + 1
        for i in 0..<n {
            let source = features + i * d, row = augmented + i * width
            if let j = firstNonFinite(source, count: d) { try require(false, "features[\(i), \(j)]", source[j], "must be finite") }
            row.update(from: source, count: d)
            row[d] = 1
        }
        return Problem(samples: n, featureCount: d, classes: classes, inverseRegularization: inverseRegularization)
    }

    // MARK: Newton's method

    private func newton(_ problem: Problem, labels: UnsafePointer<Int>, fromCurrentParameters: Bool = false,
                        previousFactor: Bool = false) -> LogisticFitReport {
        let count = problem.parameterCount
        if !fromCurrentParameters || !(0..<count).allSatisfy({ parameters[$0].isFinite }) {
            parameters.update(repeating: 0, count: count)
        }
        var report = LogisticFitReport(iterations: 0, converged: false, objective: 0, gradientNorm: 0, ridge: 0)
        // Once Newton converges fast (a full step cut the gradient tenfold), the last Hessian's Cholesky
        // factor serves the next step too (a chord step): the Hessian barely changes there, and
        // assembling and factoring it is nearly all of an iteration's cost. The fixed point is the
        // same: only the gradient decides convergence.
        // A fit that starts from the previous one's parameters (a nearby problem's optimum) also tries
        // that fit's last factor for its first step: when the step cuts the gradient tenfold, it saves
        // a Hessian; when not, the next step assembles one.
        let single = singlePrecisionHessian && problem.outputs == 1
        var factorIsCurrent = previousFactor && factorShape.map { $0.count == count && $0.single == single } == true
        var previousNorm = Double.infinity
        while true {
            let value = evaluate(parameters, problem, labels: labels, withGradient: true)
            let norm = cblas_dnrm2(Int32(count), gradient, 1)
            report.objective = value
            report.gradientNorm = norm
            if norm < gradientTolerance * (1 + abs(value)) { report.converged = true; break }
            if report.iterations >= maxIterations || !value.isFinite { break }

            var reused = false
            if factorIsCurrent && norm < 0.1 * previousNorm {
                if single {
                    for index in 0..<count { directionSingle[index] = Float(-gradient[index]) }
                    Cholesky.solve(factorSingle, n: count, directionSingle)
                    for index in 0..<count { direction[index] = Double(directionSingle[index]) }
                    reused = true
                } else {
                    for index in 0..<count { direction[index] = -gradient[index] }
                    reused = (try? LAPACK.solveWithCholeskyFactor(factor, n: count, direction)) != nil
                }
            }
            if !reused {
                assembleHessian(problem, single: single)
                let ridge = single ? newtonDirectionSingle(count) : newtonDirection(count)
                report.ridge = max(report.ridge, ridge)
                report.hessians += 1
                factorShape = ridge == 0 ? (count, single) : nil
            }
            previousNorm = norm
            var slope = cblas_ddot(Int32(count), gradient, 1, direction, 1)
            if !(slope < 0) {   // not a descent direction (numerically indefinite): fall back to −∇f
                for index in 0..<count { direction[index] = -gradient[index] }
                slope = -norm * norm
            }
            guard let stepSize = lineSearch(problem, labels: labels, value: value, slope: slope) else { break }   // at rounding level
            factorIsCurrent = stepSize == 1 && report.ridge == 0
            parameters.update(from: trial, count: count)
            report.iterations += 1
        }
        return report
    }

    /// Solves (H [+ ridge·I]) Δ = −∇f into `direction`; returns the ridge used.
    private func newtonDirection(_ count: Int) -> Double {
        var largestDiagonal = 1.0
        for index in 0..<count { largestDiagonal = max(largestDiagonal, abs(hessian[index * count + index])) }
        var ridge = 0.0
        for attempt in 0..<12 {
            factor.update(from: hessian, count: count * count)
            if ridge > 0 { for index in 0..<count { factor[index * count + index] += ridge } }
            for index in 0..<count { direction[index] = -gradient[index] }
            if (try? LAPACK.solvePositiveDefinite(factor, n: count, direction)) != nil { return ridge }
            ridge = largestDiagonal * 1e-12 * pow(100, Double(attempt))
        }
        for index in 0..<count { direction[index] = -gradient[index] }
        return ridge
    }

    /// `newtonDirection` with the Float Hessian (the binary fit's).
    private func newtonDirectionSingle(_ count: Int) -> Double {
        var largestDiagonal: Float = 1
        for index in 0..<count { largestDiagonal = max(largestDiagonal, abs(hessianSingle[index * count + index])) }
        var ridge: Float = 0
        for attempt in 0..<12 {
            factorSingle.update(from: hessianSingle, count: count * count)
            if ridge > 0 { for index in 0..<count { factorSingle[index * count + index] += ridge } }
            if Cholesky.factor(factorSingle, n: count) {
                for index in 0..<count { directionSingle[index] = Float(-gradient[index]) }
                Cholesky.solve(factorSingle, n: count, directionSingle)
                for index in 0..<count { direction[index] = Double(directionSingle[index]) }
                return Double(ridge)
            }
            ridge = largestDiagonal * 1e-6 * Float(pow(10, Double(attempt)))
        }
        for index in 0..<count { direction[index] = -gradient[index] }
        return Double(ridge)
    }

    /// Backtracking (Armijo) along `direction`; leaves the accepted point in `trial` and returns its step
    /// size, or nil when no step decreases f enough (f is then flat to rounding).
    private func lineSearch(_ problem: Problem, labels: UnsafePointer<Int>, value: Double, slope: Double) -> Double? {
        let count = problem.parameterCount
        // Close to the optimum the predicted decrease (−slope/2 for a Newton step) drops below the rounding
        // error of f itself, and Armijo tests become coin flips. The quadratic model is then exact to far
        // better than f can resolve, so the full Newton step is taken without testing f.
        if -slope < 1e-12 * (1 + abs(value)) {
            for index in 0..<count { trial[index] = parameters[index] + direction[index] }
            return 1
        }
        var stepSize = 1.0
        for _ in 0..<60 {
            for index in 0..<count { trial[index] = parameters[index] + stepSize * direction[index] }
            let candidate = evaluate(trial, problem, labels: labels, withGradient: false)
            if candidate <= value + 1e-4 * stepSize * slope { return stepSize }
            stepSize *= 0.5
        }
        return nil
    }

    // MARK: Objective, gradient, Hessian

    /// f(θ) for θ = `point` [K', d+1]; leaves p in `probabilities` and, if asked, ∇f in `gradient`.
    private func evaluate(_ point: UnsafePointer<Double>, _ problem: Problem, labels: UnsafePointer<Int>,
                          withGradient: Bool) -> Double {
        let n = problem.samples, d = problem.featureCount, width = problem.width, outputs = problem.outputs
        let strength = problem.inverseRegularization
        BLAS.gemm(transposeB: true, m: n, n: outputs, k: width, augmented, point, scores)    // Z = X̃ θᵀ [n, K']
        var loss = 0.0
        if outputs == 1 {
            for i in 0..<n {
                let z = scores[i], isPositive = labels[i] == 1
                // logloss = softplus(z) − y z = softplus(−z) for y = 1, softplus(z) for y = 0
                loss += softplus(isPositive ? -z : z)
                let p = sigmoid(z)
                probabilities[i] = p
                residuals[i] = p - (isPositive ? 1 : 0)
            }
        } else {
            for i in 0..<n {
                let z = scores + i * outputs, p = probabilities + i * outputs, r = residuals + i * outputs
                var largest = z[0]
                for c in 1..<outputs { largest = max(largest, z[c]) }
                var sum = 0.0
                for c in 0..<outputs { p[c] = exp(z[c] - largest); sum += p[c] }
                loss += largest + log(sum) - z[labels[i]]    // logsumexp(z) − z_y
                for c in 0..<outputs { p[c] /= sum; r[c] = p[c] }
                r[labels[i]] -= 1
            }
        }
        var penalty = 0.0
        for c in 0..<outputs { for j in 0..<d { penalty += point[c * width + j] * point[c * width + j] } }
        if withGradient {
            // ∇f = C (p − Y)ᵀ X̃ + [W, 0]
            BLAS.gemm(transposeA: true, m: outputs, n: width, k: n, alpha: strength, residuals, augmented, gradient)
            for c in 0..<outputs { for j in 0..<d { gradient[c * width + j] += point[c * width + j] } }
        }
        return 0.5 * penalty + strength * loss
    }

    /// ∇²f at the point of the last `evaluate`: blocks (c, c') = C X̃ᵀ diag(p_c (δ_cc' − p_c')) X̃ plus I on the
    /// coefficients (and u uᵀ on the multinomial intercepts, see the type's comment).
    private func assembleHessian(_ problem: Problem, single: Bool) {
        let n = problem.samples, d = problem.featureCount, width = problem.width, outputs = problem.outputs
        let count = problem.parameterCount
        if outputs == 1 && single {
            for i in 0..<n {
                let scale = (probabilities[i] * (1 - probabilities[i])).squareRoot()
                let source = augmented + i * width, target = weightedRowsSingle + i * width
                for j in 0..<width { target[j] = Float(scale * source[j]) }
            }
            BLAS.gramUpper(n: width, k: n, alpha: Float(problem.inverseRegularization), weightedRowsSingle, beta: 0, hessianSingle)
            for j in 0..<d { hessianSingle[j * count + j] += 1 }
            return
        }
        if outputs == 1 {
            // Binary: H = C X̃ᵀ diag(p (1 − p)) X̃ = C (√w X̃)ᵀ (√w X̃), one symmetric rank-n update of the
            // triangle the Cholesky solve reads.
            for i in 0..<n {
                let scale = (probabilities[i] * (1 - probabilities[i])).squareRoot()
                let source = augmented + i * width, target = weightedRows + i * width
                for j in 0..<width { target[j] = scale * source[j] }
            }
            BLAS.gramLower(n: width, k: n, alpha: problem.inverseRegularization, weightedRows, beta: 0, hessian)
            for j in 0..<d { hessian[j * count + j] += 1 }
            return
        }
        for c in 0..<outputs {
            for c2 in c..<outputs {
                for i in 0..<n {
                    let weight: Double
                    if outputs == 1 {
                        weight = probabilities[i] * (1 - probabilities[i])
                    } else {
                        let p = probabilities + i * outputs
                        weight = p[c] * ((c == c2 ? 1 : 0) - p[c2])
                    }
                    let source = augmented + i * width, target = weightedRows + i * width
                    for j in 0..<width { target[j] = weight * source[j] }
                }
                let block = hessian + c * width * count + c2 * width
                BLAS.gemm(transposeA: true, m: width, n: width, k: n, alpha: problem.inverseRegularization,
                          augmented, weightedRows, block, ldc: count)
                if c2 != c {   // the (c2, c) block is the transpose of this one
                    let mirror = hessian + c2 * width * count + c * width
                    for row in 0..<width { for column in 0..<width { mirror[row * count + column] = block[column * count + row] } }
                }
            }
        }
        for c in 0..<outputs { for j in 0..<d { hessian[(c * width + j) * count + c * width + j] += 1 } }
        if outputs > 1 {
            for c in 0..<outputs { for c2 in 0..<outputs { hessian[(c * width + d) * count + c2 * width + d] += 1 } }
        }
    }
}

// MARK: - Shared numerics

/// log(1 + eᶻ) without overflow or loss of precision.
@inline(__always)
func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

/// 1 / (1 + e⁻ᶻ) without overflow.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// Class predicted by parameters θ [outputs, d+1] for one sample [d]: binary score > 0, else the first argmax.
func predictedClass(_ parameters: UnsafePointer<Double>, outputs: Int, featureCount d: Int, sample: UnsafePointer<Double>) -> Int {
    let width = d + 1
    if outputs == 1 {
        return cblas_ddot(Int32(d), parameters, 1, sample, 1) + parameters[d] > 0 ? 1 : 0
    }
    var best = 0, bestScore = -Double.infinity
    for c in 0..<outputs {
        let row = parameters + c * width
        let score = cblas_ddot(Int32(d), row, 1, sample, 1) + row[d]
        if score > bestScore { best = c; bestScore = score }
    }
    return best
}

/// Fraction of `samples` rows of `features` [samples, d] whose predicted class equals `labels` [samples];
/// NaN for no samples.
func classificationAccuracy(_ parameters: UnsafePointer<Double>, outputs: Int, featureCount d: Int,
                            features: UnsafePointer<Double>, samples: Int, labels: UnsafePointer<Int>) -> Double {
    guard samples > 0 else { return .nan }
    var correct = 0
    for i in 0..<samples where predictedClass(parameters, outputs: outputs, featureCount: d, sample: features + i * d) == labels[i] {
        correct += 1
    }
    return Double(correct) / Double(samples)
}
