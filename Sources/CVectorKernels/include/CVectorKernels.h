#ifndef CVECTORKERNELS_H
#define CVECTORKERNELS_H
/// Vector kernels of the hot loops, compiled three times (SSE2, AVX2, AVX-512: 4, 8 and 16 Float
/// lanes) and chosen once at run time by what the CPU has: the GRU's gate steps, the Float tanh of
/// the time loops, a Double tanh, a CholeskyQR2, and a Float Cholesky factorisation and solve. Swift cannot compile a function for an
/// instruction set beyond its module's, so the widest variant lives here. Every variant does the same
/// IEEE operations on every element, in the same order, without fused multiply-adds
/// (-ffp-contract=off): the results are bit-identical whichever runs. The gates are bit-identical to the Swift kernels they replaced (Kernels' tanhVector and
/// expVector).

/// Lanes of the variant in use: 4, 8 or 16.
long vector_kernels_lanes(void);
/// Whether this CPU (and its operating system) runs the variant of `lanes` lanes.
int vector_kernels_supported(long lanes);
/// Uses the variant of `lanes` lanes from now on (0: the widest supported). Returns 0 when the
/// CPU cannot run it (nothing changes then), 1 otherwise. For tests and benchmarks.
int vector_kernels_select(long lanes);

/// One GRU step's gates, PyTorch's equations, for `batch` rows:
///   gates [B, 3H]: on entry the pre-activations of r and z (all biases in) and W_in x + b_in;
///                  on exit r, z and n
///   candidate [B, H]: on entry W_hn h, on exit W_hn h + b_hn (candidateBias = b_hn)
///   previous [B, H] = h, next [B, H] <- h' = n + z (h − n)
///   upcomingGates [B, 3H], upcomingCandidate [B, H] or NULL: the next step's, prefetched
/// r, z = σ(·), n = tanh(W_in x + b_in + r (W_hn h + b_hn)).
void gru_forward_gates(long batch, long hidden, float *gates, float *candidate, const float *candidateBias,
                       const float *previous, float *next, const float *upcomingGates, const float *upcomingCandidate);

/// One GRU step back, for `batch` rows, from what gru_forward_gates kept:
///   current [B, H]: dL/dh' from later steps; outside [B, H] or NULL: dL/dh' added from outside
///   previous [B, H] = h; dPrevious [B, H] <- dL/dh through z (the caller adds dRec W_hh)
///   dRecurrent [B, 3H] <- dL/d(r, z pre-activations) and dL/d(W_hn h + b_hn)
///   dInput [B, 3H] or NULL <- dL/d(input pre-activations)
///   biasTotal [4H] <- the column sums of dRecurrent and of dInput's n part: blocks of 64 rows
///                     in Float (biasPartial [4H], workspace), the blocks added in Double.
void gru_backward_gates(long batch, long hidden, const float *gates, const float *candidate,
                        const float *previous, const float *current, const float *outside, float *dPrevious,
                        float *dRecurrent, float *dInput, float *biasPartial, double *biasTotal);

/// x <- tanh(x) in Float for `count` values: Kernels' tanhVector, operation for operation (within 1 ulp).
void tanh_float(float *x, long count);

/// x <- tanh(x + bias) in Double (bias [count] or NULL), within 2 ulp, the same bits on every variant
/// (2, 4 or 8 lanes): glibc's formulas on a vectorised e^y − 1.
void tanh_double(double *x, const double *bias, long count);

/// CholeskyQR2 of Z [m, n] (column j at j m) in Double: twice G = QᵀQ, G = RᵀR (Cholesky), Q ← Q R⁻¹,
/// with 8-lane partial sums in a fixed order (the same bits on every variant). Z is `a` (Double) or,
/// when `singleA` is not NULL, `singleA` (Float); q [m, n] <- Q (q may be a); singleQ [m, n] or NULL
/// <- Float(Q) (it may be singleA); rDiagonal [n] <- diag(R2 R1) > 0; gram [n, n] is workspace.
/// Returns 1, or 0 where a column is numerically in the span of the ones before it (R_jj below 3e-8
/// of the column's norm, so that the Gram matrix's rounding would decide it) or a value is not finite:
/// factor it otherwise then. On failure q is undefined, and singleQ and a are untouched unless they
/// alias q.
int cholesky_qr2(long m, long n, const double *a, const float *singleA, double *q, float *singleQ,
                 double *rDiagonal, double *gram);

/// A = L Lᵀ (Cholesky) in place in Float, for a symmetric positive definite A [n, n] stored column-major
/// with leading dimension lda, its lower triangle read and overwritten by L (the strict upper triangle
/// is scratch). Blocks of 16 columns; every entry subtracts its terms in one fixed order, so the bits
/// are the same on every variant. Returns 1, or 0 where a pivot is not positive and finite.
int cholesky_float(long n, float *a, long lda);

/// Solves L Lᵀ x = b in place with the factor of cholesky_float (forward, then backward with 16-lane
/// partial sums in a fixed order).
void cholesky_solve_float(long n, const float *l, long lda, float *b);

/// Every row of x [rows, columns] <- bias [columns] (the gate biases under a product).
void rows_set_bias(long rows, long columns, float *x, const float *bias);

#endif
