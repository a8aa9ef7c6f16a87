"""Trace folders: named tensors and named series as .npy files (TRACE.md has the layout).

A trace folder is a tree of .npy files plus a manifest, trace.json. A file's path inside the folder,
without ".npy", is its name (e.g. "grads/step_000000/Wrec"). Nothing here knows a model family:
the family's runner decides which names it writes, the comparator compares whatever both sides have.
"""
import json
import os

import numpy as np

FORMAT = "sweep-mpi-trace"
VERSION = 1
# dtypes a writer may use; readers accept exactly these.
DTYPES = {"<f4": np.float32, "<f8": np.float64, "<i4": np.int32, "<i8": np.int64, "|u1": np.uint8}


def write(folder, name, array, dtype=None):
    """Writes array as folder/name.npy (C order, little-endian, one of DTYPES)."""
    array = np.asarray(array)
    if dtype is not None:
        array = array.astype(dtype)
    if array.dtype.str not in DTYPES:
        raise ValueError(f"{name}: dtype {array.dtype.str} is not a trace dtype ({', '.join(DTYPES)})")
    path = os.path.join(folder, name + ".npy")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)


def read(folder, name, required=True):
    path = os.path.join(folder, name + ".npy")
    if not os.path.exists(path):
        if required:
            raise FileNotFoundError(f"{path}: missing from the trace")
        return None
    array = np.load(path, allow_pickle=False)
    if array.dtype.str not in DTYPES:
        raise ValueError(f"{path}: dtype {array.dtype.str} is not a trace dtype")
    return array


def names(folder, prefix=""):
    """Every array name under folder/prefix, sorted."""
    root = os.path.join(folder, prefix)
    found = []
    if not os.path.isdir(root):
        return found
    for directory, _, files in os.walk(root):
        for f in files:
            if f.endswith(".npy"):
                full = os.path.join(directory, f)
                found.append(os.path.relpath(full, folder)[:-4].replace(os.sep, "/"))
    return sorted(found)


def write_manifest(folder, **fields):
    os.makedirs(folder, exist_ok=True)
    manifest = {"format": FORMAT, "version": VERSION}
    manifest.update(fields)
    with open(os.path.join(folder, "trace.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")


def read_manifest(folder):
    path = os.path.join(folder, "trace.json")
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ValueError(f"{path}: not a {FORMAT} version {VERSION} manifest")
    return manifest


def step_name(k):
    return f"step_{k:06d}"


def copy(source, source_prefix, target, target_prefix):
    """Copies every array under source/source_prefix to target/target_prefix (same relative names)."""
    count = 0
    for name in names(source, source_prefix):
        write(target, target_prefix + name[len(source_prefix):], read(source, name))
        count += 1
    if count == 0:
        raise FileNotFoundError(f"{source}/{source_prefix}: no arrays")
    return count


def _self_test():
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        arrays = {"a/x": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1.5], np.float64),
                  "c/d/e": np.array([[1, 2]], np.int32), "s": np.array([0, 1], np.uint8)}
        for name, array in arrays.items():
            write(folder, name, array)
        assert names(folder) == sorted(arrays), names(folder)
        for name, array in arrays.items():
            back = read(folder, name)
            assert back.dtype == array.dtype and back.shape == array.shape and (back == array).all(), name
    print("tracefmt self-test ok")


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--self-test"]:
        _self_test()
    elif len(sys.argv) == 6 and sys.argv[1] == "--copy":
        copy(*sys.argv[2:])
    else:
        sys.exit("usage: tracefmt.py --self-test | --copy SOURCE PREFIX TARGET PREFIX")
