#!/usr/bin/env bash
# Several "nodes" on one Linux machine that reach each other over TCP only: each node is a network
# namespace with its own interface (eth0, 10.77.0.<10+i>/24), its own host name (node<i>, through a
# UTS namespace) and nothing else of its own (same file system, same binaries). Their interfaces are
# veth pairs into a bridge that lives in a namespace of its own, so that nothing of the machine's
# own network changes and several sets of nodes can exist at once. For tests and for trying a
# multi-node launch (Open MPI with a hostfile, Slurm with several slurmd) without a cluster.
#
#   scripts/multinode/nodes.sh start DIR N   # nodes node0..node<N-1>; DIR keeps their map and names
#   scripts/multinode/nodes.sh run DIR NODE COMMAND...    # COMMAND on NODE (node0, node1, ...)
#   scripts/multinode/nodes.sh kill DIR NODE # SIGKILL to every process on NODE (a node that dies)
#   scripts/multinode/nodes.sh stop DIR      # kill every process on the nodes, remove the namespaces
#
# DIR/map lists "<address> <namespace> <host name>" per node; scripts/multinode/launch-agent reads it
# (SWEEP_NODES_MAP) to start Open MPI's daemons on a node, as ssh would on a cluster.
# Needs root (ip netns, nsenter, unshare) and iproute2. Namespaces are named sweepnode<PID>-<i>, where
# PID is the owner's (SWEEP_NODES_OWNER, default the calling shell): concurrent sets never meet, and
# `start` removes the sets of owners that died without stopping theirs.
set -euo pipefail

say() { echo "nodes: $*"; }
die() { echo "nodes: error: $*" >&2; exit 1; }

namespaces() { awk '{ print $2 }' "$1/map" 2>/dev/null; cat "$1/switch" 2>/dev/null || true; }

namespace_of() {
    local ns
    ns=$(awk -v n="$2" '$3 == n { print $2 }' "$1/map")
    [[ -n $ns ]] || die "no node $2 in $1/map"
    echo "$ns"
}

# prune: removes the nodes of owners that are gone (a test killed before it could stop them).
prune() {
    local ns owner
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^sweepnode[0-9]+-' || true); do
        owner=${ns#sweepnode}
        owner=${owner%%-*}
        kill -0 "$owner" 2>/dev/null && continue
        kill_node "$ns" || true
        ip netns del "$ns" 2>/dev/null && say "removed $ns (its owner $owner is gone)"
    done
}

start() {
    local dir=$1 count=$2 prefix i ns veth peer
    [[ $(id -u) == 0 ]] || die "must run as root (network namespaces)"
    ((count >= 1 && count <= 200)) || die "between 1 and 200 nodes"
    mkdir -p "$dir"
    [[ ! -s $dir/map ]] || die "$dir already holds nodes (stop them first)"
    prune
    prefix=sweepnode${SWEEP_NODES_OWNER:-$PPID}
    ! ip netns list | grep -q "^$prefix-" || die "process ${prefix#sweepnode} already owns nodes: stop them first, or set SWEEP_NODES_OWNER"
    : >"$dir/map"
    echo "$prefix-switch" >"$dir/switch"
    ip netns add "$prefix-switch"
    ip -n "$prefix-switch" link add br0 type bridge
    ip -n "$prefix-switch" link set br0 up
    for ((i = 0; i < count; i++)); do
        ns=$prefix-$i
        veth=sn$$n$i peer=sn$$s$i
        ip netns add "$ns"
        echo "10.77.0.$((10 + i)) $ns node$i" >>"$dir/map"
        ip link add "$veth" type veth peer name "$peer"
        ip link set "$peer" netns "$prefix-switch"
        ip -n "$prefix-switch" link set "$peer" master br0 up
        ip link set "$veth" netns "$ns"
        ip -n "$ns" link set "$veth" name eth0
        ip -n "$ns" addr add "10.77.0.$((10 + i))/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
    say "$count nodes (node0..node$((count - 1)), 10.77.0.10-$((9 + count))) in namespaces $prefix-*; map in $dir/map"
}

# run DIR NODE COMMAND...: COMMAND in NODE's network namespace, with NODE as its host name.
run() {
    local dir=$1 node=$2 ns
    shift 2
    ns=$(namespace_of "$dir" "$node")
    exec nsenter --net="/run/netns/$ns" unshare --uts /bin/sh -c 'hostname "$0" && exec "$@"' "$node" "$@"
}

kill_node() {
    local ns=$1 deadline pids
    [[ -e /run/netns/$ns ]] || return 0
    deadline=$((SECONDS + 10))
    while pids=$(ip netns pids "$ns" 2>/dev/null) && [[ -n $pids ]]; do
        # shellcheck disable=SC2086 # one argument per pid
        kill -KILL $pids 2>/dev/null || true
        ((SECONDS < deadline)) || { echo "nodes: processes still in $ns after 10 s: $pids" >&2; return 1; }
        sleep 0.1
    done
}

stop() {
    local dir=$1 ns rc=0
    [[ -f $dir/map ]] || return 0
    for ns in $(namespaces "$dir"); do
        kill_node "$ns" || rc=1
        if [[ -e /run/netns/$ns ]]; then ip netns del "$ns" || rc=1; fi
    done
    rm -f "$dir/map" "$dir/switch"
    return $rc
}

case ${1:-} in
    start) (($# == 3)) || die "usage: $0 start DIR N"; start "$2" "$3" ;;
    run) (($# >= 4)) || die "usage: $0 run DIR NODE COMMAND..."; shift; run "$@" ;;
    kill) (($# == 3)) || die "usage: $0 kill DIR NODE"; kill_node "$(namespace_of "$2" "$3")" ;;
    stop) (($# == 2)) || die "usage: $0 stop DIR"; stop "$2" ;;
    *) echo "usage: $0 start DIR N | run DIR NODE COMMAND... | kill DIR NODE | stop DIR" >&2; exit 2 ;;
esac
