/// PCA snapshots through time, farrell-spec.md D.6 (off by default in the sweep).
///
/// For each time step: the top two principal axes of the sample covariance of that step's activity
/// [M, N] (largest |eigenvalue|), the projection of the *uncentred* activity onto them (the centred
/// projection plus the projected mean), and the readout rows [C', N] projected onto the same axes.
/// Axis signs are arbitrary in an eigensolver, so they are made continuous in time: at the first step
/// the largest-magnitude entry of each axis is made positive; afterwards, of the four sign flips the one
/// closest (Frobenius) to the previous step's projection is kept. Since ‖P S − P_prev‖² = Σ_a ‖s_a p_a −
/// p_prev,a‖², that flip is s_a = sign(p_a · p_prev,a), chosen per axis. Axes are fitted, and signs
/// matched, on all M samples given; the first `count` samples are written out.
///
/// By default the covariance is formed and its two largest eigenpairs found in Float (ssyrk and ssyevr
/// on the centred activity rounded to Float: half the time of Double), the means, the projections
/// and the explained ratios' division in Double. Float resolves the covariance to about 6e-8 of its
/// entries, so the axes agree with the Double ones to about 1e-6 (relative to the eigengap), the
/// explained ratios and the projections to about 1e-5 of their values (tested against the Double
/// path, `PCASnapshotsTests.fastPathsAgreeWithFullEigensolver`). A step whose second eigenvalue
/// is below 1e-4 of the trace (within Float rounding of the covariance: n·M·2^-24 of it) takes the
/// Double path.
///
/// The Double axes come from LAPACK's dsyevr for the two largest eigenpairs only (the tridiagonal reduction
/// and two eigenvectors, about a fifth of a full dsyev at N = 200) and the total variance from the
/// covariance's trace. A covariance is positive semi-definite up to rounding (negative eigenvalues of
/// order ε·M·trace), so its two largest eigenvalues are its two largest in magnitude whenever the second
/// exceeds 1e-8 of the trace; otherwise (a step with (nearly) zero or rank-1 variance) the full dsyev
/// orders by |λ| as before. The two solvers agree to rounding: projections and explained ratios within
/// 1e-9 relative (PCASnapshotsTests.fastPathsAgreeWithFullEigensolver).
public final class PCASnapshots {
    /// How the principal axes are found: `.singlePrecision` (the default: the covariance and its two
    /// largest pairs in Float, ssyevr), `.largestPairs` (the same in Double, dsyevr) or `.full` (dsyev of
    /// every eigenpair, the reference the fast paths are tested against).
    public enum Eigensolver: Sendable { case singlePrecision, largestPairs, full }

    public let samples: Int
    public let features: Int
    public let readoutRows: Int
    public let count: Int

    private let centred: UnsafeMutablePointer<Double>     // Hc [M, N]
    private let means: UnsafeMutablePointer<Double>       // [N]
    private let covariance: UnsafeMutablePointer<Double>  // [N, N], then eigenvectors (column k = a[k*N...])
    private let eigenvalues: UnsafeMutablePointer<Double> // [N] ascending
    private let axes: UnsafeMutablePointer<Double>        // V [N, 2] row-major
    private let projection: UnsafeMutablePointer<Double>  // H V [M, 2]
    private let previous: UnsafeMutablePointer<Double>    // last step's projection [M, 2]
    private let eigenWorkspace: SymmetricEigenWorkspace
    private let eigensolver: Eigensolver
    private let largestWorkspace: LargestEigenpairsWorkspace
    private let largestVectors: UnsafeMutablePointer<Double>  // the two largest eigenvectors [2, N]
    /// The Float path: Float(Hc) [M, N], its covariance [N, N] (row-major lower triangle), the two
    /// largest eigenvalues [N] (the first two) and eigenvectors [2, N].
    private let centredSingle, covarianceSingle, eigenvaluesSingle, vectorsSingle: UnsafeMutablePointer<Float>

    /// - Parameters:
    ///   - samples: M rows of activity per step (the reference draws 800).
    ///   - features: N units (>= 2).
    ///   - readoutRows: C' rows of the readout matrix.
    ///   - count: samples written out (the reference plots 600), <= samples.
    ///   - eigensolver: `.singlePrecision` unless comparing against the Double paths.
    public init(samples: Int, features: Int, readoutRows: Int, count: Int = 600, eigensolver: Eigensolver = .singlePrecision) throws {
        try require(samples >= 2, "samples", samples, "must be >= 2")
        try require(features >= 2, "features", features, "must be >= 2 (two principal axes)")
        try require(readoutRows >= 0, "readoutRows", readoutRows, "must be >= 0")
        try require(count >= 0 && count <= samples, "count", count, "must be in 0...samples (\(samples))")
        self.samples = samples
        self.features = features
        self.readoutRows = readoutRows
        self.count = count
        centred = .allocate(capacity: samples * features)
        means = .allocate(capacity: features)
        covariance = .allocate(capacity: features * features)
        eigenvalues = .allocate(capacity: features)
        axes = .allocate(capacity: features * 2)
        projection = .allocate(capacity: samples * 2)
        previous = .allocate(capacity: samples * 2)
        eigenWorkspace = SymmetricEigenWorkspace(order: features)
        self.eigensolver = eigensolver
        largestWorkspace = LargestEigenpairsWorkspace(order: features, count: 2)
        largestVectors = .allocate(capacity: 2 * features)
        centredSingle = .allocate(capacity: samples * features)
        covarianceSingle = .allocate(capacity: features * features)
        eigenvaluesSingle = .allocate(capacity: features)   // ssyevr uses all N as workspace
        vectorsSingle = .allocate(capacity: 2 * features)
    }

    deinit {
        for buffer in [centred, means, covariance, eigenvalues, axes, projection, previous, largestVectors] { buffer.deallocate() }
        for buffer in [centredSingle, covarianceSingle, eigenvaluesSingle, vectorsSingle] { buffer.deallocate() }
    }

    /// - Parameters:
    ///   - steps: activity per time step, each [samples, features].
    ///   - readout: W_out [readoutRows, features] row-major.
    ///   - xy: [T, count, 2] projections of the first `count` samples.
    ///   - readoutXY: [T, readoutRows, 2] projections of the readout rows.
    ///   - explained: [T, 2] explained-variance ratios of the two axes (NaN for a step with zero variance).
    public func compute(steps: [ActivityMatrix], readout: UnsafePointer<Float>, xy: UnsafeMutablePointer<Double>,
                        readoutXY: UnsafeMutablePointer<Double>, explained: UnsafeMutablePointer<Double>) throws {
        for (index, step) in steps.enumerated() {
            try step.validate("steps[\(index)]", maxRows: samples, maxColumns: features)
            try require(step.rows == samples && step.columns == features, "steps[\(index)] shape",
                        "[\(step.rows), \(step.columns)]", "must be [\(samples), \(features)]")
        }
        for (index, step) in steps.enumerated() {
            guard let totalVariance = try principalAxes(step) else {   // non-finite activity: this step is NaN
                (xy + index * count * 2).update(repeating: .nan, count: count * 2)
                (readoutXY + index * readoutRows * 2).update(repeating: .nan, count: readoutRows * 2)
                (explained + index * 2).update(repeating: .nan, count: 2)
                continue
            }
            explained[index * 2] = eigenvalues[features - 1] / totalVariance
            explained[index * 2 + 1] = eigenvalues[features - 2] / totalVariance
            project(step)
            chooseSigns(firstStep: index == 0)
            for i in 0..<count {
                xy[(index * count + i) * 2] = projection[i * 2]
                xy[(index * count + i) * 2 + 1] = projection[i * 2 + 1]
            }
            for row in 0..<readoutRows {
                var x = 0.0, y = 0.0
                for unit in 0..<features {
                    let w = Double(readout[row * features + unit])
                    x += w * axes[unit * 2]
                    y += w * axes[unit * 2 + 1]
                }
                readoutXY[(index * readoutRows + row) * 2] = x
                readoutXY[(index * readoutRows + row) * 2 + 1] = y
            }
            previous.update(from: projection, count: samples * 2)
        }
    }

    /// Fills `axes` with the top-2 eigenvectors (by |eigenvalue|) of the covariance, leaves their
    /// eigenvalues in eigenvalues[N−1], eigenvalues[N−2], and returns the total variance (trace);
    /// nil if the activity is not finite.
    private func principalAxes(_ step: ActivityMatrix) throws -> Double? {
        let m = samples, n = features
        means.update(repeating: 0, count: n)
        for row in 0..<m { for unit in 0..<n { means[unit] += Double(step[row, unit]) } }
        for unit in 0..<n {
            means[unit] /= Double(m)
            if !means[unit].isFinite { return nil }
        }
        for row in 0..<m { for unit in 0..<n { centred[row * n + unit] = Double(step[row, unit]) - means[unit] } }
        if eigensolver == .singlePrecision {
            for index in 0..<(m * n) { centredSingle[index] = Float(centred[index]) }
            BLAS.gramLower(n: n, k: m, alpha: 1 / Float(m - 1), centredSingle, beta: 0, covarianceSingle)
            var trace = 0.0
            for k in 0..<n { trace += Double(covarianceSingle[k * n + k]) }
            try LAPACK.largestEigenpairs(covarianceSingle, n: n, eigenvalues: eigenvaluesSingle, vectors: vectorsSingle,
                                         workspace: largestWorkspace)
            if Double(eigenvaluesSingle[0]) > 1e-4 * trace {
                keepLargestPair(eigenvaluesSingle, vectorsSingle)
                return trace
            }
            // Second eigenvalue within Float rounding: the Double path below.
        }
        BLAS.gramUpper(n: n, k: m, alpha: 1 / Double(m - 1), centred, beta: 0, covariance)
        for i in 0..<n { for j in 0..<i { covariance[i * n + j] = covariance[j * n + i] } }   // full symmetric
        var trace = 0.0
        for k in 0..<n { trace += covariance[k * n + k] }
        if eigensolver != .full {
            // dsyevr leaves the two largest ascending in eigenvalues[0], [1]; they are the largest in
            // magnitude unless the second is at rounding level (see the type's comment).
            try LAPACK.largestEigenpairs(covariance, n: n, eigenvalues: eigenvalues, vectors: largestVectors,
                                         workspace: largestWorkspace)
            if eigenvalues[0] > 1e-8 * trace {
                keepLargestPair(eigenvalues, largestVectors)
                return trace
            }
            // Degenerate step: rebuild the covariance (dsyevr destroyed it) for the full solver.
            BLAS.gramUpper(n: n, k: m, alpha: 1 / Double(m - 1), centred, beta: 0, covariance)
            for i in 0..<n { for j in 0..<i { covariance[i * n + j] = covariance[j * n + i] } }
        }
        try LAPACK.symmetricEigen(covariance, n: n, eigenvalues: eigenvalues, workspace: eigenWorkspace)
        // Order by |λ| (the two largest in magnitude), kept in the last two slots.
        var first = n - 1, second = n - 2
        for k in 0..<n {
            if abs(eigenvalues[k]) > abs(eigenvalues[first]) { second = first; first = k }
            else if k != first, abs(eigenvalues[k]) > abs(eigenvalues[second]) { second = k }
        }
        var total = 0.0
        for k in 0..<n { total += eigenvalues[k] }
        let (largest, next) = (eigenvalues[first], eigenvalues[second])
        eigenvalues[n - 1] = largest
        eigenvalues[n - 2] = next
        for unit in 0..<n {
            axes[unit * 2] = covariance[first * n + unit]
            axes[unit * 2 + 1] = covariance[second * n + unit]
        }
        return total
    }

    /// The two largest pairs as ssyevr or dsyevr leave them (`values` [2] ascending, `vectors` [2, N]):
    /// the eigenvalues into eigenvalues[N−1], [N−2], the vectors into `axes` (the largest first).
    private func keepLargestPair<Scalar: BinaryFloatingPoint>(_ values: UnsafePointer<Scalar>, _ vectors: UnsafePointer<Scalar>) {
        let n = features, second = Double(values[0]), largest = Double(values[1])
        eigenvalues[n - 1] = largest
        eigenvalues[n - 2] = second
        for unit in 0..<n {
            axes[unit * 2] = Double(vectors[n + unit])
            axes[unit * 2 + 1] = Double(vectors[unit])
        }
    }

    /// projection = H V = Hc V + (mean · V) (uncentred data).
    private func project(_ step: ActivityMatrix) {
        BLAS.gemm(m: samples, n: 2, k: features, centred, axes, projection)
        var meanX = 0.0, meanY = 0.0
        for unit in 0..<features { meanX += means[unit] * axes[unit * 2]; meanY += means[unit] * axes[unit * 2 + 1] }
        for i in 0..<samples { projection[i * 2] += meanX; projection[i * 2 + 1] += meanY }
    }

    /// Flips axes (and the projection) as described in the type's comment.
    private func chooseSigns(firstStep: Bool) {
        for axis in 0..<2 {
            var flip: Bool
            if firstStep {
                var largest = 0.0
                for unit in 0..<features where abs(axes[unit * 2 + axis]) > abs(largest) { largest = axes[unit * 2 + axis] }
                flip = largest < 0
            } else {
                var agreement = 0.0
                for i in 0..<samples { agreement += projection[i * 2 + axis] * previous[i * 2 + axis] }
                flip = agreement < 0
            }
            guard flip else { continue }
            for unit in 0..<features { axes[unit * 2 + axis] = -axes[unit * 2 + axis] }
            for i in 0..<samples { projection[i * 2 + axis] = -projection[i * 2 + axis] }
        }
    }
}
