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
/// first `minimumInitialConditions` together, then the rest in one group of up to 8): one product of the map's matrix per
/// step serves the whole group, and each trajectory's basis is factored every s steps (CholeskyQR2,
/// Householder where it breaks down), s adapted per trajectory within `factorisationIntervals` (2...8):
/// after 32 steps at 2, the largest s for which the basis's columns grow apart by at most
/// 2^(s·spread) ≤ 1e4, spread being the larger of the running estimates' (λ1 − λk) and the last
/// factorisation's log2(max R_jj / min R_jj) per step. J_{t+s}⋯J_{t+1} Q = Q' R_s⋯R_1 with
/// diag(R_s⋯R_1) = Π diag R_i, so the sums of log2 R_jj are those of factoring every step up to the
/// rounding of the factorisations (which grows with the columns' spread), and the state trajectories
/// are bit-identical whatever s. Tested against factoring every step to 1e-8 bits per step
/// (AnalysisLyapunovTests.adaptiveFactorisationAgreesWithEveryStep; 1e-14 but for a strongly chaotic
/// network with λ1 − λ8 ≈ 7 bits per step, where s stays 2 and the former fixed s = 2 gives the same).
///
/// With `SinglePrecisionBasisDynamics` (and `singlePrecisionBases`) a group's bases are carried in Float
/// once past the first 32 steps while every trajectory's spread is below 3.3 bits per step, with s
/// adapted so that the columns grow apart by at most 1e2 between factorisations (factored in Double);
/// the states stay Double, bit for bit those of the Double path. Float resolves each column to 2^-24 of
/// itself, so R_jj is exact to about s·1e2·2^-24: tested within 1e-4 bits per step of the Double bases
/// (AnalysisLyapunovTests.singlePrecisionBasesAgreeWithDoubleOnes, measured ≤ 1e-6; on fig2 trials 0 and
/// 5: 6e-7 and 2e-5, against a lyap_sem of 1e-3 to 1e-2). A wider spread keeps (or returns) the group's
/// bases to Double. Each trajectory is computed as alone and the across-IC rule is applied in the
/// same order, so the result is the sequential one up to rounding (for chaotic trajectories, which
/// amplify rounding, the per-IC estimates differ as different initial conditions would; tested to
/// agree within the spread).
public final class LyapunovSpectrum {
    public let dimension: Int
    public let exponentCount: Int
    public let settings: LyapunovSettings
    /// Smallest and largest number of steps between factorisations of a grouped trajectory's basis
    /// (the type's comment); 1...1 factors every step.
    public var factorisationIntervals: ClosedRange<Int> = 2...8
    /// Whether grouped trajectories carry their bases in Float where the exponents' spread allows (with
    /// `SinglePrecisionBasisDynamics`; the type's comment); false keeps Double throughout.
    public var singlePrecisionBases = true

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
    /// Most initial conditions advanced together.
    static let largestGroup = 8
    private let groupCurrent, groupNext, groupLogSums: UnsafeMutablePointer<Double>
    /// The Gram matrix of CholeskyQR [k, k], and a copy of the image for the Householder fallback [N, k].
    private let gram, imageCopy: UnsafeMutablePointer<Double>
    /// Per grouped trajectory: steps between its factorisations, and the step of its last one.
    private let intervals, lastFactorised: UnsafeMutablePointer<Int>
    /// Per grouped trajectory: the latest spread estimate (bits per step); and the group's bases in Float
    /// (two buffers [G k, N], one read, one written per step).
    private let spreads: UnsafeMutablePointer<Double>
    private let singleCurrent, singleNext: UnsafeMutablePointer<Float>
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
        groupCapacity = max(settings.minimumInitialConditions, min(settings.maxInitialConditions, Self.largestGroup))
        groupCurrent = .allocate(capacity: dimension * groupCapacity * (1 + k))
        groupNext = .allocate(capacity: dimension * groupCapacity * (1 + k))
        groupLogSums = .allocate(capacity: groupCapacity * k)
        gram = .allocate(capacity: k * k)
        imageCopy = .allocate(capacity: dimension * k)
        intervals = .allocate(capacity: groupCapacity)
        lastFactorised = .allocate(capacity: groupCapacity)
        spreads = .allocate(capacity: groupCapacity)
        singleCurrent = .allocate(capacity: groupCapacity * k * dimension)
        singleNext = .allocate(capacity: groupCapacity * k * dimension)
    }

    deinit {
        for buffer in [state, basis, image, factored, rDiagonal, logSums, recentEstimates, spectra,
                       groupCurrent, groupNext, groupLogSums, gram, imageCopy] { buffer.deallocate() }
        intervals.deallocate()
        lastFactorised.deallocate()
        spreads.deallocate()
        singleCurrent.deallocate()
        singleNext.deallocate()
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
            // The first group reaches the minimum number of initial conditions at once; the next takes
            // the rest (up to `largestGroup`): the across-IC rule rarely stops between the minimum and
            // the maximum (a spread below the tolerance shows with the first group or not at all), and
            // a wider group's products run faster.
            let group = computed == 0 ? min(settings.minimumInitialConditions, maxConditions, groupCapacity)
                                      : min(maxConditions - computed, groupCapacity)
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
        let smallest = max(1, factorisationIntervals.lowerBound), largest = max(smallest, factorisationIntervals.upperBound)
        intervals.update(repeating: smallest, count: group)
        lastFactorised.update(repeating: 0, count: group)
        spreads.update(repeating: .infinity, count: group)
        let singleDynamics = singlePrecisionBases ? dynamics as? any SinglePrecisionBasisDynamics : nil
        var single = false, singleBases = singleCurrent, singleMapped = singleNext
        for step in 1...settings.maxSteps {
            if let singleDynamics, single {
                singleDynamics.advance(states: current, into: next, bases: singleBases, into: singleMapped, group: group, k: k)
                swap(&singleBases, &singleMapped)
            } else {
                dynamics.advance(current, into: next, group: group, k: k)
            }
            swap(&current, &next)
            for g in 0..<group where step - lastFactorised[g] >= intervals[g] || step == settings.maxSteps {
                // J_g Q_g over the steps since the last factorisation, column-major [N, k], factored in
                // place into Q (and diag R): CholeskyQR2, or Householder where a direction is nearly
                // annihilated (CholeskyQR's Gram matrix is then numerically singular).
                // Float bases are factored from Float into Double and written back to Float in the one call.
                let image = current + (group + g * k) * n, singleBasis = singleBases + g * k * n
                let factored: Bool
                if single {
                    factored = CholeskyQR.factor(single: singleBasis, into: image, m: n, n: k, rDiagonal: rDiagonal, gram: gram)
                    if !factored { for index in 0..<(n * k) { image[index] = Double(singleBasis[index]) } }
                } else {
                    imageCopy.update(from: image, count: n * k)
                    factored = CholeskyQR.factor(image, m: n, n: k, rDiagonal: rDiagonal, gram: gram)
                    if !factored { image.update(from: imageCopy, count: n * k) }
                }
                if !factored { try LAPACK.reducedQR(image, m: n, n: k, rDiagonal: rDiagonal, workspace: qrWorkspace) }
                var largestLog = -Double.infinity, smallestLog = Double.infinity
                for j in 0..<k {
                    let r = rDiagonal[j]
                    guard r.isFinite else { return false }
                    let logR = Foundation.log2(max(abs(r), Double.leastNormalMagnitude))
                    groupLogSums[g * k + j] += logR
                    largestLog = max(largestLog, logR)
                    smallestLog = min(smallestLog, logR)
                    if r < 0 {   // Q ← Q diag(sign R), so that R's diagonal is positive
                        let column = image + j * n
                        for i in 0..<n { column[i] = -column[i] }
                    }
                }
                // The next interval: columns may grow apart by 2^(s·spread) ≤ 1e4 (log2 1e4 = 13.29).
                let sums = groupLogSums + g * k
                var largestSum = sums[0], smallestSum = sums[0]
                for j in 1..<k { largestSum = max(largestSum, sums[j]); smallestSum = min(smallestSum, sums[j]) }
                let spread = max((largestSum - smallestSum) / Double(step),
                                 (largestLog - smallestLog) / Double(step - lastFactorised[g]))
                // Over the first steps the basis turns towards the Lyapunov vectors and neither estimate
                // is reliable yet: the interval stays at its smallest.
                spreads[g] = spread
                if single && !factored { for index in 0..<(n * k) { singleBasis[index] = Float(image[index]) } }
                let affordable = spread > 0 ? (single ? 6.64 : 13.29) / spread : Double(largest)
                intervals[g] = step < 32 ? smallest : affordable >= Double(largest) ? largest : max(smallest, Int(affordable))
                lastFactorised[g] = step
            }
            // Float bases once past the start, while every trajectory's spread stays below 3.3 bits per
            // step (columns growing apart by at most 1e2 between factorisations); Double otherwise.
            if singleDynamics != nil, step >= 32 {
                var widest = 0.0
                for g in 0..<group { widest = max(widest, spreads[g]) }
                if single != (widest <= 3.3) {
                    single.toggle()
                    for g in 0..<group {   // the next factorisation as the new precision affords
                        let affordable = (single ? 6.64 : 13.29) / spreads[g]
                        intervals[g] = affordable >= Double(largest) ? largest : max(smallest, Int(affordable))
                    }
                    let bases = current + group * n
                    if single {
                        for index in 0..<(group * k * n) { singleBases[index] = Float(bases[index]) }
                    } else {
                        for index in 0..<(group * k * n) { bases[index] = Double(singleBases[index]) }
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
