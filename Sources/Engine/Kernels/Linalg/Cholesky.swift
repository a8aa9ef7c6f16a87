import CVectorKernels

/// Cholesky factorisation and solve of a symmetric positive definite Float matrix, by CVectorKernels'
/// `cholesky_float` and `cholesky_solve_float`: blocks of 16 columns with the trailing update in
/// registers, every entry's terms subtracted in one fixed order (the same bits on every CPU). At the
/// cluster hold-out's 201 x 201 it takes half of OpenBLAS's spotrf, and the solve half of spotrs.
/// Storage: column-major lower triangle, leading dimension n (the same bytes as a row-major upper
/// triangle, what `BLAS.gramUpper` writes); the strict upper triangle is scratch.
public enum Cholesky {
    /// A = L Lᵀ in place (L in the lower triangle). False, with `a` unusable, where a pivot is not
    /// positive and finite (A not numerically positive definite).
    public static func factor(_ a: UnsafeMutablePointer<Float>, n: Int) -> Bool {
        cholesky_float(n, a, n) != 0
    }

    /// b ← A⁻¹ b with the factor of `factor`.
    public static func solve(_ factor: UnsafePointer<Float>, n: Int, _ b: UnsafeMutablePointer<Float>) {
        cholesky_solve_float(n, factor, n, b)
    }
}
