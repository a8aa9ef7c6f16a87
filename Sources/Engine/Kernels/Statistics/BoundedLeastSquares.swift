import Foundation

/// Nonlinear least squares in a box, min ½ Σ r_i(p)² subject to lower <= p <= upper, by the
/// trust-region reflective method as scipy's `least_squares(method="trf")` runs it for
/// `curve_fit` with bounds (Branch, Coleman and Li 1999; scipy/optimize/_lsq/trf.py, trf_bounds
/// with the exact trust-region solver, x_scale 1, the linear loss): Coleman–Li scaling, a
/// trust-region step from one SVD per iteration (Moré's Levenberg–Marquardt parameter search),
/// the reflected and the scaled-gradient alternatives, strictly interior iterates, and the
/// Jacobian by forward differences with bound-aware steps (scipy's "2-point"). Where a fit has
/// several optima (a double exponential whose second component carries no weight) the path
/// decides which one it finds, so the path is scipy's.
///
/// Stops when ‖g ⊙ v‖∞ < gtol (status 1), the cost decreases by less than ftol of itself (2), the
/// step is below xtol (3), or both (4); status 0 means `maxEvaluations` residual evaluations
/// (the finite-difference ones not counted, as scipy counts) ran out: no convergence.
public enum BoundedLeastSquares {
    public struct Result: Sendable {
        public var parameters: [Double]
        /// Σ r_i² at the parameters.
        public var sumOfSquares: Double
        public var evaluations: Int
        public var status: Int
        public var converged: Bool { status > 0 }
    }

    static let epsilon = Double.ulpOfOne

    /// `model(p, r)` writes the m residuals r(p).
    public static func minimize(initial: [Double], lower: [Double], upper: [Double], residuals m: Int,
                                maxEvaluations: Int, tolerance: Double = 1e-8,
                                model: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) -> Result {
        let n = initial.count
        precondition(lower.count == n && upper.count == n && m >= 1 && n >= 1)
        func residuals(_ p: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: m)
            p.withUnsafeBufferPointer { pp in r.withUnsafeMutableBufferPointer { model(pp.baseAddress!, $0.baseAddress!) } }
            return r
        }
        var x = strictlyFeasible(initial.enumerated().map { min(max($0.element, lower[$0.offset]), upper[$0.offset]) },
                                 lower, upper, relativeStep: 1e-10)
        var f = residuals(x)
        var evaluations = 1
        guard f.allSatisfy(\.isFinite) else { return Result(parameters: x, sumOfSquares: .nan, evaluations: 1, status: -1) }
        var jacobian = forwardDifferenceJacobian(x, f, lower, upper, residuals)
        var cost = 0.5 * dot(f, f)
        var g = transposedProduct(jacobian, f, m, n)
        var (v, _) = colemanLi(x, g, lower, upper)
        var radius = norm((0..<n).map { x[$0] / v[$0].squareRoot() })
        if radius == 0 { radius = 1 }
        var alpha = 0.0
        var status: Int?
        while true {
            let (scaling, derivative) = colemanLi(x, g, lower, upper)
            v = scaling
            let gradientNorm = (0..<n).reduce(0.0) { max($0, abs(g[$1] * v[$1])) }
            if gradientNorm < tolerance { status = 1 }
            if status != nil || evaluations == maxEvaluations { break }

            let d = v.map { $0.squareRoot() }
            let diagonal = (0..<n).map { g[$0] * derivative[$0] }
            let gHat = (0..<n).map { d[$0] * g[$0] }
            // J_h = J diag(d); the augmented system [J_h; diag(√diagonal)] and its SVD.
            var scaledJacobian = jacobian
            for i in 0..<m { for j in 0..<n { scaledJacobian[i * n + j] *= d[j] } }
            var augmented = scaledJacobian + [Double](repeating: 0, count: n * n)
            for j in 0..<n { augmented[(m + j) * n + j] = diagonal[j].squareRoot() }
            guard let svd = try? LAPACK.thinSVD(augmented, rows: m + n, columns: n) else { break }
            var uf = [Double](repeating: 0, count: n)          // Uᵀ [f; 0]
            for k in 0..<n { for i in 0..<m { uf[k] += svd.u[i * n + k] * f[i] } }
            let theta = max(0.995, 1 - gradientNorm)

            var actualReduction = -1.0
            var trial = x, trialF = f, trialCost = cost
            while actualReduction <= 0 && evaluations < maxEvaluations {
                let (pHat, newAlpha) = trustRegionStep(n: n, m: m, uf: uf, s: svd.s, vt: svd.vt, radius: radius, initialAlpha: alpha)
                alpha = newAlpha
                let p = (0..<n).map { d[$0] * pHat[$0] }
                let (step, stepHat, predictedReduction) = selectStep(x: x, jacobian: scaledJacobian, m: m, diagonal: diagonal, g: gHat,
                                                                     p: p, pHat: pHat, d: d, radius: radius,
                                                                     lower: lower, upper: upper, theta: theta)
                trial = strictlyFeasible((0..<n).map { x[$0] + step[$0] }, lower, upper, relativeStep: 0)
                trialF = residuals(trial)
                evaluations += 1
                let stepHatNorm = norm(stepHat)
                guard trialF.allSatisfy(\.isFinite) else {
                    radius = 0.25 * stepHatNorm
                    continue
                }
                trialCost = 0.5 * dot(trialF, trialF)
                actualReduction = cost - trialCost
                let (newRadius, ratio) = updatedRadius(radius, actual: actualReduction, predicted: predictedReduction,
                                                       stepNorm: stepHatNorm, boundHit: stepHatNorm > 0.95 * radius)
                status = termination(actualReduction, cost, norm(step), norm(x), ratio, tolerance)
                if status != nil { break }
                alpha *= radius / newRadius
                radius = newRadius
            }
            if actualReduction > 0 {
                x = trial; f = trialF; cost = trialCost
                jacobian = forwardDifferenceJacobian(x, f, lower, upper, residuals)
                g = transposedProduct(jacobian, f, m, n)
            }
        }
        return Result(parameters: x, sumOfSquares: 2 * cost, evaluations: evaluations, status: status ?? 0)
    }

    // MARK: scipy/optimize/_lsq/common.py and trf.py

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    /// Jᵀ f for J [m, n].
    static func transposedProduct(_ j: [Double], _ f: [Double], _ m: Int, _ n: Int) -> [Double] {
        (0..<n).map { c in (0..<m).reduce(0.0) { $0 + j[$1 * n + c] * f[$1] } }
    }

    /// J s for J [m, n].
    static func product(_ j: [Double], _ s: [Double], _ m: Int) -> [Double] {
        let n = s.count
        return (0..<m).map { r in (0..<n).reduce(0.0) { $0 + j[r * n + $1] * s[$1] } }
    }

    /// The "2-point" Jacobian [m, n] of scipy's approx_derivative: step √ε · sign(x) · max(1, |x|),
    /// reversed or shortened where it would leave the box.
    static func forwardDifferenceJacobian(_ x: [Double], _ f: [Double], _ lower: [Double], _ upper: [Double],
                                          _ residuals: ([Double]) -> [Double]) -> [Double] {
        let n = x.count, m = f.count
        var j = [Double](repeating: 0, count: m * n)
        for i in 0..<n {
            var h = epsilon.squareRoot() * (x[i] >= 0 ? 1 : -1) * max(1, abs(x[i]))
            let lowerDistance = x[i] - lower[i], upperDistance = upper[i] - x[i]
            let stepped = x[i] + h
            let fits = abs(h) <= max(lowerDistance, upperDistance)
            if (stepped < lower[i] || stepped > upper[i]) && fits { h = -h }
            if !fits { h = upperDistance >= lowerDistance ? upperDistance : -lowerDistance }
            var shifted = x
            shifted[i] = x[i] + h
            let dx = shifted[i] - x[i]
            let fi = residuals(shifted)
            for r in 0..<m { j[r * n + i] = (fi[r] - f[r]) / dx }
        }
        return j
    }

    /// Coleman–Li scaling v and its derivative: v = u − x where the gradient points to the upper
    /// bound (g < 0), x − l where it points to the lower one (g > 0), 1 otherwise.
    static func colemanLi(_ x: [Double], _ g: [Double], _ lower: [Double], _ upper: [Double]) -> ([Double], [Double]) {
        var v = [Double](repeating: 1, count: x.count), dv = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            if g[i] < 0 && upper[i].isFinite { v[i] = upper[i] - x[i]; dv[i] = -1 }
            if g[i] > 0 && lower[i].isFinite { v[i] = x[i] - lower[i]; dv[i] = 1 }
        }
        return (v, dv)
    }

    /// Points on or outside a bound moved inside: by `relativeStep` · max(1, |bound|), or to the
    /// next representable number when it is 0.
    static func strictlyFeasible(_ x: [Double], _ lower: [Double], _ upper: [Double], relativeStep: Double) -> [Double] {
        var result = x
        for i in x.indices {
            let lowerActive: Bool, upperActive: Bool
            if relativeStep == 0 {
                lowerActive = x[i] <= lower[i]; upperActive = x[i] >= upper[i]
            } else {
                let lowerDistance = x[i] - lower[i], upperDistance = upper[i] - x[i]
                lowerActive = lowerDistance <= min(upperDistance, relativeStep * max(1, abs(lower[i])))
                upperActive = upperDistance <= min(lowerDistance, relativeStep * max(1, abs(upper[i])))
            }
            // Both active (a box narrower than the step): the upper bound wins, as in scipy.
            if upperActive {
                result[i] = relativeStep == 0 ? upper[i].nextDown : upper[i] - relativeStep * max(1, abs(upper[i]))
            } else if lowerActive {
                result[i] = relativeStep == 0 ? lower[i].nextUp : lower[i] + relativeStep * max(1, abs(lower[i]))
            }
            if result[i] < lower[i] || result[i] > upper[i] { result[i] = 0.5 * (lower[i] + upper[i]) }
        }
        return result
    }

    /// The trust-region subproblem from the SVD (Moré 1977, as solve_lsq_trust_region): the
    /// Gauss–Newton step if it fits, else the Levenberg–Marquardt parameter found by Newton's
    /// iteration on ‖p(α)‖ = Δ (rtol 0.01, at most 10 iterations).
    static func trustRegionStep(n: Int, m: Int, uf: [Double], s: [Double], vt: [Double], radius: Double,
                                initialAlpha: Double) -> (p: [Double], alpha: Double) {
        let suf = (0..<n).map { s[$0] * uf[$0] }
        func combine(_ coefficients: [Double]) -> [Double] {        // −V c
            (0..<n).map { j in -(0..<n).reduce(0.0) { $0 + vt[$1 * n + j] * coefficients[$1] } }
        }
        func phi(_ alpha: Double) -> (Double, Double) {
            let denominators = s.map { $0 * $0 + alpha }
            let pNorm = norm((0..<n).map { suf[$0] / denominators[$0] })
            let derivative = -(0..<n).reduce(0.0) { $0 + suf[$1] * suf[$1] / pow(denominators[$1], 3) } / pNorm
            return (pNorm - radius, derivative)
        }
        let fullRank = m >= n && s[n - 1] > epsilon * Double(m) * s[0]
        if fullRank {
            let p = combine((0..<n).map { uf[$0] / s[$0] })
            if norm(p) <= radius { return (p, 0) }
        }
        var upperAlpha = norm(suf) / radius
        var lowerAlpha = 0.0
        if fullRank {
            let (value, derivative) = phi(0)
            lowerAlpha = -value / derivative
        }
        var alpha = (!fullRank && initialAlpha == 0) ? max(0.001 * upperAlpha, (lowerAlpha * upperAlpha).squareRoot()) : initialAlpha
        for _ in 0..<10 {
            if alpha < lowerAlpha || alpha > upperAlpha { alpha = max(0.001 * upperAlpha, (lowerAlpha * upperAlpha).squareRoot()) }
            let (value, derivative) = phi(alpha)
            if value < 0 { upperAlpha = alpha }
            let ratio = value / derivative
            lowerAlpha = max(lowerAlpha, alpha - ratio)
            alpha -= (value + radius) * ratio / radius
            if abs(value) < 0.01 * radius { break }
        }
        var p = combine((0..<n).map { suf[$0] / (s[$0] * s[$0] + alpha) })
        let scale = radius / norm(p)
        p = p.map { $0 * scale }
        return (p, alpha)
    }

    /// ½ sᵀ (JᵀJ + diag) s + gᵀ s.
    static func quadratic(_ j: [Double], _ m: Int, _ g: [Double], _ s: [Double], _ diagonal: [Double]) -> Double {
        let js = product(j, s, m)
        let q: Double = dot(js, js) + weighted(s, diagonal, s)
        return 0.5 * q + dot(s, g)
    }

    /// Σ_i s_i diag_i t_i.
    static func weighted(_ s: [Double], _ diagonal: [Double], _ t: [Double]) -> Double {
        var sum = 0.0
        for i in s.indices { sum += s[i] * diagonal[i] * t[i] }
        return sum
    }

    /// The coefficients (a, b, c) of q(t) = ½ (s0 + t s)ᵀ (JᵀJ + diag) (s0 + t s) + gᵀ (s0 + t s).
    static func quadratic1D(_ j: [Double], _ m: Int, _ g: [Double], _ s: [Double], _ diagonal: [Double],
                            s0: [Double]? = nil) -> (a: Double, b: Double, c: Double) {
        let js = product(j, s, m)
        var a: Double = dot(js, js) + weighted(s, diagonal, s)
        a *= 0.5
        var b = dot(g, s), c = 0.0
        if let s0 {
            let u = product(j, s0, m)
            b += dot(u, js)
            c = 0.5 * dot(u, u) + dot(g, s0)
            b += weighted(s0, diagonal, s)
            c += 0.5 * weighted(s0, diagonal, s0)
        }
        return (a, b, c)
    }

    /// The minimum of a t² + b t + c over [lower, upper] (scipy's minimize_quadratic_1d).
    static func minimizeQuadratic1D(_ a: Double, _ b: Double, _ lower: Double, _ upper: Double, c: Double = 0) -> (Double, Double) {
        var candidates = [lower, upper]
        if a != 0 {
            let extremum = -0.5 * b / a
            if lower < extremum && extremum < upper { candidates.append(extremum) }
        }
        let values = candidates.map { $0 * (a * $0 + b) + c }
        let best = values.indices.min { values[$0] < values[$1] }!
        return (candidates[best], values[best])
    }

    /// The step length t > 0 at which x + t s first reaches a bound, and which bounds it hits
    /// (−1 lower, 1 upper, 0 none).
    static func stepToBound(_ x: [Double], _ s: [Double], _ lower: [Double], _ upper: [Double]) -> (Double, [Int]) {
        var steps = [Double](repeating: .infinity, count: x.count)
        for i in x.indices where s[i] != 0 {
            steps[i] = max((lower[i] - x[i]) / s[i], (upper[i] - x[i]) / s[i])
        }
        let smallest = steps.min()!
        return (smallest, x.indices.map { steps[$0] == smallest ? (s[$0] > 0 ? 1 : s[$0] < 0 ? -1 : 0) : 0 })
    }

    /// The intersections t of the line x + t s with the sphere of radius Δ (negative, positive).
    static func intersectTrustRegion(_ x: [Double], _ s: [Double], _ radius: Double) -> (Double, Double) {
        let a = dot(s, s), b = dot(x, s), c = dot(x, x) - radius * radius
        let d = (b * b - a * c).squareRoot()
        let q = -(b + (b < 0 ? -d : d))
        let t1 = q / a, t2 = c / q
        return t1 < t2 ? (t1, t2) : (t2, t1)
    }

    /// The trust-region reflective choice among the (bound-truncated) trust-region step, its
    /// reflection off the bound, and the scaled gradient step (trf.py's select_step).
    static func selectStep(x: [Double], jacobian j: [Double], m: Int, diagonal: [Double], g: [Double], p pIn: [Double],
                           pHat pHatIn: [Double], d: [Double], radius: Double, lower: [Double], upper: [Double],
                           theta: Double) -> ([Double], [Double], Double) {
        let n = x.count
        var p = pIn, pHat = pHatIn
        if (0..<n).allSatisfy({ x[$0] + p[$0] >= lower[$0] && x[$0] + p[$0] <= upper[$0] }) {
            return (p, pHat, -quadratic(j, m, g, pHat, diagonal))
        }
        let (pStride, hits) = stepToBound(x, p, lower, upper)
        var rHat = pHat
        for i in 0..<n where hits[i] != 0 { rHat[i] = -rHat[i] }
        var r = (0..<n).map { d[$0] * rHat[$0] }
        p = p.map { $0 * pStride }
        pHat = pHat.map { $0 * pStride }
        let onBound = (0..<n).map { x[$0] + p[$0] }
        let (_, toRegion) = intersectTrustRegion(pHat, rHat, radius)
        let (toBound, _) = stepToBound(onBound, r, lower, upper)
        var rStride = min(toBound, toRegion)
        var rLower = 0.0, rUpper = -1.0
        if rStride > 0 {
            rLower = (1 - theta) * pStride / rStride
            rUpper = rStride == toBound ? theta * toBound : toRegion
        }
        var rValue = Double.infinity
        if rLower <= rUpper {
            let (a, b, c) = quadratic1D(j, m, g, rHat, diagonal, s0: pHat)
            (rStride, rValue) = minimizeQuadratic1D(a, b, rLower, rUpper, c: c)
            rHat = (0..<n).map { rHat[$0] * rStride + pHat[$0] }
            r = (0..<n).map { rHat[$0] * d[$0] }
        }
        p = p.map { $0 * theta }
        pHat = pHat.map { $0 * theta }
        let pValue = quadratic(j, m, g, pHat, diagonal)
        var agHat = g.map { -$0 }
        var ag = (0..<n).map { d[$0] * agHat[$0] }
        let toGradientRegion = radius / norm(agHat)
        let (gradientToBound, _) = stepToBound(x, ag, lower, upper)
        var agStride = gradientToBound < toGradientRegion ? theta * gradientToBound : toGradientRegion
        let (a, b, _) = quadratic1D(j, m, g, agHat, diagonal)
        let agValue: Double
        (agStride, agValue) = minimizeQuadratic1D(a, b, 0, agStride)
        agHat = agHat.map { $0 * agStride }
        ag = ag.map { $0 * agStride }
        if pValue < rValue && pValue < agValue { return (p, pHat, -pValue) }
        if rValue < pValue && rValue < agValue { return (r, rHat, -rValue) }
        return (ag, agHat, -agValue)
    }

    /// The new trust-region radius and the ratio of actual to predicted reduction.
    static func updatedRadius(_ radius: Double, actual: Double, predicted: Double, stepNorm: Double, boundHit: Bool) -> (Double, Double) {
        let ratio: Double
        if predicted > 0 { ratio = actual / predicted } else if predicted == actual && actual == 0 { ratio = 1 } else { ratio = 0 }
        if ratio < 0.25 { return (0.25 * stepNorm, ratio) }
        if ratio > 0.75 && boundHit { return (2 * radius, ratio) }
        return (radius, ratio)
    }

    static func termination(_ reduction: Double, _ cost: Double, _ stepNorm: Double, _ xNorm: Double, _ ratio: Double,
                            _ tolerance: Double) -> Int? {
        let ftol = reduction < tolerance * cost && ratio > 0.25
        let xtol = stepNorm < tolerance * (tolerance + xNorm)
        if ftol && xtol { return 4 }
        if ftol { return 2 }
        if xtol { return 3 }
        return nil
    }
}
