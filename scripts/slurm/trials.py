#!/usr/bin/env python3
"""Trial bookkeeping of a sweep-mpi results file, for scripts/test-slurm.sh.

    trials.py counts FILE     -> pending=P done=D failed=F diverged=V total=N
    trials.py snapshot FILE   -> JSON {id: [status, seconds, rank, host]} of every finished trial

Reads with h5py only, and works while the sweep still writes the file (no HDF5 file locking: the
writer holds the file open; a read that meets a half-written row is retried by the caller).
"""
import json
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402  (the variable above must be set first)

STATUS_NAMES = ("pending", "done", "failed", "diverged")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("counts", "snapshot"):
        sys.exit(__doc__)
    command, path = argv[1], argv[2]
    with h5py.File(path, "r") as results:
        trials = results["trials"]
        status = trials["status"][:]
        if command == "counts":
            counts = {name: int((status == code).sum()) for code, name in enumerate(STATUS_NAMES)}
            print(" ".join(f"{name}={n}" for name, n in counts.items()), f"total={len(status)}")
            return
        ids, seconds = trials["id"][:], trials["seconds"][:]
        ranks, hosts = trials["rank"][:], trials["host"][:]
        finished = {
            text(ids[row]): [int(status[row]), float(seconds[row]), int(ranks[row]), text(hosts[row])]
            for row in range(len(status))
            if status[row] != 0
        }
        print(json.dumps(finished, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
