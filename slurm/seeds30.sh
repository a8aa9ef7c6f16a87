#!/usr/bin/env bash
# One sweep over 30 seeds as ONE MPI job: every rank takes trials from the same plan and writes into
# one results file, so a single job replaces thousands of array tasks.
#
# Submit from the repository root, after building (swift build -c release) and creating the log
# folder (Slurm does not create it: without it the job fails and leaves no log at all):
#
#   mkdir -p logs results
#   sbatch slurm/seeds30.sh                        # sweeps/fig5.json, seeds 0-29, 32 ranks
#   sbatch slurm/seeds30.sh sweeps/fig3.json       # another sweep (or SWEEP=... sbatch ...)
#   sbatch -n 64 --time=12:00:00 slurm/seeds30.sh  # the #SBATCH values below are only defaults
#   SEEDS=0-9 OUTPUT=results/fig5-10.h5 sbatch slurm/seeds30.sh
#
# Variables (read at submission: sbatch passes the submitting shell's environment to the job):
#   SWEEP     sweep file (default sweeps/fig5.json; the first argument wins)
#   SEEDS     seed list, e.g. 0-29 or 0,3,7-9 (default 0-29)
#   OUTPUT    results file (default: the one the sweep names)
#   SWEEP_MPI the sweep-mpi binary (default .build/release/sweep-mpi)
#   LAUNCHER  srun (default, srun --mpi=pmix) or mpirun
#   GRACE     seconds a trial in flight may take to finish once the job is told to stop (default 240)
#   MAX_REQUEUES  how many times the job requeues itself at its time limit (default 20)
#
# Stopping and resuming: Slurm sends USR1 to this script 300 s before the time limit (--signal).
# The script relays it to every rank, which stop taking trials, finish or abandon those in flight
# within GRACE seconds, close the file and exit 75; the script then requeues the job, which resumes
# the same file where it stopped. `scancel --signal=USR1 --batch JOB` does the same at once.
# `scancel JOB` stops the job for good: Slurm sends TERM to every rank (with LAUNCHER=mpirun, mpirun
# kills them instead) and kills what still runs after its KillWait; trials not finished by then stay
# pending in the file. Submitting the same command again resumes it, as it does after any crash.
#
#SBATCH --job-name=sweep-mpi
#SBATCH --ntasks=32
#SBATCH --time=24:00:00
#SBATCH --output=logs/%x-%j.out
# A requeued job keeps its job id: append so the log of every run of the job stays in one file.
#SBATCH --open-mode=append
# USR1 to the batch shell only (B:), 300 s before the time limit; must exceed GRACE (and a job
# with --time under 5 minutes is told to stop as soon as it starts).
#SBATCH --signal=B:USR1@300
# Slurm may requeue the job (node failure, preemption); the sweep resumes the same file.
#SBATCH --requeue

set -uo pipefail

log() { echo "[$(date '+%F %T')] seeds30: $*"; }
die() { log "error: $*" >&2; exit 2; }

if [[ -z ${SLURM_JOB_ID:-} ]]; then
    echo "seeds30.sh is a Slurm batch script: submit it from the repository root with" >&2
    echo "  mkdir -p logs results && sbatch slurm/seeds30.sh [SWEEP.json]" >&2
    exit 2
fi

# Slurm runs a copy of this script from its spool folder: paths are relative to where sbatch ran.
cd "${SLURM_SUBMIT_DIR:?}" || die "cannot enter the submit folder $SLURM_SUBMIT_DIR"
sweep=${1:-${SWEEP:-sweeps/fig5.json}}
seeds=${SEEDS:-0-29}
binary=${SWEEP_MPI:-.build/release/sweep-mpi}
launcher=${LAUNCHER:-srun}
grace=${GRACE:-240}
max_requeues=${MAX_REQUEUES:-20}

[[ -x $binary ]] || die "no sweep-mpi binary at $binary: build it with 'swift build -c release' (or set SWEEP_MPI)"
[[ -f $sweep ]] || die "no sweep file $sweep (in $PWD)"

# Each rank trains one network at a time: one BLAS thread per rank, or ranks fight over cores.
export OPENBLAS_NUM_THREADS=1

args=(run "$sweep" --seeds "$seeds" --grace "$grace" --progress lines)
[[ -n ${OUTPUT:-} ]] && args+=(--output "$OUTPUT")
case $launcher in
    # pmix is the PMI flavour Debian's Open MPI understands (pmi2 and none fail).
    srun) command=(srun --mpi=pmix "$binary" "${args[@]}") ;;
    # mpirun reads the allocation (ranks, nodes) from the Slurm environment.
    mpirun) command=(mpirun -n "${SLURM_NTASKS:?}" "$binary" "${args[@]}") ;;
    *) die "LAUNCHER must be srun or mpirun, not '$launcher'" ;;
esac

# Both launchers relay USR1 to every rank, which then drains. SIGTERM is NOT relayed: srun answers
# it by killing the job step, mpirun by killing the ranks, so a trapped TERM is passed on as USR1.
# (On scancel or at the time limit Slurm also sends TERM to srun's ranks directly.)
launcher_pid=
requeue_wanted=0
stop_requested=0
relayed=0
interrupted=0
relay_stop() {
    if ((stop_requested && !relayed)) && [[ -n $launcher_pid ]]; then
        relayed=1
        log "telling the sweep to stop (trials in flight get ${grace}s)"
        kill -USR1 "$launcher_pid" 2>/dev/null
    fi
}
on_signal() {
    log "got SIG$1"
    interrupted=1
    stop_requested=1
    [[ $1 == USR1 ]] && requeue_wanted=1 # the time-limit warning, or scancel --signal=USR1 --batch
    relay_stop
}
trap 'on_signal USR1' USR1
trap 'on_signal TERM' TERM

log "job $SLURM_JOB_ID run $((${SLURM_RESTART_COUNT:-0} + 1)), $SLURM_NTASKS ranks on $SLURM_JOB_NODELIST: ${command[*]}"
"${command[@]}" &
launcher_pid=$!
relay_stop # a signal that came before the launch
# A trapped signal interrupts `wait`; wait again until the launcher itself has exited.
status=
while :; do
    interrupted=0
    wait "$launcher_pid"
    result=$?
    # 127: the launcher exited and was reaped just before the signal arrived; keep its status.
    if ((result == 127)) && [[ -n $status ]]; then break; fi
    status=$result
    ((interrupted)) || break
done

case $status in
    0) log "sweep finished: every trial is done, failed or diverged" ;;
    75)
        if ((requeue_wanted && ${SLURM_RESTART_COUNT:-0} >= max_requeues)); then
            log "sweep stopped cleanly; not requeued: the job was already requeued $max_requeues times (MAX_REQUEUES)"
        elif ((requeue_wanted)); then
            log "sweep stopped cleanly; requeueing job $SLURM_JOB_ID to resume the same file"
            scontrol requeue "$SLURM_JOB_ID" || log "error: scontrol requeue failed: resubmit the same command to resume"
        else
            log "sweep stopped cleanly; submit the same command again to resume"
        fi
        ;;
    64) log "error: the command line was rejected (see the message above)" ;;
    65) log "error: the sweep file was rejected (see the message above)" ;;
    66) log "error: the sweep file cannot be read" ;;
    73) log "error: the results file cannot be written or belongs to another sweep" ;;
    74) log "error: I/O error while writing results" ;;
    *) log "error: the launcher exited with status $status" ;;
esac
exit "$status"
