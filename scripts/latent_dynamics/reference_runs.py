"""The reference's shipped training logs (runs/*/metrics.csv of
snel-repo/expressive-latent-dynamics-paper, at $LATENT_REFERENCE) on Arneodo with 10 neurons, and
the results of sweep-mpi's latent_dynamics trials, as per-epoch validation metrics.

Each run is a dict: source ("reference" or "sweep-mpi"), model, latent_size, activation, seed,
and the per-epoch arrays r2_latent and r2_observ ([epochs, 4]: whole trial, early, middle, late
third), NaN where an epoch is missing.
"""
import glob
import json
import os

import numpy as np

PARTS = ["all", "early", "middle", "late"]

# The reference's shipped Arneodo-10 groups: the GRU and the torchdyn neural ODE (2022, 5 seeds
# x 7 latent sizes each) and the ablations at L 3 (2023, trained with a ReLU MLP).
ABLATIONS = {"ablation0_baseline": "node-discrete", "ablation1_rm-pass": "rm-pass", "ablation2_rm-mlp": "rm-mlp",
             "ablation3_rm-gradual": "rm-gradual", "ablation4_vanilla": "vanilla"}


def reference_root():
    root = os.environ.get("LATENT_REFERENCE")
    if not root or not os.path.isdir(os.path.join(root, "runs")):
        raise SystemExit("set LATENT_REFERENCE to a clone of snel-repo/expressive-latent-dynamics-paper "
                         "(scripts/latent_dynamics/get-reference.sh makes one)")
    return root


def _per_epoch(csv_path):
    import pandas as pd
    frame = pd.read_csv(csv_path)
    valid = frame[frame["valid/r2_latent"].notna()].groupby("epoch").first()
    epochs = int(valid.index.max()) + 1
    out = {}
    for metric in ("r2_latent", "r2_observ"):
        values = np.full((epochs, 4), np.nan)
        for k, part in enumerate(PARTS):
            column = f"valid/{metric}" + ("" if part == "all" else f"/{part}")
            values[valid.index.values.astype(int), k] = valid[column].values
        out[metric] = values
    return out


def load_reference(root=None):
    """Every shipped Arneodo-10 run."""
    root = root or reference_root()
    runs = []
    for group, model, activation in [("gru_arneodo", "gru", "tanh"), ("node_arneodo", "node", "tanh"), ("ablation", None, "relu")]:
        for folder in sorted(glob.glob(os.path.join(root, "runs", group, "train_*"))):
            if not os.path.isdir(folder):
                continue
            with open(os.path.join(folder, "params.json")) as f:
                params = json.load(f)
            if group == "ablation":
                name, latent_size = ABLATIONS[params["model"]], 3
            else:
                name, latent_size = model, params["model"]["latent_size"]
            run = {"source": "reference", "group": group, "model": name, "latent_size": latent_size,
                   "activation": activation, "seed": params.get("seed", 0)}
            run.update(_per_epoch(os.path.join(folder, "metrics.csv")))
            runs.append(run)
    return runs


def load_sweep(path):
    """The finished trials of a sweep-mpi results file of the latent_dynamics family."""
    import h5py
    runs = []
    with h5py.File(path, "r", locking=False) as f:
        status = f["trials/status"][:]
        parameters = [json.loads(p) for p in f["trials/parameters"][:]]
        latent, observ = f["metrics/r2_latent"][:], f["metrics/r2_observ"][:]
        for row, p in enumerate(parameters):
            if status[row] != 1 or p.get("family") != "latent_dynamics":
                continue
            runs.append({"source": "sweep-mpi", "model": p["model"], "latent_size": p["latent_size"],
                         "activation": p["mlp_activation"], "seed": p["seed"], "system": p["system"],
                         "obs_dim": p["obs_dim"], "max_epochs": p["max_epochs"],
                         "r2_latent": latent[row], "r2_observ": observ[row]})
    return runs


def reference_for(run, reference):
    """The shipped runs to compare a sweep-mpi run with, and a note when they are not the same
    model (node-discrete at L != 3 has no shipped Arneodo run: the torchdyn NODE stands in)."""
    model, latent_size = run["model"], run["latent_size"]
    if model in ABLATIONS.values() and latent_size == 3:
        matches = [r for r in reference if r["group"] == "ablation" and r["model"] == model]
        note = "" if run["activation"] == "relu" or model in ("rm-mlp", "vanilla") else "reference MLP: ReLU"
        return matches, note
    if model == "node-discrete":
        return [r for r in reference if r["model"] == "node" and r["latent_size"] == latent_size], "reference: torchdyn NODE"
    return [r for r in reference if r["model"] == model and r["latent_size"] == latent_size], ""


def window_median(values, start, end):
    """Median over epochs [start, end) of one run's [epochs, 4] metric (NaN skipped)."""
    window = values[start:end]
    return np.nanmedian(window, axis=0) if len(window) else np.full(4, np.nan)
