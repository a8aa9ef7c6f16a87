#!/usr/bin/env python3
"""Figure 5 of Farrell et al. (2022) from the results of sweeps/fig5.json.

    python3 scripts/plot_fig5.py results/fig5.h5 [--out PREFIX]

Effective dimensionality (participation ratio, metric dim_layers) against layer, one panel per
input dimensionality (X_dim 200: high-d input, 5a; X_dim 2: low-d input, 5b), colour by g_radius
(20: edge of chaos, 250: strongly chaotic), solid after training and dashed before (epoch 0).
Lines are means over seeds, bands mean +- 1.96 standard errors. Only trials with status done count.
Writes PREFIX.png and PREFIX.svg (default PREFIX: the results file without its extension).
Needs h5py, numpy, pandas and matplotlib; the results module is found in python/ next to this
script when it is not installed (pip install -e python/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

try:
    import sweep_mpi_results as results
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
    import sweep_mpi_results as results

METRIC = "dim_layers"
GROUP = ["X_dim", "g_radius", "state", "layer"]
STATE_TRAINED, STATE_UNTRAINED = 1, 0
PANEL_TITLES = {200: "high-d input (5a)", 2: "low-d input (5b)"}
G_COLOURS = {20: (0 / 255, 160 / 255, 160 / 255), 250: (233 / 255, 38 / 255, 41 / 255)}
G_NAMES = {20: "edge of chaos", 250: "strongly chaotic"}
Z_95 = 1.96
BAND_ALPHA = 0.25


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Per X_dim, g_radius, state and layer: n seeds, mean, standard error, 95 % band (low, high)."""
    missing = [column for column in GROUP + ["seed", "value"] if column not in frame.columns]
    if missing:
        raise ValueError(f"the results lack {', '.join(missing)}: is this a fig5 sweep with {METRIC}?")
    grouped = frame.groupby(GROUP, sort=True)["value"]
    summary = grouped.agg(n="count", mean="mean", std="std").reset_index()
    summary["sem"] = (summary["std"] / np.sqrt(summary["n"])).fillna(0.0)  # one seed: no band
    summary["low"] = summary["mean"] - Z_95 * summary["sem"]
    summary["high"] = summary["mean"] + Z_95 * summary["sem"]
    return summary.drop(columns="std")


def seeds_label(frame: pd.DataFrame) -> str:
    counts = frame.groupby(["X_dim", "g_radius"])["seed"].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"{high} seeds" if low == high else f"{low}-{high} seeds per curve"


def panel_order(input_dims) -> list:
    known = [dim for dim in PANEL_TITLES if dim in set(input_dims)]
    return known + sorted(set(input_dims) - set(known))


def g_colour(g, others: list) -> tuple:
    if g in G_COLOURS:
        return G_COLOURS[g]
    return plt.get_cmap("tab10")(others.index(g) % 10)


def draw(summary: pd.DataFrame, seeds: str) -> plt.Figure:
    dims = panel_order(summary["X_dim"].unique())
    gains = sorted(summary["g_radius"].unique())
    other_gains = [g for g in gains if g not in G_COLOURS]
    figure, axes = plt.subplots(1, len(dims), figsize=(5.2 * len(dims), 4.4), squeeze=False)
    for axis, dim in zip(axes[0], dims):
        for g in gains:
            colour = g_colour(g, other_gains)
            for state, style in ((STATE_UNTRAINED, "--"), (STATE_TRAINED, "-")):
                curve = summary[(summary.X_dim == dim) & (summary.g_radius == g) & (summary.state == state)]
                if curve.empty:
                    continue
                axis.fill_between(curve.layer, curve.low, curve.high, color=colour, alpha=BAND_ALPHA, linewidth=0)
                axis.plot(curve.layer, curve["mean"], style, color=colour, linewidth=2)
        axis.set_title(PANEL_TITLES.get(dim, f"X_dim = {dim}"))
        axis.set_xlabel("layer (recurrent step)")
        layers = summary.layer.unique()
        axis.set_xlim(layers.min(), layers.max())
        axis.set_xticks(np.arange(layers.min(), layers.max() + 1, 5 if layers.max() >= 10 else 1))
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3, linewidth=0.6)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    axes[0][0].set_ylabel("effective dimensionality")
    handles = [
        Line2D([], [], color=g_colour(g, other_gains), linewidth=6, alpha=0.8,
               label=f"g = {g:g}" + (f" ({G_NAMES[g]})" if g in G_NAMES else ""))
        for g in gains
    ]
    handles += [
        Line2D([], [], color="0.3", linestyle="-", linewidth=2, label="trained"),
        Line2D([], [], color="0.3", linestyle="--", linewidth=2, label="untrained (epoch 0)"),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                  bbox_to_anchor=(0.5, 0.0), handlelength=2.2)
    figure.suptitle(f"Effective dimensionality across layers ({seeds}, mean \u00b1 1.96 s.e.m.)")
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    return figure


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="results file of a fig5 sweep (HDF5)")
    parser.add_argument("--out", type=Path, help="output prefix; writes PREFIX.png and PREFIX.svg")
    options = parser.parse_args(argv)
    if not options.results.is_file():
        parser.error(f"no results file {options.results}")
    try:
        frame = results.load(options.results, metrics=METRIC, status="done")
        if frame.empty:
            raise ValueError(f"{options.results} has no finished trial with {METRIC} values yet")
        summary = summarize(frame)
    except (KeyError, ValueError) as error:
        print(f"plot_fig5: {error.args[0] if error.args else error}", file=sys.stderr)
        return 1
    prefix = options.out or options.results.with_suffix("")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    figure = draw(summary, seeds_label(frame))
    for extension in ("png", "svg"):
        figure.savefig(f"{prefix}.{extension}", dpi=150)
    print(f"wrote {prefix}.png and {prefix}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
