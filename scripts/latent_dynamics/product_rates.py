#!/usr/bin/env python3
"""Single-thread rates of the latent_dynamics family's matrix-product shapes (GFLOP/s in CPU time),
through the system OpenBLAS that sweep-mpi links: the GRU decoder's (batch 650, L 100) and the
bidirectional encoder's (64 per direction) forward, state-gradient and weight-gradient products, beside
a 1000³ product. Each shape repeats on the same operands, so it shows what the core does with that
shape when its operands are in cache.

    env -u OPENBLAS_CORETYPE python3 scripts/latent_dynamics/product_rates.py
"""
import ctypes
import time

import numpy as np

lib = ctypes.CDLL("libopenblas.so.0")
lib.openblas_set_num_threads(1)
lib.openblas_get_corename.restype = ctypes.c_char_p
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def rate(trans_a, trans_b, m, n, k, repeats):
    a = np.random.rand(m * k).astype(np.float32)
    b = np.random.rand(k * n).astype(np.float32)
    c = np.zeros(m * n, np.float32)
    lda = k if trans_a == NO_TRANS else m
    ldb = n if trans_b == NO_TRANS else k
    pointer = lambda x: x.ctypes.data_as(ctypes.c_void_p)
    args = (ROW_MAJOR, trans_a, trans_b, m, n, k, ctypes.c_float(1), pointer(a), lda, pointer(b), ldb,
            ctypes.c_float(1), pointer(c), n)
    for _ in range(5):
        lib.cblas_sgemm(*args)
    start = time.process_time()
    for _ in range(repeats):
        lib.cblas_sgemm(*args)
    return 2 * m * n * k * repeats / (time.process_time() - start) / 1e9


SHAPES = [
    ("large product 1000x1000x1000 NN", (NO_TRANS, NO_TRANS, 1000, 1000, 1000), 20),
    ("decoder forward r, z 650x200x100 NT", (NO_TRANS, TRANS, 650, 200, 100), 300),
    ("decoder forward n 650x100x100 NT", (NO_TRANS, TRANS, 650, 100, 100), 300),
    ("decoder dh 650x100x300 NN", (NO_TRANS, NO_TRANS, 650, 100, 300), 300),
    ("decoder dW_hh 300x100x650 TN", (TRANS, NO_TRANS, 300, 100, 650), 300),
    ("encoder forward r, z 650x128x64 NT", (NO_TRANS, TRANS, 650, 128, 64), 300),
    ("encoder dh 650x64x192 NN", (NO_TRANS, NO_TRANS, 650, 64, 192), 300),
    ("encoder dW_hh 192x64x650 TN", (TRANS, NO_TRANS, 192, 64, 650), 300),
]

if __name__ == "__main__":
    print(f"OpenBLAS core {lib.openblas_get_corename().decode()}, one thread; GFLOP/s in CPU time")
    for name, shape, repeats in SHAPES:
        print(f"  {name:38s} {rate(*shape, repeats):7.1f}")
