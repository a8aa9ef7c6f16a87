// The body of one variant of the vector kernels (the GRU's gate steps, the Double tanh).
// VectorKernels.c includes it once per variant with LANES (Float lanes: 4, 8, 16), NAME(x) (x with
// the variant's suffix) and TARGET (the function attribute that lets the compiler use the variant's
// instructions) defined. Every helper carries TARGET
// too: a function can only be inlined into one compiled for the same instructions.

typedef float NAME(vf) __attribute__((ext_vector_type(LANES)));
typedef int NAME(vi) __attribute__((ext_vector_type(LANES)));
typedef unsigned NAME(vu) __attribute__((ext_vector_type(LANES)));
#define vf NAME(vf)
#define vi NAME(vi)
#define vu NAME(vu)

static inline TARGET vf NAME(select)(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

VECTOR_ACCESS(, vf, float, LANES)

/// e^y for y in [-87, 88]: n = round(y / ln 2), r = y − n ln 2 (Cody-Waite), e^r by Cephes'
/// expf polynomial, times 2^n built in the exponent bits. Kernels' expVector, operation for operation.
static inline TARGET vf NAME(exp)(vf y) {
    const float shifter = 12582912.0f;   // 1.5·2^23: adding it rounds to an integer in the low bits
    vf t = y * 1.44269504088896341f + shifter;
    vf n = t - shifter;
    vf r = y - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    vf r2 = r * r;
    vf p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    vu exponent = (((vu)t - 0x4B400000u) + 127u) << 23;
    return p * (vf)exponent;
}

/// tanh: an odd polynomial below |x| 0.625, 1 − 2/(e^{2|x|} + 1) with the sign of x above.
/// Kernels' tanhVector, operation for operation (within 1 ulp; ±1 only past |x| 9.01).
static inline TARGET vf NAME(tanh)(vf x) {
    vf magnitude = (vf)((vu)x & 0x7fffffffu);
    vf z = x * x;
    vf p = 1.0481122263771422e-3f;
    p = p * z - 7.006620106834764e-3f;
    p = p * z + 2.124637230436745e-2f;
    p = p * z - 5.3869923666082495e-2f;
    p = p * z + 1.3332680086953205e-1f;
    p = p * z - 3.3333320986381115e-1f;
    vf small = NAME(select)(magnitude < 0.0004f, x, x + x * z * p);
    vi isLarge = magnitude >= 0.625f;
    if (!__builtin_reduce_or(isLarge)) return small;
    vf twice = magnitude + magnitude;
    vf e = NAME(exp)(NAME(select)(twice > 40.0f, (vf)40.0f, twice));
    vf large = 1.0f - 2.0f / (e + 1.0f);
    return NAME(select)(isLarge, NAME(select)(x < 0.0f, -large, large), small);
}

static inline TARGET vf NAME(sigmoid)(vf x) { return 0.5f + 0.5f * NAME(tanh)(0.5f * x); }

static TARGET void NAME(tanh_float)(float *x, long count) {
    long i = 0;
    for (; i + LANES <= count; i += LANES) {
        vf v;
        memcpy(&v, x + i, sizeof v);
        v = NAME(tanh)(v);
        memcpy(x + i, &v, sizeof v);
    }
    if (i < count) NAME(store)(NAME(tanh)(NAME(load)(x, i, count)), x, i, count);
}

static TARGET void NAME(gru_forward_gates)(long batch, long h, float *gates, float *candidate, const float *candidateBias,
                                            const float *previous, float *next, const float *upcomingGates,
                                            const float *upcomingCandidate) {
    const long g = 3 * h;
    for (long b = 0; b < batch; b++) {
        // The next step's rows of the tape come from memory: fetch them (to be written) while this
        // step computes, rather than stall the next step's products on them.
        if (upcomingGates) for (long j = 0; j < g; j += 16) __builtin_prefetch(upcomingGates + b * g + j, 1);
        if (upcomingCandidate) for (long j = 0; j < h; j += 16) __builtin_prefetch(upcomingCandidate + b * h + j, 1);
        float *r = gates + b * g, *z = r + h, *n = r + 2 * h, *c = candidate + b * h;
        const float *hPrevious = previous + b * h;
        float *hNext = next + b * h;
        for (long j = 0; j < h; j += LANES) {
            vf rv = NAME(sigmoid)(NAME(load)(r, j, h)), zv = NAME(sigmoid)(NAME(load)(z, j, h));
            vf cv = NAME(load)(c, j, h) + NAME(load)(candidateBias, j, h);
            vf nv = NAME(tanh)(NAME(load)(n, j, h) + rv * cv);
            NAME(store)(rv, r, j, h);
            NAME(store)(zv, z, j, h);
            NAME(store)(cv, c, j, h);
            NAME(store)(nv, n, j, h);
            NAME(store)(nv + zv * (NAME(load)(hPrevious, j, h) - nv), hNext, j, h);
        }
    }
}

static TARGET void NAME(gru_backward_gates)(long batch, long h, const float *gates, const float *candidate,
                                             const float *previous, const float *current, const float *outside,
                                             float *dPrevious, float *dRecurrent, float *dInput, float *biasPartial,
                                             double *biasTotal) {
    const long g = 3 * h;
    const vf one = 1.0f;
    for (long j = 0; j < 4 * h; j++) biasTotal[j] = 0;
    for (long b = 0; b < batch; b++) {
        const int firstOfBlock = b % 64 == 0;
        const float *r = gates + b * g, *z = r + h, *n = r + 2 * h, *hn = candidate + b * h;
        const float *hPrevious = previous + b * h;
        const float *dh = current + b * h, *dOut = outside ? outside + b * h : 0;
        float *dhPrevious = dPrevious + b * h, *dr = dRecurrent + b * g, *di = dInput ? dInput + b * g : 0;
        // The tape comes from memory (the forward pass wrote it long ago), faster than the hardware
        // prefetcher fetches it for this loop: ask for the lines of a row PREFETCH_ROWS ahead.
        const long ahead = b + PREFETCH_ROWS < batch ? PREFETCH_ROWS : 0;
        for (long j = 0; j < h; j += 16) {
            __builtin_prefetch(r + ahead * g + j); __builtin_prefetch(z + ahead * g + j); __builtin_prefetch(n + ahead * g + j);
            __builtin_prefetch(hn + ahead * h + j); __builtin_prefetch(hPrevious + ahead * h + j);
            if (dOut) __builtin_prefetch(dOut + ahead * h + j);
        }
        for (long j = 0; j < h; j += LANES) {
            vf dhv = NAME(load)(dh, j, h);
            if (dOut) dhv = dhv + NAME(load)(dOut, j, h);
            vf rv = NAME(load)(r, j, h), zv = NAME(load)(z, j, h), nv = NAME(load)(n, j, h);
            vf dn = dhv * (one - zv), dz = dhv * (NAME(load)(hPrevious, j, h) - nv);
            vf dAn = dn * (one - nv * nv);
            vf dAr = dAn * NAME(load)(hn, j, h) * rv * (one - rv);
            vf dAz = dz * zv * (one - zv);
            vf dAnr = dAn * rv;
            NAME(store)(dhv * zv, dhPrevious, j, h);
            NAME(store)(dAr, dr, j, h);
            NAME(store)(dAz, dr + h, j, h);
            NAME(store)(dAnr, dr + 2 * h, j, h);
            if (di) {
                NAME(store)(dAr, di, j, h);
                NAME(store)(dAz, di + h, j, h);
                NAME(store)(dAn, di + 2 * h, j, h);
            }
            if (firstOfBlock) {
                NAME(store)(dAr, biasPartial, j, h);
                NAME(store)(dAz, biasPartial + h, j, h);
                NAME(store)(dAnr, biasPartial + 2 * h, j, h);
                NAME(store)(dAn, biasPartial + 3 * h, j, h);
            } else {
                NAME(store)(NAME(load)(biasPartial, j, h) + dAr, biasPartial, j, h);
                NAME(store)(NAME(load)(biasPartial + h, j, h) + dAz, biasPartial + h, j, h);
                NAME(store)(NAME(load)(biasPartial + 2 * h, j, h) + dAnr, biasPartial + 2 * h, j, h);
                NAME(store)(NAME(load)(biasPartial + 3 * h, j, h) + dAn, biasPartial + 3 * h, j, h);
            }
        }
        if (b % 64 == 63 || b == batch - 1)
            for (long j = 0; j < 4 * h; j++) biasTotal[j] += (double)biasPartial[j];
    }
}

// MARK: Double tanh, LANES / 2 lanes

typedef double NAME(vd) __attribute__((ext_vector_type(LANES / 2)));
typedef long NAME(vl) __attribute__((ext_vector_type(LANES / 2)));
typedef unsigned long NAME(vul) __attribute__((ext_vector_type(LANES / 2)));
#define vd NAME(vd)
#define vl NAME(vl)
#define vul NAME(vul)

static inline TARGET vd NAME(selectd)(vl mask, vd a, vd b) { return (vd)((mask & (vl)a) | (~mask & (vl)b)); }

/// e^y − 1 for y in [−45, 45], within about 1 ulp: y = k ln 2 + r (|r| ≤ ln 2 / 2, ln 2 in two parts),
/// e^r − 1 by its Taylor series to r^14 (the next term is below 2^-60 of the result), then
/// 2^k (e^r − 1) + (2^k − 1), both exact but for one rounding.
static inline TARGET vd NAME(expm1d)(vd y) {
    const double shifter = 6755399441055744.0;   // 1.5·2^52: adding it rounds to an integer in the low bits
    vd t = y * 1.4426950408889634 + shifter;
    vd k = t - shifter;
    vd r = y - k * 6.93147180369123816490e-01;   // ln 2, high part (exact times k)
    r = r - k * 1.90821492927058770002e-10;        // ln 2, low part
    vd q = 1.0 / 87178291200.0;                    // 1/14!
    q = q * r + 1.0 / 6227020800.0;
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    vd e = r + (r * r) * q;                        // e^r − 1
    vd scale = (vd)((((vul)t - 0x4338000000000000UL) + 1023UL) << 52);   // 2^k
    return scale * e + (scale - 1.0);
}

/// tanh in Double, glibc's formulas on the expm1 above: |x| < 1: −t/(t + 2) with t = e^{−2|x|} − 1;
/// 1 ≤ |x| < 22: 1 − 2/(t + 2) with t = e^{2|x|} − 1; beyond, ±1; the sign of x; tiny x and NaN as
/// they are.
static inline TARGET vd NAME(tanhd)(vd x) {
    vd magnitude = (vd)((vul)x & 0x7fffffffffffffffUL);
    vl below = magnitude < 1.0;
    vd t = NAME(expm1d)(NAME(selectd)(below, -2.0 * magnitude, 2.0 * NAME(selectd)(magnitude < 22.0, magnitude, (vd)22.0)));
    vd result = NAME(selectd)(below, -t / (t + 2.0), 1.0 - 2.0 / (t + 2.0));
    result = NAME(selectd)(magnitude < 22.0, result, (vd)1.0);
    result = (vd)(((vul)result & 0x7fffffffffffffffUL) | ((vul)x & 0x8000000000000000UL));
    result = NAME(selectd)(magnitude < 3.725290298461914e-09, x, result);   // below 2^-28 tanh(x) rounds to x
    return NAME(selectd)(x == x, result, x);                                // NaN stays NaN
}

static TARGET void NAME(tanh_double)(double *x, const double *bias, long count) {
    long i = 0;
    for (; i + LANES / 2 <= count; i += LANES / 2) {
        vd v, b;
        memcpy(&v, x + i, sizeof v);
        if (bias) { memcpy(&b, bias + i, sizeof b); v = v + b; }
        v = NAME(tanhd)(v);
        memcpy(x + i, &v, sizeof v);
    }
    if (i < count) {
        vd v = 0.0;
        for (long k = 0; k < count - i; k++) v[k] = bias ? x[i + k] + bias[i + k] : x[i + k];
        v = NAME(tanhd)(v);
        for (long k = 0; k < count - i; k++) x[i + k] = v[k];
    }
}

#undef vd
#undef vl
#undef vul
#undef vf
#undef vi
#undef vu
