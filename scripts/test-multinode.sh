#!/usr/bin/env bash
# End-to-end test of a sweep over several nodes that talk over TCP only. The nodes are network
# namespaces on this machine (scripts/multinode/nodes.sh: own address, own host name, a bridge
# between them); mpirun runs on node0 (the login node) and starts its daemons on node1 and node2
# through scripts/multinode/launch-agent, as ssh would on a cluster; ranks talk over TCP only
# (--mca btl tcp,self) and write one results file on the shared file system.
#   1. 4 ranks on 2 nodes: the metrics equal those of a 1-rank run bit for bit; trials ran on both.
#   2. The same sweep again; once a trial is done, node2 dies (SIGKILL to every process on it):
#      mpirun ends within seconds with a non-zero status and no rank left behind; the file reads
#      cleanly and holds the trials finished before; a rerun on the surviving node completes it,
#      keeps those trials, and the metrics equal the 1-rank run bit for bit.
#   3. The same over Slurm: slurmctld on node0, one slurmd per compute node (slurmd -N), and
#      slurm/seeds30.sh with srun --mpi=pmix across both nodes (see docs/operations.md).
# Needs root (network namespaces), iproute2, util-linux, Open MPI, h5py, Slurm and munge, and the
# release binary (swift build -c release; or SWEEP_MPI=...). Everything it starts (namespaces, the
# processes in them, Slurm daemons, session folders) is stopped and removed on exit, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODES=$ROOT/scripts/multinode/nodes.sh
AGENT=$ROOT/scripts/multinode/launch-agent
SLURM_NODES=$ROOT/scripts/multinode/slurm-nodes.sh
TRIALS=$ROOT/scripts/slurm/trials.py
COMPARE=$ROOT/scripts/compare-metrics.py
BINARY=${SWEEP_MPI:-$ROOT/.build/release/sweep-mpi}
TIMEOUT=${TEST_MULTINODE_TIMEOUT:-300} # seconds any one launch may take

fail() { echo "test-multinode: FAIL: $*" >&2; exit 1; }
say() { echo "test-multinode: $*"; }

[[ $(id -u) == 0 ]] || fail "needs root (network namespaces)"
[[ -x $BINARY ]] || fail "no sweep-mpi binary at $BINARY: build it first with 'swift build -c release' (or set SWEEP_MPI)"
BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
python3 -c 'import h5py' 2>/dev/null || fail "python3 cannot import h5py (pip install h5py)"
command -v ip >/dev/null && command -v unshare >/dev/null || fail "needs ip (iproute2) and unshare (util-linux)"

WORK=$(mktemp -d /tmp/test-multinode.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -f $WORK/slurm-started ]] && { "$SLURM_NODES" stop "$WORK/slurm" || rc=1; }
    "$NODES" stop "$WORK/nodes" || rc=1
    if ((rc == 0)); then rm -rf "$WORK"; else echo "test-multinode: logs and results kept in $WORK" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SWEEP_NODES_OWNER=$$ "$NODES" start "$WORK/nodes" 3
export SWEEP_NODES_MAP=$WORK/nodes/map
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
# Open MPI's session folders of every node (a killed node leaves its own behind) go with WORK.
export OMPI_MCA_orte_tmpdir_base=$WORK/ompi
mkdir -p "$OMPI_MCA_orte_tmpdir_base"
printf '10.77.0.11 slots=2\n10.77.0.12 slots=2\n' >"$WORK/two-nodes"
printf '10.77.0.11 slots=2\n' >"$WORK/node1"

# mpirun_on_nodes HOSTFILE RANKS ARGS...: sweep-mpi ARGS under mpirun on node0, ranks on the
# hostfile's nodes, TCP only (what a cluster without a fast interconnect uses).
mpirun_on_nodes() {
    local hostfile=$1 ranks=$2
    shift 2
    timeout "$TIMEOUT" "$NODES" run "$WORK/nodes" node0 \
        mpirun --hostfile "$hostfile" -n "$ranks" --mca plm_rsh_agent "$AGENT" --mca plm_rsh_no_tree_spawn 1 \
        --mca btl tcp,self --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0 \
        -x OPENBLAS_NUM_THREADS "$BINARY" "$@"
}

# identical A B: the metrics of every trial of B equal those of A bit for bit.
identical() { python3 "$COMPARE" "$1" "$2" >"$WORK/compare.log" 2>&1 || { cat "$WORK/compare.log" >&2; fail "$2 differs from $1"; }; }

cat >"$WORK/sweep.json" <<'EOF'
{"name": "multinode", "base": {"N": 100, "X_dim": 2, "num_epochs": 12, "num_train_samples_per_epoch": 400},
 "analyses": ["dim_layers", "acc_over_training"], "grid": {"g_radius": [20, 250]}, "seeds": 10}
EOF
total=20

# --- 1. two nodes against one rank ---------------------------------------------------------------
"$BINARY" run "$WORK/sweep.json" --output "$WORK/one-rank.h5" --progress none >"$WORK/one-rank.log" 2>&1 \
    || { cat "$WORK/one-rank.log" >&2; fail "the 1-rank reference run failed"; }
started=$SECONDS
mpirun_on_nodes "$WORK/two-nodes" 4 run "$WORK/sweep.json" --output "$WORK/two-nodes.h5" --progress none \
    >"$WORK/two-nodes.log" 2>&1 || { cat "$WORK/two-nodes.log" >&2; fail "the sweep on two nodes failed"; }
identical "$WORK/one-rank.h5" "$WORK/two-nodes.h5"
hosts=$(python3 - "$WORK/two-nodes.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(" ".join(sorted({h.decode() for h in f["trials/host"][()]})))
PY
)
[[ $hosts == "node1 node2" ]] || fail "trials ran on '$hosts', expected node1 and node2"
say "4 ranks on node1 and node2 over TCP: $total trials in $((SECONDS - started)) s, metrics bit-identical to 1 rank"

# --- 2. a node dies mid-run; the rerun resumes on the node that is left -------------------------
killed=$WORK/killed.h5
mpirun_on_nodes "$WORK/two-nodes" 4 run "$WORK/sweep.json" --output "$killed" --progress none >"$WORK/killed.log" 2>&1 &
launcher=$!
deadline=$((SECONDS + TIMEOUT))
until counts=$(python3 "$TRIALS" counts "$killed" 2>/dev/null) && [[ $counts != *" done=0 "* ]]; do
    kill -0 "$launcher" 2>/dev/null || { cat "$WORK/killed.log" >&2; fail "the sweep ended before a trial was done"; }
    ((SECONDS < deadline)) || fail "no trial was done within ${TIMEOUT}s"
    sleep 0.1
done
"$NODES" kill "$WORK/nodes" node2
killed_at=$SECONDS
say "killed node2 (every process on it) with $counts"
status=0
wait "$launcher" || status=$?
((status != 0)) || fail "mpirun exited 0 although node2 died"
((SECONDS - killed_at <= 60)) || fail "mpirun took $((SECONDS - killed_at)) s to end after node2 died"
for node in node0 node1; do
    [[ -z $(ip netns pids "$(awk -v n=$node '$3 == n { print $2 }' "$SWEEP_NODES_MAP")") ]] \
        || fail "processes left on $node after mpirun ended: $(ip netns pids "$(awk -v n=$node '$3 == n { print $2 }' "$SWEEP_NODES_MAP")")"
done
after=$(python3 "$TRIALS" counts "$killed") || fail "the results file cannot be read after node2 died"
[[ $after == *"pending=0 "* ]] && fail "every trial finished before node2 died: the kill came too late ($after)"
"$BINARY" status "$killed" >"$WORK/status.log" || fail "sweep-mpi status cannot read $killed"
kept=$(python3 "$TRIALS" snapshot "$killed")
say "mpirun ended $((SECONDS - killed_at)) s after node2 died, exit status $status; the file reads: $after"
grep -m1 -i "daemon\|lost\|connect" "$WORK/killed.log" | sed 's/^/test-multinode:   mpirun said: /' || true

mpirun_on_nodes "$WORK/node1" 2 run "$WORK/sweep.json" --output "$killed" --progress none >"$WORK/resumed.log" 2>&1 \
    || { cat "$WORK/resumed.log" >&2; fail "the rerun on node1 failed"; }
final=$(python3 "$TRIALS" counts "$killed")
[[ $final == "pending=0 done=$total failed=0 diverged=0 total=$total" ]] || fail "after the rerun: $final"
python3 - "$kept" "$(python3 "$TRIALS" snapshot "$killed")" <<'PY' || fail "trials finished before node2 died were run again"
import json, sys
kept, final = json.loads(sys.argv[1]), json.loads(sys.argv[2])
changed = [key for key, row in kept.items() if final.get(key) != row]
sys.exit(f"changed after the rerun: {changed}" if changed else 0)
PY
identical "$WORK/one-rank.h5" "$killed"
say "rerun on node1 alone: $(grep -o '[0-9]* to run on [0-9]* ranks' "$WORK/resumed.log"), finished trials kept, metrics bit-identical to 1 rank"

# --- 3. Slurm with one slurmd per node ----------------------------------------------------------
if [[ ${TEST_MULTINODE_SLURM:-1} == 0 ]]; then
    say "Slurm part skipped (TEST_MULTINODE_SLURM=0)"
else
    touch "$WORK/slurm-started"
    "$SLURM_NODES" start "$WORK/slurm" "$WORK/nodes"
    slurm_h5=$WORK/slurm.h5
    # sbatch passes its environment on: the batch script's settings and, for the ranks srun
    # starts, Open MPI's (TCP only, over the nodes' interface).
    job=$(SWEEP_MPI=$BINARY SEEDS=0-9 OUTPUT=$slurm_h5 OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=eth0 \
        "$SLURM_NODES" submit "$WORK/slurm" -N 2 -n 4 --output="$WORK/slurm-%j.out" "$ROOT/slurm/seeds30.sh" "$WORK/sweep.json") \
        || fail "sbatch refused the job"
    "$SLURM_NODES" wait "$WORK/slurm" "$job" "$TIMEOUT" || { cat "$WORK/slurm-$job.out" >&2; fail "Slurm job $job did not complete"; }
    final=$(python3 "$TRIALS" counts "$slurm_h5")
    [[ $final == "pending=0 done=$total failed=0 diverged=0 total=$total" ]] || fail "after Slurm job $job: $final"
    identical "$WORK/one-rank.h5" "$slurm_h5"
    hosts=$(python3 - "$slurm_h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(" ".join(sorted({h.decode() for h in f["trials/host"][()]})))
PY
)
    [[ $hosts == "node1 node2" ]] || fail "Slurm job $job ran trials on '$hosts', expected node1 and node2"
    say "Slurm job $job: sbatch -N 2 -n 4 slurm/seeds30.sh, srun --mpi=pmix on node1 and node2, metrics bit-identical to 1 rank"
fi
say "PASS"
