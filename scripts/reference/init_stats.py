#!/usr/bin/env python3
"""Statistics of initial weights across seeds, one side against the other (issue 9, A.i).

  init_stats.py --a DIR [DIR ...] --b DIR [DIR ...] [--dt 0.01] [--labels ours,reference]

Each DIR is a trace output folder (TRACE.md) whose params/init/ holds the initial weights of one
seed: `sweep-mpi train CONFIG --trace-out DIR` or `run_reference.py CONFIG --trace-out DIR` with
num_epochs 0. For every tensor it prints mean ± standard error across seeds of: mean |w|, entry
std, mean and spread of row and column norms, extreme singular values; for a recurrent matrix W
also of the random part J̃ = (W − (1 − dt) I)/dt: its spectral radius, mean |λ|, the fraction of
eigenvalues within radius ρ/2 and the largest real part. The z column is the difference of the
means in combined standard errors.
"""
import argparse
import glob
import sys

import numpy as np


def tensor_stats(w, dt=None, recurrent=False):
    s = {}
    s["mean |w|"] = np.mean(np.abs(w))
    s["std w"] = np.std(w)
    s["mean w"] = np.mean(w)
    if w.ndim == 2:
        rows, cols = np.linalg.norm(w, axis=1), np.linalg.norm(w, axis=0)
        s["row norm mean"], s["row norm std"] = rows.mean(), rows.std()
        s["col norm mean"], s["col norm std"] = cols.mean(), cols.std()
        sv = np.linalg.svd(w.astype(np.float64), compute_uv=False)
        s["sv max"], s["sv min"], s["sv mean"] = sv.max(), sv.min(), sv.mean()
    if recurrent and w.ndim == 2 and w.shape[0] == w.shape[1]:
        j = (w.astype(np.float64) - (1 - dt) * np.eye(w.shape[0])) / dt
        ev = np.linalg.eigvals(j)
        rho = np.abs(ev).max()
        s["J rho"] = rho
        s["J mean |lambda|"] = np.abs(ev).mean()
        s["J frac |lambda|<rho/2"] = np.mean(np.abs(ev) < rho / 2)
        s["J max Re lambda"] = ev.real.max()
        s["J entry std*sqrt(N)/rho"] = j.std() * np.sqrt(w.shape[0]) / rho
        s["W diag mean"] = np.mean(np.diag(w))
    return s


def collect(folders, dt):
    per = {}
    for folder in folders:
        for name in ("Win", "Wrec", "Wout"):
            try:
                w = np.load(f"{folder}/params/init/{name}.npy")
            except FileNotFoundError:
                continue
            for key, value in tensor_stats(w, dt, recurrent=(name == "Wrec")).items():
                per.setdefault((name, key), []).append(value)
    return {k: np.asarray(v) for k, v in per.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--a", nargs="+", required=True)
    p.add_argument("--b", nargs="+", required=True)
    p.add_argument("--dt", type=float, default=0.01)
    p.add_argument("--labels", default="ours,reference")
    args = p.parse_args(argv)
    la, lb = args.labels.split(",")
    a = collect(sorted(sum((glob.glob(x) for x in args.a), [])), args.dt)
    b = collect(sorted(sum((glob.glob(x) for x in args.b), [])), args.dt)
    print(f"{'tensor':6} {'statistic':26} {la + ' (n=' + str(len(next(iter(a.values())))) + ')':>24} "
          f"{lb + ' (n=' + str(len(next(iter(b.values())))) + ')':>24} {'z':>6}")
    for key in a:
        if key not in b:
            continue
        x, y = a[key], b[key]
        se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        z = (x.mean() - y.mean()) / se if se > 0 else 0.0
        print(f"{key[0]:6} {key[1]:26} {x.mean():13.6g} ± {x.std(ddof=1) / np.sqrt(len(x)):8.2g} "
              f"{y.mean():13.6g} ± {y.std(ddof=1) / np.sqrt(len(y)):8.2g} {z:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
