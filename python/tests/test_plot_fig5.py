import importlib.util
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import synthetic

import sweep_mpi_results as smr

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "plot_fig5.py"


@pytest.fixture(scope="module")
def plot_fig5():
    spec = importlib.util.spec_from_file_location("plot_fig5", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_summary_is_mean_and_standard_error_over_done_seeds(results_file, plot_fig5):
    frame = smr.load(results_file, metrics="dim_layers", status="done")
    summary = plot_fig5.summarize(frame).set_index(["X_dim", "g_radius", "state", "layer"])
    assert len(summary) == 2 * 2 * 2 * synthetic.LAYERS
    for (x_dim, g, state, layer), row in summary.iterrows():
        seeds = [p["seed"] for t, p in enumerate(synthetic.trial_parameters())
                 if synthetic.status_of(t) == 1 and (p["X_dim"], p["g_radius"]) == (x_dim, g)]
        values = np.array([synthetic.dim_value(x_dim, g, seed, state, layer) for seed in seeds])
        sem = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0  # one seed: no band
        assert row.n == len(values)
        assert row["mean"] == pytest.approx(values.mean())
        assert row["sem"] == pytest.approx(sem)
        assert (row.low, row.high) == pytest.approx((values.mean() - 1.96 * sem, values.mean() + 1.96 * sem))
    # the pending trial (seed 1, X_dim 200, g 250) and the failed one (seed 2, X_dim 200, g 250) are left out
    assert summary.loc[(200, 250, 1, 0), "n"] == 1 and summary.loc[(200, 20, 1, 0), "n"] == 3
    assert plot_fig5.seeds_label(frame) == "1-3 seeds per curve"


def test_script_writes_png_and_svg(results_file, tmp_path):
    prefix = tmp_path / "figures" / "fig5"
    run = subprocess.run([sys.executable, str(SCRIPT), str(results_file), "--out", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    png, svg = Path(f"{prefix}.png"), Path(f"{prefix}.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for label in ("high-d input (5a)", "low-d input (5b)", "strongly chaotic", "untrained (epoch 0)"):
        assert label in text


def test_script_rejects_a_file_without_dim_layers(tmp_path):
    path = tmp_path / "other.h5"
    synthetic.write(path)
    with h5py.File(path, "r+") as f:
        del f["metrics/dim_layers"]
    run = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "no metric 'dim_layers'" in run.stderr
    assert not (tmp_path / "other.png").exists()
