import Foundation

/// Stopping rules of the Lyapunov analysis (farrell-spec.md D.4); the defaults are the reference's.
/// Standard deviations are population ones (divisor = count), numpy's default.
public struct LyapunovSettings: Sendable, Equatable {
    /// Largest number of steps per initial condition.
    public var maxSteps: Int = 1000
    /// Number of most recent running estimates over which convergence is judged.
    public var windowLength: Int = 10
    /// Fewest running estimates (one per step) before the per-IC test may stop the iteration.
    public var minimumEvaluations: Int = 5
    /// Per IC: stop once mean over exponents of (std over the window) / √windowLength is below this.
    public var stepTolerance: Double = 2e-4
    /// Largest number of initial conditions.
    public var maxInitialConditions: Int = 10
    /// Fewest initial conditions before the across-IC test may stop.
    public var minimumInitialConditions: Int = 4
    /// Stop once mean over exponents of (std across ICs) / √#ICs is below this.
    public var initialConditionTolerance: Double = 2e-3

    public init(maxSteps: Int = 1000, windowLength: Int = 10, minimumEvaluations: Int = 5, stepTolerance: Double = 2e-4,
                maxInitialConditions: Int = 10, minimumInitialConditions: Int = 4, initialConditionTolerance: Double = 2e-3) {
        self.maxSteps = maxSteps
        self.windowLength = windowLength
        self.minimumEvaluations = minimumEvaluations
        self.stepTolerance = stepTolerance
        self.maxInitialConditions = maxInitialConditions
        self.minimumInitialConditions = minimumInitialConditions
        self.initialConditionTolerance = initialConditionTolerance
    }

    func validate() throws {
        try require(maxSteps >= 1, "maxSteps", maxSteps, "must be >= 1")
        try require(windowLength >= 1, "windowLength", windowLength, "must be >= 1")
        try require(minimumEvaluations >= 1, "minimumEvaluations", minimumEvaluations, "must be >= 1")
        try require(!stepTolerance.isNaN, "stepTolerance", stepTolerance, "must be a number")
        try require(maxInitialConditions >= 1, "maxInitialConditions", maxInitialConditions, "must be >= 1")
        try require(minimumInitialConditions >= 1, "minimumInitialConditions", minimumInitialConditions, "must be >= 1")
        try require(!initialConditionTolerance.isNaN, "initialConditionTolerance", initialConditionTolerance, "must be a number")
    }
}

/// Outcome of `LyapunovSpectrum.compute`.
public struct LyapunovResult: Sendable, Equatable {
    /// The k largest exponents in bits per time step, mean over initial conditions, descending [k].
    /// All NaN if the tangent dynamics produced a non-finite value.
    public var exponents: [Double]
    /// Mean over exponents of (std across ICs) / √#ICs (0 with one IC).
    public var standardError: Double
    /// Steps taken, summed over initial conditions.
    public var totalSteps: Int
    /// Initial conditions used.
    public var initialConditions: Int

    /// λ1 + λ2/2 + λ3/3 (the reference's "chaoticity"; the sum stops early when k < 3).
    public var chaoticity: Double {
        exponents.prefix(3).enumerated().reduce(0) { $0 + $1.element / Double($1.offset + 1) }
    }
}

/// The k largest Lyapunov exponents by the QR (Benettin) method, farrell-spec.md D.4.
///
/// Per initial condition: Q_0 = first k columns of I; each step advances the state, maps Z = J Q, factors
/// Z = Q R (Q's columns sign-normalised so that diag R > 0) and accumulates log2 |R_jj|; the running
/// estimate after t steps is the sum / t. Initial conditions repeat until the across-IC spread is small.
///
/// The QR is LAPACK's Householder dgeqrf + dorgqr on a workspace allocated once. Householder rather than
/// Gram-Schmidt because Q stays orthonormal to machine precision even when Z is numerically rank-deficient
/// (saturated or dead units, directions contracting by many orders of magnitude), where Gram-Schmidt
/// needs re-orthogonalisation and special cases; at N = 200, k = 10 it costs less than the product J Q.
///
/// An exactly zero R_jj (a direction annihilated by the map) contributes log2 of the smallest normal
/// Double (−1022) rather than −∞, so that averages and spreads stay finite.
///
/// With `BatchedTangentDynamics` (and no per-IC stopping rule) the initial conditions run in groups (the
/// first `minimumInitialConditions` together, then groups of 3): one product of the map's matrix per
/// step serves the whole group, and the basis is factored every second step (CholeskyQR2, Householder
/// where it breaks down). Each trajectory is computed as alone and the across-IC rule is applied in the
/// same order, so the result is the sequential one up to rounding (for chaotic trajectories, which
/// amplify rounding, the per-IC estimates differ as different initial conditions would; tested to
/// agree within the spread).
public final class LyapunovSpectrum {
    public let dimension: Int
    public let exponentCount: Int
    public let settings: LyapunovSettings

    private let state: UnsafeMutablePointer<Double>           // h [N]
    private let basis: UnsafeMutablePointer<Double>           // Q [N, k] row-major
    private let image: UnsafeMutablePointer<Double>           // Z = J Q [N, k] row-major
    private let factored: UnsafeMutablePointer<Double>        // Z, then Q, column-major [N, k] for LAPACK
    private let rDiagonal: UnsafeMutablePointer<Double>       // diag R [k]
    private let logSums: UnsafeMutablePointer<Double>         // Σ_t log2 |R_jj| [k]
    private let recentEstimates: UnsafeMutablePointer<Double> // ring of running estimates [windowLength, k]
    private let spectra: UnsafeMutablePointer<Double>         // per-IC spectra, descending [maxInitialConditions, k]
    private let qrWorkspace: QRWorkspace
    /// Grouped initial conditions: two buffers of [states; bases] [G(1+k), N] (one read, one written per
    /// step) and the per-trajectory sums of log2 |R_jj|.
    private let groupCapacity: Int
    private let groupCurrent, groupNext, groupLogSums: UnsafeMutablePointer<Double>
    /// The Gram matrix of CholeskyQR [k, k], and a copy of the image for the Householder fallback [N, k].
    private let gram, imageCopy: UnsafeMutablePointer<Double>
    /// - Parameters:
    ///   - dimension: N, the state dimension of the dynamics to analyse.
    ///   - k: number of exponents (1...N).
    public init(dimension: Int, exponents k: Int = 10, settings: LyapunovSettings = LyapunovSettings()) throws {
        try require(dimension >= 1, "dimension", dimension, "must be >= 1")
        try require(k >= 1 && k <= dimension, "exponents", k, "must be in 1...dimension (\(dimension))")
        try settings.validate()
        self.dimension = dimension
        exponentCount = k
        self.settings = settings
        state = .allocate(capacity: dimension)
        basis = .allocate(capacity: dimension * k)
        image = .allocate(capacity: dimension * k)
        factored = .allocate(capacity: dimension * k)
        rDiagonal = .allocate(capacity: k)
        logSums = .allocate(capacity: k)
        recentEstimates = .allocate(capacity: settings.windowLength * k)
        spectra = .allocate(capacity: settings.maxInitialConditions * k)
        qrWorkspace = QRWorkspace(rows: dimension, columns: k)
        groupCapacity = max(settings.minimumInitialConditions, 3)
        groupCurrent = .allocate(capacity: dimension * groupCapacity * (1 + k))
        groupNext = .allocate(capacity: dimension * groupCapacity * (1 + k))
        groupLogSums = .allocate(capacity: groupCapacity * k)
        gram = .allocate(capacity: k * k)
        imageCopy = .allocate(capacity: dimension * k)
    }

    deinit {
        for buffer in [state, basis, image, factored, rDiagonal, logSums, recentEstimates, spectra,
                       groupCurrent, groupNext, groupLogSums, gram, imageCopy] { buffer.deallocate() }
    }

    /// Runs the analysis.
    /// - Parameters:
    ///   - dynamics: the map; its `dimension` must equal `self.dimension`.
    ///   - initialCondition: fills initial condition number i (0, 1, ...) into the state [N]; the caller
    ///     seeds it (the reference draws U(−0.2, 0.2) per unit).
    public func compute<Dynamics: TangentDynamics>(dynamics: Dynamics,
                                                    initialCondition: (Int, UnsafeMutablePointer<Double>) -> Void) throws -> LyapunovResult {
        try require(dynamics.dimension == dimension, "dynamics.dimension", dynamics.dimension, "must equal \(dimension)")
        if let batched = dynamics as? any BatchedTangentDynamics, settings.stepTolerance == 0 {
            return try computeGrouped(batched, initialCondition: initialCondition)
        }
        let k = exponentCount
        var totalSteps = 0, conditions = 0
        while conditions < settings.maxInitialConditions {
            initialCondition(conditions, state)
            guard let steps = try runInitialCondition(dynamics, into: spectra + conditions * k) else {
                return LyapunovResult(exponents: Array(repeating: .nan, count: k), standardError: .nan,
                                      totalSteps: totalSteps, initialConditions: conditions + 1)
            }
            totalSteps += steps
            conditions += 1
            if conditions >= settings.minimumInitialConditions,
               acrossConditionsStandardError(conditions) < settings.initialConditionTolerance { break }
        }
        var mean = [Double](repeating: 0, count: k)
        for condition in 0..<conditions {
            for j in 0..<k { mean[j] += spectra[condition * k + j] }
        }
        for j in 0..<k { mean[j] /= Double(conditions) }
        return LyapunovResult(exponents: mean, standardError: acrossConditionsStandardError(conditions),
                              totalSteps: totalSteps, initialConditions: conditions)
    }

    /// `compute` with the initial conditions in groups (every trajectory runs the full `maxSteps`).
    private func computeGrouped(_ dynamics: any BatchedTangentDynamics,
                                initialCondition: (Int, UnsafeMutablePointer<Double>) -> Void) throws -> LyapunovResult {
        let k = exponentCount, maxConditions = settings.maxInitialConditions
        var conditions = 0, computed = 0
        while conditions < maxConditions {
            // The next group: the first reaches the minimum number of initial conditions at once.
            let group = min(computed == 0 ? settings.minimumInitialConditions : 3, maxConditions - computed, groupCapacity)
            if computed == conditions {
                guard try runGroup(dynamics, first: computed, count: group, initialCondition: initialCondition) else {
                    return LyapunovResult(exponents: Array(repeating: .nan, count: k), standardError: .nan,
                                          totalSteps: conditions * settings.maxSteps, initialConditions: conditions + 1)
                }
                computed += group
            }
            // The across-IC rule, one initial condition at a time, as the sequential loop applies it.
            while conditions < computed {
                conditions += 1
                if conditions >= settings.minimumInitialConditions,
                   acrossConditionsStandardError(conditions) < settings.initialConditionTolerance {
                    return finish(conditions)
                }
            }
        }
        return finish(conditions)
    }

    private func finish(_ conditions: Int) -> LyapunovResult {
        let k = exponentCount
        var mean = [Double](repeating: 0, count: k)
        for condition in 0..<conditions {
            for j in 0..<k { mean[j] += spectra[condition * k + j] }
        }
        for j in 0..<k { mean[j] /= Double(conditions) }
        return LyapunovResult(exponents: mean, standardError: acrossConditionsStandardError(conditions),
                              totalSteps: conditions * settings.maxSteps, initialConditions: conditions)
    }

    /// Runs initial conditions first ..< first + count together for `maxSteps` steps; writes their
    /// spectra. False if a non-finite value appeared.
    private func runGroup(_ dynamics: any BatchedTangentDynamics, first: Int, count group: Int,
                          initialCondition: (Int, UnsafeMutablePointer<Double>) -> Void) throws -> Bool {
        let n = dimension, k = exponentCount
        // [h_0 .. h_{G-1}; Q_0 .. Q_{G-1}], one vector per row; each Q starts as the first k columns of I.
        var current = groupCurrent, next = groupNext
        current.update(repeating: 0, count: group * (1 + k) * n)
        for g in 0..<group {
            initialCondition(first + g, current + g * n)
            for j in 0..<k { current[(group + g * k + j) * n + j] = 1 }
        }
        groupLogSums.update(repeating: 0, count: group * k)
        // Two steps per factorisation: J_{t+1} J_t Q = Q' R' R with diag(R' R) = diag R' · diag R, so the
        // sums of log2 |R_jj| are those of factoring every step (to rounding), at half the QR cost; the
        // columns' growth over two steps stays far within what the factorisation resolves.
        var step = 0
        while step < settings.maxSteps {
            dynamics.advance(current, into: next, group: group, k: k)
            swap(&current, &next)
            step += 1
            if step < settings.maxSteps {
                dynamics.advance(current, into: next, group: group, k: k)
                swap(&current, &next)
                step += 1
            }
            for g in 0..<group {
                // J_g Q_g, column-major [N, k], factored in place into Q (and diag R): CholeskyQR2, or
                // Householder where a direction is nearly annihilated (CholeskyQR's Gram matrix is then
                // numerically singular).
                let image = current + (group + g * k) * n
                imageCopy.update(from: image, count: n * k)
                if !LAPACK.choleskyQR(image, m: n, n: k, rDiagonal: rDiagonal, gram: gram) {
                    image.update(from: imageCopy, count: n * k)
                    try LAPACK.reducedQR(image, m: n, n: k, rDiagonal: rDiagonal, workspace: qrWorkspace)
                }
                for j in 0..<k {
                    let r = rDiagonal[j]
                    guard r.isFinite else { return false }
                    groupLogSums[g * k + j] += Foundation.log2(max(abs(r), Double.leastNormalMagnitude))
                    if r < 0 {   // Q ← Q diag(sign R), so that R's diagonal is positive
                        let column = image + j * n
                        for i in 0..<n { column[i] = -column[i] }
                    }
                }
            }
        }
        for g in 0..<group {
            let spectrum = spectra + (first + g) * k
            for j in 0..<k { spectrum[j] = groupLogSums[g * k + j] / Double(settings.maxSteps) }
            sortDescending(spectrum, count: k)
        }
        return true
    }

    /// Iterates one initial condition (already in `state`); writes its spectrum, sorted descending, to
    /// `spectrum` [k] and returns the number of steps, or nil if a non-finite value appeared.
    private func runInitialCondition<Dynamics: TangentDynamics>(_ dynamics: Dynamics, into spectrum: UnsafeMutablePointer<Double>) throws -> Int? {
        let n = dimension, k = exponentCount
        basis.update(repeating: 0, count: n * k)
        for j in 0..<k { basis[j * k + j] = 1 }
        logSums.update(repeating: 0, count: k)
        var steps = 0
        while steps < settings.maxSteps {
            dynamics.step(state)
            dynamics.applyJacobian(newState: state, basis, k: k, image)
            for i in 0..<n { for j in 0..<k { factored[j * n + i] = image[i * k + j] } }
            try LAPACK.reducedQR(factored, m: n, n: k, rDiagonal: rDiagonal, workspace: qrWorkspace)
            for j in 0..<k {
                let r = rDiagonal[j]
                guard r.isFinite else { return nil }
                logSums[j] += Foundation.log2(max(abs(r), Double.leastNormalMagnitude))
                let sign: Double = r < 0 ? -1 : 1    // Q ← Q diag(sign R) so that R's diagonal is positive
                for i in 0..<n { basis[i * k + j] = sign * factored[j * n + i] }
            }
            steps += 1
            let slot = recentEstimates + ((steps - 1) % settings.windowLength) * k
            for j in 0..<k { slot[j] = logSums[j] / Double(steps) }
            if steps >= settings.minimumEvaluations, windowSpread(count: min(steps, settings.windowLength)) < settings.stepTolerance { break }
        }
        for j in 0..<k { spectrum[j] = logSums[j] / Double(steps) }
        sortDescending(spectrum, count: k)
        return steps
    }

    /// Mean over exponents of the std of the last `count` running estimates, / √windowLength.
    private func windowSpread(count: Int) -> Double {
        let k = exponentCount
        var sumOfStds = 0.0
        for j in 0..<k {
            sumOfStds += populationStd(recentEstimates + j, count: count, stride: k)
        }
        return sumOfStds / Double(k) / Double(settings.windowLength).squareRoot()
    }

    /// Mean over exponents of the std across the first `conditions` IC spectra, / √conditions.
    private func acrossConditionsStandardError(_ conditions: Int) -> Double {
        let k = exponentCount
        var sumOfStds = 0.0
        for j in 0..<k { sumOfStds += populationStd(spectra + j, count: conditions, stride: k) }
        return sumOfStds / Double(k) / Double(conditions).squareRoot()
    }
}

/// Population standard deviation of `count` values spaced `stride` apart.
func populationStd(_ values: UnsafePointer<Double>, count: Int, stride: Int) -> Double {
    var mean = 0.0
    for index in 0..<count { mean += values[index * stride] }
    mean /= Double(count)
    var sumOfSquares = 0.0
    for index in 0..<count {
        let deviation = values[index * stride] - mean
        sumOfSquares += deviation * deviation
    }
    return (sumOfSquares / Double(count)).squareRoot()
}

/// In-place insertion sort, largest first (k is small; no allocation).
func sortDescending(_ values: UnsafeMutablePointer<Double>, count: Int) {
    guard count > 1 else { return }
    for index in 1..<count {
        let value = values[index]
        var position = index
        while position > 0 && values[position - 1] < value {
            values[position] = values[position - 1]
            position -= 1
        }
        values[position] = value
    }
}
