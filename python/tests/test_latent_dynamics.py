"""scripts/latent_dynamics/plot_latent.py and reference_runs.py on a small results file laid out as
sweep-mpi writes a latent_dynamics sweep (the datasets these scripts read)."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "latent_dynamics"
EPOCHS = 6


def module(name):
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def latent_value(model, size, seed):
    return (0.9 if model == "node-discrete" else 0.5) - 0.01 * size + 0.02 * seed


def write(path):
    trials = [(model, size, seed) for seed in range(3) for model in ("gru", "node-discrete") for size in (3, 10)]
    status = np.array([0 if (model, size, seed) == ("gru", 10, 2) else 1 for model, size, seed in trials], dtype=np.int8)
    with h5py.File(path, "w") as f:
        f["trials/status"] = status
        f["trials/parameters"] = np.array([json.dumps({
            "family": "latent_dynamics", "seed": seed, "system": "arneodo", "obs_dim": 10, "model": model,
            "latent_size": size, "mlp_activation": "tanh", "max_epochs": EPOCHS, "summary_epochs": 4}).encode()
            for model, size, seed in trials])
        latent = np.array([[latent_value(m, s, seed)] * 4 for m, s, seed in trials])
        f["metrics/r2_latent_median"] = np.where(status[:, None] == 1, latent, np.nan)
        f["metrics/r2_observ_median"] = np.where(status[:, None] == 1, latent / 2, np.nan)
        per_epoch = np.stack([np.arange(EPOCHS)[:, None] * np.ones(4) + 0.1 * t for t in range(len(trials))])
        f["metrics/r2_latent"] = per_epoch
        f["metrics/r2_observ"] = per_epoch / 2
    return trials, status


def test_the_figure_averages_the_finished_seeds(tmp_path):
    path = tmp_path / "latent.h5"
    trials, status = write(path)
    groups = module("plot_latent").load(str(path))
    assert sorted(groups) == [("gru", 3), ("gru", 10), ("node-discrete", 3), ("node-discrete", 10)]
    assert len(groups[("gru", 10)]["latent"]) == 2 and len(groups[("gru", 3)]["latent"]) == 3   # the pending trial is left out
    assert np.mean(groups[("node-discrete", 3)]["latent"]) == pytest.approx(np.mean([latent_value("node-discrete", 3, s) for s in range(3)]))
    assert groups[("gru", 3)]["epochs"] == EPOCHS and groups[("gru", 3)]["window"] == 4


def test_the_figure_script_writes_png_and_svg(tmp_path):
    path = tmp_path / "latent.h5"
    write(path)
    run = subprocess.run([sys.executable, str(SCRIPTS / "plot_latent.py"), str(path), "--out", str(tmp_path / "figure")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "node-discrete (sweep-mpi, 3 seeds)" in (tmp_path / "figure.svg").read_text()


def test_runs_and_window_medians(tmp_path):
    path = tmp_path / "latent.h5"
    trials, status = write(path)
    runs = module("reference_runs")
    loaded = runs.load_sweep(str(path))
    assert len(loaded) == int(status.sum())
    first = loaded[0]
    assert first["model"] == "gru" and first["latent_size"] == 3 and first["r2_latent"].shape == (EPOCHS, 4)
    # epochs 2..5 hold 2, 3, 4, 5 (+ 0.1 t): the median is 3.5
    assert runs.window_median(first["r2_latent"], 2, 6)[0] == pytest.approx(3.5)
    values = np.array([[np.nan] * 4, [1.0] * 4, [3.0] * 4])
    assert runs.window_median(values, 0, 3)[0] == 2.0                                      # NaN left out
