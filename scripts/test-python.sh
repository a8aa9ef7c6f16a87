#!/usr/bin/env bash
# Tests of the Python results module (python/sweep_mpi_results), scripts/plot_fig5.py and
# scripts/timescales/plot_timescales.py and scripts/feedback_modulation/figure.py, on synthetic
# results files laid out as sweep-mpi writes them. Needs the pip packages h5py numpy pandas
# matplotlib pytest (the project's install script installs them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import h5py, numpy, pandas, matplotlib, pytest' || {
    echo "test-python: FAIL: $PYTHON lacks a package: pip install h5py numpy pandas matplotlib pytest" >&2
    exit 1
}
cd "$ROOT/python"
exec "$PYTHON" -m pytest -q -p no:cacheprovider tests "$@"
