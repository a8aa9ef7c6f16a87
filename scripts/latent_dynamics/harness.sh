#!/usr/bin/env bash
# The differential harness for every decoder: sweep-mpi's trace of the first training steps of
# a trial (Arneodo, 10 neurons) and the reference model run from the same weights on the same
# minibatches with the same dropout masks (harness.py); prints the worst relative differences.
#   export LATENT_REFERENCE=... TORCHDYN_PATH=... ; scripts/latent_dynamics/harness.sh [STEPS]
# SWEEP_MPI=path/to/sweep-mpi uses that binary instead of building .build/release/sweep-mpi.
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-4}
: "${LATENT_REFERENCE:?set LATENT_REFERENCE (scripts/latent_dynamics/get-reference.sh)}"
bin=${SWEEP_MPI:-}
if [ -z "$bin" ]; then
  swift build -c release >/dev/null
  bin=.build/release/sweep-mpi
fi
work=$(mktemp -d /tmp/latent-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
for case in "gru 25 tanh" "node 3 tanh" "node-discrete 3 relu" "node-discrete 10 tanh" "rm-pass 3 relu" "rm-mlp 3 tanh" \
            "rm-gradual 3 relu" "vanilla 3 tanh"; do
  set -- $case
  parameters="\"family\": \"latent_dynamics\", \"model\": \"$1\", \"latent_size\": $2, \"mlp_activation\": \"$3\", \"max_epochs\": 3"
  echo "{$parameters, \"trace\": {\"steps\": $steps}}" > "$work/$1-$2.json"
  "$bin" train "$work/$1-$2.json" --trace-out "$work/$1-$2" >/dev/null
  # The resolved parameters (the model's defaults filled in) beside the trace, for harness.py.
  echo "{$parameters}" | "$bin" train - --resolve-only > "$work/$1-$2/resolved.json"
  echo "== $1, L $2, MLP $3"
  python3 scripts/latent_dynamics/harness.py "$work/$1-$2" --json "$work/$1-$2.result.json" | sed -n '/^worst/,$p'
done
