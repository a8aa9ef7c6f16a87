#!/usr/bin/env python3
"""Compares two trace output folders (TRACE.md) array by array and prints the agreement table.

  compare.py A B [--labels sweep-mpi,reference] [--tol PATTERN=VALUE ...] [--summary NAME] [--json FILE]

Nothing here knows a model family: every array present in both folders is compared by kind,
from its name:

  series/<name>            a series (one value per step or epoch): the largest relative difference
                           over the first steps, and the step where the two part (first index whose
                           relative difference exceeds the tolerance)
  grads/step_K/<tensor>    gradient of update K: relative Frobenius error |a - b| / |b|
  params/<stage>/<tensor>  weights: relative Frobenius error; for step_K also relative to the
                           change since params/init (how much of the learned update differs)
  analysis/<set>/<name>    analysis outputs on a weight set: largest relative difference; sets
                           given to both sides (init and any set from the trace input) are the
                           same weights on both sides, "final" is each side's own trained weights

Verdicts (relative tolerances): grads/step_000000 1e-5; the first value of series/train_loss
1e-4 (a series' later values are reported with the index where they part, not judged); analysis
on shared weight sets 1e-4 (dim_layers, accuracy, loss), and lyap within 3 combined standard
errors across initial conditions (each side integrates its own chaotic trajectories). Everything
else is reported without a verdict. --tol 'grads/*=3e-5' overrides by shell-style pattern.
Exit status 1 when a checked value is outside its tolerance.
"""
import argparse
import fnmatch
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tracefmt  # noqa: E402

DEFAULT_TOLERANCES = [
    ("grads/step_000000/*", 1e-5),
    ("series/train_loss", 1e-4),
    ("series/val_loss", None),
    ("series/lr", None),
    ("series/train_stepped", None),
    ("analysis/*/lyap", 3.0),
    ("analysis/*/lyap_sem", None),
    ("analysis/*/*", 1e-4),
]
# Weight sets that are each side's own result, not shared input: reported, never judged.
OWN_SETS = ("final",)


def tolerance(name, overrides):
    for pattern, value in overrides + DEFAULT_TOLERANCES:
        if fnmatch.fnmatch(name, pattern):
            if name.startswith("analysis/") and name.split("/")[1] in OWN_SETS:
                return None
            return value
    return None


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else float(np.linalg.norm(a - b))


def elementwise_rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-30)


def compare(a_dir, b_dir, overrides):
    """Rows (name, measure, value, tolerance, ok) for every array in both traces."""
    rows = []
    a_names, b_names = set(tracefmt.names(a_dir)), set(tracefmt.names(b_dir))
    init_b = {}
    for name in sorted(a_names & b_names):
        a, b = tracefmt.read(a_dir, name), tracefmt.read(b_dir, name)
        tol = tolerance(name, overrides)
        kind = name.split("/")[0]
        if a.shape != b.shape:
            if kind == "series" and a.ndim == b.ndim == 1:
                n = min(len(a), len(b))
                rows.append((name, f"lengths {len(a)} vs {len(b)}", float("nan"), tol, False))
                a, b = a[:n], b[:n]
            else:
                rows.append((name, f"shapes {a.shape} vs {b.shape}", float("nan"), tol, False))
                continue
        if kind == "series":
            d = elementwise_rel(a, b)
            limit = tol if tol is not None else (0.0 if name in ("series/lr", "series/train_stepped") else 1e-4)
            parted = np.nonzero(d > limit)[0]
            first = int(parted[0]) if len(parted) else None
            head = float(d[:min(len(d), 5)].max()) if len(d) else 0.0
            measure = f"max rel first 5: {head:.2e}; parted at " + (f"index {first} of {len(d)}" if first is not None else f"never ({len(d)})")
            # Only the first value is judged (the same computation on the same inputs); where
            # the two part afterwards is what chaos does to rounding, and is reported.
            ok = None if tol is None or len(d) == 0 else bool(d[0] <= max(tol, 1e-6))
            rows.append((name, measure, float(first) if first is not None else float(len(d)), tol, ok))
        elif kind == "grads":
            r = rel(a, b)
            rows.append((name, "rel frobenius", r, tol, None if tol is None else r <= tol))
        elif kind == "params":
            r = rel(a, b)
            stage, tensor = name.split("/")[1], name.split("/")[-1]
            if stage == "init":
                init_b[tensor] = b
            measure = "rel frobenius"
            value = r
            if stage.startswith("step_") and f"params/init/{tensor}" in b_names:
                change = b.astype(np.float64) - tracefmt.read(b_dir, f"params/init/{tensor}").astype(np.float64)
                scale = np.linalg.norm(change)
                if scale > 0:
                    value = float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)) / scale)
                    measure = "rel to update"
            rows.append((name, measure, value, tol, None if tol is None else value <= tol))
        elif name.endswith("/lyap") and f"{name}_sem" in a_names and f"{name}_sem" in b_names:
            # Each side integrates its own trajectories (rounding parts them within tens of steps):
            # judged in combined standard errors across initial conditions.
            sem = np.hypot(tracefmt.read(a_dir, f"{name}_sem")[0], tracefmt.read(b_dir, f"{name}_sem")[0])
            value = float(np.max(np.abs(a.astype(np.float64) - b)) / sem) if sem > 0 else float("inf")
            ok = None if tol is None else bool(value <= 3)
            rows.append((name, f"max |diff| in combined SEM ({sem:.1e})", value, 3 if tol is not None else None, ok))
        else:
            d = elementwise_rel(a, b)
            finite = np.isfinite(d)
            value = float(d[finite].max()) if finite.any() else float("nan")
            rows.append((name, "max rel", value, tol, None if tol is None else bool(value <= tol)))
    only = sorted((a_names ^ b_names))
    return rows, only


def summary(rows):
    """One line of the four-configuration table."""
    def pick(prefix, suffix=""):
        return [r for r in rows if r[0].startswith(prefix) and r[0].endswith(suffix)]
    grad0 = max((r[2] for r in pick("grads/step_000000/")), default=float("nan"))
    grads = {}
    for r in pick("grads/"):
        step = int(r[0].split("/")[1][5:])
        grads[step] = max(grads.get(step, 0.0), r[2])
    loss = next((r for r in rows if r[0] == "series/train_loss"), None)
    lr = next((r for r in rows if r[0] == "series/lr"), None)
    weights = {}
    for r in pick("params/step_"):
        step = int(r[0].split("/")[1][5:])
        weights[step] = max(weights.get(step, 0.0), r[2])
    shared = [r for r in rows if r[0].startswith("analysis/") and r[0].split("/")[1] not in OWN_SETS]
    analyses = {}
    for r in shared:
        key = r[0].split("/")[-1]
        if key == "lyap_sem":
            continue
        analyses[key] = max(analyses.get(key, 0.0), r[2])
    def parted(row):
        if row is None:
            return None
        return "never" if "parted at never" in row[1] else int(row[2])
    return dict(grad_step0=grad0, grads=grads, loss_parted=parted(loss), lr_parted=parted(lr),
                weights=weights, analyses=analyses)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("a", nargs="?")
    p.add_argument("b", nargs="?")
    p.add_argument("--table", nargs="+", metavar="SUMMARY.json", help="print the table of several --json summaries")
    p.add_argument("--labels", default="sweep-mpi,reference")
    p.add_argument("--tol", action="append", default=[], metavar="PATTERN=VALUE")
    p.add_argument("--summary", metavar="NAME", help="also print a one-line summary named NAME")
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="print only the summary and failures")
    args = p.parse_args(argv)
    if args.table:
        return print_table(args.table)
    if not (args.a and args.b):
        p.error("two trace folders are needed (or --table)")
    overrides = []
    for item in args.tol:
        pattern, _, value = item.partition("=")
        overrides.append((pattern, None if value in ("", "none") else float(value)))
    rows, only = compare(args.a, args.b, overrides)
    la, lb = args.labels.split(",")
    failures = [r for r in rows if r[4] is False]
    if not args.quiet:
        print(f"{la} ({args.a}) vs {lb} ({args.b})")
        print(f"{'array':40} {'measure':58} {'value':>10} {'tolerance':>9}  verdict")
        for name, measure, value, tol, ok in rows:
            verdict = "" if ok is None else ("ok" if ok else "DIFFERS")
            tol_text = "" if tol is None else (f"{tol:g} SEM" if name.endswith("/lyap") else f"{tol:.0e}")
            shown = "" if name.startswith("series/") else f"{value:10.3g}"
            print(f"{name:40} {measure:58} {shown:>10} {tol_text:>9}  {verdict}")
        if only:
            print(f"in one trace only: {', '.join(only[:12])}{' ...' if len(only) > 12 else ''}")
    s = summary(rows)
    if args.summary:
        print(format_summary(args.summary, s))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(name=args.summary, failures=[r[0] for r in failures], **{k: (v if not isinstance(v, dict) else {str(kk): vv for kk, vv in v.items()}) for k, v in s.items()}), f, indent=1)
    if args.quiet and failures:
        for r in failures:
            print(f"DIFFERS {r[0]}: {r[1]} {r[2]:.3g} (tolerance {r[3]})")
    return 1 if failures else 0


def print_table(paths):
    """The agreement table of several configurations (run-all.sh)."""
    print()
    print(f"{'configuration':16} {'grad rel err, update 0 / 1 / 2':34} {'losses part':>12} {'lr parts':>9} "
          f"{'weights after 1 / 10 updates':30} {'PR, acc, loss (shared w.)':26} {'lyap (SEM)':>10}  verdict")
    for path in paths:
        with open(path) as f:
            s = json.load(f)
        g = s["grads"]
        grads = " / ".join(f"{g[k]:.1e}" for k in sorted(g, key=int)[:3])
        w = s["weights"]
        weights = " / ".join(f"{w[k]:.1e}" for k in ("1", "10") if k in w)
        a = s["analyses"]
        shared = " ".join(f"{a[k]:.0e}" for k in ("dim_layers", "accuracy", "loss") if k in a)
        lyap = f"{a['lyap']:.1f}" if "lyap" in a else ""
        loss = "minibatch " + str(s["loss_parted"]) if s["loss_parted"] != "never" else "never"
        lr = "epoch " + str(s["lr_parted"]) if s["lr_parted"] != "never" else "never"
        verdict = "ok" if not s["failures"] else "DIFFERS: " + ", ".join(s["failures"])
        print(f"{s['name']:16} {grads:34} {loss:>12} {lr:>9} {weights:30} {shared:26} {lyap:>10}  {verdict}")
    return 0


def format_summary(name, s):
    grads = ", ".join(f"{k}: {v:.1e}" for k, v in sorted(s["grads"].items()))
    weights = ", ".join(f"{k}: {v:.1e}" for k, v in sorted(s["weights"].items()))
    analyses = ", ".join(f"{k} {v:.1e}" for k, v in sorted(s["analyses"].items()))
    return (f"{name}: grad rel err by update {{{grads}}}; losses part at minibatch {s['loss_parted']}; "
            f"lr parts at epoch {s['lr_parted']}; weights rel-to-update err {{{weights}}}; "
            f"analyses on shared weights max rel {{{analyses}}}")


if __name__ == "__main__":
    sys.exit(main())
