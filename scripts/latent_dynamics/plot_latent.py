#!/usr/bin/env python3
"""The paper's Figure 2a panels from a latent_dynamics results file: latent R2 (true -> inferred)
and rate R2 against the latent size L, one line per decoder, mean +- std over seeds of each
trial's median over its last 500 epochs (the metrics r2_latent_median and r2_observ_median).

    python3 scripts/latent_dynamics/plot_latent.py results/latent_arneodo.h5 --out results/latent_arneodo
    LATENT_REFERENCE=... python3 scripts/latent_dynamics/plot_latent.py results/latent_arneodo.h5 --reference

--reference adds the reference's shipped Arneodo-10 runs (GRU and torchdyn NODE, medians over
the same epochs as the plotted trials) as dashed lines. Writes OUT.png and OUT.svg.
"""
import argparse
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

COLORS = {"gru": "tab:blue", "node-discrete": "tab:orange", "node": "tab:green", "rm-pass": "tab:red",
          "rm-mlp": "tab:purple", "rm-gradual": "tab:brown", "vanilla": "tab:gray"}


def load(path):
    """(model, L) -> (latent medians, rate medians, epochs, window) over the finished trials."""
    groups = {}
    with h5py.File(path, "r", locking=False) as f:
        status = f["trials/status"][:]
        latent, rate = f["metrics/r2_latent_median"][:, 0], f["metrics/r2_observ_median"][:, 0]
        for row, text in enumerate(f["trials/parameters"][:]):
            p = json.loads(text)
            if status[row] != 1:
                continue
            key = (p["model"], p["latent_size"])
            entry = groups.setdefault(key, {"latent": [], "rate": [], "epochs": p["max_epochs"], "window": p["summary_epochs"]})
            entry["latent"].append(latent[row])
            entry["rate"].append(rate[row])
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--out", default=None, help="output path without extension (default: next to the results)")
    parser.add_argument("--reference", action="store_true", help="add the reference's shipped runs ($LATENT_REFERENCE)")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    groups = load(args.results)
    if not groups:
        raise SystemExit(f"{args.results}: no finished trials")
    out = args.out or os.path.splitext(args.results)[0]
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
    models = sorted({m for m, _ in groups})
    for model in models:
        sizes = sorted(L for m, L in groups if m == model)
        for ax, metric in zip(axes, ("latent", "rate")):
            means = [np.mean(groups[(model, L)][metric]) for L in sizes]
            stds = [np.std(groups[(model, L)][metric], ddof=1) if len(groups[(model, L)][metric]) > 1 else 0 for L in sizes]
            seeds = min(len(groups[(model, L)][metric]) for L in sizes)
            ax.errorbar(sizes, means, yerr=stds, marker="o", capsize=3, color=COLORS.get(model), label=f"{model} (sweep-mpi, {seeds} seeds)")
    if args.reference:
        import reference_runs as rr
        reference = rr.load_reference()
        epochs = max(g["epochs"] for g in groups.values())
        window = min(g["window"] for g in groups.values())
        for model in ("gru", "node"):
            runs = [r for r in reference if r["model"] == model and r["group"] != "ablation"]
            sizes = sorted({r["latent_size"] for r in runs})
            for ax, metric in zip(axes, ("r2_latent", "r2_observ")):
                values = [[rr.window_median(r[metric], epochs - window, epochs)[0] for r in runs if r["latent_size"] == L] for L in sizes]
                ax.errorbar(sizes, [np.mean(v) for v in values], yerr=[np.std(v, ddof=1) for v in values], marker="s", ls="--",
                            capsize=3, color=COLORS[model], alpha=0.6, label=f"{model} (reference, epochs {epochs - window}–{epochs})")
    for ax, label in zip(axes, ("latent R² (true → inferred)", "rate R²")):
        ax.set_xscale("log")
        ax.set_xticks([2, 3, 5, 10, 25, 50, 100])
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("latent size L")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for ax in axes:
        # Untrained or diverging runs reach far below 0; the interesting range is near 1.
        ax.set_ylim(max(ax.get_ylim()[0], -0.5), 1)
    axes[1].legend(fontsize=7, loc="lower right")
    epochs = sorted({g["epochs"] for g in groups.values()})
    figure.suptitle(args.title or f"Arneodo, medians over the last {min(g['window'] for g in groups.values())} of {'/'.join(map(str, epochs))} epochs; mean ± std over seeds", fontsize=9)
    figure.tight_layout()
    for extension in ("png", "svg"):
        figure.savefig(f"{out}.{extension}", dpi=130)
    print(f"{out}.png, {out}.svg")


if __name__ == "__main__":
    main()
