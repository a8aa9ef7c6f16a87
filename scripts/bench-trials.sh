#!/usr/bin/env bash
# Benchmark of big sweeps (numbers, never pass/fail): how the fixed costs of a sweep grow with its
# number of trials, from 1,000 to 100,000 trivial trials of the synthetic model (sweep-harness, the
# real runner and results store; no training), and a plan of 1,000,000:
#   plan      expanding the sweep file (every rank does it at start): the synthetic model (the
#             seconds sweep-harness --plan-only reports) and the farrell family (the wall time of
#             sweep-mpi plan sweeps/quick.json --seeds, which also prints the plan)
#   create    creating the results file, from the run's "set up in" (4 ranks)
#   run       the whole run of trivial trials on 4 ranks ("run now in"), and mpirun's wall time
#   resume    rerunning the finished file: wall time of the whole mpirun command on 4 ranks
#   status    sweep-mpi status FILE
#   stats     sweep-mpi stats FILE --metric total (10,000 bootstrap resamples per group)
# Prints seconds and microseconds per trial; a per-trial cost that stays flat from 1,000 to
# 100,000 trials means linear growth.
# Usage: scripts/bench-trials.sh [SIZES...]    (default: 1000 10000 100000; a plan of 1000000)
#        BIN=.build/release scripts/bench-trials.sh   (binaries; default: builds in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${BIN:-} ]]; then
    swift build -c release >/dev/null
    BIN=.build/release
fi
HARNESS=$PWD/$BIN/sweep-harness
SWEEP_MPI=$PWD/$BIN/sweep-mpi
[[ -x $HARNESS && -x $SWEEP_MPI ]] || { echo "no sweep-harness and sweep-mpi in $BIN" >&2; exit 1; }
sizes=("$@")
((${#sizes[@]})) || sizes=(1000 10000 100000)
WORK=$(mktemp -d /tmp/sweep-bench-trials.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1

# wall COMMAND...: seconds the command takes (its output goes to $WORK/last.log).
wall() {
    local start end
    start=$(date +%s.%N)
    "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
# field REGEX: the first group of REGEX in the last command's output.
field() { sed -n "s/.*$1.*/\\1/p" "$WORK/last.log" | tail -n 1; }
sweep() { echo "{\"name\": \"trivial$1\", \"grid\": {\"x\": [1, 2, 3, 4]}, \"seeds\": \"0-$(($1 / 4 - 1))\"}" >"$WORK/trivial$1.json"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores; 4 ranks"
printf '%-9s %9s %9s %9s %9s %9s %9s %9s %9s\n' trials "plan" "plan" create "run" "run" resume status stats
printf '%-9s %9s %9s %9s %9s %9s %9s %9s %9s\n' "" synthetic farrell "(set-up)" "(trials)" "(mpirun)" "(mpirun)" "" ""
declare -A per_trial=()
for n in "${sizes[@]}"; do
    sweep "$n"
    wall "$HARNESS" "$WORK/trivial$n.json" --plan-only >/dev/null
    plan=$(field 'expanded in \([0-9.]*\) s')
    farrell=$(wall "$SWEEP_MPI" plan sweeps/quick.json --seeds "0-$((n / 4 - 1))" --output "$WORK/none.h5")
    run=$(wall mpirun -n 4 "$HARNESS" "$WORK/trivial$n.json" --output "$WORK/trivial$n.h5")
    setup=$(field 'set up in \([0-9.]*\)s')
    trials=$(field 'run now in \([0-9.]*\)s')
    resume=$(wall mpirun -n 4 "$HARNESS" "$WORK/trivial$n.json" --output "$WORK/trivial$n.h5")
    grep -q "0 to run on 4 ranks" "$WORK/last.log" || { cat "$WORK/last.log" >&2; exit 1; }
    status=$(wall "$SWEEP_MPI" status "$WORK/trivial$n.h5")
    stats=$(wall "$SWEEP_MPI" stats "$WORK/trivial$n.h5" --metric total)
    printf '%-9s %9s %9s %9s %9s %9s %9s %9s %9s  seconds\n' "$n" "$plan" "$farrell" "$setup" "$trials" "$run" "$resume" "$status" "$stats"
    per_trial[$n]=$(awk -v n="$n" 'BEGIN { for (i = 2; i < ARGC; i++) printf "%9.1f ", ARGV[i] * 1e6 / n }' \
        x "$plan" "$farrell" "$setup" "$trials" "$run" "$resume" "$status" "$stats")
    printf '%-9s %s microseconds per trial\n' "" "${per_trial[$n]}"
    rm -f "$WORK/trivial$n.h5"
done

echo
echo "plan of 1,000,000 trials:"
sweep 1000000
echo "  synthetic: $(wall "$HARNESS" "$WORK/trivial1000000.json" --plan-only) s ($(field 'expanded in \([0-9.]*\) s') s expanding)"
echo "  farrell:   $(wall "$SWEEP_MPI" plan sweeps/quick.json --seeds 0-249999 --output "$WORK/none.h5") s (sweep-mpi plan sweeps/quick.json --seeds 0-249999)"
