#!/usr/bin/env bash
# End-to-end test of slurm/seeds30.sh on a real single-node Slurm (scripts/slurm-cluster.sh):
#   1. sbatch a small sweep (2 ranks, seeds 0-2): the job completes and every trial is done;
#   2. sbatch the same job again: it completes and finds everything done (no trial runs again:
#      every finished trial keeps its timing, rank and host);
#   3. sbatch a longer sweep, tell it to stop with `scancel --signal=USR1 --batch` (what the
#      #SBATCH --signal warning does before the time limit): the sweep drains, the job requeues
#      itself, resumes the same file and completes; trials finished before the stop are kept.
# Needs root, the Slurm and munge Debian packages, h5py, and the release binary
# (swift build -c release; or SWEEP_MPI=/path/to/sweep-mpi). Exits non-zero on any failure.
# The cluster is stopped on exit unless it was already running before the test.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER=$ROOT/scripts/slurm-cluster.sh
TRIALS=$ROOT/scripts/slurm/trials.py
BINARY=${SWEEP_MPI:-$ROOT/.build/release/sweep-mpi}
JOB_TIMEOUT=${TEST_SLURM_JOB_TIMEOUT:-300} # seconds one job may take, requeues included
RANKS=2

fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
say() { echo "test-slurm: $*"; }

[[ -x $BINARY ]] || fail "no sweep-mpi binary at $BINARY: build it first with 'swift build -c release' (or set SWEEP_MPI)"
BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
python3 -c 'import h5py' 2>/dev/null || fail "python3 cannot import h5py (pip install h5py)"

WORK=$(mktemp -d /tmp/test-slurm.XXXXXX)
started_cluster=0
cleanup() {
    local rc=$?
    if ((started_cluster)); then "$CLUSTER" stop || rc=1; fi
    if ((rc == 0)); then rm -rf "$WORK"; else echo "test-slurm: logs and results kept in $WORK" >&2; fi
    exit $rc
}
trap cleanup EXIT

if "$CLUSTER" status >/dev/null 2>&1; then
    say "using the Slurm cluster that is already running"
else
    started_cluster=1
    "$CLUSTER" start
fi
eval "$("$CLUSTER" env)"

# --- helpers ---------------------------------------------------------------------------------

# job_field ID NAME: one field of `scontrol show job` (JobState, Restarts, RunTime, ExitCode...).
job_field() {
    timeout 5 scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

# submit NAME SWEEP SEEDS OUTPUT: sbatch seeds30.sh from the repository root; prints the job id.
submit() {
    (cd "$ROOT" && SWEEP_MPI=$BINARY SEEDS=$3 OUTPUT=$4 GRACE=30 \
        timeout 10 sbatch --parsable -J "$1" -n "$RANKS" --output="$WORK/%x-%j.out" slurm/seeds30.sh "$2")
}

# wait_job ID: until squeue no longer lists the job as pending, running or requeued (bounded).
# squeue -j keeps listing a finished job for MinJobAge seconds, in its final state.
wait_job() {
    local id=$1 deadline=$((SECONDS + JOB_TIMEOUT)) state
    while ((SECONDS < deadline)); do
        state=$(timeout 5 squeue -h -j "$id" -o '%T' 2>/dev/null || true)
        case $state in
            PENDING | CONFIGURING | RUNNING | COMPLETING | REQUEUED | REQUEUE_HOLD | REQUEUE_FED | RESIZING | SUSPENDED | "?") sleep 1 ;;
            *) return 0 ;;
        esac
    done
    timeout 5 scancel "$id" || true
    fail "job $id did not finish within ${JOB_TIMEOUT}s (last state: ${state:-none})"
}

# expect_completed ID LOG: the job ended COMPLETED with exit code 0.
expect_completed() {
    local state exit_code
    state=$(job_field "$1" JobState)
    exit_code=$(job_field "$1" ExitCode)
    [[ $state == COMPLETED && $exit_code == 0:0 ]] || {
        cat "$2" >&2 || true
        fail "job $1 ended $state with exit code $exit_code (log above: $2)"
    }
}

# expect_all_done FILE TOTAL: every one of TOTAL trials has status done.
expect_all_done() {
    local counts
    counts=$(python3 "$TRIALS" counts "$1") || fail "cannot read $1"
    [[ $counts == "pending=0 done=$2 failed=0 diverged=0 total=$2" ]] || fail "$1: $counts, expected $2 trials all done"
    say "$1: $counts"
}

# A sweep file in the repository's format; OPTIONS are the base parameters.
write_sweep() {
    cat >"$1" <<EOF
{"name": "$2", "base": $3, "grid": {"g_radius": [20, 250]}, "seeds": 3, "analyses": ["dim_layers"]}
EOF
}

# --- 1. one job runs the whole sweep ------------------------------------------------------------
write_sweep "$WORK/small.json" small '{"N": 20, "X_dim": 2, "num_epochs": 2, "num_train_samples_per_epoch": 40}'
small_h5=$WORK/small.h5
first=$(submit small "$WORK/small.json" 0-2 "$small_h5") || fail "sbatch refused the job"
say "job $first: small sweep, $RANKS ranks, seeds 0-2"
wait_job "$first"
expect_completed "$first" "$WORK/small-$first.out"
expect_all_done "$small_h5" 6
"$BINARY" status "$small_h5" || fail "sweep-mpi status $small_h5 failed"
before=$(python3 "$TRIALS" snapshot "$small_h5")

# --- 2. the same job again finds everything done ------------------------------------------------
second=$(submit small "$WORK/small.json" 0-2 "$small_h5") || fail "sbatch refused the job"
say "job $second: the same job again"
wait_job "$second"
expect_completed "$second" "$WORK/small-$second.out"
expect_all_done "$small_h5" 6
after=$(python3 "$TRIALS" snapshot "$small_h5")
[[ $after == "$before" ]] || fail "the second job changed finished trials (it ran them again):
before: $before
after:  $after"
say "job $second ran nothing: all 6 trials kept their timings, ranks and hosts (run time $(job_field "$second" RunTime))"

# --- 3. stop before the time limit, requeue, resume ---------------------------------------------
# Long enough that the stop arrives while trials remain: 20 trials of a few seconds each.
write_sweep "$WORK/drain.json" drain '{"N": 200, "X_dim": 2, "num_epochs": 30, "num_train_samples_per_epoch": 800}'
drain_h5=$WORK/drain.h5
drain_total=20
job=$(submit drain "$WORK/drain.json" 0-9 "$drain_h5") || fail "sbatch refused the job"
drain_log=$WORK/drain-$job.out
say "job $job: drain sweep, $drain_total trials"

# Signal once the first trial is done, as the time-limit warning would.
deadline=$((SECONDS + JOB_TIMEOUT))
until counts=$(python3 "$TRIALS" counts "$drain_h5" 2>/dev/null) && [[ $counts != *" done=0 "* ]]; do
    ((SECONDS < deadline)) || fail "no trial of job $job finished within ${JOB_TIMEOUT}s"
    case $(job_field "$job" JobState) in
        PENDING | RUNNING) ;;
        *) cat "$drain_log" >&2; fail "job $job ended before the stop signal" ;;
    esac
    sleep 0.5
done
timeout 5 scancel --signal=USR1 --batch "$job" || fail "scancel --signal=USR1 --batch $job failed"
say "sent USR1 to job $job with $counts"

# The drained job requeues itself (Restarts=1) and waits pending for its new start: the results
# file is closed then, and its finished trials are recorded to be compared after the resume.
deadline=$((SECONDS + JOB_TIMEOUT))
until [[ $(job_field "$job" Restarts) == 1 && $(job_field "$job" JobState) == PENDING ]]; do
    ((SECONDS < deadline)) || fail "job $job was not requeued within ${JOB_TIMEOUT}s"
    if [[ $(job_field "$job" JobState) == COMPLETED ]]; then
        cat "$drain_log" >&2
        fail "job $job completed without requeueing: the drain sweep must run longer than the time to the signal"
    fi
    sleep 0.2
done
interrupted=$(python3 "$TRIALS" counts "$drain_h5")
[[ $interrupted == "pending=0 "* ]] && fail "nothing was left pending at the stop: $interrupted"
stopped=$(python3 "$TRIALS" snapshot "$drain_h5")
say "job $job drained and requeued itself: $interrupted"
grep -q "requeueing job $job" "$drain_log" || fail "the log of job $job does not say it requeued ($drain_log)"

wait_job "$job"
expect_completed "$job" "$drain_log"
expect_all_done "$drain_h5" "$drain_total"
python3 - "$stopped" "$(python3 "$TRIALS" snapshot "$drain_h5")" <<'EOF' || fail "trials finished before the stop were run again"
import json, sys
stopped, final = json.loads(sys.argv[1]), json.loads(sys.argv[2])
changed = [key for key, row in stopped.items() if final.get(key) != row]
sys.exit(f"changed after resume: {changed}" if changed else 0)
EOF
kept=$(python3 -c 'import json, sys; print(len(json.loads(sys.argv[1])))' "$stopped")
say "job $job resumed after the requeue and completed; the $kept trials finished before the stop were kept"
say "PASS"
