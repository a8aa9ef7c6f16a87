#!/usr/bin/env python3
"""Fidelity tables of the timescales family against the reference's shipped example
(LevinaLab/rnn_timescale_public, trained_models/: default model, LeakyReLU, H 500, N-parity, seed 0).

    python3 scripts/timescales/fidelity.py --results results/timescales_fidelity.h5 --traces results/timescales_traces

--results: sweeps/timescales_fidelity.json run by sweep-mpi (ours, the same setting trained afresh);
--traces: the folder scripts/timescales/fidelity.sh fills (the shipped models evaluated by sweep-mpi,
and the reference's own tau_net pipeline on some of them). Prints markdown tables:
  1. the epoch at which each N is reached, ours against the shipped logs (stats.npy);
  2. the mean trained tau at each N, ours against the shipped checkpoints;
  3. the shipped checkpoints' accuracy in our evaluation (trained heads, and the Ns beyond);
  4. tau_net of shipped checkpoints: our analysis against the reference's pipeline.
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_trace  # noqa: E402


def shipped_logs(reference):
    """Per curriculum: the epoch index at which each N was reached (the advance rule on stats.npy)."""
    reached = {}
    for curriculum in ["cumulative", "single"]:
        stats = np.load(os.path.join(reference, "trained_models", f"{curriculum}_parity_network_1", "stats.npy"),
                        allow_pickle=True).item()
        n, epochs = 2, {}
        for epoch, accuracy in enumerate(stats["accuracy"]):
            accuracy = np.asarray(accuracy)
            if accuracy.mean() > 98 and accuracy[-1] > 98:
                epochs[n] = epoch
                n += 1
        reached[curriculum] = (epochs, stats)
    return reached


def shipped_taus(reference):
    torch, _, _ = reference_trace.import_reference(reference)
    taus = {}
    for label, path in reference_trace.shipped_models(reference):
        state = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
        taus[label] = state["parameterlist.0"].numpy().astype(np.float64)
    return taus


def ours(results):
    rows = {}
    with h5py.File(results, "r") as f:
        for row, text in enumerate(f["trials/parameters"][()]):
            parameters = json.loads(text.decode() if isinstance(text, bytes) else text)
            if f["trials/status"][row] != 1:
                continue
            rows[parameters["curriculum"]] = {name: f["metrics/" + name][row] for name in
                                              ["milestone_epoch", "tau_mean", "tau_net_mean", "loss", "pca_dimension"]}
            rows[parameters["curriculum"]]["n_min"] = parameters["n_min"]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="results/timescales_fidelity.h5")
    parser.add_argument("--traces", default="results/timescales_traces")
    parser.add_argument("--reference", help="checkout of LevinaLab/rnn_timescale_public (default $TIMESCALES_REFERENCE)")
    args = parser.parse_args()
    reference = reference_trace.reference_path(args.reference)
    logs = shipped_logs(reference)
    taus = shipped_taus(reference)
    trained = ours(args.results) if os.path.exists(args.results) else {}

    print("## Epoch (index) at which each N is reached\n")
    print("| N | cumulative: shipped log | cumulative: sweep-mpi | single-head: shipped log | single-head: sweep-mpi |")
    print("|---|---|---|---|---|")
    for n in range(2, 12):
        cells = []
        for curriculum in ["cumulative", "single"]:
            epochs = logs[curriculum][0]
            cells.append(str(epochs.get(n, "–")))
            run = trained.get(curriculum)
            value = run["milestone_epoch"][n - run["n_min"]] if run is not None and n - run["n_min"] < len(run["milestone_epoch"]) else np.nan
            cells.append("–" if np.isnan(value) else str(int(value)))
        print(f"| {n} | " + " | ".join(cells) + " |")

    print("\n## Mean trained tau at each N\n")
    print("| N | cumulative: shipped | cumulative: sweep-mpi | single-head: shipped | single-head: sweep-mpi |")
    print("|---|---|---|---|---|")
    for n in range(2, 12):
        cells = []
        for curriculum in ["cumulative", "single"]:
            shipped = taus.get(f"{curriculum}_N{n}")
            cells.append("–" if shipped is None else f"{shipped.mean():.4f}")
            run = trained.get(curriculum)
            value = run["tau_mean"][n - run["n_min"]] if run is not None and n - run["n_min"] < len(run["tau_mean"]) else np.nan
            cells.append("–" if np.isnan(value) else f"{value:.4f}")
        print(f"| {n} | " + " | ".join(cells) + " |")

    for curriculum in ["cumulative", "single"]:
        folder = os.path.join(args.traces, f"eval_{curriculum}")
        if not os.path.isdir(folder):
            continue
        with open(os.path.join(folder, "trace.json")) as f:
            pairs = json.load(f)["trace"]["pairs"]
        print(f"\n## Shipped {curriculum} checkpoints in sweep-mpi's evaluation (percent correct, 50 x 256 test sequences)\n")
        print("| checkpoint | " + " | ".join(f"head {h}, N {n}" for h, n in pairs) + " |")
        print("|---|" + "---|" * len(pairs))
        labels = sorted((d for d in os.listdir(os.path.join(folder, "analysis")) if d.startswith(curriculum)),
                        key=lambda d: int(d.split("_N")[1]))
        for label in labels:
            accuracy = reference_trace.read(folder, f"analysis/{label}/accuracy")
            print(f"| {label} | " + " | ".join(f"{a:.1f}" for a in accuracy) + " |")

    ours_folder, ref_folder = os.path.join(args.traces, "timescales_ours"), os.path.join(args.traces, "timescales_reference")
    if os.path.isdir(ours_folder) and os.path.isdir(ref_folder):
        print("\n## tau_net of shipped checkpoints: sweep-mpi's analysis against the reference's pipeline\n")
        print("| checkpoint | median tau_net (> 1): reference | sweep-mpi | mean: reference | sweep-mpi "
              "| neurons with tau_net > 1: reference | sweep-mpi | double-exponential fits: reference | sweep-mpi "
              "| PCA dimension: reference | sweep-mpi |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for label in sorted(os.listdir(ref_folder)):
            if not os.path.isdir(os.path.join(ours_folder, "analysis", label)):
                continue
            ref_tau = reference_trace.read(ref_folder, f"{label}/tau_net")
            our_tau = reference_trace.read(ours_folder, f"analysis/{label}/tau_net")
            ref_model = reference_trace.read(ref_folder, f"{label}/tau_net_model")
            our_model = reference_trace.read(ours_folder, f"analysis/{label}/tau_net_model")
            ref_dim = reference_trace.read(ref_folder, f"{label}/pca_dimension")
            our_dim = reference_trace.read(ours_folder, f"analysis/{label}/pca_dimension")
            print(f"| {label} | {np.median(ref_tau[ref_tau > 1]):.3f} | {np.median(our_tau[our_tau > 1]):.3f} "
                  f"| {ref_tau[ref_tau > 1].mean():.3f} | {our_tau[our_tau > 1].mean():.3f} "
                  f"| {(ref_tau > 1).sum()} | {(our_tau > 1).sum()} | {(ref_model == 2).sum()} | {(our_model == 2).sum()} "
                  f"| {ref_dim.mean():.1f} | {our_dim.mean():.1f} |")


if __name__ == "__main__":
    main()
