#!/usr/bin/env bash
# Scaling benchmark (numbers, never pass/fail): the same real trials (Figure 5 networks, X_dim 200
# and 2 mixed, so trials differ in cost) as one sweep on P = 1, 2, 4, 8, 16 ranks, and beside it as
# P independent single-rank processes that split the same trials (no MPI between them, each its
# own results file): the best a sweep could do on this machine, contention included. Prints the
# speed-up against 1 rank and against the independent processes, and where the difference goes:
#   contention   how much slower a trial runs when P run at once (independent, P vs 1)
#   set-up       launch, plan, results file, close: the sweep's wall time outside its trials
#   end          rank-seconds idle at the end while the last trials ran (the run's balance line)
#   other        the rest: dispatch, row writes, rank 0 servicing workers
# Usage: scripts/bench-ranks.sh [--ranks "1 2 4 8 16"] [--trials 64] [--epochs 20]
# Uses sweep-mpi and mpirun from PATH (`source sweep-mpi-*/env.sh` for a bundle of
# scripts/bundle.sh), else .build/release/sweep-mpi and the system's mpirun. Ranks and processes are
# pinned one per core when the machine has enough cores. Keep OPENBLAS_CORETYPE as it is set.
set -euo pipefail
cd "$(dirname "$0")/.."

ranks="1 2 4 8 16"
trials=64
epochs=20
while (($#)); do
    case $1 in
        --ranks) ranks=$2; shift ;;
        --trials) trials=$2; shift ;;
        --epochs) epochs=$2; shift ;;
        *) echo "usage: $0 [--ranks \"1 2 4 8 16\"] [--trials N] [--epochs E]" >&2; exit 2 ;;
    esac
    shift
done
binary=$(command -v sweep-mpi || echo "$PWD/.build/release/sweep-mpi")
[[ -x $binary ]] || { echo "no sweep-mpi on PATH or in .build/release" >&2; exit 1; }
((trials % 4 == 0)) || { echo "--trials must be a multiple of 4 (2 X_dim x 2 g_radius)" >&2; exit 2; }
cores=$(nproc)
WORK=$(mktemp -d /tmp/sweep-bench-ranks.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1

seeds=$((trials / 4))
cat >"$WORK/fig5.json" <<EOF
{"name": "scaling", "base": {"loss": "mse", "learning_rate": 0.005, "num_epochs": $epochs},
 "analyses": ["dim_layers", "acc_over_training"], "cases": [{"X_dim": 200}, {"X_dim": 2}],
 "grid": {"g_radius": [20, 250]}, "seeds": $seeds}
EOF

now() { date +%s.%N; }
# trial_seconds FILE...: the sum of /trials/seconds over the files.
trial_seconds() {
    python3 - "$@" <<'PY'
import sys, h5py
print(sum(float(h5py.File(p, "r")["trials/seconds"][()].sum()) for p in sys.argv[1:]))
PY
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $cores cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "binary: $binary ($("$binary" --version)); $(mpirun --version | head -n 1)"
echo "$trials trials (Figure 5 networks, $epochs epochs, X_dim 200 and 2, g_radius 20 and 250, $seeds seeds)"
echo
printf '%3s | %8s %8s %7s %6s | %8s %7s %6s | %9s %10s | %7s %7s %7s %7s\n' \
    P "sweep s" "trials/s" "x 1rank" "x/P" "indep s" "x 1rank" "sweep/" "trial s" "contention" "set-up" "end" "other" "busy"
printf '%3s | %8s %8s %7s %6s | %8s %7s %6s | %9s %10s | %7s %7s %7s %7s\n' \
    "" "" "" "" "" "" "" "indep" "mean" "(indep)" "rank-s" "rank-s" "rank-s" "%"
one_rank=""
one_trial=""
for p in $ranks; do
    # The sweep: one MPI job on P ranks, pinned one per core when there are enough.
    binding=(--bind-to core --map-by core)
    ((p <= cores)) || binding=(--oversubscribe --bind-to none)
    start=$(now)
    mpirun -n "$p" "${binding[@]}" -x OPENBLAS_NUM_THREADS "$binary" run "$WORK/fig5.json" \
        --output "$WORK/sweep-$p.h5" --progress none >"$WORK/sweep-$p.log" 2>&1 || { cat "$WORK/sweep-$p.log" >&2; exit 1; }
    sweep_wall=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
    in_trials=$(sed -n 's/.*run now in \([0-9.]*\)s.*/\1/p' "$WORK/sweep-$p.log" | tail -n 1)
    idle_end=$(sed -n 's/.*idle at the end \([0-9.]*\) rank-s.*/\1/p' "$WORK/sweep-$p.log" | tail -n 1)
    sweep_trial_seconds=$(trial_seconds "$WORK/sweep-$p.h5")

    # P independent processes, each a 1-rank sweep over its share of the seeds (same trials).
    start=$(now)
    pids=()
    for ((i = 0; i < p; i++)); do
        share=$(seq -s, "$i" "$p" $((seeds - 1)))
        [[ -n $share ]] || continue
        pin=()
        ((p <= cores)) && pin=(taskset -c "$i")
        "${pin[@]}" "$binary" run "$WORK/fig5.json" --seeds "$share" --output "$WORK/indep-$p-$i.h5" \
            --progress none >"$WORK/indep-$p-$i.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    indep_wall=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
    indep_trial_seconds=$(trial_seconds "$WORK"/indep-"$p"-*.h5)
    rm -f "$WORK"/indep-"$p"-*.h5

    [[ -n $one_rank ]] || { one_rank=$sweep_wall; one_trial=$(awk -v s="$indep_trial_seconds" -v n="$trials" 'BEGIN { print s / n }'); }
    awk -v p="$p" -v n="$trials" -v sw="$sweep_wall" -v st="$in_trials" -v idle="${idle_end:-0}" -v sts="$sweep_trial_seconds" \
        -v iw="$indep_wall" -v its="$indep_trial_seconds" -v one="$one_rank" -v one_trial="$one_trial" 'BEGIN {
        setup = p * (sw - st)                       # rank-seconds outside the run of trials
        other = p * st - sts - idle                 # in the run, neither in a trial nor idle at the end
        if (other < 0) other = 0
        printf "%3d | %8.1f %8.3f %7.2f %6.2f | %8.1f %7.2f %6.2f | %9.2f %10.2f | %7.1f %7.1f %7.1f %7.1f\n",
            p, sw, n / sw, one / sw, one / sw / p, iw, one / iw, iw / sw, sts / n, (its / n) / one_trial,
            setup, idle, other, 100 * sts / (p * sw)
    }'
done
echo
echo "x 1rank: throughput against the 1-rank sweep; x/P: that divided by P; sweep/indep: the sweep's"
echo "throughput against P independent processes doing the same trials. trial s: mean seconds in a"
echo "trial (the sweep); contention: mean trial time of P independent processes against one."
echo "The sweep's P x wall rank-seconds = trials + set-up + end + other; busy: the trials' share."
