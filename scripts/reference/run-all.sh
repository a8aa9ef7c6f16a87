#!/usr/bin/env bash
# The differential harness end to end (TRACE.md): for the Fig 2 (cce, 40 epochs) and Fig 5a (mse,
# lr 5e-3, 100 epochs) configurations at g_radius 20 and 250, the reference trains on its own
# initial weights and minibatches and dumps them; sweep-mpi replays the same weights and
# minibatches; the reference replays them too, with its trained weights as a shared weight set for
# the analyses; the comparator prints each comparison and the four-configuration table.
#
#   FARRELL_REFERENCE=/path/to/Robust_representations_paper_code \
#     scripts/reference/run-all.sh [SWEEP_MPI] [OUT] [SEED]
#
# SWEEP_MPI defaults to .build/release/sweep-mpi, OUT to results/reference-trace, SEED to 0;
# CONFIGS="fig2_cce_g20 ..." picks configurations (scripts/reference/configs/). About 5
# minutes on 2 cores. Needs python3 with torch, numpy, scipy, scikit-learn, joblib, pandas
# (scripts/reference/requirements.txt) and the reference code (scripts/reference/get-reference.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
binary="$(realpath "${1:-$root/.build/release/sweep-mpi}")"
out="$(mkdir -p "${2:-$root/results/reference-trace}" && realpath "${2:-$root/results/reference-trace}")"
seed="${3:-0}"
: "${FARRELL_REFERENCE:?set FARRELL_REFERENCE to the reference checkout (scripts/reference/get-reference.sh)}"
[ -x "$binary" ] || { echo "run-all.sh: $binary is not an executable (build with swift build -c release)" >&2; exit 66; }
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
python3 "$here/tracefmt.py" --self-test >/dev/null
status=0
summaries=()
for name in ${CONFIGS:-fig2_cce_g20 fig2_cce_g250 fig5a_mse_g20 fig5a_mse_g250}; do
  dir="$out/$name"
  rm -rf "$dir"; mkdir -p "$dir"
  python3 - "$here/configs/$name.json" "$seed" > "$dir/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1])); config["seed"] = int(sys.argv[2]); print(json.dumps(config, indent=1))
PY
  echo "== $name (seed $seed)"
  # 1. The reference on its own data; dump its initial weights, minibatches and evaluation set.
  python3 "$here/run_reference.py" "$dir/config.json" --trace-out "$dir/reference-own" --dump-in "$dir/in" --quiet
  # 2. Its trained weights become a weight set that both sides analyse.
  python3 "$here/tracefmt.py" --copy "$dir/reference-own" params/final "$dir/in" weights/reference_final
  # 3. sweep-mpi and the reference replay the same inputs.
  "$binary" train "$dir/config.json" --trace-in "$dir/in" --trace-out "$dir/sweep-mpi"
  python3 "$here/run_reference.py" "$dir/config.json" --trace-in "$dir/in" --trace-out "$dir/reference" --quiet
  # The replay must reproduce the reference's own run exactly (the harness feeds what it drew).
  python3 "$here/compare.py" "$dir/reference" "$dir/reference-own" --labels replay,own --quiet \
      --tol 'series/train_loss=0' --tol 'grads/*=0' > "$dir/replay-check.txt" || {
      echo "replay of the reference's own inputs differs from its own run:"; cat "$dir/replay-check.txt"; status=1; }
  tol=()
  # At g 250 ten chaotic steps amplify float32 rounding: measured against a float64 computation
  # the first gradient is off by 6.5e-6 (sweep-mpi) and 1.4e-5 (reference), so they differ by ~1.5e-5.
  case $name in *g250) tol=(--tol 'grads/step_000000/*=3e-5');; esac
  python3 "$here/compare.py" "$dir/sweep-mpi" "$dir/reference" "${tol[@]}" --summary "$name" \
      --json "$dir/summary.json" > "$dir/comparison.txt" || status=1
  tail -n 1 "$dir/comparison.txt"
  grep DIFFERS "$dir/comparison.txt" || true
done
python3 "$here/compare.py" --table "$out"/*/summary.json
exit $status
