#!/usr/bin/env bash
# Fidelity of the Engine against the reference implementation (issue: Engine, section 5):
# trains the Figure 2 and Figure 5a configurations for 10 seeds each (sweeps/fidelity.json) and
# prints the per-layer dimensionality and accuracy next to the reference's measured values.
# About 2 minutes on 2 cores. Usage: scripts/fidelity.sh [RANKS]
set -euo pipefail
cd "$(dirname "$0")/.."
ranks=${1:-$(nproc)}
swift build -c release >/dev/null
mkdir -p results
scripts/mpirun.sh -n "$ranks" .build/release/sweep-mpi run sweeps/fidelity.json --progress lines
python3 scripts/fidelity.py results/fidelity.h5
