#!/usr/bin/env bash
# A single-node Slurm (munge + slurmctld + slurmd) for tests and for trying slurm/seeds30.sh on a
# workstation, without systemd.
#
#   scripts/slurm-cluster.sh start    # start what is not running, wait until the node is idle
#   scripts/slurm-cluster.sh status   # daemons, node state, queue; exit 0 only when all is up
#   scripts/slurm-cluster.sh stop     # cancel jobs, stop the daemons this script started
#   scripts/slurm-cluster.sh env      # prints `export SLURM_CONF=...` for sbatch/squeue/sinfo
#
# Slurm clients find this cluster through SLURM_CONF (the generated slurm.conf lives in the state
# folder, so a system-wide /etc/slurm/slurm.conf is never touched):
#   eval "$(scripts/slurm-cluster.sh env)"; sbatch -n 4 slurm/seeds30.sh sweeps/quick.json
#
# Needs root and the Debian packages slurmctld slurmd slurm-client munge; installs nothing.
# State folder: $SLURM_DEV_DIR (default /var/spool/slurm-dev) holds slurm.conf, spool and state
# folders, logs (log/) and the PIDs of the daemons started here (pid/). Each start begins with an
# empty queue: leftover jobs of an earlier session never start behind a test's back.
# Settings: SLURM_DEV_CPUS (CPUs the node advertises, default 8), SLURM_DEV_REQUEUE_DELAY (seconds
# a requeued job waits, default 10), SLURM_DEV_START_TIMEOUT (30), SLURM_DEV_STOP_TIMEOUT (10).
set -euo pipefail

STATE_DIR=${SLURM_DEV_DIR:-/var/spool/slurm-dev}
CONF=$STATE_DIR/slurm.conf
PID_DIR=$STATE_DIR/pid
LOG_DIR=$STATE_DIR/log
START_DEADLINE=${SLURM_DEV_START_TIMEOUT:-30}   # seconds until the node must be idle
STOP_DEADLINE=${SLURM_DEV_STOP_TIMEOUT:-10}     # seconds of SIGTERM before SIGKILL
CPUS=${SLURM_DEV_CPUS:-8}                       # CPUs the node advertises, whatever it has
CLIENT_TIMEOUT=5                                # a client call can block while slurmctld is unhappy
MUNGE_KEY=/etc/munge/munge.key
MUNGE_SOCKET_DIR=/run/munge
NODE=$(hostname -s)
export SLURM_CONF=$CONF

say() { echo "slurm-cluster: $*"; }
die() { echo "slurm-cluster: error: $*" >&2; exit 1; }

# --- processes -------------------------------------------------------------------------------

# alive NAME: the PID recorded for NAME still runs the program NAME (a recycled PID does not count).
alive() {
    local pid
    pid=$(cat "$PID_DIR/$1.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]]
}

# stop_daemon NAME: SIGTERM, wait up to STOP_DEADLINE, then SIGKILL (slurmd can ignore SIGTERM
# while slurmctld is down).
stop_daemon() {
    local name=$1 pid deadline
    if ! alive "$name"; then rm -f "$PID_DIR/$name.pid"; return 0; fi
    pid=$(cat "$PID_DIR/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_DEADLINE))
    while alive "$name" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$name"; then
        say "$name ($pid) ignored SIGTERM for ${STOP_DEADLINE}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 5))
        while alive "$name" && ((SECONDS < deadline)); do sleep 0.1; done
        alive "$name" && die "$name ($pid) survived SIGKILL"
    fi
    rm -f "$PID_DIR/$name.pid"
    say "stopped $name ($pid)"
}

# --- munge -----------------------------------------------------------------------------------

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if munge_works; then
        alive munged || say "munge already running (not started here, left alone on stop)"
        return 0
    fi
    id munge >/dev/null 2>&1 || die "no 'munge' user: install the Debian package munge"
    if [[ ! -s $MUNGE_KEY ]]; then
        install -d -o munge -g munge -m 700 "$(dirname "$MUNGE_KEY")"
        mungekey --create --keyfile="$MUNGE_KEY"
        say "created $MUNGE_KEY"
    fi
    # munged refuses a key that others can read, so the mode is enforced every time.
    chown munge:munge "$MUNGE_KEY"
    chmod 400 "$MUNGE_KEY"
    install -d -o munge -g munge -m 755 "$MUNGE_SOCKET_DIR"
    install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
    # munged forks into the background itself; its PID comes from its own pid file.
    runuser -u munge -- munged --pid-file="$MUNGE_SOCKET_DIR/munged.pid" \
        || die "munged did not start; see /var/log/munge/munged.log"
    local deadline=$((SECONDS + 10))
    until munge_works; do
        ((SECONDS < deadline)) || die "munge does not answer after 10 s; see /var/log/munge/munged.log"
        sleep 0.2
    done
    cp "$MUNGE_SOCKET_DIR/munged.pid" "$PID_DIR/munged.pid"
    say "started munged ($(cat "$PID_DIR/munged.pid"))"
}

# --- slurm -----------------------------------------------------------------------------------

write_conf() {
    local mem_mib
    mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
    # CPUs=8 with SlurmdParameters=config_overrides: slurmd trusts this line instead of the
    # hardware, so `sbatch -n 4` (or 8) runs on a 2-core machine instead of pending forever.
    # (A job asking for more tasks than CPUs pends forever with reason PartitionConfig.)
    # MpiDefault=pmix: the only plugin that works with Debian's Open MPI. No accounting.
    cat >"$CONF" <<EOF
# Generated by scripts/slurm-cluster.sh: a single-node development cluster.
ClusterName=dev
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A job that requeues itself waits cred_expire seconds (default 120) before it may start again;
# 10 s keeps the requeue tests short and is still ample on one node.
AuthInfo=cred_expire=${SLURM_DEV_REQUEUE_DELAY:-10}
CredType=cred/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d
SlurmctldPidFile=$STATE_DIR/ctld/slurmctld.pid
SlurmdPidFile=$STATE_DIR/d/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
# Written out because scripts rely on them: a finished job stays visible to scontrol show job
# for 300 s (there is no accounting, so no sacct), and a job gets 30 s from SIGTERM to SIGKILL.
MinJobAge=300
KillWait=30
# Look at pending jobs every 5 s instead of 60 s: a requeued or freshly submitted job starts soon.
SchedulerParameters=sched_interval=5
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=$mem_mib State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

# node_state: the node's state as sinfo reports it (idle, mixed, down*, ...), empty if no answer.
node_state() { timeout "$CLIENT_TIMEOUT" sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1 || true; }

# start_slurm_daemon NAME: slurmctld/slurmd in the foreground (-D) as a background process of
# this script, detached from its terminal (nohup, stdin closed) so it outlives the script.
start_slurm_daemon() {
    local name=$1
    shift
    nohup "$name" -D -f "$CONF" "$@" >>"$LOG_DIR/$name.stdout" 2>&1 </dev/null &
    echo $! >"$PID_DIR/$name.pid"
    say "started $name ($!)"
}

start() {
    [[ $(id -u) == 0 ]] || die "must run as root (munged runs as the munge user, slurmd as root)"
    local cmd
    for cmd in munged mungekey slurmctld slurmd sinfo sbatch; do
        command -v "$cmd" >/dev/null || die "$cmd not found: install the Debian packages slurmctld slurmd slurm-client munge"
    done
    mkdir -p "$PID_DIR" "$LOG_DIR" "$STATE_DIR/ctld" "$STATE_DIR/d"
    start_munge
    if ! alive slurmctld; then
        alive slurmd && stop_daemon slurmd # a slurmd without its controller is restarted with it
        write_conf
        # An empty state folder: no stale jobs, and no ClusterName mismatch that would stop
        # slurmctld from starting.
        find "$STATE_DIR/ctld" "$STATE_DIR/d" -mindepth 1 -delete
        start_slurm_daemon slurmctld
    fi
    alive slurmd || start_slurm_daemon slurmd
    local deadline=$((SECONDS + START_DEADLINE)) state=""
    while ((SECONDS < deadline)); do
        state=$(node_state)
        case $state in
            idle | mixed | allocated | completing) say "node $NODE is $state"; return 0 ;;
        esac
        alive slurmctld || die "slurmctld exited; see $LOG_DIR/slurmctld.log"
        alive slurmd || die "slurmd exited; see $LOG_DIR/slurmd.log"
        sleep 0.5
    done
    die "node $NODE not idle after ${START_DEADLINE}s (state: '${state:-no answer}'); see $LOG_DIR/"
}

# cancel_jobs: cancel every job so no job step (slurmstepd and its tasks) outlives the daemons.
cancel_jobs() {
    alive slurmctld || return 0
    local jobs deadline
    jobs=$(timeout "$CLIENT_TIMEOUT" squeue -h -o '%i' 2>/dev/null || true)
    [[ -n $jobs ]] || return 0
    # shellcheck disable=SC2086 # one argument per job id
    timeout "$CLIENT_TIMEOUT" scancel $jobs 2>/dev/null || true
    deadline=$((SECONDS + 40)) # KillWait (30 s) plus margin
    while ((SECONDS < deadline)); do
        [[ -z $(timeout "$CLIENT_TIMEOUT" squeue -h -o '%i' 2>/dev/null || true) ]] && { say "cancelled jobs: $jobs"; return 0; }
        sleep 0.5
    done
    say "jobs still listed after 40 s, stopping the daemons anyway: $jobs"
}

stop() {
    if ! alive slurmctld && ! alive slurmd && ! alive munged; then say "not running"; return 0; fi
    cancel_jobs
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged # only if started here: its PID was recorded only then
}

status() {
    local name rc=0 pid
    for name in munged slurmctld slurmd; do
        if alive "$name"; then
            pid=$(cat "$PID_DIR/$name.pid")
            echo "$name: running ($pid)"
        elif [[ $name == munged ]] && munge_works; then
            echo "munged: running (not started by this script)"
        else
            echo "$name: stopped"
            rc=3
        fi
    done
    if alive slurmctld; then
        echo "node $NODE: $(node_state)"
        timeout "$CLIENT_TIMEOUT" squeue 2>/dev/null || echo "squeue: no answer"
    fi
    echo "SLURM_CONF=$CONF"
    return $rc
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
