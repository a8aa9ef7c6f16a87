"""scripts/flossing/plot_flossing.py on a small results file laid out as sweep-mpi writes a flossing
sweep (the datasets the script reads), with accuracies and spectra known in closed form."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "flossing" / "plot_flossing.py"
ARMS = {"none": {"Ep": 0, "Ni": 0}, "pre": {"Ep": 500, "Ni": 0}, "pre+inter": {"Ep": 500, "Ni": 2}}
DELAYS = (10, 30)
SEEDS = (0, 1, 2)
K = 4


def accuracy(arm, delay, seed):
    """Everything learns d 10; at d 30 only the flossed arms do, and seed 2 of pre fails."""
    if delay == 10 or (arm != "none" and not (arm == "pre" and seed == 2)):
        return 0.99 - 0.001 * seed
    return 0.5 + 0.01 * seed


def write(path):
    parameters, status, test, initial, after, final = [], [], [], [], [], []
    for arm, flossing in ARMS.items():
        for delay in DELAYS:
            for seed in SEEDS:
                parameters.append({"family": "flossing", "seed": seed, "task": -1, "delay": delay, "E": 3001, "Ef": 100,
                                   "Ei": 500, "accuracy_threshold": 0.95, **flossing})
                status.append(3 if (arm, delay, seed) == ("none", 30, 1) else 1)   # one diverged trial
                test.append(accuracy(arm, delay, seed))
                initial.append(-0.5 - 0.1 * np.arange(K))
                phases = np.full((3, K), np.nan)
                if arm != "none":
                    phases[0] = -0.05 * (1 + np.arange(K))
                if arm == "pre+inter":
                    phases[1] = -0.02 * (1 + np.arange(K))
                    phases[2] = -0.01 * (1 + np.arange(K))
                after.append(phases)
                final.append(-0.2 * (1 + np.arange(K)))
    n = len(parameters)
    with h5py.File(path, "w") as f:
        f.attrs["sweep_name"] = "flossing-test"
        f["trials/parameters"] = np.array([json.dumps(p) for p in parameters], dtype=h5py.string_dtype())
        f["trials/status"] = np.array(status, dtype=np.int8)
        f["metrics/test_accuracy"] = np.array(test)
        f["metrics/success_epoch"] = np.full(n, np.nan)
        f["metrics/spectrum_initial"] = np.array(initial)
        f["metrics/spectrum_after_flossing"] = np.array(after)
        f["metrics/spectrum_final"] = np.array(final)


@pytest.fixture(scope="module")
def plot_flossing():
    spec = importlib.util.spec_from_file_location("plot_flossing", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def results_file(tmp_path):
    path = tmp_path / "flossing.h5"
    write(path)
    return path


def test_accuracy_groups_and_table(results_file, plot_flossing):
    name, parameters, done, metrics = plot_flossing.read(results_file)
    groups, task, threshold = plot_flossing.summary(parameters, done, metrics)
    assert name == "flossing-test" and task == "XOR" and threshold == 0.95
    assert groups[("pre+inter", 30)] == pytest.approx([accuracy("pre+inter", 30, s) for s in SEEDS])
    assert groups[("none", 30)] == pytest.approx([accuracy("none", 30, s) for s in (0, 2)])  # the diverged trial is left out
    text = plot_flossing.table(name, groups, task, threshold)
    values = np.array([accuracy("pre", 30, s) for s in SEEDS])
    assert f"{values.mean():.3f} ± {values.std(ddof=1) / np.sqrt(3):.3f} | 2/3" in text
    assert "| 30 | 0.510 ± 0.010 | 0/2 |" in text   # seeds 0 and 2: 0.50 and 0.52


def test_spectra_are_means_over_the_flossed_trials(results_file, plot_flossing):
    _, parameters, done, metrics = plot_flossing.read(results_file)
    spectra = plot_flossing.spectra(parameters, done, metrics)
    assert spectra["initial"] == pytest.approx(-0.5 - 0.1 * np.arange(K))
    assert spectra["after preflossing"] == pytest.approx(-0.05 * (1 + np.arange(K)))
    assert spectra["after interflossing"] == pytest.approx(-0.01 * (1 + np.arange(K)))   # the last phase
    assert spectra["end of training (pre+inter)"] == pytest.approx(-0.2 * (1 + np.arange(K)))


def test_script_writes_png_and_svg(results_file, tmp_path):
    prefix = tmp_path / "figures" / "flossing"
    prefix.parent.mkdir()
    run = subprocess.run([sys.executable, str(SCRIPT), str(results_file), str(results_file), "--out", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    png, svg = Path(f"{prefix}.png"), Path(f"{prefix}.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text()
    for label in ("delayed XOR: test accuracy", "pre- and interflossing", "after preflossing"):
        assert label in text
    assert "mean |lambda| after preflossing: 0.1250" in run.stdout
