#!/usr/bin/env bash
# Benchmark (numbers, never pass/fail): CPU cost of each farrell analysis of one network against its
# training, from `sweep-mpi train SWEEP --trial T`: CPU user seconds (/usr/bin/time %U, the machine may
# be shared) of the run with `analyses=[X]` minus the run with `analyses=[]` (training, set-up and
# start-up), the minimum over REPS runs. Rows: each analysis alone, the sweep case's own analyses
# ("case") and the config defaults ("defaults": every analysis but pca, lyap_epochs [0,-1]).
# With a reference binary (e.g. main's), both are measured in the same run, with the ratio, and the
# metrics of the "case" runs compared (largest difference relative to each metric's largest value).
# Usage: scripts/farrell/analysis-cost.sh [TRIALS...]            (default: 0 5 of sweeps/fig2.json)
#        SWEEP=sweeps/fig3.json REPS=3 BIN=.build/release/sweep-mpi REF=/path/to/main/sweep-mpi ...
#        OPENBLAS_CORETYPE=Haswell ...   (default: OpenBLAS's own choice of kernels)
set -euo pipefail
cd "$(dirname "$0")/../.."
SWEEP=${SWEEP:-sweeps/fig2.json}; REPS=${REPS:-2}; BIN=${BIN:-.build/release/sweep-mpi}; REF=${REF:-}
TRIALS=("$@"); [[ ${#TRIALS[@]} -gt 0 ]] || TRIALS=(0 5)
export OPENBLAS_NUM_THREADS=1
[[ -n ${OPENBLAS_CORETYPE:-} ]] && echo "OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" || echo "OPENBLAS_CORETYPE unset (OpenBLAS's choice)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
all='"dim_layers","dim_through_training","clust_holdout","acc_over_training","lyapunov","pca","saturation"'
defaults='"dim_layers","dim_through_training","clust_holdout","acc_over_training","lyapunov","saturation"'
cpu() {   # cpu BINARY OUTPUT ARGS... -> the least user seconds over REPS runs
    local binary=$1 output=$2 best=""; shift 2
    for _ in $(seq "$REPS"); do
        /usr/bin/time -o "$work/time" -f %U "$binary" train "$SWEEP" "$@" >"$output" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
        best=$(python3 -c "import sys; v=[float(x) for x in sys.argv[1:] if x]; print(min(v))" "$best" "$(tail -1 "$work/time")")
    done
    echo "$best"
}
binaries=("$BIN"); [[ -n $REF ]] && binaries+=("$REF")
for trial in "${TRIALS[@]}"; do
    printf '%-22s' "trial $trial"; for b in "${binaries[@]}"; do printf '%12s' "$( [[ $b == "$REF" ]] && echo reference || echo this)"; done
    [[ -n $REF ]] && printf '%8s' ratio; echo
    declare -A base=()
    for b in "${binaries[@]}"; do base[$b]=$(cpu "$b" "$work/none.json" --trial "$trial" --set 'analyses=[]'); done
    printf '%-22s' training; for b in "${binaries[@]}"; do printf '%12s' "${base[$b]}"; done; echo
    for name in lyapunov pca clust_holdout acc_over_training dim_through_training dim_layers saturation case defaults; do
        case $name in
            case) args=() ;;
            defaults) args=(--set "analyses=[$defaults]" --set 'lyap_epochs=[0,-1]') ;;
            *) args=(--set "analyses=[\"$name\"]") ;;
        esac
        printf '%-22s' "$name"; costs=()
        for b in "${binaries[@]}"; do
            tag=$([[ $b == "$REF" ]] && echo ref || echo this)
            total=$(cpu "$b" "$work/$tag-$name.json" --trial "$trial" "${args[@]}")
            costs+=("$(python3 -c "print(f'{max($total - ${base[$b]}, 0):.2f}')")")
            printf '%12s' "${costs[-1]}"
        done
        [[ -n $REF ]] && python3 -c "a,b=${costs[0]},${costs[1]}; print(f'{a/b:8.2f}' if b > 0 else '       -', end='')"
        echo
    done
    if [[ -n $REF ]]; then
        python3 - "$work/this-case.json" "$work/ref-case.json" <<'PY'
import json, math, sys
def flat(v):
    return [y for x in v for y in flat(x)] if isinstance(v, list) else [v]
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a, b = a.get("metrics", a), b.get("metrics", b)
for name in sorted(set(a) & set(b)):
    if name.startswith("time_"): continue
    x, y = flat(a[name]), flat(b[name])
    if x == y: continue
    x = [math.nan if v is None else float(v) for v in x]; y = [math.nan if v is None else float(v) for v in y]
    scale = max([abs(v) for v in y if math.isfinite(v)] + [1e-300])
    diff = max([abs(p - q) for p, q in zip(x, y) if math.isfinite(p) and math.isfinite(q)] + [0])
    print(f"  {name}: differs, largest difference {diff / scale:.2g} of its largest value")
print("  every other metric of the case run is bit-identical")
PY
    fi
done
