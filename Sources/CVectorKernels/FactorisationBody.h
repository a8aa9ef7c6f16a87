// The body of one variant of the CholeskyQR2 kernel, included by VectorKernels.c once per variant like
// GatesBody.h (NAME, TARGET defined). Every variant works on 8 Double lanes (one AVX-512 register, two
// AVX2 ones, four SSE2 ones): a dot product's partial sums are then the same whatever the variant, and
// so are the bits of the result.

typedef double NAME(v8) __attribute__((ext_vector_type(8)));
#define v8 NAME(v8)

/// Rows i ..< i + 8 of a column of `rows` values; past the end the lanes are 0.
static inline TARGET v8 NAME(load8)(const double *column, long i, long rows) {
    v8 v;
    if (i + 8 <= rows) { memcpy(&v, column + i, sizeof v); return v; }
    v = 0.0;
    for (long l = 0; l < rows - i; l++) v[l] = column[i + l];
    return v;
}

static inline TARGET void NAME(store8)(v8 v, double *column, long i, long rows) {
    if (i + 8 <= rows) { memcpy(column + i, &v, sizeof v); return; }
    for (long l = 0; l < rows - i; l++) column[i + l] = v[l];
}

/// The lanes' sum in a fixed order.
static inline TARGET double NAME(sum8)(v8 v) {
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

/// Rows r ..< r + 8 of a column, all inside it.
static inline TARGET v8 NAME(full8)(const double *column, long r) {
    v8 v;
    memcpy(&v, column + r, sizeof v);
    return v;
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
