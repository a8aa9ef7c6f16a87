/// Nonlinear least squares in a box, min Σ r_i(p)² subject to lower <= p <= upper, by
/// Levenberg–Marquardt steps projected onto the box (the iterates stay strictly inside it, as
/// scipy's bounded `curve_fit` keeps them). A parameter at a bound whose gradient points out of
/// the box is held there for the step. Stops, as scipy's least_squares, when the projected
/// gradient, the step or the relative decrease of the cost falls below `tolerance`; a fit that
/// exhausts `maxEvaluations` residual evaluations has not converged (scipy raises then).
public enum BoundedLeastSquares {
    public struct Result: Sendable {
        public var parameters: [Double]
        /// Σ r_i² at the parameters.
        public var sumOfSquares: Double
        public var evaluations: Int
        public var converged: Bool
    }

    /// `model(p, r, J)` writes the m residuals r(p) and their Jacobian J [m, n] (row-major).
    public static func minimize(initial: [Double], lower: [Double], upper: [Double], residuals m: Int,
                                maxEvaluations: Int, tolerance: Double = 1e-8,
                                model: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void) -> Result {
        let n = initial.count
        precondition(lower.count == n && upper.count == n && m >= 1)
        var margin = [Double](repeating: 0, count: n)
        for i in 0..<n { margin[i] = 1e-10 * max(1, max(abs(lower[i]), abs(upper[i]))) }
        func inside(_ x: Double, _ i: Int) -> Double {
            min(max(x, lower[i] + margin[i]), upper[i] - margin[i])
        }
        var x = (0..<n).map { inside(initial[$0], $0) }
        var r = [Double](repeating: 0, count: m), jacobian = [Double](repeating: 0, count: m * n)
        var trialX = x, trialR = r, trialJacobian = jacobian
        func evaluate(_ p: [Double], _ residuals: inout [Double], _ j: inout [Double]) -> Double {
            p.withUnsafeBufferPointer { pp in
                residuals.withUnsafeMutableBufferPointer { rr in
                    j.withUnsafeMutableBufferPointer { jj in model(pp.baseAddress!, rr.baseAddress!, jj.baseAddress!) }
                }
            }
            return residuals.reduce(0) { $0 + $1 * $1 }
        }
        var cost = evaluate(x, &r, &jacobian)
        var evaluations = 1
        guard cost.isFinite else { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: false) }
        var normal = [Double](repeating: 0, count: n * n), gradient = [Double](repeating: 0, count: n)
        func formNormalEquations() {
            for a in 0..<n {
                var g = 0.0
                for i in 0..<m { g += jacobian[i * n + a] * r[i] }
                gradient[a] = g
                for b in a..<n {
                    var s = 0.0
                    for i in 0..<m { s += jacobian[i * n + a] * jacobian[i * n + b] }
                    normal[a * n + b] = s; normal[b * n + a] = s
                }
            }
        }
        formNormalEquations()
        var damping = 1e-3 * max((0..<n).map { normal[$0 * n + $0] }.max() ?? 1, 1e-12)
        while true {
            // Parameters held at a bound this step: at it, with the descent direction pointing out.
            var free = [Bool](repeating: true, count: n)
            for i in 0..<n {
                let atLower = x[i] <= lower[i] + 2 * margin[i] && gradient[i] > 0
                let atUpper = x[i] >= upper[i] - 2 * margin[i] && gradient[i] < 0
                free[i] = !(atLower || atUpper)
            }
            var projectedGradient = 0.0
            for i in 0..<n where free[i] { projectedGradient = max(projectedGradient, abs(gradient[i])) }
            if projectedGradient < tolerance { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: true) }
            if evaluations >= maxEvaluations { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: false) }
            guard let step = dampedStep(normal: normal, gradient: gradient, free: free, damping: damping, n: n) else {
                damping *= 10
                if damping > 1e16 { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: true) }
                continue
            }
            var stepNorm = 0.0, xNorm = 0.0
            for i in 0..<n {
                trialX[i] = inside(x[i] + step[i], i)
                stepNorm += (trialX[i] - x[i]) * (trialX[i] - x[i])
                xNorm += x[i] * x[i]
            }
            if stepNorm.squareRoot() < tolerance * (tolerance + xNorm.squareRoot()) {
                return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: true)
            }
            let trialCost = evaluate(trialX, &trialR, &trialJacobian)
            evaluations += 1
            if trialCost.isFinite && trialCost < cost {
                let decrease = cost - trialCost
                swap(&x, &trialX); swap(&r, &trialR); swap(&jacobian, &trialJacobian)
                let previous = cost
                cost = trialCost
                formNormalEquations()
                damping = max(damping / 3, 1e-15)
                if decrease < tolerance * previous { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: true) }
            } else {
                damping *= 2
                if damping > 1e16 { return Result(parameters: x, sumOfSquares: cost, evaluations: evaluations, converged: true) }
            }
        }
    }

    /// Solves (A + λ diag(A)) δ = −g on the free parameters (Cholesky); δ = 0 on the others.
    static func dampedStep(normal a: [Double], gradient g: [Double], free: [Bool], damping: Double, n: Int) -> [Double]? {
        let index = (0..<n).filter { free[$0] }
        let k = index.count
        var step = [Double](repeating: 0, count: n)
        guard k > 0 else { return step }
        var largest = 0.0
        for i in index { largest = max(largest, a[i * n + i]) }
        var l = [Double](repeating: 0, count: k * k), rhs = [Double](repeating: 0, count: k)
        for (p, i) in index.enumerated() {
            rhs[p] = -g[i]
            for (q, j) in index.enumerated() { l[p * k + q] = a[i * n + j] }
            l[p * k + p] += damping * max(a[i * n + i], 1e-12 * max(largest, 1e-300))
        }
        // Cholesky L Lᵀ in place (lower triangle), then the two triangular solves.
        for p in 0..<k {
            for q in 0...p {
                var s = l[p * k + q]
                for r in 0..<q { s -= l[p * k + r] * l[q * k + r] }
                if p == q {
                    guard s > 0, s.isFinite else { return nil }
                    l[p * k + p] = s.squareRoot()
                } else {
                    l[p * k + q] = s / l[q * k + q]
                }
            }
        }
        for p in 0..<k {
            var s = rhs[p]
            for r in 0..<p { s -= l[p * k + r] * rhs[r] }
            rhs[p] = s / l[p * k + p]
        }
        for p in stride(from: k - 1, through: 0, by: -1) {
            var s = rhs[p]
            for r in (p + 1)..<k { s -= l[r * k + p] * rhs[r] }
            rhs[p] = s / l[p * k + p]
        }
        for (p, i) in index.enumerated() { step[i] = rhs[p] }
        return step
    }
}
