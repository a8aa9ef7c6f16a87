#!/usr/bin/env bash
# Speed of the latent_dynamics family against the reference's PyTorch model, both on one CPU
# thread, measured in the same run, in CPU seconds per epoch (wall time on a shared machine
# depends on its other users; CPU time does much less), for the configurations of the paper's
# sweeps. Prints one table row per configuration: sweep-mpi, the reference, their ratio, and
# sweep-mpi's GFLOP/s as a fraction of the single-thread sgemm rate measured in the same run.
#
#   export LATENT_REFERENCE=... TORCHDYN_PATH=... ; scripts/latent_dynamics/speed.sh [EPOCHS]
# (TORCHDYN_PATH: the reference's node runs torchdyn's adaptive Tsit5, as it does in training.)
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-10}
: "${LATENT_REFERENCE:?set LATENT_REFERENCE (scripts/latent_dynamics/get-reference.sh)}"
: "${TORCHDYN_PATH:?set TORCHDYN_PATH (scripts/latent_dynamics/get-reference.sh)}"
swift build -c release >/dev/null
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "| configuration | bins in the loss | sweep-mpi s/epoch (CPU) | reference s/epoch (CPU) | speed-up | sweep-mpi GFLOP/s | of sgemm 1000³ |"
echo "|---|---|---|---|---|---|---|"
for config in "node-discrete 3 20" "node-discrete 3 70" "gru 25 70" "gru 100 70" "node 3 20" "rm-mlp 3 20"; do
  set -- $config
  ours=$(.build/release/sweep-mpi bench latent --model "$1" --latent-size "$2" --points "$3" --epochs "$epochs" | tail -n 1)
  theirs=$(python3 scripts/latent_dynamics/reference_speed.py --model "$1" --latent-size "$2" --points "$3" --epochs "$((epochs / 2 > 2 ? epochs / 2 : 3))" | tail -n 1)
  python3 - "$1" "$2" "$3" "$ours" "$theirs" <<'PY'
import json, sys
model, size, points, ours, theirs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
rate = ours["gflop_per_epoch"] / ours["cpu_per_epoch"]
print(f"| {model}, L {size} | {points} | {ours['cpu_per_epoch']:.3f} | {theirs['cpu_per_epoch']:.3f} | "
      f"{theirs['cpu_per_epoch'] / ours['cpu_per_epoch']:.1f}x | {rate:.0f} | {100 * rate / ours['sgemm_gflops']:.0f} % |")
PY
done
echo
.build/release/sweep-mpi bench latent --epochs 1 | sed -n 1,3p
