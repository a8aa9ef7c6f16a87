#!/usr/bin/env bash
# Runs every test: the Swift unit and end-to-end tests (real mpirun with several ranks, kills and
# restarts), the Python loader and figure tests, the Slurm end-to-end test (a single-node Slurm
# started and stopped by the test), and the multi-node test (nodes as network namespaces that talk
# over TCP, Open MPI and Slurm across them). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1

echo "== Swift tests (unit and end-to-end)"
swift build --build-tests
swift test --skip-build

echo "== release build (Python and Slurm tests use it)"
swift build -c release

echo "== Python tests"
scripts/test-python.sh

echo "== Slurm end-to-end test"
scripts/test-slurm.sh

echo "== multi-node test (Open MPI over TCP between namespace nodes, a node killed, Slurm with two slurmd)"
scripts/test-multinode.sh

if [[ ${TEST_BUNDLE:-0} == 1 ]]; then
    echo "== portable bundle (scripts/bundle.sh, checked with Swift and the libraries hidden)"
    scripts/test-bundle.sh
fi

echo "== all tests passed"
