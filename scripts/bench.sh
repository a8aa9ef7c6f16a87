#!/usr/bin/env bash
# Benchmarks (numbers and ratios, never pass/fail):
#   1. one Fig 2 network: seconds per epoch, GFLOP/s against the single-thread sgemm bound
#      measured in the same run, against the reference PyTorch timings (sweep-mpi bench train);
#   2. coordinator throughput: 10,000 trivial trials dispatched, run and committed to the file,
#      on 2 and 4 ranks;
#   3. sweep scaling: the same real trials on 1 rank and on P ranks (P = 2 and, where the machine
#      has them, all cores), throughput ratio against P.
# Usage: scripts/bench.sh   (builds in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
BIN=$PWD/.build/release/sweep-mpi
WORK=$(mktemp -d /tmp/sweep-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cores=$(nproc)

echo "== 1. one network (single-threaded OpenBLAS)"
"$BIN" bench train

# Runs a sweep and prints the "run now in Xs" seconds of its summary line.
run_seconds() {
    local ranks=$1; shift
    scripts/mpirun.sh -n "$ranks" "$BIN" run "$@" --progress none 2>&1 \
        | sed -n 's/.*run now in \([0-9.]*\)s.*/\1/p' | tail -n 1
}

echo
echo "== 2. coordinator throughput: trivial trials (no training), dispatched, run and written"
cat > "$WORK/trivial.json" <<'JSON'
{"name": "trivial", "base": {"N": 2, "X_dim": 2, "X_clusters": 2, "n_lag": 1, "num_epochs": 0,
 "num_train_samples_per_epoch": 1, "analyses": []}, "seeds": "0-9999"}
JSON
for ranks in 2 4; do
    seconds=$(run_seconds "$ranks" "$WORK/trivial.json" --output "$WORK/trivial-$ranks.h5")
    awk -v s="$seconds" -v p="$ranks" 'BEGIN { printf "  %d ranks: 10000 trials in %.2f s = %.0f trials/s (target 2000: %.1fx)\n", p, s, 10000 / s, 10000 / s / 2000 }'
done

echo
echo "== 3. sweep scaling: real trials (Fig 5 configuration, 20 epochs, no analyses)"
trials=$(( cores >= 16 ? 32 : 8 ))
cat > "$WORK/real.json" <<JSON
{"name": "real", "base": {"loss": "mse", "learning_rate": 0.005, "num_epochs": 20, "analyses": []},
 "grid": {"g_radius": [20, 250]}, "seeds": $(( trials / 2 ))}
JSON
one=$(run_seconds 1 "$WORK/real.json" --output "$WORK/real-1.h5")
awk -v s="$one" -v n="$trials" 'BEGIN { printf "  1 rank:  %d trials in %.2f s (%.3f trials/s)\n", n, s, n / s }'
for ranks in 2 $([ "$cores" -ge 16 ] && echo "$cores"); do
    seconds=$(run_seconds "$ranks" "$WORK/real.json" --output "$WORK/real-$ranks.h5")
    awk -v s="$seconds" -v one="$one" -v p="$ranks" -v n="$trials" 'BEGIN {
        printf "  %d ranks: %d trials in %.2f s: throughput %.2fx one rank = %.2f x P (target >= 0.9 x P)\n", p, n, s, one / s, one / s / p }'
done
python3 - "$WORK/real-1.h5" "$WORK/real-2.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
same = all(np.array_equal(a["metrics"][k][()], b["metrics"][k][()], equal_nan=True)
           for k in a["metrics"] if not k.startswith("time_"))
print(f"  1 rank and 2 ranks give bit-identical metrics: {same}")
PY
