import subprocess
from pathlib import Path
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
import synthetic

import sweep_mpi_results as smr

N_TRIALS = len(synthetic.trial_parameters())
DONE = [t for t in range(N_TRIALS) if synthetic.status_of(t) == 1]
PARAMETERS = ["X_dim", "g_radius", "hidden", "learning_rate", "loss", "seed", "use_biases"]


def test_attributes(results_file):
    attributes = smr.attributes(results_file)
    assert attributes["format_version"] == 1 and isinstance(attributes["format_version"], int)
    for name, value in synthetic.ATTRIBUTES.items():
        assert attributes[name] == value and isinstance(attributes[name], str)


def test_sweep_spec(results_file):
    assert smr.sweep_spec(results_file) == synthetic.SPEC


def test_load_trials_one_row_per_trial(results_file):
    trials = smr.load_trials(results_file)
    assert list(trials.columns) == ["trial", "id", "status", *PARAMETERS, "seconds", "rank", "host", "error"]
    assert list(trials.trial) == list(range(N_TRIALS))
    assert list(trials.id) == [f"{t:016x}" for t in range(N_TRIALS)]
    expected_status = ["pending" if t == synthetic.PENDING_TRIAL else "failed" if t == synthetic.FAILED_TRIAL else "done"
                       for t in range(N_TRIALS)]
    assert list(trials.status) == expected_status
    parameters = synthetic.trial_parameters()
    assert list(trials.X_dim) == [p["X_dim"] for p in parameters]
    assert list(trials.g_radius) == [p["g_radius"] for p in parameters]
    assert list(trials.seed) == [p["seed"] for p in parameters]
    assert trials.X_dim.dtype == np.int64 and trials.learning_rate.dtype == np.float64
    assert trials.use_biases.dtype == bool
    assert list(trials.use_biases) == [synthetic.use_biases(p["seed"]) for p in parameters]
    assert list(trials.loss) == ["mse"] * N_TRIALS
    assert list(trials.hidden) == [{"sizes": [20, p["seed"]]} for p in parameters]
    assert trials.seconds[synthetic.PENDING_TRIAL] == 0.0 and trials.seconds[3] == 3.5
    assert trials["rank"].dtype == np.int32 and trials["rank"][4] == 2
    assert trials.host[synthetic.PENDING_TRIAL] == "" and trials.host[3] == "node1"
    assert trials.error[synthetic.FAILED_TRIAL] == synthetic.ERROR_TEXT
    assert (trials.error.drop(index=synthetic.FAILED_TRIAL) == "").all()


def test_load_is_tidy_and_drops_nan(results_file):
    frame = smr.load(results_file)
    assert list(frame.columns) == ["trial", "id", "status", *PARAMETERS, "metric", "checkpoint", "state", "layer", "value"]
    counts = frame.metric.value_counts().to_dict()
    assert counts == {
        "dim_layers": len(DONE) * 2 * synthetic.LAYERS,
        "acc_over_training": sum(synthetic.accuracy_entries(t) for t in DONE),  # NaN padding dropped
        "time_train": len(DONE) + 1,  # the failed trial recorded its time
    }
    assert not frame.value.isna().any()
    assert synthetic.PENDING_TRIAL not in set(frame.trial)
    for axis in ("state", "layer", "checkpoint"):
        assert frame[axis].dtype == "Int64"
    assert frame.use_biases.dtype == bool and frame.X_dim.dtype == np.int64


def test_load_elements_match_the_file(results_file):
    frame = smr.load(results_file)
    parameters = synthetic.trial_parameters()
    dims = frame[frame.metric == "dim_layers"]
    for row in dims.itertuples():
        p = parameters[row.trial]
        assert row.value == synthetic.dim_value(p["X_dim"], p["g_radius"], p["seed"], row.state, row.layer)
        assert (row.X_dim, row.g_radius, row.seed, row.id) == (p["X_dim"], p["g_radius"], p["seed"], f"{row.trial:016x}")
        assert pd.isna(row.checkpoint)
    one = dims[(dims.trial == 7) & (dims.state == 1) & (dims.layer == 15)]  # seed 1, X_dim 2, g 250
    assert len(one) == 1 and one.value.iloc[0] == 2.0 + 15 * 1.0 * 2 + 0.25
    accuracy = frame[frame.metric == "acc_over_training"]
    trial_4 = accuracy[accuracy.trial == 4].sort_values("checkpoint")
    assert list(trial_4.checkpoint) == list(range(synthetic.accuracy_entries(4)))
    assert list(trial_4.value) == [synthetic.accuracy_value(4, c) for c in range(synthetic.accuracy_entries(4))]
    assert trial_4.state.isna().all() and trial_4.layer.isna().all()
    times = frame[frame.metric == "time_train"].set_index("trial").value
    assert times[synthetic.FAILED_TRIAL] == synthetic.FAILED_TIME and times[3] == synthetic.time_value(3)


def test_load_keeps_nan_when_asked(results_file):
    frame = smr.load(results_file, dropna=False)
    assert len(frame) == N_TRIALS * (2 * synthetic.LAYERS + synthetic.CHECKPOINTS + 1)
    pending = frame[frame.trial == synthetic.PENDING_TRIAL]
    assert (pending.status == "pending").all() and pending.value.isna().all()


def test_load_filters_status(results_file):
    done = smr.load(results_file, status="done")
    assert set(done.status) == {"done"} and set(done.trial) == set(DONE)
    failed = smr.load(results_file, status=["failed", "pending"])
    assert list(zip(failed.trial, failed.metric, failed.value)) == [(synthetic.FAILED_TRIAL, "time_train", synthetic.FAILED_TIME)]
    with pytest.raises(ValueError, match="'finished' is not one of pending, done, failed, diverged"):
        smr.load(results_file, status="finished")


def test_load_selects_metrics(results_file):
    times = smr.load(results_file, metrics="time_train")
    assert list(times.columns) == ["trial", "id", "status", *PARAMETERS, "metric", "value"]
    assert set(times.metric) == {"time_train"}
    two = smr.load(results_file, metrics=["dim_layers", "time_train"])
    assert set(two.metric) == {"dim_layers", "time_train"} and "checkpoint" not in two.columns
    with pytest.raises(KeyError, match="no metric 'dim_over_time'; the file has: acc_over_training, dim_layers, time_train"):
        smr.load(results_file, metrics="dim_over_time")


def test_load_reads_a_file_held_open_by_a_writer(results_file, tmp_path):
    # The sweep keeps its results file open for writing while it runs; HDF5's default file lock
    # would shut readers out until it exits.
    copy = tmp_path / "running.h5"
    copy.write_bytes(results_file.read_bytes())
    writer = subprocess.Popen(
        [sys.executable, "-c", "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); print('open', flush=True); sys.stdin.read()", str(copy)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(OSError):
            h5py.File(copy, "r")  # what a locking reader gets: the case is real
        frame = smr.load(copy, metrics="dim_layers", status="done")
        assert len(frame) == len(DONE) * 2 * synthetic.LAYERS
        assert len(smr.load_trials(copy)) == N_TRIALS
    finally:
        writer.communicate("")
    assert writer.returncode == 0


def test_metric_with_wrong_axes_is_rejected(tmp_path):
    path = tmp_path / "bad.h5"
    synthetic.write(path)
    with h5py.File(path, "r+") as f:
        f["metrics/dim_layers"].attrs["axes"] = np.bytes_("trial,layer")
    with pytest.raises(ValueError, match=r"metric dim_layers: axes attribute 'trial,layer' does not fit its shape \(12, 2, 16\)"):
        smr.load(path)


def test_empty_selection_has_the_columns(results_file):
    frame = smr.load(results_file, metrics="dim_layers", status="diverged")
    assert frame.empty
    assert list(frame.columns) == ["trial", "id", "status", *PARAMETERS, "metric", "state", "layer", "value"]


def test_timings_become_columns_of_load_trials(tmp_path):
    """Files with /timings (sweep-mpi after 0.1.0): one float column per timing, NaN where unwritten."""
    path = tmp_path / "timings.h5"
    synthetic.write(path)
    with h5py.File(path, "a") as f:
        timings = f.create_group("timings")
        timings.attrs["names"] = [np.bytes_("init_seconds"), np.bytes_("train_seconds")]
        timings["init_seconds"] = np.full(N_TRIALS, 0.25)
        train = np.arange(N_TRIALS, dtype=np.float64)
        train[synthetic.PENDING_TRIAL] = np.nan
        timings["train_seconds"] = train
    trials = smr.load_trials(path)
    assert list(trials.columns)[-2:] == ["init_seconds", "train_seconds"]
    assert trials.init_seconds.eq(0.25).all()
    assert np.isnan(trials.train_seconds[synthetic.PENDING_TRIAL]) and trials.train_seconds[3] == 3.0
    # Timings are not metrics: load() never returns them.
    assert not set(smr.load(path).metric) & {"init_seconds", "train_seconds"}


def test_a_release_zero_one_file_loads():
    """The committed results file of sweep-mpi 0.1.0 (timings as time_* metrics, no /timings)."""
    fixture = Path(__file__).resolve().parents[2] / "Tests/EndToEndTests/Fixtures/release-0.1.0/results.h5"
    trials = smr.load_trials(fixture)
    assert len(trials) == 16 and set(trials.status) == {"done"}
    assert "train_seconds" not in trials.columns
    frame = smr.load(fixture, metrics=["dim_layers", "time_train"])
    assert set(frame.metric) == {"dim_layers", "time_train"}
    assert frame[frame.metric == "time_train"].value.gt(0).all()
