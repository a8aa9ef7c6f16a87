#!/usr/bin/env bash
# First run on a fresh Debian machine: installs what is missing, builds sweep-mpi in release
# mode, runs the small default sweep (sweeps/quick.json) on every core, and prints its
# status, the dimensionality statistics and the path of its figure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "setup: building (release)"
swift build -c release 2>&1 | tail -n 1
ranks=${RANKS:-$(nproc)}
mkdir -p results
echo "setup: running sweeps/quick.json on $ranks ranks"
scripts/mpirun.sh -n "$ranks" .build/release/sweep-mpi run sweeps/quick.json --output results/quick.h5 --progress lines --progress-interval 10
.build/release/sweep-mpi status results/quick.h5
echo
echo "setup: dimensionality of the trained networks at layer 10 (mean and standard error over seeds):"
.build/release/sweep-mpi stats results/quick.h5 --metric dim_layers --format csv \
    | awk -F, 'NR == 1 { printf "  %-6s %-9s %7s %6s %3s\n", $1, $2, "mean", "sem", "n"; next }
               $3 == 1 && $4 == 10 { printf "  %-6s %-9s %7.2f %6.2f %3s\n", $1, $2, $6, $8, $5 }'
python3 scripts/plot_fig5.py results/quick.h5 --out results/quick
echo "setup: done. Results in results/quick.h5, figure in results/quick.png"
