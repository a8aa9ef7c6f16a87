#!/usr/bin/env python3
"""Figures of the feedback_modulation family (Naumann, Keijser and Sprekeler 2022) from sweep-mpi results.

    python3 scripts/feedback_modulation/figure.py --tau results/feedback_modulation_tau.h5 \
        --spatial results/feedback_modulation_spatial.h5 --out docs/feedback_modulation

--tau (sweeps/feedback_modulation_tau.json, ModulationNet): (a) signal clarity of the stimulus x
and of the output y against the modulation timescale tau, mean over a trial's test contexts, then
mean ± standard error over seeds; (b) the training loss of each tau (mean over seeds); (c) an
example of the sources s and outputs y around a context switch (tau 1, seed 0; the stored trajectory).

--spatial (sweeps/feedback_modulation_spatial.json, SpatialNet): (d) the clarity of single units
of x, z and y (each unit's clarity averaged over the test contexts, as the reference's Fig. 4),
(e) linear decoding R² of the sources from x, z and y on each held-out context, (f) the freeze
experiment's angles between the plane of the first context and those of the frozen and the
released window. One column per source type (chords, sines).

Either input may be left out; each takes several files (parts of a sweep run separately). Writes OUT.png. Only trials with status done count. Needs h5py,
numpy and matplotlib.
"""
import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DONE = 1
POPULATIONS = ["x", "z", "y"]
COLOURS = {"x": "0.55", "z": "#3A5BA7", "y": "#2f9498"}


def read(paths, model):
    """Trial columns (decoded) and metrics of the done trials of one model in one or several results
    files (e.g. parts of a sweep run separately); the files' common columns and metrics, concatenated."""
    parts = [read_one(path, model) for path in ([paths] if isinstance(paths, (str, Path)) else paths)]
    names = set.intersection(*(set(columns) for columns, _ in parts))
    metric_names = set.intersection(*(set(metrics) for _, metrics in parts))
    columns = {name: np.concatenate([c[name] for c, _ in parts]) for name in names}
    metrics = {name: np.concatenate([m[name] for _, m in parts]) for name in metric_names}
    return columns, metrics


def read_one(path, model):
    """Trial columns (decoded) and metrics of the done trials of one model in a results file."""
    with h5py.File(path, "r") as f:
        done = f["trials/status"][()] == DONE
        if "model" in f["trials"]:
            done &= np.array([v.decode().rstrip("\x00") for v in f["trials/model"][()]]) == model
        columns = {}
        for name in f["trials"]:
            values = f["trials/" + name][()]
            if values.dtype.kind == "S":
                values = np.array([v.decode().rstrip("\x00") for v in values])
            columns[name] = values[done]
        metrics = {name: f["metrics/" + name][()][done] for name in f["metrics"]}
    return columns, metrics


def column(columns, name, default):
    return columns[name] if name in columns else np.full(len(columns["seed"]), default)


def clarity_by_tau(columns, metrics):
    """tau -> {population: (mean, standard error, seeds)} of the trials' clarity averaged over their
    test contexts, for x (stimulus) and y (output)."""
    taus = column(columns, "tau", 1.0).astype(float)
    clarity = np.nanmean(metrics["clarity"], axis=2)             # [trials, population]
    out = {}
    for tau in np.unique(taus):
        out[float(tau)] = {}
        for p in (0, 2):
            values = clarity[taus == tau, p]
            sem = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
            out[float(tau)][POPULATIONS[p]] = (float(values.mean()), float(sem), len(values))
    return out


def tau_panels(path, axes):
    columns, metrics = read(path, "modulation")
    taus = column(columns, "tau", 1.0).astype(float)
    levels = np.unique(taus)
    summary = clarity_by_tau(columns, metrics)
    ax = axes[0]
    for population, label in [("x", "stimulus x"), ("y", "output y")]:
        means = [summary[float(tau)][population][0] for tau in levels]
        sems = [summary[float(tau)][population][1] for tau in levels]
        ax.errorbar(levels, means, yerr=sems, marker="o", capsize=3, color=COLOURS[population], label=label)
    counts = sorted({int((taus == tau).sum()) for tau in levels})
    ax.set(xscale="log", ylim=(0, 1), xlabel="modulation timescale tau (steps; context = 1000)", ylabel="signal clarity",
           title=f"(a) ModulationNet, chords ({'/'.join(map(str, counts))} seed{'' if counts == [1] else 's'})")
    ax.legend(frameon=False)
    ax = axes[1]
    cmap = plt.get_cmap("viridis")
    for i, tau in enumerate(levels):
        loss = metrics["loss"][taus == tau].mean(axis=0)
        window = max(1, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.semilogy(np.arange(len(smooth)) + window // 2, smooth, color=cmap(i / max(1, len(levels) - 1)), label=f"tau {tau:g}")
    ax.set(xlabel="batch", ylabel="loss per batch (sum over a context's steps)", title="(b) training loss")
    ax.legend(frameon=False, fontsize=7)
    ax = axes[2]
    pick = np.flatnonzero((taus == levels[0]) & (columns["seed"] == columns["seed"][taus == levels[0]].min()))[0]
    trajectory = metrics["trajectory"][pick]                    # [steps, (s1, s2, x1, x2, y1, y2)]
    n = trajectory.shape[0] // 3
    window = slice(n - n // 5, n + 3 * n // 10)
    steps = np.arange(trajectory.shape[0])[window] - n
    ax.plot(steps, trajectory[window, 0] + 2.5, color="#2C6E85", alpha=0.5, lw=2, label="s")
    ax.plot(steps, trajectory[window, 4] + 2.5, "--", color="#2C6E85", lw=1, label="y")
    ax.plot(steps, trajectory[window, 1], color="#5FB89A", alpha=0.5, lw=2)
    ax.plot(steps, trajectory[window, 5], "--", color="#5FB89A", lw=1)
    ax.axvline(0, color="k", lw=0.5)
    ax.set(xlabel="steps from a context switch", yticks=[0, 2.5], yticklabels=["s2, y2", "s1, y1"],
           title=f"(c) tau {levels[0]:g}, seed {columns['seed'][pick]}: sources and outputs")
    ax.legend(frameon=False, loc="upper right", fontsize=7)


def spatial_panels(path, axes):
    columns, metrics = read(path, "spatial")
    signals = column(columns, "signals", "chords")
    kinds = [k for k in ["chords", "sines"] if k in set(signals)]
    width = 0.8 / max(1, len(kinds))
    for j, kind in enumerate(kinds):
        rows = signals == kind
        offset = (j - (len(kinds) - 1) / 2) * width
        unit = []
        for name in ["correlation_x", "correlation_z", "correlation_y"]:
            c = np.abs(metrics[name][rows])                      # [trials, contexts, 2, units]
            unit.append(np.nanmean(np.abs(c[:, :, 0, :] - c[:, :, 1, :]), axis=1).ravel())
        decoding = [metrics["decoding_r2"][rows][:, p, :].ravel() for p in range(3)]
        angles = metrics["freeze_angles"][rows]
        for ax, data in [(axes[0], unit), (axes[1], decoding)]:
            parts = ax.violinplot([d[np.isfinite(d)] for d in data], positions=np.arange(3) + offset, widths=width * 0.9,
                                  showmeans=True)
            for body in parts["bodies"]:
                body.set_alpha(0.5 if kind == "chords" else 0.25)
        axes[2].plot(np.array([0, 1]) + offset, angles.T, "o-", color="C0" if kind == "chords" else "C1", alpha=0.6,
                     label=kind)
    for ax, title, label in [(axes[0], "(d) SpatialNet: clarity of single units", "unit clarity"),
                             (axes[1], "(e) decoding the sources from each population", "R² on held-out contexts")]:
        ax.set(xticks=range(3), xticklabels=POPULATIONS, ylim=(0, 1.02), xlabel="population", ylabel=label,
               title=title + " (" + ", ".join(kinds) + ")")
    handles, labels = axes[2].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    axes[2].legend(unique.values(), unique.keys(), frameon=False)
    axes[2].set(xticks=[0, 1], xticklabels=["context vs\nfrozen", "context vs\nreleased"], xlim=(-0.5, 1.5),
                ylabel="plane angle (degrees)", title="(f) freeze experiment")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tau", nargs="+", help="results of sweeps/feedback_modulation_tau.json (several files: their trials together)")
    parser.add_argument("--spatial", nargs="+", help="results of sweeps/feedback_modulation_spatial.json (several files: their trials together)")
    parser.add_argument("--out", default="feedback_modulation", help="output prefix (writes PREFIX.png)")
    args = parser.parse_args()
    if not args.tau and not args.spatial:
        parser.error("give --tau, --spatial or both")
    rows = [r for r in [args.tau, args.spatial] if r]
    fig, axes = plt.subplots(len(rows), 3, figsize=(15, 4.2 * len(rows)), squeeze=False)
    row = 0
    if args.tau:
        tau_panels(args.tau, axes[row])
        row += 1
    if args.spatial:
        spatial_panels(args.spatial, axes[row])
    fig.tight_layout()
    fig.savefig(args.out + ".png", dpi=110)
    print(args.out + ".png")


if __name__ == "__main__":
    main()
