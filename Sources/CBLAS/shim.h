#ifndef SWEEP_CBLAS_SHIM_H
#define SWEEP_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface plus the Fortran LAPACK routines the Engine uses.
// The LAPACK symbols live in libopenblas itself; their prototypes are declared here so that
// no LAPACKE package is needed. All arguments are pointers (Fortran calling convention),
// matrices are column-major.
#include <cblas.h>

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

// What the CPU and the operating system support, from cpuid and xgetbv (so that it agrees with
// what an emulator such as valgrind presents): bit 0 AVX, bit 1 AVX2, bit 2 FMA, bit 3 AVX-512 F,
// BW, VL and DQ, bit 4 the rest of x86-64-v3 (BMI1, BMI2, LZCNT, MOVBE, F16C). 0 on other
// architectures.
#if defined(__x86_64__)
#include <cpuid.h>
static inline unsigned sweep_cpu_vector_features(void) {
    unsigned a, b, c, d, features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1)) return 0;                    // OSXSAVE: the OS saves the vector registers
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;                 // XMM and YMM state enabled
    if ((c >> 28) & 1) features |= 1;                  // AVX
    if ((c >> 12) & 1) features |= 4;                  // FMA
    unsigned movbe = (c >> 22) & 1, f16c = (c >> 29) & 1, bmi1 = 0, bmi2 = 0, lzcnt = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if ((b >> 5) & 1) features |= 2;               // AVX2
        bmi1 = (b >> 3) & 1;
        bmi2 = (b >> 8) & 1;
        unsigned f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        if (f && dq && bw && vl && (xcr0_low & 0xE6) == 0xE6) features |= 8;   // and opmask/ZMM state
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) lzcnt = (c >> 5) & 1;    // ABM/LZCNT
    if (bmi1 && bmi2 && lzcnt && movbe && f16c) features |= 16;
    return features;
}
#else
static inline unsigned sweep_cpu_vector_features(void) { return 0; }
#endif

// Eigenvalues (and optionally vectors) of a general real matrix.
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info);
// QR factorisation and explicit Q.
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
             const double *tau, double *work, const int *lwork, int *info);
// The same in single precision (the QR steps of gradient flossing train in Float32).
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau,
             float *work, const int *lwork, int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda,
             const float *tau, float *work, const int *lwork, int *info);
// Symmetric eigenproblem.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void ssyevr_(const char *jobz, const char *range, const char *uplo, const int *n, float *a,
             const int *lda, const float *vl, const float *vu, const int *il, const int *iu,
             const float *abstol, int *m, float *w, float *z, const int *ldz, int *isuppz,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info);
// Cholesky factorisation, and a solve with the factor.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
// Symmetric positive definite solve (Cholesky) and general solve.
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
            double *b, const int *ldb, int *info);
// Singular value decomposition (divide and conquer).
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info);

// Minimum-norm least squares by the SVD (divide and conquer).
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work, const int *lwork,
             int *iwork, int *info);

#endif
