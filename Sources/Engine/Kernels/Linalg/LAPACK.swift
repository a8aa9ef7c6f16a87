import CBLAS

/// LAPACK failures (a non-zero `info`) surface as this error, naming the routine.
public struct LinearAlgebraError: Error, CustomStringConvertible {
    public var routine: String
    public var info: Int32
    public var description: String { "\(routine) failed (info = \(info))" }
}

/// Thin wrappers over the Fortran LAPACK routines in OpenBLAS. LAPACK is column-major; the Engine
/// stores matrices row-major, and a row-major [m, n] buffer is the column-major [n, m] transpose.
/// Each wrapper says which convention it expects. These run at initialisation and in analyses,
/// never inside the training time loop, so they allocate their own workspace.
public enum LAPACK {
    /// Eigenvalues (real, imaginary parts) of a general n x n matrix. The matrix is copied;
    /// row- or column-major does not matter since A and its transpose share eigenvalues.
    public static func eigenvalues(of matrix: UnsafePointer<Double>, n: Int) throws -> (real: [Double], imaginary: [Double]) {
        var a = Array(UnsafeBufferPointer(start: matrix, count: n * n))
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        var order = Int32(n), lda = Int32(max(1, n)), ldv: Int32 = 1, info: Int32 = 0
        var jobLeft = CChar(UInt8(ascii: "N")), jobRight = CChar(UInt8(ascii: "N"))
        var leftVectors = 0.0, rightVectors = 0.0 // not referenced with job 'N'
        // Workspace query, then the real call.
        var lwork: Int32 = -1, query = 0.0
        dgeev_(&jobLeft, &jobRight, &order, &a, &lda, &real, &imaginary, &leftVectors, &ldv, &rightVectors, &ldv, &query, &lwork, &info)
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(max(1, lwork)))
        dgeev_(&jobLeft, &jobRight, &order, &a, &lda, &real, &imaginary, &leftVectors, &ldv, &rightVectors, &ldv, &work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgeev", info: info) }
        return (real, imaginary)
    }

    /// Largest eigenvalue modulus of a general n x n matrix.
    public static func spectralRadius(of matrix: UnsafePointer<Double>, n: Int) throws -> Double {
        let (real, imaginary) = try eigenvalues(of: matrix, n: n)
        var radius = 0.0
        for i in 0..<n { radius = max(radius, (real[i] * real[i] + imaginary[i] * imaginary[i]).squareRoot()) }
        return radius
    }

    /// Reduced QR of a column-major m x n matrix (m >= n), in place: on return `a` holds Q
    /// (m x n, orthonormal columns) and `rDiagonal` the n diagonal entries of R.
    public static func reducedQR(_ a: UnsafeMutablePointer<Double>, m: Int, n: Int,
                                 rDiagonal: UnsafeMutablePointer<Double>) throws {
        precondition(m >= n, "reducedQR needs m >= n")
        var rows = Int32(m), columns = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0
        var tau = [Double](repeating: 0, count: max(1, n))
        var lwork: Int32 = -1, query = 0.0
        dgeqrf_(&rows, &columns, a, &lda, &tau, &query, &lwork, &info)
        var work = [Double](repeating: 0, count: Int(max(1, query)) + n)
        lwork = Int32(work.count)
        dgeqrf_(&rows, &columns, a, &lda, &tau, &work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgeqrf", info: info) }
        for j in 0..<n { rDiagonal[j] = a[j * m + j] }
        var reflectors = Int32(n)
        dorgqr_(&rows, &columns, &reflectors, a, &lda, &tau, &work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dorgqr", info: info) }
    }

    /// Eigen-decomposition of a symmetric n x n matrix, in place: on return `a` holds the
    /// orthonormal eigenvectors (column-major: eigenvector k is a[k*n ..< (k+1)*n]) and the
    /// result the eigenvalues in ascending order.
    public static func symmetricEigen(_ a: UnsafeMutablePointer<Double>, n: Int) throws -> [Double] {
        var order = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0
        var jobVectors = CChar(UInt8(ascii: "V")), upper = CChar(UInt8(ascii: "U"))
        var values = [Double](repeating: 0, count: n)
        var lwork: Int32 = -1, query = 0.0
        dsyev_(&jobVectors, &upper, &order, a, &lda, &values, &query, &lwork, &info)
        var work = [Double](repeating: 0, count: Int(max(1, query)))
        lwork = Int32(work.count)
        dsyev_(&jobVectors, &upper, &order, a, &lda, &values, &work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dsyev", info: info) }
        return values
    }

    /// Solves A X = B for a symmetric positive-definite n x n matrix A (Cholesky). A is
    /// overwritten by its factor; B (column-major n x nrhs) by the solution.
    public static func solvePositiveDefinite(_ a: UnsafeMutablePointer<Double>, n: Int,
                                             _ b: UnsafeMutablePointer<Double>, nrhs: Int = 1) throws {
        var order = Int32(n), rhs = Int32(nrhs), lda = Int32(max(1, n)), ldb = Int32(max(1, n)), info: Int32 = 0
        var upper = CChar(UInt8(ascii: "U"))
        dposv_(&upper, &order, &rhs, a, &lda, b, &ldb, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dposv", info: info) }
    }

    /// Solves A X = B with the Cholesky factor of A that `solvePositiveDefinite` left in `factor`.
    public static func solveWithCholeskyFactor(_ factor: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>,
                                               nrhs: Int = 1) throws {
        var order = Int32(n), rhs = Int32(nrhs), lda = Int32(max(1, n)), ldb = Int32(max(1, n)), info: Int32 = 0
        var upper = CChar(UInt8(ascii: "U"))
        dpotrs_(&upper, &order, &rhs, factor, &lda, b, &ldb, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dpotrs", info: info) }
    }

    /// Solves A X = B for a general n x n matrix A (LU with partial pivoting), column-major.
    public static func solve(_ a: UnsafeMutablePointer<Double>, n: Int,
                             _ b: UnsafeMutablePointer<Double>, nrhs: Int = 1) throws {
        var order = Int32(n), rhs = Int32(nrhs), lda = Int32(max(1, n)), ldb = Int32(max(1, n)), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: max(1, n))
        dgesv_(&order, &rhs, a, &lda, &pivots, b, &ldb, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgesv", info: info) }
    }
}

// MARK: - Allocation-free variants for per-step use (analyses run these thousands of times per network)

/// Workspace of a reduced QR (dgeqrf + dorgqr) of a column-major m x n matrix, allocated once.
public final class QRWorkspace {
    public let rows: Int, columns: Int
    let tau: UnsafeMutablePointer<Double>        // [n] Householder scalars
    let work: UnsafeMutablePointer<Double>       // [workCount]
    let workCount: Int

    /// Sizes the workspace for m x n matrices (m >= n >= 1) by LAPACK's own workspace queries.
    public init(rows m: Int, columns n: Int) {
        precondition(m >= n && n >= 1, "QRWorkspace needs rows >= columns >= 1 (got \(m) x \(n))")
        rows = m; columns = n
        var rowCount = Int32(m), columnCount = Int32(n), reflectors = Int32(n), lda = Int32(m), info: Int32 = 0
        var lwork: Int32 = -1, factorQuery = 0.0, generateQuery = 0.0, dummy = 0.0, dummyTau = 0.0
        dgeqrf_(&rowCount, &columnCount, &dummy, &lda, &dummyTau, &factorQuery, &lwork, &info)
        dorgqr_(&rowCount, &columnCount, &reflectors, &dummy, &lda, &dummyTau, &generateQuery, &lwork, &info)
        workCount = max(Int(factorQuery), Int(generateQuery), n)
        tau = .allocate(capacity: n)
        work = .allocate(capacity: workCount)
    }

    deinit {
        tau.deallocate()
        work.deallocate()
    }
}

/// Workspace of a symmetric eigen-decomposition (dsyev) of an n x n matrix, allocated once.
public final class SymmetricEigenWorkspace {
    public let order: Int
    let work: UnsafeMutablePointer<Double>
    let workCount: Int

    public init(order n: Int) {
        precondition(n >= 1, "SymmetricEigenWorkspace needs n >= 1 (got \(n))")
        order = n
        var size = Int32(n), lda = Int32(n), info: Int32 = 0, lwork: Int32 = -1
        var jobVectors = CChar(UInt8(ascii: "V")), upper = CChar(UInt8(ascii: "U"))
        var query = 0.0, dummy = 0.0, dummyValue = 0.0
        dsyev_(&jobVectors, &upper, &size, &dummy, &lda, &dummyValue, &query, &lwork, &info)
        workCount = max(Int(query), 3 * n)
        work = .allocate(capacity: workCount)
    }

    deinit { work.deallocate() }
}

extension LAPACK {
    /// `reducedQR(_:m:n:rDiagonal:)` without allocation: the workspace must have been made for
    /// exactly these sizes. On return `a` (column-major m x n) holds Q and `rDiagonal` [n] the diagonal of R.
    public static func reducedQR(_ a: UnsafeMutablePointer<Double>, m: Int, n: Int,
                                 rDiagonal: UnsafeMutablePointer<Double>, workspace: QRWorkspace) throws {
        precondition(workspace.rows == m && workspace.columns == n, "QRWorkspace is for \(workspace.rows) x \(workspace.columns), not \(m) x \(n)")
        var rows = Int32(m), columns = Int32(n), reflectors = Int32(n), lda = Int32(m), info: Int32 = 0
        var lwork = Int32(workspace.workCount)
        dgeqrf_(&rows, &columns, a, &lda, workspace.tau, workspace.work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgeqrf", info: info) }
        for j in 0..<n { rDiagonal[j] = a[j * m + j] }
        dorgqr_(&rows, &columns, &reflectors, a, &lda, workspace.tau, workspace.work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dorgqr", info: info) }
    }

    /// `symmetricEigen(_:n:)` without allocation. `a` must hold the full symmetric matrix (LAPACK reads
    /// the column-major upper triangle, i.e. the row-major lower one). On return `a` holds the eigenvectors
    /// (eigenvector k is a[k*n ..< (k+1)*n]) and `eigenvalues` [n] the eigenvalues in ascending order.
    public static func symmetricEigen(_ a: UnsafeMutablePointer<Double>, n: Int,
                                      eigenvalues: UnsafeMutablePointer<Double>,
                                      workspace: SymmetricEigenWorkspace) throws {
        precondition(workspace.order == n, "SymmetricEigenWorkspace is for n = \(workspace.order), not \(n)")
        var order = Int32(n), lda = Int32(n), info: Int32 = 0, lwork = Int32(workspace.workCount)
        var jobVectors = CChar(UInt8(ascii: "V")), upper = CChar(UInt8(ascii: "U"))
        dsyev_(&jobVectors, &upper, &order, a, &lda, eigenvalues, workspace.work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dsyev", info: info) }
    }
}

/// Workspace of the largest `count` eigenpairs of a symmetric n x n matrix (dsyevr, or ssyevr in the
/// same bytes), allocated once.
public final class LargestEigenpairsWorkspace {
    public let order: Int, count: Int
    let work: UnsafeMutablePointer<Double>
    let workCount: Int
    let integerWork: UnsafeMutablePointer<Int32>
    let integerWorkCount: Int
    let support: UnsafeMutablePointer<Int32>     // isuppz [2 count]

    /// Sizes the workspace for the `count` largest eigenpairs (1...n) of n x n matrices by LAPACK's query.
    public init(order n: Int, count: Int) {
        precondition(n >= 1 && count >= 1 && count <= n, "LargestEigenpairsWorkspace needs 1 <= count <= n (got \(count), \(n))")
        order = n
        self.count = count
        var size = Int32(n), lda = Int32(n), info: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1
        var jobVectors = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), upper = CChar(UInt8(ascii: "U"))
        var low = Int32(n - count + 1), high = Int32(n), found: Int32 = 0, bound = 0.0, tolerance = 0.0
        var query = 0.0, integerQuery: Int32 = 0, dummy = 0.0, dummyValue = 0.0, dummyVector = 0.0, dummySupport: Int32 = 0
        dsyevr_(&jobVectors, &range, &upper, &size, &dummy, &lda, &bound, &bound, &low, &high, &tolerance, &found,
                &dummyValue, &dummyVector, &lda, &dummySupport, &query, &lwork, &integerQuery, &liwork, &info)
        var singleQuery: Float = 0, singleIntegerQuery: Int32 = 0, singleDummy: Float = 0, singleBound: Float = 0
        var singleValue: Float = 0, singleVector: Float = 0
        ssyevr_(&jobVectors, &range, &upper, &size, &singleDummy, &lda, &singleBound, &singleBound, &low, &high, &singleBound,
                &found, &singleValue, &singleVector, &lda, &dummySupport, &singleQuery, &lwork, &singleIntegerQuery, &liwork, &info)
        // Doubles: room for the Float call's request too (twice as many Floats fit).
        workCount = max(Int(query), Int(singleQuery), 26 * n)
        integerWorkCount = max(Int(integerQuery), Int(singleIntegerQuery), 10 * n)
        work = .allocate(capacity: workCount)
        integerWork = .allocate(capacity: integerWorkCount)
        support = .allocate(capacity: 2 * count)
    }

    deinit {
        work.deallocate()
        integerWork.deallocate()
        support.deallocate()
    }
}

extension LAPACK {
    /// The `workspace.count` largest (algebraic) eigenvalues of a symmetric n x n matrix, ascending, and
    /// their orthonormal eigenvectors (dsyevr: tridiagonal reduction, then only the wanted pairs), without
    /// allocation. `a` must hold the full symmetric matrix (LAPACK reads the column-major upper triangle,
    /// i.e. the row-major lower one) and is destroyed. `eigenvalues` [n]: the first count, ascending
    /// (LAPACK works in all n); `vectors` [count, n] (eigenvector j is vectors[j*n ..< (j+1)*n], paired
    /// with eigenvalues[j]). Agrees with `symmetricEigen`'s last `count` pairs to rounding (up to each
    /// vector's sign).
    public static func largestEigenpairs(_ a: UnsafeMutablePointer<Double>, n: Int, eigenvalues: UnsafeMutablePointer<Double>,
                                         vectors: UnsafeMutablePointer<Double>, workspace: LargestEigenpairsWorkspace) throws {
        precondition(workspace.order == n, "LargestEigenpairsWorkspace is for n = \(workspace.order), not \(n)")
        var size = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork = Int32(workspace.workCount), liwork = Int32(workspace.integerWorkCount)
        var jobVectors = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), upper = CChar(UInt8(ascii: "U"))
        var low = Int32(n - workspace.count + 1), high = Int32(n), found: Int32 = 0, bound = 0.0, tolerance = 0.0
        dsyevr_(&jobVectors, &range, &upper, &size, a, &lda, &bound, &bound, &low, &high, &tolerance, &found,
                eigenvalues, vectors, &lda, workspace.support, workspace.work, &lwork, workspace.integerWork, &liwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dsyevr", info: info) }
        if Int(found) != workspace.count { throw LinearAlgebraError(routine: "dsyevr (eigenvalues found)", info: found) }
    }

    /// `largestEigenpairs` in Float (ssyevr), with the same workspace. `eigenvalues` needs room for n
    /// (LAPACK works in all of it), as in the Double one.
    public static func largestEigenpairs(_ a: UnsafeMutablePointer<Float>, n: Int, eigenvalues: UnsafeMutablePointer<Float>,
                                         vectors: UnsafeMutablePointer<Float>, workspace: LargestEigenpairsWorkspace) throws {
        precondition(workspace.order == n, "LargestEigenpairsWorkspace is for n = \(workspace.order), not \(n)")
        var size = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork = Int32(workspace.workCount), liwork = Int32(workspace.integerWorkCount)
        var jobVectors = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), upper = CChar(UInt8(ascii: "U"))
        var low = Int32(n - workspace.count + 1), high = Int32(n), found: Int32 = 0, bound: Float = 0, tolerance: Float = 0
        workspace.work.withMemoryRebound(to: Float.self, capacity: 2 * workspace.workCount) { work in
            ssyevr_(&jobVectors, &range, &upper, &size, a, &lda, &bound, &bound, &low, &high, &tolerance, &found,
                    eigenvalues, vectors, &lda, workspace.support, work, &lwork, workspace.integerWork, &liwork, &info)
        }
        if info != 0 { throw LinearAlgebraError(routine: "ssyevr", info: info) }
        if Int(found) != workspace.count { throw LinearAlgebraError(routine: "ssyevr (eigenvalues found)", info: found) }
    }
}
