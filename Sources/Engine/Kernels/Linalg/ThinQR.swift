import CBLAS

/// The thin QR factorisation A = Q R of an m × n matrix (m ≥ n, full column rank) in Float32 and
/// its adjoint (reverse-mode derivative), with workspace allocated once.
///
/// Storage: A, Q, dA and dQ are column-major m × n (the same bytes as a row-major [n, m] buffer
/// holding the transpose, which is how the products below address them); R and dR are row-major
/// [n, n], upper triangular. The factorisation is LAPACK's Householder sgeqrf + sorgqr, with R's
/// diagonal signed as LAPACK leaves it: the adjoint holds for any fixed sign convention, and
/// log |R_ii| does not depend on it.
///
/// Adjoint (Liao et al. 2019; BackwardsLinalg.jl's `qr_back_fullrank`):
///   M = R dRᵀ − dQᵀ Q,   S = copyltu(M) (lower triangle, diagonal included, mirrored upwards),
///   dA = (dQ + Q S) R⁻ᵀ  (a triangular solve)
public final class ThinQR {
    public let rows: Int, columns: Int                 // m, n
    private let tau: UnsafeMutablePointer<Float>        // [n] Householder scalars
    private let work: UnsafeMutablePointer<Float>       // [workCount]
    private let workCount: Int
    private let symmetric: UnsafeMutablePointer<Float>  // M, then S [n, n]

    /// The cotangent of R in a backward pass.
    public enum RCotangent {
        case zero
        /// dR = diag(values) [n] (what a function of log |R_ii| gives).
        case diagonal(UnsafePointer<Float>)
        /// A full dR [n, n] row-major (only its upper triangle is read).
        case full(UnsafePointer<Float>)
    }

    public init(rows m: Int, columns n: Int) {
        precondition(m >= n && n >= 1, "ThinQR needs rows >= columns >= 1 (got \(m) x \(n))")
        rows = m; columns = n
        var rowCount = Int32(m), columnCount = Int32(n), lda = Int32(m), info: Int32 = 0
        var lwork: Int32 = -1, factorQuery: Float = 0, generateQuery: Float = 0, dummy: Float = 0, dummyTau: Float = 0
        sgeqrf_(&rowCount, &columnCount, &dummy, &lda, &dummyTau, &factorQuery, &lwork, &info)
        sorgqr_(&rowCount, &columnCount, &columnCount, &dummy, &lda, &dummyTau, &generateQuery, &lwork, &info)
        workCount = max(Int(factorQuery), Int(generateQuery), n)
        tau = .allocate(capacity: n)
        work = .allocate(capacity: workCount)
        symmetric = .allocate(capacity: n * n)
    }

    deinit {
        tau.deallocate(); work.deallocate(); symmetric.deallocate()
    }

    /// Factors `a` (column-major m × n) in place: on return `a` holds Q and `r` [n, n] holds R
    /// (row-major, zeros below the diagonal).
    public func factor(_ a: UnsafeMutablePointer<Float>, r: UnsafeMutablePointer<Float>) throws {
        let m = rows, n = columns
        var rowCount = Int32(m), columnCount = Int32(n), lda = Int32(m), info: Int32 = 0, lwork = Int32(workCount)
        sgeqrf_(&rowCount, &columnCount, a, &lda, tau, work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "sgeqrf", info: info) }
        for i in 0..<n {
            for j in 0..<n { r[i * n + j] = j >= i ? a[j * m + i] : 0 }
        }
        sorgqr_(&rowCount, &columnCount, &columnCount, a, &lda, tau, work, &lwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "sorgqr", info: info) }
    }

    /// dA = (dQ + Q copyltu(R dRᵀ − dQᵀ Q)) R⁻ᵀ for the Q, R of a `factor` call. `dQ` (nil for
    /// zero) may be the same buffer as `dA`; everything is column-major m × n but R, dR.
    public func backward(q: UnsafePointer<Float>, r: UnsafePointer<Float>, dQ: UnsafePointer<Float>?,
                         dR: RCotangent, dA: UnsafeMutablePointer<Float>) {
        let m = rows, n = columns
        // M = −dQᵀ Q (row-major [n, n]; with the transposed storage, dQᵀ Q = dQs · Qsᵀ).
        if let dQ {
            BLAS.gemm(transposeB: true, m: n, n: n, k: m, alpha: -1, dQ, q, beta: 0, symmetric)
        } else {
            symmetric.update(repeating: 0, count: n * n)
        }
        switch dR {
        case .zero: break
        case .diagonal(let values):
            // R diag(dR) is upper triangular: its lower triangle is the diagonal R_jj dR_jj.
            for j in 0..<n { symmetric[j * n + j] += r[j * n + j] * values[j] }
        case .full(let values):
            // M += R dRᵀ; the strictly upper part of dR is what reaches the lower triangle.
            BLAS.gemm(transposeB: true, m: n, n: n, k: n, r, values, beta: 1, symmetric)
        }
        // S = copyltu(M).
        for i in 0..<n {
            for j in (i + 1)..<n { symmetric[i * n + j] = symmetric[j * n + i] }
        }
        // dAᵀ = R⁻¹ (dQᵀ + S Qᵀ) (S is symmetric), in the transposed storage.
        if let dQ {
            if UnsafePointer(dA) != dQ { dA.update(from: dQ, count: m * n) }
            BLAS.gemm(m: n, n: m, k: n, symmetric, q, beta: 1, dA)
        } else {
            BLAS.gemm(m: n, n: m, k: n, symmetric, q, beta: 0, dA)
        }
        BLAS.solveUpperTriangular(m: n, n: m, r, dA)
    }
}
