"""Load a sweep-mpi results file (one HDF5 file per sweep, format_version 1) into pandas.

    import sweep_mpi_results as smr
    frame = smr.load("results/fig5.h5", metrics="dim_layers", status="done")
    frame.groupby(["X_dim", "g_radius", "state", "layer"]).value.agg(["mean", "sem", "count"])

`load` gives a tidy table, one row per trial and metric element:

    trial  id  status  <one column per parameter of the sweep, seed included>  metric  <axes>  value

* trial: the trial's row in the file (also the key of `load_trials`), id: its 16-hex-digit hash;
* status: "pending", "done", "failed" or "diverged";
* parameters as Python values: numbers, bool (columns stored with kind="bool"), str, and parsed JSON
  (lists, dicts) for columns stored with kind="json";
* metric: the metric's name; one integer column per metric axis (named from the metric's "axes"
  attribute, e.g. state and layer for dim_layers), <NA> for metrics without that axis;
* value: float.

Defaults: every metric, every status, and no NaN values (a metric is NaN-padded where a trial has
fewer entries, and entirely NaN for a trial that has not finished): pass dropna=False to keep them,
status="done" (or a list of statuses) to keep only those trials.

The file may still be in the middle of a sweep: it is opened read-only without HDF5 file locking,
and trials that are not finished yet show up as pending with no values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

import h5py
import numpy as np
import pandas as pd

__all__ = ["STATUS_NAMES", "attributes", "load", "load_trials", "sweep_spec"]

#: /trials/status codes, in order.
STATUS_NAMES = ("pending", "done", "failed", "diverged")

# Columns of /trials that describe the run of a trial rather than its parameters.
_BOOKKEEPING = ("id", "parameters", "status", "seconds", "rank", "host", "error")


def attributes(path: str | os.PathLike) -> dict:
    """The file's root attributes (format_version, sweep_name, plan_hash, versions, times)."""
    with _open(path) as results:
        return {name: _python_value(value) for name, value in results.attrs.items()}


def sweep_spec(path: str | os.PathLike) -> dict:
    """The sweep file the results were produced from, parsed from /sweep_spec."""
    with _open(path) as results:
        return json.loads(_text(results["sweep_spec"][()]))


def load_trials(path: str | os.PathLike) -> pd.DataFrame:
    """One row per trial: trial, id, status, every parameter column, seconds, rank, host, error,
    and one column per timing of /timings (e.g. train_seconds; absent in files written before
    timings had their own group)."""
    with _open(path) as results:
        frame = _trials_frame(results["trials"])
        if "timings" in results:
            timings = results["timings"]
            names = [_text(name) for name in timings.attrs.get("names", [])] or list(timings.keys())
            for name in names:
                if name not in frame.columns:
                    frame[name] = np.asarray(timings[name][:], dtype=np.float64)
        return frame


def load(
    path: str | os.PathLike,
    metrics: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    dropna: bool = True,
) -> pd.DataFrame:
    """Tidy table of metric values, one row per trial and metric element (see the module doc).

    metrics: a name or a list of names of /metrics (default: all of them).
    status:  keep only trials with this status or these statuses (default: all).
    dropna:  drop NaN values (padding and unfinished trials); default True.
    """
    with _open(path) as results:
        trials = _trials_frame(results["trials"]).drop(columns=["seconds", "rank", "host", "error"], errors="ignore")
        available = sorted(results["metrics"].keys()) if "metrics" in results else []
        names = available if metrics is None else [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [name for name in names if name not in available]
        if unknown:
            raise KeyError(f"{path}: no metric {', '.join(map(repr, unknown))}; the file has: {', '.join(available) or 'none'}")
        keep_trial = _status_mask(trials["status"], status)
        pieces = [_metric_elements(name, results["metrics"][name], keep_trial, dropna) for name in names]

    axis_names = list(dict.fromkeys(axis for _, axes, _, _ in pieces for axis in axes))
    clashes = [axis for axis in axis_names if axis in trials.columns or axis in ("metric", "value")]
    if clashes:
        raise ValueError(f"{path}: metric axis {', '.join(clashes)} has the name of a parameter or column")

    frames = []
    for name, axes, rows, values in pieces:
        frame = trials.iloc[rows[0]].reset_index(drop=True)
        frame["metric"] = name
        for axis in axis_names:
            frame[axis] = pd.array(rows[1 + axes.index(axis)], dtype="Int64") if axis in axes else pd.NA
        frame["value"] = values
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*trials.columns, "metric", *axis_names, "value"])
    frame = pd.concat(frames, ignore_index=True)
    for axis in axis_names:
        frame[axis] = frame[axis].astype("Int64")
    return frame


# --- reading ---------------------------------------------------------------------------------


def _open(path: str | os.PathLike) -> h5py.File:
    # No file locking: the sweep holds the file open for writing while it runs, and HDF5's lock
    # would refuse every reader until it exits.
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # h5py older than 3.5: only the environment variable turns locking off
        os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"
        return h5py.File(path, "r")


def _trials_frame(trials: h5py.Group) -> pd.DataFrame:
    status_codes = trials["status"][:]
    columns: dict[str, object] = {
        "trial": np.arange(len(status_codes)),
        "id": _texts(trials["id"][:]),
        "status": [_status_name(code) for code in status_codes],
    }
    for name in trials.keys():
        if name not in _BOOKKEEPING:
            columns[name] = _parameter_column(trials[name])
    for name in ("seconds", "rank", "host", "error"):
        if name in trials:
            data = trials[name][:]
            columns[name] = _texts(data) if data.dtype.kind in "SOU" else data
    return pd.DataFrame(columns)


def _parameter_column(dataset: h5py.Dataset) -> object:
    data = dataset[:]
    kind = _text(dataset.attrs.get("kind", ""))
    if kind == "bool":
        return data.astype(bool)
    if data.dtype.kind in "SOU":
        texts = _texts(data)
        return [json.loads(text) for text in texts] if kind == "json" else texts
    return data


def _metric_elements(name: str, dataset: h5py.Dataset, keep_trial: np.ndarray, dropna: bool):
    """(name, axis names without "trial", index arrays [trial, axis1, ...], values) of one metric."""
    data = np.asarray(dataset[:], dtype=np.float64)
    axes = _text(dataset.attrs.get("axes", "")).split(",") if "axes" in dataset.attrs else []
    if not axes:
        axes = ["trial"] + [f"axis{k}" for k in range(1, data.ndim)]
    if len(axes) != data.ndim or axes[0] != "trial":
        raise ValueError(f"metric {name}: axes attribute {','.join(axes)!r} does not fit its shape {data.shape}")
    keep = np.broadcast_to(keep_trial.reshape((-1,) + (1,) * (data.ndim - 1)), data.shape)
    if dropna:
        keep = keep & ~np.isnan(data)
    rows = np.nonzero(keep)  # one index array per axis, in C order: trial-major, like the file
    return name, axes[1:], rows, data[rows]


def _status_mask(statuses: pd.Series, wanted: str | Iterable[str] | None) -> np.ndarray:
    if wanted is None:
        return np.ones(len(statuses), dtype=bool)
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [name for name in wanted if name not in STATUS_NAMES]
    if unknown:
        raise ValueError(f"status {', '.join(map(repr, unknown))} is not one of {', '.join(STATUS_NAMES)}")
    return statuses.isin(wanted).to_numpy()


# --- values ----------------------------------------------------------------------------------


def _status_name(code: int) -> str:
    return STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else f"unknown ({code})"


def _text(value: object) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8").rstrip("\0")
    return str(value)


def _texts(values: np.ndarray) -> list[str]:
    return [_text(value) for value in values]


def _python_value(value: object) -> object:
    if isinstance(value, (bytes, np.bytes_, str)):
        return _text(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_python_value(item) for item in value.tolist()] if value.dtype.kind in "SO" else value.tolist()
    return value
