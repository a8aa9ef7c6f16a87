"""scripts/feedback_modulation/figure.py on a results file laid out as sweep-mpi writes a
feedback_modulation sweep, with clarities known in closed form."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "feedback_modulation" / "figure.py"
TAUS, SEEDS, CONTEXTS, STEPS = (1.0, 30.0), (0, 1, 2), 4, 50


@pytest.fixture(scope="module")
def figure():
    spec = importlib.util.spec_from_file_location("feedback_figure", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path, model):
    """Trials tau-major over seeds; trial t has output clarity 0.9 − 0.1 tau_index + 0.01 seed, x 0.5;
    the last trial failed (status 2) and must be left out."""
    rows = [(tau, seed) for tau in TAUS for seed in SEEDS]
    n = len(rows)
    with h5py.File(path, "w") as f:
        status = np.ones(n, np.int8)
        status[-1] = 2
        f["trials/status"] = status
        f["trials/seed"] = np.array([s for _, s in rows], np.int64)
        f["trials/tau"] = np.array([t for t, _ in rows], np.float64)
        f["trials/model"] = np.array([model.encode()] * n, dtype="S16")
        f["trials/signals"] = np.array([b"chords" if i % 2 else b"sines" for i in range(n)], dtype="S16")
        clarity = np.full((n, 3, CONTEXTS), np.nan)
        for i, (tau, seed) in enumerate(rows):
            clarity[i, 0] = 0.5
            clarity[i, 2] = 0.9 - 0.1 * TAUS.index(tau) + 0.01 * seed
            if model == "spatial":
                clarity[i, 1] = 0.4
        f["metrics/clarity"] = clarity
        f["metrics/loss"] = np.tile(np.linspace(100, 10, 30), (n, 1))
        f["metrics/trajectory"] = np.tile(np.sin(np.arange(3 * STEPS * 6, dtype=float)).reshape(3 * STEPS, 6), (n, 1, 1))
        f["metrics/decoding_r2"] = np.full((n, 3, CONTEXTS // 2), 0.9)
        for name, units in [("correlation_x", 2), ("correlation_y", 2), ("correlation_z", 5)]:
            c = np.zeros((n, CONTEXTS, 2, units))
            c[:, :, 0, :] = 0.8
            c[:, :, 1, :] = 0.2
            f["metrics/" + name] = c
        f["metrics/freeze_angles"] = np.tile([2.0, 20.0], (n, 1))


def test_clarity_by_tau_averages_contexts_then_seeds_of_done_trials(tmp_path, figure):
    path = tmp_path / "tau.h5"
    write(path, "modulation")
    columns, metrics = figure.read(path, "modulation")
    summary = figure.clarity_by_tau(columns, metrics)
    assert sorted(summary) == list(TAUS)
    mean, sem, n = summary[1.0]["y"]
    assert n == 3 and mean == pytest.approx(0.91) and sem == pytest.approx(0.01 / np.sqrt(3))
    mean, sem, n = summary[30.0]["y"]                   # seed 2 failed
    assert n == 2 and mean == pytest.approx(0.805)
    assert summary[30.0]["x"][0] == pytest.approx(0.5)


def test_a_sweep_split_over_two_files_reads_as_one(tmp_path, figure):
    whole, first, second = tmp_path / "whole.h5", tmp_path / "first.h5", tmp_path / "second.h5"
    write(whole, "modulation")
    with h5py.File(whole, "r") as f:
        for path, rows in [(first, slice(0, 2)), (second, slice(2, None))]:
            with h5py.File(path, "w") as part:
                for group in ("trials", "metrics"):
                    for name in f[group]:
                        part[group + "/" + name] = f[group + "/" + name][()][rows]
    assert figure.clarity_by_tau(*figure.read([first, second], "modulation")) == \
        figure.clarity_by_tau(*figure.read(whole, "modulation"))
    columns, _ = figure.read([first, second], "modulation")
    assert list(columns["seed"]) == [0, 1, 2, 0, 1]


def test_the_script_writes_both_rows(tmp_path):
    tau, spatial = tmp_path / "tau.h5", tmp_path / "spatial.h5"
    write(tau, "modulation")
    write(spatial, "spatial")
    out = tmp_path / "figure"
    run = subprocess.run([sys.executable, str(SCRIPT), "--tau", str(tau), "--spatial", str(spatial), "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "figure.png").stat().st_size > 10000
    none = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True)
    assert none.returncode != 0 and "give --tau" in none.stderr
