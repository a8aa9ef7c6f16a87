import CBLAS

/// Row-major matrix products over flat buffers, named after what they compute.
/// Shapes are written as [rows, columns]; `lda` etc. default to the natural leading dimension.
public enum BLAS {
    /// Pins OpenBLAS to one thread: one network per core is the fastest layout at these sizes,
    /// and a threaded BLAS in several processes per node oversubscribes the cores.
    public static func useSingleThread() { openblas_set_num_threads(1) }

    public static var configuration: String { String(cString: openblas_get_config()) }

    /// C[m, n] = alpha * op(A) * op(B) + beta * C, with op(A) [m, k] and op(B) [k, n] (Float).
    @inline(__always)
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Float = 1,
                            _ a: UnsafePointer<Float>, lda: Int? = nil,
                            _ b: UnsafePointer<Float>, ldb: Int? = nil,
                            beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transposeA ? m : k)),
                    b, Int32(ldb ?? (transposeB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }

    /// C[m, n] = alpha * op(A) * op(B) + beta * C (Double).
    @inline(__always)
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Double = 1,
                            _ a: UnsafePointer<Double>, lda: Int? = nil,
                            _ b: UnsafePointer<Double>, ldb: Int? = nil,
                            beta: Double = 0, _ c: UnsafeMutablePointer<Double>, ldc: Int? = nil) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transposeA ? m : k)),
                    b, Int32(ldb ?? (transposeB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }

    /// C[n, n] = alpha * Aᵀ A + beta * C for A [k, n], lower triangle written (row-major; the upper
    /// triangle of LAPACK's column-major view, what `LAPACK.solvePositiveDefinite` reads; Double).
    @inline(__always)
    public static func gramLower(n: Int, k: Int, alpha: Double = 1, _ a: UnsafePointer<Double>, lda: Int? = nil,
                                 beta: Double = 0, _ c: UnsafeMutablePointer<Double>, ldc: Int? = nil) {
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda ?? n),
                    beta, c, Int32(ldc ?? n))
    }

    /// C[n, n] = alpha * Aᵀ A + beta * C for A [k, n] (lower triangle written; Float).
    @inline(__always)
    public static func gramLower(n: Int, k: Int, alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int? = nil,
                                 beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
        cblas_ssyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda ?? n),
                    beta, c, Int32(ldc ?? n))
    }

    /// C[n, n] = alpha * Aᵀ A + beta * C for A [k, n] (upper triangle written, the column-major lower
    /// one `Cholesky` reads; Float).
    @inline(__always)
    public static func gramUpper(n: Int, k: Int, alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int? = nil,
                                 beta: Float = 0, _ c: UnsafeMutablePointer<Float>) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda ?? n),
                    beta, c, Int32(n))
    }

    /// C[n, n] = alpha * Aᵀ A + beta * C for A [k, n] (upper triangle written; Double).
    @inline(__always)
    public static func gramUpper(n: Int, k: Int, alpha: Double = 1, _ a: UnsafePointer<Double>, lda: Int? = nil,
                                 beta: Double = 0, _ c: UnsafeMutablePointer<Double>) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda ?? n),
                    beta, c, Int32(n))
    }

    /// B[m, n] ← alpha · op(A)⁻¹ B for an upper-triangular A [m, m] (row-major, lower part not
    /// read; op(A) = Aᵀ with `transpose`): a triangular solve from the left (Float).
    @inline(__always)
    public static func solveUpperTriangular(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
                                            _ a: UnsafePointer<Float>, lda: Int? = nil,
                                            _ b: UnsafeMutablePointer<Float>, ldb: Int? = nil) {
        cblas_strsm(CblasRowMajor, CblasLeft, CblasUpper, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                    Int32(m), Int32(n), alpha, a, Int32(lda ?? m), b, Int32(ldb ?? n))
    }
}
