"""A results file written with h5py exactly as sweep-mpi lays it out (format_version 1), with
values known in closed form, for the tests of sweep_mpi_results and scripts/plot_fig5.py."""

import json

import h5py
import numpy as np

LAYERS = 16
CHECKPOINTS = 5
INPUT_DIMS = (200, 2)
GAINS = (20, 250)
SEEDS = (0, 1, 2)
PENDING_TRIAL = 5  # never ran: every metric NaN
FAILED_TRIAL = 9  # failed after recording time_train only
FAILED_TIME = 1.5
ERROR_TEXT = "diverged? no: out of memory"
ATTRIBUTES = {
    "sweep_name": "fig5-test",
    "plan_hash": "0123456789abcdef",
    "tool_version": "0.1.0",
    "git_commit": "abc1234",
    "mpi_version": "Open MPI v4.1.4",
    "hdf5_version": "1.10.8",
    "openblas_version": "0.3.21",
    "created": "2026-01-01T00:00:00Z",
    "updated": "2026-01-01T01:00:00Z",
}
SPEC = {
    "name": "fig5-test",
    "base": {"N": 20, "loss": "mse", "learning_rate": 0.005},
    "grid": {"X_dim": list(INPUT_DIMS), "g_radius": list(GAINS)},
    "seeds": len(SEEDS),
    "analyses": ["dim_layers"],
}


def trial_parameters():
    """Trials in plan order: seed-major over (X_dim, g_radius)."""
    return [
        {"X_dim": x_dim, "g_radius": g, "seed": seed}
        for seed in SEEDS
        for x_dim in INPUT_DIMS
        for g in GAINS
    ]


def status_of(trial):
    return 0 if trial == PENDING_TRIAL else 2 if trial == FAILED_TRIAL else 1


def use_biases(seed):
    return seed % 2 == 0


def dim_value(x_dim, g, seed, state, layer):
    """dim_layers element: grows with layer, faster for g=250 and after training, offset by seed."""
    return (10.0 if x_dim == 200 else 2.0) + layer * (0.5 if g == 20 else 1.0) * (1 + state) + 0.25 * seed


def accuracy_entries(trial):
    """How many acc_over_training checkpoints a done trial has (the rest is NaN padding)."""
    return trial % CHECKPOINTS + 1


def accuracy_value(trial, checkpoint):
    return 0.1 * checkpoint + 0.001 * trial


def time_value(trial):
    return 10.0 + trial


def fixed(texts, width=None):
    """Fixed-length byte strings, as the Swift writer stores every string."""
    encoded = [text.encode() for text in texts]
    return np.array(encoded, dtype=f"S{width or max(1, max(map(len, encoded)))}")


def write(path):
    trials = trial_parameters()
    n = len(trials)
    status = np.array([status_of(t) for t in range(n)], dtype=np.int8)
    done = status == 1
    with h5py.File(path, "w") as f:
        f.attrs["format_version"] = np.int64(1)
        for name, value in ATTRIBUTES.items():
            f.attrs[name] = np.bytes_(value)
        f.create_dataset("sweep_spec", data=np.bytes_(json.dumps(SPEC)))

        group = f.create_group("trials")
        group["id"] = fixed([f"{t:016x}" for t in range(n)], 16)
        full = [dict(p, N=20, loss="mse", learning_rate=0.005, use_biases=use_biases(p["seed"])) for p in trials]
        group["parameters"] = fixed([json.dumps(p, sort_keys=True) for p in full])
        group["X_dim"] = np.array([p["X_dim"] for p in trials], dtype=np.int64)
        group["g_radius"] = np.array([p["g_radius"] for p in trials], dtype=np.int64)
        group["seed"] = np.array([p["seed"] for p in trials], dtype=np.int64)
        group["learning_rate"] = np.full(n, 0.005, dtype=np.float64)
        group["loss"] = fixed(["mse"] * n)
        group.create_dataset("use_biases", data=np.array([use_biases(p["seed"]) for p in trials], dtype=np.int8))
        group["use_biases"].attrs["kind"] = np.bytes_("bool")
        group["hidden"] = fixed([json.dumps({"sizes": [20, p["seed"]]}) for p in trials])
        group["hidden"].attrs["kind"] = np.bytes_("json")
        group["status"] = status
        group["seconds"] = np.where(status == 0, 0.0, np.arange(n) + 0.5)
        group["rank"] = np.array([t % 3 + 1 if status[t] else -1 for t in range(n)], dtype=np.int32)
        group["host"] = fixed(["" if status[t] == 0 else f"node{t % 2}" for t in range(n)], 8)
        group["error"] = fixed([ERROR_TEXT if t == FAILED_TRIAL else "" for t in range(n)], 64)

        metrics = f.create_group("metrics")
        dims = np.full((n, 2, LAYERS), np.nan)
        accuracy = np.full((n, CHECKPOINTS), np.nan)
        seconds = np.full(n, np.nan)
        for t, p in enumerate(trials):
            if done[t]:
                for state in (0, 1):
                    for layer in range(LAYERS):
                        dims[t, state, layer] = dim_value(p["X_dim"], p["g_radius"], p["seed"], state, layer)
                for c in range(accuracy_entries(t)):
                    accuracy[t, c] = accuracy_value(t, c)
                seconds[t] = time_value(t)
        seconds[FAILED_TRIAL] = FAILED_TIME
        for name, data, axes in (
            ("dim_layers", dims, "trial,state,layer"),
            ("acc_over_training", accuracy, "trial,checkpoint"),
            ("time_train", seconds, "trial"),
        ):
            metrics[name] = data
            metrics[name].attrs["axes"] = np.bytes_(axes)
    return trials
