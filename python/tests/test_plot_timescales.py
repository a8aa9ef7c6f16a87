import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "timescales" / "plot_timescales.py"


@pytest.fixture(scope="module")
def plot_timescales():
    spec = importlib.util.spec_from_file_location("plot_timescales", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_results(path):
    """Four finished trials (2 curricula x 2 seeds, one fixed-tau arm) and one pending, laid out as
    the timescales family writes them: per-N rows, NaN where a trial never reached N."""
    parameters = [{"curriculum": c, "fixed_tau": f, "n_min": 2, "seed": s}
                  for c, f, s in [("single", None, 0), ("single", None, 1), ("cumulative", None, 0),
                                  ("cumulative", 2, 0), ("cumulative", None, 1)]]
    tau_mean = np.array([[1.5, 1.4, np.nan], [1.7, 1.6, 1.5], [1.5, 1.3, 1.1], [2.0, 2.0, 2.0], [np.nan] * 3])
    with h5py.File(path, "w") as f:
        f["trials/parameters"] = np.array([json.dumps(p) for p in parameters], dtype=h5py.string_dtype())
        f["trials/status"] = np.array([1, 1, 1, 1, 0], dtype=np.int8)
        f["metrics/tau_mean"] = tau_mean
        f["metrics/tau_net_mean"] = tau_mean * 2
        f["metrics/largest_n"] = np.array([3, 4, 4, 4, np.nan])


def test_curves_average_the_seeds_that_reached_each_n(tmp_path, plot_timescales):
    path = tmp_path / "t.h5"
    write_results(path)
    parameters, metrics = plot_timescales.read(path)
    assert len(parameters) == 4 and metrics["tau_mean"].shape == (4, 3)     # the pending trial is left out
    single = metrics["tau_mean"][:2]
    mean, error, count = plot_timescales.mean_and_error(single)
    assert mean == pytest.approx([1.6, 1.5, 1.5])
    assert count.tolist() == [2, 2, 1]
    assert error[0] == pytest.approx(np.std([1.5, 1.7], ddof=1) / np.sqrt(2))
    assert error[2] == 0                                                     # one seed: no bar


def test_writes_the_figure(tmp_path):
    path = tmp_path / "t.h5"
    write_results(path)
    out = tmp_path / "figure"
    result = subprocess.run([sys.executable, str(SCRIPT), str(path), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "figure.png").stat().st_size > 10_000 and (tmp_path / "figure.svg").exists()
    assert "from 4 finished trials" in result.stdout
