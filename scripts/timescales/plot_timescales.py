#!/usr/bin/env python3
"""Mean trained tau and mean tau_net against N, single-head against multi-head (cumulative), with
error bars over seeds (Khajehabdollahi, Zeraati et al. 2024, Fig. 3), and the largest N reached
by every arm (trained tau and each fixed tau).

    python3 scripts/timescales/plot_timescales.py results/timescales_parity.h5 --out results/timescales
    # writes results/timescales.png and .svg

Reads the timescales family's results file with h5py: /metrics/tau_mean and /metrics/tau_net_mean
[trials, N], /metrics/largest_n [trials], the parameters from /trials/parameters. Only finished
trials count; at each N a curve averages the seeds that reached it (mean +- standard error).
"""
import argparse
import json

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = {"single": "#D48A6A", "cumulative": "#489174", "sliding": "#5A78E6"}
LABELS = {"single": "single-head", "cumulative": "multi-head", "sliding": "sliding"}


def read(path):
    with h5py.File(path, "r") as f:
        parameters = [json.loads(p.decode() if isinstance(p, bytes) else p) for p in f["trials/parameters"][()]]
        status = f["trials/status"][()]
        metrics = {name: f["metrics/" + name][()] for name in ["tau_mean", "tau_net_mean", "largest_n"] if "metrics/" + name in f}
    done = status == 1
    return [p for p, d in zip(parameters, done) if d], {k: v[done] for k, v in metrics.items()}


def mean_and_error(rows):
    """Per column: mean and standard error over the rows that are not NaN (NaN where none)."""
    count = np.sum(~np.isnan(rows), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(np.where(count > 0, rows, 0), axis=0)
        mean[count == 0] = np.nan
        spread = np.array([np.nanstd(rows[:, j], ddof=1) if count[j] > 1 else 0.0 for j in range(rows.shape[1])])
        error = spread / np.sqrt(np.maximum(count, 1))
    return mean, error, count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--out", default="results/timescales")
    args = parser.parse_args()
    parameters, metrics = read(args.results)
    if not parameters:
        raise SystemExit(f"{args.results}: no finished trials")
    n_min = parameters[0]["n_min"]
    curricula = [c for c in ["single", "cumulative", "sliding"] if any(p["curriculum"] == c for p in parameters)]
    trained = np.array([p["fixed_tau"] is None for p in parameters])

    panels = [("tau_mean", r"mean trained $\tau$"), ("tau_net_mean", r"mean $\tau_{\mathrm{net}}$ (neurons with $\tau_{\mathrm{net}} > 1$)")]
    panels = [(name, label) for name, label in panels if name in metrics]
    figure, axes = plt.subplots(1, len(panels) + 1, figsize=(4.2 * (len(panels) + 1), 3.4))
    for axis, (name, label) in zip(axes, panels):
        for curriculum in curricula:
            rows = metrics[name][np.array([p["curriculum"] == curriculum for p in parameters]) & trained]
            if len(rows) == 0:
                continue
            mean, error, count = mean_and_error(rows)
            ns = n_min + np.arange(rows.shape[1])
            axis.errorbar(ns, mean, yerr=error, color=COLORS[curriculum], marker="o", ms=3, capsize=2,
                          label=f"{LABELS[curriculum]} ({len(rows)} seeds)")
        axis.set_xlabel("N")
        axis.set_ylabel(label)
        axis.legend(frameon=False, fontsize=8)

    # The largest N reached by every arm, one dot per seed.
    axis = axes[-1]
    arms = []
    for curriculum in curricula:
        for fixed in sorted({p["fixed_tau"] for p in parameters if p["curriculum"] == curriculum}, key=lambda x: (x is not None, x or 0)):
            arms.append((curriculum, fixed))
    for position, (curriculum, fixed) in enumerate(arms):
        selected = np.array([p["curriculum"] == curriculum and p["fixed_tau"] == fixed for p in parameters])
        reached = metrics["largest_n"][selected]
        axis.plot(position + 0.08 * np.linspace(-1, 1, len(reached)), reached, "o", color=COLORS[curriculum], alpha=0.7)
        axis.plot([position - 0.3, position + 0.3], [np.nanmean(reached)] * 2, color="k", alpha=0.5)
    axis.set_xticks(range(len(arms)))
    axis.set_xticklabels([f"{LABELS[c]}\n" + ("trained" if f is None else rf"$\tau$ = {f:g}") for c, f in arms], fontsize=7)
    axis.set_ylabel("largest N reached")
    figure.tight_layout()
    for extension in ["png", "svg"]:
        figure.savefig(f"{args.out}.{extension}", dpi=150)
    print(f"plot_timescales: {args.out}.png and .svg from {len(parameters)} finished trials")


if __name__ == "__main__":
    main()
