#!/usr/bin/env python3
"""Fidelity of sweep-mpi's latent_dynamics trials against the reference's shipped runs, at the
same epoch: for every configuration of the results file (model, L, MLP activation, epochs E), the
medians of the validation latent R2 and rate R2 over epochs [E - 500, E) per seed, mean +- std over
seeds, beside the reference's medians over the same epochs of its shipped metrics.csv (and its
final medians over epochs [2500, 3000), the paper's figure value).

    LATENT_REFERENCE=... python3 scripts/latent_dynamics/fidelity.py results/latent_fidelity.h5 [--markdown]

A value agrees when the difference of the means is within 3 combined standard errors of the
seeds or 0.05 (the seed-to-seed spread of 2-5 seeds is itself about that size).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_runs as rr  # noqa: E402


def summary(values):
    values = np.asarray(values, dtype=float)
    mean = float(np.mean(values))
    std = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
    return mean, std, len(values)


def agrees(a, b):
    (ma, sa, na), (mb, sb, nb) = a, b
    se = np.sqrt((sa ** 2 if na > 1 else 0) / na + (sb ** 2 if nb > 1 else 0) / nb)
    return abs(ma - mb) <= max(3 * se, 0.05)


def fmt(s):
    mean, std, n = s
    return f"{mean:.3f} ± {std:.3f}" if n > 1 else f"{mean:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", default="results/latent_fidelity.h5")
    parser.add_argument("--window", type=int, default=500, help="epochs of the medians")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    reference = rr.load_reference()
    runs = [r for r in rr.load_sweep(args.results) if r["system"] == "arneodo" and r["obs_dim"] == 10]
    if not runs:
        raise SystemExit(f"{args.results}: no finished Arneodo-10 trials")
    groups = {}
    for run in runs:
        groups.setdefault((run["model"], run["latent_size"], run["activation"], run["max_epochs"]), []).append(run)
    rows = []
    for (model, latent_size, activation, epochs), members in sorted(groups.items()):
        matches, note = rr.reference_for(members[0], reference)
        start = max(0, epochs - args.window)
        row = {"config": f"{model} L {latent_size}" + (f" ({activation})" if model not in ("gru", "rm-mlp", "vanilla") else ""),
               "epochs": f"{start}–{epochs}", "seeds": f"{len(members)} / {len(matches)}", "note": note}
        for metric, label in (("r2_latent", "latent"), ("r2_observ", "rate")):
            ours = summary([rr.window_median(r[metric], start, epochs)[0] for r in members])
            theirs = summary([rr.window_median(r[metric], start, epochs)[0] for r in matches]) if matches else (np.nan, np.nan, 0)
            final = summary([rr.window_median(r[metric], 2500, 3000)[0] for r in matches]) if matches else (np.nan, np.nan, 0)
            row[label] = (ours, theirs, final, bool(matches) and agrees(ours, theirs))
        rows.append(row)
    if args.markdown:
        print("| configuration | epochs | seeds (ours / ref) | latent R² sweep-mpi | reference, same epochs | | rate R² sweep-mpi | reference, same epochs | | reference at 2500–3000 (latent / rate) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            lo, lr, lf, la = row["latent"]
            ro, rr_, rf, ra = row["rate"]
            note = f" ({row['note']})" if row["note"] else ""
            print(f"| {row['config']}{note} | {row['epochs']} | {row['seeds']} | {fmt(lo)} | {fmt(lr)} | {'ok' if la else 'differs'} "
                  f"| {fmt(ro)} | {fmt(rr_)} | {'ok' if ra else 'differs'} | {fmt(lf)} / {fmt(rf)} |")
    else:
        for row in rows:
            print(f"{row['config']}, epochs {row['epochs']}, seeds {row['seeds']}{'; ' + row['note'] if row['note'] else ''}")
            for label in ("latent", "rate"):
                ours, theirs, final, ok = row[label]
                print(f"  {label:6s} R2: sweep-mpi {fmt(ours):16s} reference {fmt(theirs):16s} {'agrees' if ok else 'DIFFERS'}"
                      f"   (reference at 2500-3000: {fmt(final)})")


if __name__ == "__main__":
    main()
