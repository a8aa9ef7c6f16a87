import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PYTHON_DIR))  # sweep_mpi_results without pip install -e

import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def results_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "fig5-test.h5"
    synthetic.write(path)
    return path
