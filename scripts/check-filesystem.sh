#!/usr/bin/env bash
# Checks that a folder can hold a sweep's results file when ranks on several nodes write it: runs a
# small sweep (16 tiny networks, seconds) into FOLDER with LAUNCHER, the same sweep on one rank into
# a local temporary folder, and compares them. Passes when every trial is done and the statistics
# of both files are identical (they are computed from the metrics, which are bit-identical whatever
# the ranks). Also prints the file system type and warns about the ones that cannot work.
#
#   scripts/check-filesystem.sh FOLDER [LAUNCHER...]
#   scripts/check-filesystem.sh /lustre/$USER/results srun -N 2 -n 4 --mpi=pmix
#   scripts/check-filesystem.sh /nfs/results mpirun --hostfile hosts -n 4 --map-by node
#
# LAUNCHER defaults to `mpirun -n 2`; give one that spreads the ranks over at least two nodes (the
# point of the check). sweep-mpi comes from SWEEP_MPI, else PATH, else .build/release/sweep-mpi.
set -euo pipefail

folder=${1:?usage: $0 FOLDER [LAUNCHER...]}
shift
launcher=("$@")
((${#launcher[@]})) || launcher=(mpirun -n 2)
binary=${SWEEP_MPI:-$(command -v sweep-mpi || echo "$(cd "$(dirname "$0")/.." && pwd)/.build/release/sweep-mpi")}
[[ -x $binary ]] || { echo "check-filesystem: no sweep-mpi (set SWEEP_MPI)" >&2; exit 2; }
[[ -d $folder ]] || { echo "check-filesystem: $folder is not a folder" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1

type=$(stat -f -c %T "$folder")
echo "check-filesystem: $folder is on $type ($(df -P "$folder" | awk 'NR == 2 { print $1 }'))"
case $type in
    tmpfs | ramfs) echo "check-filesystem: warning: $type is local to each node: ranks on other nodes cannot see the file" ;;
    nfs | nfs4) echo "check-filesystem: note: NFS needs every client to see the others' writes: see docs/operations.md (noac, locks)" ;;
esac

local_dir=$(mktemp -d)
name=fscheck-$$
trap 'rm -rf "$local_dir" "$folder/$name.h5" "$folder/$name.h5.lock" "$folder/$name.h5.partial"' EXIT
cat >"$local_dir/$name.json" <<EOF
{"name": "$name", "base": {"N": 16, "X_dim": 2, "num_epochs": 2, "num_train_samples_per_epoch": 40},
 "analyses": ["dim_layers", "acc_over_training"], "grid": {"g_radius": [20, 250]}, "seeds": 8}
EOF
cp "$local_dir/$name.json" "$folder/$name.json.tmp" && rm -f "$folder/$name.json.tmp" \
    || { echo "check-filesystem: FAIL: cannot write in $folder" >&2; exit 1; }

"$binary" run "$local_dir/$name.json" --output "$local_dir/reference.h5" --progress none >/dev/null
echo "check-filesystem: ${launcher[*]} $binary run ... --output $folder/$name.h5"
"${launcher[@]}" "$binary" run "$local_dir/$name.json" --output "$folder/$name.h5" --progress none \
    || { echo "check-filesystem: FAIL: the sweep into $folder failed (above)" >&2; exit 1; }
"$binary" status "$folder/$name.h5" | grep -q "16 done, 0 pending" \
    || { "$binary" status "$folder/$name.h5" >&2; echo "check-filesystem: FAIL: not every trial is done" >&2; exit 1; }
for metric in dim_layers acc_over_training; do
    if ! diff <("$binary" stats "$local_dir/reference.h5" --metric "$metric" --format csv) \
              <("$binary" stats "$folder/$name.h5" --metric "$metric" --format csv) >/dev/null; then
        echo "check-filesystem: FAIL: $metric differs from a 1-rank run: writes from several nodes were lost or mixed" >&2
        exit 1
    fi
done
echo "check-filesystem: PASS: 16 trials written from the launcher's ranks into $folder, identical to 1 rank"
