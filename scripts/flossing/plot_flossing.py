#!/usr/bin/env python3
"""The gradient-flossing headline from sweep-mpi results files (sweeps/flossing_*.json).

For every results file (one row of panels each: delayed XOR, delayed copy, ...):
  (a) final test accuracy against the delay, one line per arm (no flossing, preflossing,
      pre- and interflossing), mean and standard error over seeds;
  (b) success rate against the delay: the fraction of seeds whose test accuracy is at least
      the trials' accuracy_threshold (0.95), with a binomial standard error;
  (c) the Lyapunov spectrum (k exponents, nats per step) at initialisation, after preflossing,
      after the last interflossing phase and at the end, mean over the flossed trials.
It also prints the numbers behind (a) and (b) as a markdown table, and mean |lambda| before and
after flossing.

    python3 scripts/flossing/plot_flossing.py results/flossing_xor.h5 [results/flossing_copy.h5] --out results/flossing
"""
import argparse
import json

import h5py
import numpy as np

ARMS = [("none", "no flossing", "tab:gray"), ("pre", "preflossing", "tab:blue"), ("pre+inter", "pre- and interflossing", "tab:red")]


def arm_of(parameters):
    pre = parameters["Ep"] > 0 and parameters["E"] > 0
    inter = parameters["Ni"] > 0 and parameters["Ei"] > 0 and parameters["E"] >= parameters["Ef"]
    return "pre+inter" if pre and inter else "pre" if pre else "inter" if inter else "none"


def read(path):
    with h5py.File(path, "r") as f:
        parameters = [json.loads(p) for p in f["trials/parameters"].asstr()[...]]
        status = f["trials/status"][...]
        metrics = {name: f["metrics/" + name][...] for name in
                   ["test_accuracy", "spectrum_initial", "spectrum_after_flossing", "spectrum_final", "success_epoch"]}
        name = f.attrs.get("sweep_name", path)
    done = status == 1
    return name if isinstance(name, str) else name.decode(), parameters, done, metrics


def summary(parameters, done, metrics):
    """(arm, delay) -> accuracies of the finished trials; and the task name."""
    groups = {}
    for i, p in enumerate(parameters):
        if done[i]:
            groups.setdefault((arm_of(p), p["delay"]), []).append(float(metrics["test_accuracy"][i]))
    tasks = {p["task"] for p in parameters}
    task = "copy" if tasks == {0} else "XOR" if tasks == {-1} else "tasks " + ", ".join(map(str, sorted(tasks)))
    threshold = parameters[0]["accuracy_threshold"]
    return groups, task, threshold


def table(name, groups, task, threshold):
    delays = sorted({d for _, d in groups})
    arms = [a for a, _, _ in ARMS if any(k[0] == a for k in groups)]
    lines = [f"{name} (delayed {task}): final test accuracy, mean ± s.e.m. over seeds (success: accuracy >= {threshold:g})", "",
             "| d | " + " | ".join(f"{a}: accuracy | {a}: success" for a in arms) + " |",
             "|---|" + "---|---|" * len(arms)]
    for d in delays:
        cells = []
        for a in arms:
            values = np.array(groups.get((a, d), []))
            if values.size == 0:
                cells += ["", ""]
                continue
            sem = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else float("nan")
            cells += [f"{values.mean():.3f} ± {sem:.3f}", f"{int((values >= threshold).sum())}/{values.size}"]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def spectra(parameters, done, metrics):
    """Mean spectra over the finished flossed trials: initial, after preflossing, after the last interflossing, final."""
    flossed = [i for i, p in enumerate(parameters) if done[i] and arm_of(p) != "none"]
    inter = [i for i in flossed if arm_of(parameters[i]) == "pre+inter"]
    result = {}
    if flossed:
        result["initial"] = np.nanmean(metrics["spectrum_initial"][flossed], axis=0)
        result["after preflossing"] = np.nanmean(metrics["spectrum_after_flossing"][flossed, 0], axis=0)
    if inter:
        last = [np.flatnonzero(np.isfinite(metrics["spectrum_after_flossing"][i, :, 0]))[-1] for i in inter]
        result["after interflossing"] = np.nanmean([metrics["spectrum_after_flossing"][i, row] for i, row in zip(inter, last)], axis=0)
        result["end of training (pre+inter)"] = np.nanmean(metrics["spectrum_final"][inter], axis=0)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="results files of the flossing sweeps")
    parser.add_argument("--out", default="results/flossing", help="output prefix: PREFIX.png and PREFIX.svg")
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(args.results), 3, figsize=(14, 4 * len(args.results)), squeeze=False)
    for row, path in enumerate(args.results):
        name, parameters, done, metrics = read(path)
        groups, task, threshold = summary(parameters, done, metrics)
        print(table(name, groups, task, threshold))
        print()
        delays = sorted({d for _, d in groups})
        for arm, label, colour in ARMS:
            present = [d for d in delays if (arm, d) in groups]
            if not present:
                continue
            values = [np.array(groups[(arm, d)]) for d in present]
            mean = [v.mean() for v in values]
            sem = [v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0 for v in values]
            rate = [(v >= threshold).mean() for v in values]
            rate_error = [np.sqrt(r * (1 - r) / v.size) for r, v in zip(rate, values)]
            n = min(v.size for v in values)
            axes[row, 0].errorbar(present, mean, yerr=sem, color=colour, marker="o", capsize=3, label=f"{label} (n >= {n})")
            axes[row, 1].errorbar(present, rate, yerr=rate_error, color=colour, marker="o", capsize=3, label=label)
        axes[row, 0].set(xlabel="delay d", ylabel="final test accuracy", title=f"delayed {task}: test accuracy", ylim=(0.45, 1.02))
        axes[row, 0].axhline(0.5, color="k", lw=0.5, ls=":")
        axes[row, 1].set(xlabel="delay d", ylabel=f"success rate (accuracy >= {threshold:g})", title=f"delayed {task}: success rate",
                         ylim=(-0.05, 1.05))
        axes[row, 0].legend(fontsize=8)
        for label, spectrum in spectra(parameters, done, metrics).items():
            axes[row, 2].plot(np.arange(1, spectrum.size + 1), spectrum, label=label)
            print(f"{name}: mean |lambda| {label}: {np.nanmean(np.abs(spectrum)):.4f}  (lambda_1 {spectrum[0]:.4f})")
        print()
        axes[row, 2].axhline(0, color="k", lw=0.5)
        axes[row, 2].set(xlabel="exponent index i", ylabel="lambda_i (nats per step)", title="Lyapunov spectrum, flossed networks")
        axes[row, 2].legend(fontsize=8)
    figure.tight_layout()
    for extension in ("png", "svg"):
        figure.savefig(f"{args.out}.{extension}", dpi=110)
    print(f"wrote {args.out}.png and {args.out}.svg")


if __name__ == "__main__":
    main()
