// The body of one variant of the factorisations (CholeskyQR2 in Double, Cholesky in Float), included
// by VectorKernels.c once per variant like GatesBody.h (NAME, TARGET defined). Every variant works on
// 8 Double or 16 Float lanes (one AVX-512 register, two AVX2 ones, four SSE2 ones): a dot product's
// partial sums are then the same whatever the variant, and so are the bits of the result.

typedef double NAME(v8) __attribute__((ext_vector_type(8)));
#define v8 NAME(v8)

VECTOR_ACCESS(8, v8, double, 8)

/// The lanes' sum in a fixed order.
static inline TARGET double NAME(sum8)(v8 v) {
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

/// gram[i0 ..< i0 + WIDTH] <- the dot products of columns i0 ..< i0 + WIDTH with `b` (m rows each):
/// 8-lane partial sums over the full chunks, then the tail chunk, then the lanes in sum8's order.
#define DOTS(WIDTH)                                                                                   \
    {                                                                                                 \
        v8 s[WIDTH];                                                                                  \
        for (long w = 0; w < WIDTH; w++) s[w] = 0.0;                                                  \
        long r = 0;                                                                                   \
        for (; r + 8 <= m; r += 8) {                                                                  \
            v8 x = NAME(full8)(b, r);                                                                 \
            for (long w = 0; w < WIDTH; w++) s[w] = s[w] + NAME(full8)(a + w * m, r) * x;             \
        }                                                                                             \
        if (r < m) {                                                                                  \
            v8 x = NAME(load8)(b, r, m);                                                              \
            for (long w = 0; w < WIDTH; w++) s[w] = s[w] + NAME(load8)(a + w * m, r, m) * x;          \
        }                                                                                             \
        for (long w = 0; w < WIDTH; w++) out[w] = NAME(sum8)(s[w]);                                   \
    }

static TARGET void NAME(dots)(long m, const double *a, long width, const double *b, double *out) {
    switch (width) {
    case 4: DOTS(4) break;
    case 3: DOTS(3) break;
    case 2: DOTS(2) break;
    default: DOTS(1) break;
    }
}
#undef DOTS

/// One CholeskyQR pass on q [m, n] (column j at q + j m): G = QᵀQ (upper triangle, column-major
/// [n, n]), G = RᵀR (R upper, in `gram`), Q ← Q R⁻¹; rDiagonal[j] ← R_jj (first pass) or times it.
/// 0, before Q changes, where a column is numerically in the span of the ones before it (R_jj below
/// 3e-8 of its norm) or a value is not finite.
static TARGET int NAME(cholesky_qr_pass)(long m, long n, double *q, double *rDiagonal, double *gram, int first) {
    // G's column j: the dot products of columns 0...j with column j, up to four at a time.
    for (long j = 0; j < n; j++) {
        for (long i0 = 0; i0 <= j; i0 += 4) {
            NAME(dots)(m, q + i0 * m, j + 1 - i0 < 4 ? j + 1 - i0 : 4, q + j * m, gram + i0 + j * n);
        }
    }
    // Cholesky, column by column: R_ij = (G_ij − Σ_{p<i} R_pi R_pj) / R_ii, R_jj = √(G_jj − Σ_{p<j} R_pj²).
    for (long j = 0; j < n; j++) {
        for (long i = 0; i < j; i++) {
            double s = gram[i + j * n];
            for (long p = 0; p < i; p++) s -= gram[p + i * n] * gram[p + j * n];
            gram[i + j * n] = s / gram[i + i * n];
        }
        double norm = gram[j + j * n], s = norm;
        for (long p = 0; p < j; p++) s -= gram[p + j * n] * gram[p + j * n];
        // Refused (NaN included) when what is left of the column is below 3e-8 of its norm: the Gram
        // matrix's rounding would then decide R_jj.
        if (!(s > 1e-15 * norm) || !(s < __builtin_inf())) return 0;
        double pivot = __builtin_sqrt(s);
        gram[j + j * n] = pivot;
        rDiagonal[j] = first ? pivot : rDiagonal[j] * pivot;
    }
    // Q ← Q R⁻¹, column j = (q_j − Σ_{i<j} R_ij q_i) / R_jj over the columns already solved: 32 rows
    // at a time (four independent chains of subtractions), then the rest 8 at a time.
    for (long j = 0; j < n; j++) {
        double *qj = q + j * m;
        const double *rj = gram + j * n;
        double inverse = 1.0 / rj[j];
        long r = 0;
        for (; r + 32 <= m; r += 32) {
            v8 v0 = NAME(full8)(qj, r), v1 = NAME(full8)(qj, r + 8), v2 = NAME(full8)(qj, r + 16), v3 = NAME(full8)(qj, r + 24);
            for (long i = 0; i < j; i++) {
                const double *qi = q + i * m;
                v0 = v0 - rj[i] * NAME(full8)(qi, r);
                v1 = v1 - rj[i] * NAME(full8)(qi, r + 8);
                v2 = v2 - rj[i] * NAME(full8)(qi, r + 16);
                v3 = v3 - rj[i] * NAME(full8)(qi, r + 24);
            }
            v0 = v0 * inverse; v1 = v1 * inverse; v2 = v2 * inverse; v3 = v3 * inverse;
            memcpy(qj + r, &v0, sizeof v0); memcpy(qj + r + 8, &v1, sizeof v1);
            memcpy(qj + r + 16, &v2, sizeof v2); memcpy(qj + r + 24, &v3, sizeof v3);
        }
        for (; r < m; r += 8) {
            v8 v = NAME(load8)(qj, r, m);
            for (long i = 0; i < j; i++) v = v - rj[i] * NAME(load8)(q + i * m, r, m);
            NAME(store8)(v * inverse, qj, r, m);
        }
    }
    return 1;
}

static TARGET int NAME(cholesky_qr2)(long m, long n, const double *a, const float *singleA, double *q, float *singleQ,
                                     double *rDiagonal, double *gram) {
    if (singleA) { for (long i = 0; i < m * n; i++) q[i] = singleA[i]; }
    else if (a != q) { memcpy(q, a, (size_t)(m * n) * sizeof(double)); }
    if (!NAME(cholesky_qr_pass)(m, n, q, rDiagonal, gram, 1) || !NAME(cholesky_qr_pass)(m, n, q, rDiagonal, gram, 0)) return 0;
    if (singleQ) { for (long i = 0; i < m * n; i++) singleQ[i] = (float)q[i]; }
    return 1;
}

#undef v8

// MARK: Cholesky factorisation and solve in Float, column-major lower triangle

// 16 Float lanes in every variant, like v8 above: only the backward solve's dot products reduce
// across lanes, and they must do so in the same order everywhere.
typedef float NAME(f16) __attribute__((ext_vector_type(16)));
#define f16 NAME(f16)

VECTOR_ACCESS(f, f16, float, 16)

static inline TARGET float NAME(sumf)(f16 v) {
    return (((v[0] + v[8]) + (v[4] + v[12])) + ((v[2] + v[10]) + (v[6] + v[14])))
         + (((v[1] + v[9]) + (v[5] + v[13])) + ((v[3] + v[11]) + (v[7] + v[15])));
}

/// Columns j0 ..< j0 + WIDTH of A minus Σ_{p in p0 ..< p1} L[·, p] L[j, p]: the trailing update of one
/// block of columns, 32 rows at a time in registers, the chunks counted up from row n so that all but
/// the first are whole (rows from j0 up are needed; a chunk that reaches above j0 updates entries of
/// the strict upper triangle, which is scratch and never read).
#define CHOLESKY_UPDATE(WIDTH)                                                                          \
    for (long r = n - 32; r > j0 - 32; r -= 32) {                                                       \
        f16 acc[WIDTH][2];                                                                              \
        if (r >= 0) {                                                                                   \
            for (long c = 0; c < WIDTH; c++) {                                                          \
                acc[c][0] = NAME(fullf)(a + (j0 + c) * lda, r);                                         \
                acc[c][1] = NAME(fullf)(a + (j0 + c) * lda, r + 16);                                    \
            }                                                                                           \
            for (long p = p0; p < p1; p++) {                                                            \
                const float *column = a + p * lda;                                                      \
                f16 x0 = NAME(fullf)(column, r), x1 = NAME(fullf)(column, r + 16);                      \
                for (long c = 0; c < WIDTH; c++) {                                                      \
                    float l = column[j0 + c];                                                           \
                    acc[c][0] = acc[c][0] - l * x0;                                                     \
                    acc[c][1] = acc[c][1] - l * x1;                                                     \
                }                                                                                       \
            }                                                                                           \
            for (long c = 0; c < WIDTH; c++) {                                                          \
                memcpy(a + (j0 + c) * lda + r, &acc[c][0], sizeof acc[c][0]);                           \
                memcpy(a + (j0 + c) * lda + r + 16, &acc[c][1], sizeof acc[c][1]);                      \
            }                                                                                           \
        } else {   /* a matrix of fewer than 32 rows below j0's chunk: rows 0 ..< r + 32 */              \
            long count = r + 32;                                                                        \
            for (long c = 0; c < WIDTH; c++) {                                                          \
                acc[c][0] = NAME(loadf)(a + (j0 + c) * lda, 0, count);                                  \
                acc[c][1] = NAME(loadf)(a + (j0 + c) * lda, 16, count);                                 \
            }                                                                                           \
            for (long p = p0; p < p1; p++) {                                                            \
                const float *column = a + p * lda;                                                      \
                f16 x0 = NAME(loadf)(column, 0, count), x1 = NAME(loadf)(column, 16, count);            \
                for (long c = 0; c < WIDTH; c++) {                                                      \
                    float l = column[j0 + c];                                                           \
                    acc[c][0] = acc[c][0] - l * x0;                                                     \
                    acc[c][1] = acc[c][1] - l * x1;                                                     \
                }                                                                                       \
            }                                                                                           \
            for (long c = 0; c < WIDTH; c++) {                                                          \
                NAME(storef)(acc[c][0], a + (j0 + c) * lda, 0, count);                                  \
                NAME(storef)(acc[c][1], a + (j0 + c) * lda, 16, count);                                 \
            }                                                                                           \
        }                                                                                               \
    }

static TARGET void NAME(cholesky_update)(long n, float *a, long lda, long j0, long width, long p0, long p1) {
    switch (width) {
    case 4: CHOLESKY_UPDATE(4) break;
    case 3: CHOLESKY_UPDATE(3) break;
    case 2: CHOLESKY_UPDATE(2) break;
    default: CHOLESKY_UPDATE(1) break;
    }
}
#undef CHOLESKY_UPDATE

/// A = L Lᵀ in place, right-looking in blocks of 16 columns: each block's columns are finished one by
/// one (the block's earlier columns subtracted, the pivot's square root, the column below it scaled),
/// then subtracted from every later column. Every entry subtracts its terms in the order of p, so the
/// result does not depend on the blocking or the lanes.
static TARGET int NAME(cholesky_float)(long n, float *a, long lda) {
    const long block = 16;
    for (long k0 = 0; k0 < n; k0 += block) {
        long k1 = k0 + block < n ? k0 + block : n;
        for (long j = k0; j < k1; j++) {
            float *cj = a + j * lda;
            // Rows j ..< n less the block's earlier columns, 64 rows at a time (four independent
            // chains) counted up from row n; a chunk reaching above j updates scratch entries.
            long r = n - 64;
            for (; r > j - 64 && r >= 0; r -= 64) {
                f16 v0 = NAME(fullf)(cj, r), v1 = NAME(fullf)(cj, r + 16), v2 = NAME(fullf)(cj, r + 32), v3 = NAME(fullf)(cj, r + 48);
                for (long p = k0; p < j; p++) {
                    const float *cp = a + p * lda;
                    float l = cp[j];
                    v0 = v0 - l * NAME(fullf)(cp, r);
                    v1 = v1 - l * NAME(fullf)(cp, r + 16);
                    v2 = v2 - l * NAME(fullf)(cp, r + 32);
                    v3 = v3 - l * NAME(fullf)(cp, r + 48);
                }
                memcpy(cj + r, &v0, sizeof v0); memcpy(cj + r + 16, &v1, sizeof v1);
                memcpy(cj + r + 32, &v2, sizeof v2); memcpy(cj + r + 48, &v3, sizeof v3);
            }
            if (r > j - 64) {   // rows j ..< r + 64 left, fewer than 64 from the top of the matrix
                for (long q = j; q < r + 64; q += 16) {
                    f16 v = NAME(loadf)(cj, q, r + 64);
                    for (long p = k0; p < j; p++) v = v - a[p * lda + j] * NAME(loadf)(a + p * lda, q, r + 64);
                    NAME(storef)(v, cj, q, r + 64);
                }
            }
            float d = cj[j];
            if (!(d > 0) || !(d < __builtin_inff())) return 0;
            d = __builtin_sqrtf(d);
            cj[j] = d;
            float inverse = 1.0f / d;
            for (long q = j + 1; q < n; q += 16) NAME(storef)(NAME(loadf)(cj, q, n) * inverse, cj, q, n);
        }
        for (long j0 = k1; j0 < n; j0 += 4) NAME(cholesky_update)(n, a, lda, j0, n - j0 < 4 ? n - j0 : 4, k0, k1);
    }
    return 1;
}

/// L Lᵀ x = b in place: forward L y = b column by column (y_j, then b below it less y_j L[·, j]),
/// backward Lᵀ x = y by dot products with 16-lane partial sums in a fixed order.
static TARGET void NAME(cholesky_solve_float)(long n, const float *l, long lda, float *b) {
    for (long j = 0; j < n; j++) {
        const float *cj = l + j * lda;
        float y = b[j] / cj[j];
        b[j] = y;
        for (long r = j + 1; r < n; r += 16) NAME(storef)(NAME(loadf)(b, r, n) - y * NAME(loadf)(cj, r, n), b, r, n);
    }
    for (long j = n - 1; j >= 0; j--) {
        const float *cj = l + j * lda;
        f16 s = 0.0f;
        for (long r = j + 1; r < n; r += 16) s = s + NAME(loadf)(cj, r, n) * NAME(loadf)(b, r, n);
        b[j] = (b[j] - NAME(sumf)(s)) / cj[j];
    }
}

#undef f16
