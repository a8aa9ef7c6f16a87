#!/usr/bin/env python3
"""Compares the /metrics of two results files trial by trial (matched by trial id), bit for bit.

    python3 scripts/compare-metrics.py A.h5 B.h5

Prints one line per metric (identical, or how many elements differ and the largest difference)
and exits 0 when every metric both files have is bit-identical for every trial both files hold.
Timings (/timings, and the time_* metrics of files written before timings had their own group)
are wall-clock measurements and are left out.
"""
import sys

import h5py
import numpy as np


def rows(path):
    f = h5py.File(path, "r")
    ids = [i.decode() if isinstance(i, bytes) else i for i in f["trials/id"][()]]
    return f, {trial: row for row, trial in enumerate(ids)}


def main(a_path, b_path):
    a, a_rows = rows(a_path)
    b, b_rows = rows(b_path)
    common = sorted(set(a_rows) & set(b_rows))
    if not common:
        print("no trial in common")
        return 1
    names = [n for n in a["metrics"] if n in b["metrics"] and not n.startswith("time_")]
    only = sorted(set(a["metrics"]) ^ set(b["metrics"]))
    identical = True
    for name in names:
        x = a["metrics"][name][()][[a_rows[t] for t in common]]
        y = b["metrics"][name][()][[b_rows[t] for t in common]]
        if x.shape != y.shape:
            print(f"{name}: shapes differ {x.shape} vs {y.shape}")
            identical = False
            continue
        same = x.view(np.uint64) == y.view(np.uint64)
        if same.all():
            print(f"{name}: identical ({x.size} values)")
        else:
            identical = False
            diff = np.nanmax(np.abs(x - y)) if np.isfinite(x - y).any() else float("nan")
            print(f"{name}: {(~same).sum()} of {x.size} values differ (largest difference {diff:.3g})")
    print(f"{len(common)} trials compared; metrics in one file only: {', '.join(only) or 'none'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
