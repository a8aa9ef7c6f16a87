#!/usr/bin/env bash
# Fidelity of the timescales family against LevinaLab/rnn_timescale_public (docs/families/timescales.md).
#
#   export TIMESCALES_REFERENCE=~/.cache/sweep-mpi/rnn_timescale_public   # a checkout of the reference
#   scripts/timescales/fidelity.sh .build/release/sweep-mpi [results/timescales_traces]
#
# 1. gradients: the first training steps of sweep-mpi and of the reference from the same weights on
#    the same minibatches (default, mod and fixed-tau models), compared array by array;
# 2. the shipped trained models exported and evaluated by sweep-mpi (accuracy per head and N);
# 3. tau_net of three shipped models by sweep-mpi's analysis and by the reference's own pipeline;
# 4. the tables of scripts/timescales/fidelity.py, with results/timescales_fidelity.h5 when it exists
#    (mpirun -n 2 sweep-mpi sweeps/timescales_fidelity.json: hours on one core per trial).
# Needs PyTorch (CPU), numpy, scipy, h5py. Steps 2-3 take tens of minutes on one core.
set -euo pipefail
binary=${1:?usage: fidelity.sh path/to/sweep-mpi [output folder]}
out=${2:-results/timescales_traces}
here=$(cd "$(dirname "$0")" && pwd)
: "${TIMESCALES_REFERENCE:?set TIMESCALES_REFERENCE to a checkout of LevinaLab/rnn_timescale_public}"
export OPENBLAS_NUM_THREADS=1
mkdir -p "$out"

for config in gradients_default gradients_mod gradients_mod_fixed_tau; do
    "$binary" train "$here/configs/$config.json" --trace-out "$out/$config/ours"
    python3 "$here/reference_trace.py" replay "$out/$config/ours" "$out/$config/reference"
    echo "== $config"
    python3 "$here/reference_trace.py" compare "$out/$config/ours" "$out/$config/reference" | tail -4
done

python3 "$here/reference_trace.py" export "$out/shipped"
for curriculum in cumulative single; do
    "$binary" train "$here/configs/shipped_$curriculum.json" --trace-in "$out/shipped" --trace-out "$out/eval_$curriculum"
done

labels=(cumulative_N2 cumulative_N11 single_N11)
mkdir -p "$out/shipped_timescales/weights"
for label in "${labels[@]}"; do
    cp -r "$out/shipped/weights/$label" "$out/shipped_timescales/weights/"
done
"$binary" train "$here/configs/shipped_timescales.json" --trace-in "$out/shipped_timescales" --trace-out "$out/timescales_ours"
python3 "$here/reference_trace.py" tau-net "$out/timescales_reference" "${labels[@]}"

python3 "$here/fidelity.py" --traces "$out"
