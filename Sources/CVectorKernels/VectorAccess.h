// Loads and stores of one vector from and to a run of scalars, for every body and vector type.
// VECTOR_ACCESS(suffix, vector, scalar, lanes), expanded inside a body (NAME, TARGET defined), makes
//   NAME(load##suffix)(p, i, count):  lanes i ..< i + lanes of p, those at count or past it 0;
//   NAME(store##suffix)(v, p, i, count): the lanes below count stored;
//   NAME(full##suffix)(p, i):           lanes i ..< i + lanes, all inside the allocation.
#define VECTOR_ACCESS(suffix, vector, scalar, lanes)                                                   \
    static inline TARGET vector NAME(load##suffix)(const scalar *p, long i, long count) {              \
        vector v;                                                                                       \
        if (i + (lanes) <= count) { memcpy(&v, p + i, sizeof v); return v; }                           \
        v = (scalar)0;                                                                                  \
        for (long l = 0; l < count - i; l++) v[l] = p[i + l];                                           \
        return v;                                                                                       \
    }                                                                                                   \
    static inline TARGET void NAME(store##suffix)(vector v, scalar *p, long i, long count) {           \
        if (i + (lanes) <= count) { memcpy(p + i, &v, sizeof v); return; }                             \
        for (long l = 0; l < count - i; l++) p[i + l] = v[l];                                           \
    }                                                                                                   \
    static inline TARGET vector NAME(full##suffix)(const scalar *p, long i) {                          \
        vector v;                                                                                       \
        memcpy(&v, p + i, sizeof v);                                                                    \
        return v;                                                                                       \
    }
