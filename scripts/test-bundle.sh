#!/usr/bin/env bash
# Checks a bundle of scripts/bundle.sh as a machine without Swift would see it, on this machine:
# in a private mount namespace the Swift toolchain (/opt/swift or wherever `swift` lives), the
# Debian Open MPI, PMIx, HDF5, OpenBLAS packages' files and every other library the bundle carries
# are hidden (empty folders and /dev/null mounted over them), and the bundle runs with an
# environment that has nothing but PATH=/usr/bin:/bin and what its env.sh sets:
#   1. ldd: every library of bin/sweep-mpi resolves into the bundle (or glibc), none into Swift;
#   2. sweep-mpi --version, plan, a 1-rank run, status, stats;
#   3. the bundled mpirun: 2 ranks on this node, and 4 ranks on two namespace nodes over TCP
#      (scripts/multinode/nodes.sh, mpirun --prefix);
#   4. outside, with h5py: the three results files equal a run of the regular build bit for bit.
# Usage: scripts/test-bundle.sh [BUNDLE.tar.gz]   (default: make one with scripts/bundle.sh)
# Needs root (mount and network namespaces). Everything is removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODES=$ROOT/scripts/multinode/nodes.sh
AGENT=$ROOT/scripts/multinode/launch-agent
COMPARE=$ROOT/scripts/compare-metrics.py
REFERENCE=${SWEEP_MPI:-$ROOT/.build/release/sweep-mpi}

fail() { echo "test-bundle: FAIL: $*" >&2; exit 1; }
say() { echo "test-bundle: $*"; }

[[ $(id -u) == 0 ]] || fail "needs root (mount and network namespaces)"
[[ -x $REFERENCE ]] || fail "no regular sweep-mpi build at $REFERENCE (swift build -c release, or SWEEP_MPI=...)"
WORK=$(mktemp -d /tmp/test-bundle.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$NODES" stop "$WORK/nodes" || rc=1
    if ((rc == 0)); then rm -rf "$WORK"; else echo "test-bundle: files kept in $WORK" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tarball=${1:-$("$ROOT/scripts/bundle.sh" --output "$WORK/dist")}
tar xzf "$tarball" -C "$WORK"
bundle=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'sweep-mpi-*')
[[ -f $bundle/env.sh ]] || fail "$tarball holds no sweep-mpi-*/env.sh"
say "unpacked $(basename "$tarball"): $(ls "$bundle/lib" | grep -c '\.so') libraries"

cat >"$WORK/sweep.json" <<'EOF'
{"name": "bundle", "base": {"N": 40, "X_dim": 2, "num_epochs": 3, "num_train_samples_per_epoch": 200},
 "analyses": ["dim_layers", "acc_over_training"], "grid": {"g_radius": [20, 250]}, "seeds": 3}
EOF
OPENBLAS_NUM_THREADS=1 "$REFERENCE" run "$WORK/sweep.json" --output "$WORK/reference.h5" --progress none >/dev/null \
    || fail "the regular build's reference run failed"

SWEEP_NODES_OWNER=$$ "$NODES" start "$WORK/nodes" 3 >/dev/null
printf '10.77.0.11 slots=2\n10.77.0.12 slots=2\n' >"$WORK/hosts"

# What the target lacks: Swift, and every file of the libraries and Open MPI the bundle carries.
swift_root=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
hidden=("$swift_root")
for folder in /usr/lib/x86_64-linux-gnu/openmpi /usr/lib/x86_64-linux-gnu/pmix2 /usr/share/openmpi /etc/openmpi; do
    [[ -d $folder ]] && hidden+=("$folder")
done
files=()
for library in "$bundle"/lib/*.so*; do
    for system in /usr/lib/x86_64-linux-gnu/"$(basename "$library")" /lib/x86_64-linux-gnu/"$(basename "$library")"; do
        [[ -e $system ]] && files+=("$(readlink -f "$system")")
    done
done
for program in mpirun mpiexec orterun orted ompi_info; do
    command -v "$program" >/dev/null && files+=("$(readlink -f "$(command -v "$program")")")
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
say "hiding ${#hidden[@]} folders (${hidden[*]}) and ${#files[@]} library and program files"

# The checks, run as root in the private mount namespace, with an empty environment.
cat >"$WORK/inside.sh" <<'EOF'
set -euo pipefail
bundle=$1 work=$2 nodes=$3 agent=$4
fail() { echo "test-bundle: FAIL (inside): $*" >&2; exit 1; }
unresolved=$(ldd "$bundle/bin/sweep-mpi" | grep -E 'not found|/opt/swift|libswift|libFoundation' || true)
[[ -z $unresolved ]] || fail "ldd bin/sweep-mpi: $unresolved"
libraries=$(ldd "$bundle/bin/sweep-mpi" | awk '/=>/ { print $3 }' | xargs -r readlink -f)
outside=$(grep -v "^$bundle/lib/" <<<"$libraries" | grep -vE '/(libc|libm|libresolv|libpthread|libdl|librt)\.so' || true)
[[ -z $outside ]] || fail "ldd bin/sweep-mpi finds libraries outside the bundle: $outside"
from_bundle=$(grep -c "^$bundle/lib/" <<<"$libraries" || true)
((from_bundle > 10)) || fail "ldd bin/sweep-mpi: only $from_bundle libraries from the bundle: $libraries"
echo "test-bundle: ldd bin/sweep-mpi: $from_bundle libraries from the bundle, the rest glibc's; no Swift"
if command -v swift >/dev/null || [[ -e /usr/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so ]]; then fail "the toolchain or Open MPI is still visible"; fi
source "$bundle/env.sh"
[[ $(command -v sweep-mpi) == "$bundle/bin/sweep-mpi" && $(command -v mpirun) == "$bundle/bin/mpirun" ]] || fail "env.sh did not put the bundle first on PATH"
echo "test-bundle: $(sweep-mpi --version), $(ompi_info --version | head -n 1) from the bundle"
sweep-mpi plan "$work/sweep.json" --output "$work/one.h5" | grep -q "trials: 6" || fail "plan"
sweep-mpi run "$work/sweep.json" --output "$work/one.h5" --progress none
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun -n 2 sweep-mpi run "$work/sweep.json" --output "$work/two.h5" --progress none
sweep-mpi status "$work/two.h5" | grep -q "6 done" || fail "status"
sweep-mpi stats "$work/two.h5" --metric dim_layers --format csv >/dev/null || fail "stats"
SWEEP_NODES_MAP=$work/nodes/map OMPI_MCA_orte_tmpdir_base=$work "$nodes" run "$work/nodes" node0 \
    mpirun --prefix "$OPAL_PREFIX" --hostfile "$work/hosts" -n 4 --mca plm_rsh_agent "$agent" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,self --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0 \
    sweep-mpi run "$work/sweep.json" --output "$work/four.h5" --progress none
EOF
# OpenBLAS picks its kernels by CPU unless OPENBLAS_CORETYPE says which (this machine may set it):
# the same kernel, the same bits, so its settings go in with the bundle's run.
blas_settings=()
while IFS= read -r setting; do blas_settings+=("$setting"); done < <(env | grep '^OPENBLAS_' || true)
# Files first: once a folder is covered, the files in it cannot be mounted over.
hide_commands=""
for file in "${files[@]}"; do hide_commands+="mount --bind /dev/null '$file' && "; done
for folder in "${hidden[@]}"; do hide_commands+="mount -t tmpfs -o size=1m none '$folder' && "; done
status=0
unshare --mount --propagation private /bin/bash -c "${hide_commands} exec env -i PATH=/usr/bin:/bin HOME=/root \
    $(printf '%q ' "${blas_settings[@]}") /bin/bash '$WORK/inside.sh' '$bundle' '$WORK' '$NODES' '$AGENT'" \
    >"$WORK/inside.log" 2>&1 || status=$?
grep -av "setpgid" "$WORK/inside.log" | tr -d "\r" || true
((status == 0)) || fail "the bundle did not run with Swift and the libraries hidden (status $status)"
# Open MPI and PMIx say so when a plugin or a help text is not where they look.
! grep -aqE "Sorry!|failed to load|component_find" "$WORK/inside.log" || fail "Open MPI or PMIx missed a file of the bundle (above)"
[[ -f $WORK/four.h5 ]] || fail "the checks inside the namespace stopped early"

for file in one two four; do
    python3 "$COMPARE" "$WORK/reference.h5" "$WORK/$file.h5" >"$WORK/compare-$file.log" 2>&1 \
        || { cat "$WORK/compare-$file.log" >&2; fail "$file.h5 differs from the regular build's run"; }
done
say "1 rank, 2 ranks and 4 ranks on two nodes with the bundle alone: metrics bit-identical to the regular build"
say "PASS"
