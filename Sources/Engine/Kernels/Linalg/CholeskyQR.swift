import CVectorKernels

/// Reduced QR of a well-conditioned tall column-major m x n matrix (n small) by CholeskyQR2: twice
/// G = QᵀQ, R = chol(G), Q ← Q R⁻¹ (the second pass restores orthogonality to machine precision), in
/// Double, by CVectorKernels' `cholesky_qr2`: one call whose dot products run in 8-lane partial sums of
/// a fixed order, so the bits are the same on every CPU (six BLAS and LAPACK calls took four times as
/// long at 200 x 10, where the calls' overhead outweighs the arithmetic). R's diagonal is positive.
/// It fails, returning false, when a column is numerically in the span of the ones before it (R_jj
/// below 3e-8 of the column's norm, where the Gram matrix's rounding would decide R_jj: a direction
/// the map nearly annihilated) or a value is not finite; the caller then needs Householder
/// (`LAPACK.reducedQR`). `gram` has room for n x n.
public enum CholeskyQR {
    /// Factors `a` [m, n] in place into Q; `rDiagonal` [n] <- diag(R). On failure `a` is unusable.
    public static func factor(_ a: UnsafeMutablePointer<Double>, m: Int, n: Int, rDiagonal: UnsafeMutablePointer<Double>,
                              gram: UnsafeMutablePointer<Double>) -> Bool {
        cholesky_qr2(m, n, a, nil, a, nil, rDiagonal, gram) != 0
    }

    /// Factors the Float matrix `single` [m, n] in Double: `q` [m, n] <- Q, and `single` <- Float(Q).
    /// On failure `single` is untouched and `q` unusable.
    public static func factor(single: UnsafeMutablePointer<Float>, into q: UnsafeMutablePointer<Double>, m: Int, n: Int,
                              rDiagonal: UnsafeMutablePointer<Double>, gram: UnsafeMutablePointer<Double>) -> Bool {
        cholesky_qr2(m, n, nil, single, q, single, rDiagonal, gram) != 0
    }
}
