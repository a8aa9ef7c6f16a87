#!/usr/bin/env bash
# Fidelity of the latent_dynamics family against the reference's shipped runs: trains
# sweeps/latent_fidelity.json (Arneodo, 10 neurons: node-discrete and rm-mlp at L 3, the GRU at
# L 25, stopped early; about 1 core-hour per seed) and prints the medians over the last 500
# epochs beside the reference's over the same epochs. More seeds grow the same file:
#   scripts/latent_dynamics/fidelity.sh [RANKS] [SEEDS]      e.g. fidelity.sh 8 0-4
set -euo pipefail
cd "$(dirname "$0")/../.."
ranks=${1:-$(nproc)}
seeds=${2:-0-1}
: "${LATENT_REFERENCE:?set LATENT_REFERENCE (scripts/latent_dynamics/get-reference.sh)}"
swift build -c release >/dev/null
mkdir -p results
scripts/mpirun.sh -n "$ranks" .build/release/sweep-mpi run sweeps/latent_fidelity.json --seeds "$seeds" --progress lines
python3 scripts/latent_dynamics/fidelity.py results/latent_fidelity.h5 --markdown
