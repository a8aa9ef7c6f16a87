#!/usr/bin/env bash
# A portable sweep-mpi for Linux machines without a Swift toolchain (cluster compute nodes,
# say): one tarball with
#   bin/sweep-mpi     built with the Swift standard library and Foundation linked in statically
#                     (--static-swift-stdlib)
#   lib/              every shared library it and Open MPI need beyond glibc: OpenBLAS, parallel
#                     HDF5, Open MPI, PMIx, hwloc, libevent, libgfortran, libstdc++, ...
#   bin/mpirun, orted, ompi_info and Open MPI's plugins, help texts and settings, relocated with
#                     OPAL_PREFIX (left out with --no-mpi, to use the cluster's Open MPI 4.x)
#   env.sh            `source` it: PATH, and Open MPI's and PMIx's relocation variables
# Every program, library and plugin finds the bundle's libraries through its RUNPATH ($ORIGIN/...,
# set with patchelf), so nothing needs LD_LIBRARY_PATH, and a cluster's Open MPI put on
# LD_LIBRARY_PATH still wins over the bundled one.
#   README            what it holds, what the target needs (the glibc version), how to run it
#
# Usage: scripts/bundle.sh [--no-mpi] [--output DIR]
#   writes DIR/sweep-mpi-<version>-linux-<arch>.tar.gz (DIR defaults to dist/) and prints its path.
# Builds in .build-bundle (a release build of its own: about 4 minutes on 2 cores). Run on the
# Debian 12 build machine (the libraries come from its packages, see scripts/install-deps.sh).
# scripts/test-bundle.sh checks a bundle on this machine with Swift and the packages hidden.
set -euo pipefail
cd "$(dirname "$0")/.."

with_mpi=1
output=dist
while (($#)); do
    case $1 in
        --no-mpi) with_mpi=0 ;;
        --output) output=${2:?--output needs a folder}; shift ;;
        *) echo "usage: $0 [--no-mpi] [--output DIR]" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "bundle: $*" >&2; }
die() { echo "bundle: error: $*" >&2; exit 1; }

command -v swift >/dev/null || die "a Swift toolchain is needed to build the bundle"
command -v patchelf >/dev/null || die "patchelf not found: install it (scripts/install-deps.sh)"
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/sweep-mpi/SweepMPI.swift)
[[ -n $version ]] || die "cannot read the version from Sources/sweep-mpi/SweepMPI.swift"
name=sweep-mpi-$version-linux-$(uname -m)

say "building $name (release, static Swift standard library)"
swift build -c release --static-swift-stdlib --scratch-path .build-bundle --product sweep-mpi >&2
binary=.build-bundle/release/sweep-mpi

staging=$(mktemp -d /tmp/sweep-bundle.XXXXXX)
trap 'rm -rf "$staging"' EXIT
root=$staging/$name
mkdir -p "$root/bin" "$root/lib" "$root/share/sweep-mpi" "$root/etc"
cp "$binary" "$root/bin/sweep-mpi"
git describe --always --dirty --abbrev=12 >"$root/share/sweep-mpi/git-commit" 2>/dev/null || echo unknown >"$root/share/sweep-mpi/git-commit"

# Every ELF file whose libraries must travel with it.
elves=("$root/bin/sweep-mpi")

# Transports for hardware the bundle cannot carry (InfiniBand verbs, UCX, libfabric, PSM) and
# OpenSHMEM are left out: the bundled Open MPI speaks TCP and shared memory. On a cluster with a
# fast network, use the cluster's own Open MPI 4.x (--no-mpi; see README).
hardware='^(libucp|libucs|libuct|libfabric|libpsm|libibverbs|librdmacm|liboshmem|libcuda)'

if ((with_mpi)); then
    command -v ompi_info >/dev/null || die "ompi_info not found: install openmpi-bin (scripts/install-deps.sh)"
    mpi_path() { ompi_info --path "$1" --parsable | sed -n "s/^path:$1://p"; }
    prefix=$(mpi_path prefix)
    pkglibdir=$(mpi_path pkglibdir)
    pkgdatadir=$(mpi_path pkgdatadir)
    sysconfdir=$(mpi_path sysconfdir)
    [[ $pkglibdir == "$prefix"/* && $pkgdatadir == "$prefix"/* ]] || die "Open MPI's plugins are not below its prefix $prefix"
    # With OPAL_PREFIX set to the bundle, Open MPI looks for its plugins and help texts at the same
    # places relative to it as relative to its installed prefix.
    plugins=$root/${pkglibdir#"$prefix"/}
    mkdir -p "$plugins" "$root/${pkgdatadir#"$prefix"/}"
    for program in orterun orted ompi_info; do
        cp "$(command -v $program)" "$root/bin/$program"
        elves+=("$root/bin/$program")
    done
    ln -s orterun "$root/bin/mpirun"
    ln -s orterun "$root/bin/mpiexec"
    for plugin in "$pkglibdir"/*.so; do
        if readelf -d "$plugin" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }' | grep -qE "$hardware"; then continue; fi
        cp "$plugin" "$plugins/"
        elves+=("$plugins/$(basename "$plugin")")
    done
    cp -r "$pkgdatadir/." "$root/${pkgdatadir#"$prefix"/}/"
    cp "$sysconfdir/openmpi-mca-params.conf" "$root/etc/openmpi-mca-params.conf" 2>/dev/null || : >"$root/etc/openmpi-mca-params.conf"
    cat >>"$root/etc/openmpi-mca-params.conf" <<'EOF'

# Added by scripts/bundle.sh: the bundle carries no InfiniBand, UCX, libfabric or PSM transports.
mca_base_component_show_load_errors = 0
EOF
    # PMIx (an external library in Debian's Open MPI) has plugins and help texts of its own,
    # relocated with PMIX_PKGLIBDIR and PMIX_PKGDATADIR.
    pmix_library=$(ldconfig -p | awk '/libpmix\.so\.2 / { print $NF; exit }')
    if [[ -n $pmix_library ]]; then
        pmix_prefix=$(dirname "$(dirname "$(readlink -f "$pmix_library")")")
        if [[ -d $pmix_prefix/lib/pmix ]]; then
            mkdir -p "$root/pmix/lib/pmix" "$root/pmix/share"
            cp "$pmix_prefix"/lib/pmix/*.so "$root/pmix/lib/pmix/"
            cp -r "$pmix_prefix/share/." "$root/pmix/share/" 2>/dev/null || true
            for plugin in "$root"/pmix/lib/pmix/*.so; do elves+=("$plugin"); done
        fi
    fi
fi

# The libraries: everything the ELF files need, found as on this machine, except glibc's own
# (the target's C library must be new enough, see README).
base='^(linux-vdso|ld-linux|libc|libm|libpthread|libdl|librt|libresolv|libutil|libnsl|libanl|libmvec)\.so'
# Without Open MPI in the bundle, its libraries come from the cluster's installation.
((with_mpi)) || base="$base|^(libmpi|libopen-rte|libopen-pal|libmca_common_|libpmix|libhwloc|libevent|libmunge|libucp|libucs|libfabric)"
declare -A copied=()
for elf in "${elves[@]}"; do
    while read -r soname path; do
        [[ $soname =~ $base ]] && continue
        [[ $path == /* ]] || die "$(basename "$elf") needs $soname, which is not found here"
        [[ -n ${copied[$soname]:-} ]] && continue
        cp -L "$path" "$root/lib/$soname"
        copied[$soname]=1
    done < <(LD_LIBRARY_PATH=$root/lib ldd "$elf" | awk '/=>/ { print $1, $3 }')
done
say "${#copied[@]} libraries in lib/"

# RUNPATHs relative to each file ($ORIGIN is its own folder): a RUNPATH serves only the file's
# own dependencies, so every program, library and plugin gets one.
for elf in "${elves[@]}" "$root"/lib/*.so*; do
    relative=$(realpath --relative-to="$(dirname "$elf")" "$root/lib")
    # shellcheck disable=SC2016 # $ORIGIN is for the dynamic loader, not the shell
    patchelf --set-rpath "\$ORIGIN${relative:+/$relative}" "$elf"
done

glibc=$(for file in "$root"/bin/* "$root"/lib/*.so*; do
    [[ -L $file ]] && continue
    objdump -T "$file" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' || true
done | sort -uV | tail -n 1)

cat >"$root/env.sh" <<'EOF'
# Source this file from bash or zsh: `source sweep-mpi-*/env.sh`. It puts the bundle's programs on
# PATH and tells Open MPI and PMIx where they were moved to (the programs find the bundle's
# libraries themselves).
if [ -n "${BASH_SOURCE:-}" ]; then
    _sweep_mpi_bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
else
    eval '_sweep_mpi_bundle=$(cd "$(dirname "${(%):-%x}")" && pwd)'
fi
export PATH="$_sweep_mpi_bundle/bin${PATH:+:$PATH}"
if [ -x "$_sweep_mpi_bundle/bin/orterun" ]; then
    export OPAL_PREFIX="$_sweep_mpi_bundle"
    export OPAL_SYSCONFDIR="$_sweep_mpi_bundle/etc"
    if [ -d "$_sweep_mpi_bundle/pmix" ]; then
        export PMIX_PKGLIBDIR="$_sweep_mpi_bundle/pmix/lib/pmix" PMIX_PKGDATADIR="$_sweep_mpi_bundle/pmix/share/pmix"
    fi
fi
export OPENBLAS_NUM_THREADS=1
unset _sweep_mpi_bundle
EOF

cat >"$root/README" <<EOF
sweep-mpi $version for Linux $(uname -m), commit $(cat "$root/share/sweep-mpi/git-commit"), built $(date -u +%Y-%m-%d).

Runs where no Swift toolchain is installed: the Swift standard library and Foundation are linked
into bin/sweep-mpi, and lib/ holds every other library it needs except the C library.
Needs: Linux on $(uname -m) with glibc ${glibc#GLIBC_} or newer (Debian 12, Ubuntu 24.04, RHEL 10 or later).
$( [[ $(uname -m) == x86_64 && ${SWEEP_MPI_PORTABLE:-0} != 1 ]] && echo "CPU: x86-64-v3 (AVX2 and FMA: Intel from Haswell, AMD from Zen); on an older one sweep-mpi exits with 78 and says so (build the bundle with SWEEP_MPI_PORTABLE=1 for any x86-64)." )

    tar xzf $name.tar.gz
    source $name/env.sh
    sweep-mpi --version
    mpirun -n 16 sweep-mpi sweeps/fig5.json              # the bundled Open MPI (TCP, shared memory)
    mpirun --prefix \$OPAL_PREFIX --hostfile hosts -n 64 sweep-mpi sweeps/fig5.json   # several nodes
    srun --mpi=pmix -n 64 sweep-mpi sweeps/fig5.json     # Slurm (the job inherits the environment)

$( ((with_mpi)) && echo "Open MPI: bin/mpirun is $(ompi_info --version 2>/dev/null | head -n 1) with its plugins for TCP and shared memory (no
InfiniBand, UCX, libfabric or PSM). On a cluster with a fast network, use the cluster's Open MPI 4.x
instead: load it so that its lib folder is on LD_LIBRARY_PATH, which wins over the bundle's, and
launch with its mpirun or srun (or use a bundle made with --no-mpi)." \
   || echo "Open MPI is not bundled: load the cluster's Open MPI 4.x (libmpi.so.40, found through
LD_LIBRARY_PATH or the system's library path) before running; lib/ carries parallel HDF5 built
against Open MPI 4.1, whose ABI every 4.x shares." )

Results are bit-identical whatever the number of ranks or nodes as long as every rank uses the same
OpenBLAS kernels: on nodes of different CPU generations set OPENBLAS_CORETYPE (e.g. Haswell) for all.

The results file must be on a file system every node shares and that supports MPI-IO (Lustre,
GPFS, NFS with care): see docs/operations.md in the sources.
EOF

mkdir -p "$output"
tarball=$(cd "$output" && pwd)/$name.tar.gz
tar czf "$tarball" -C "$staging" "$name"
say "$tarball ($(du -h "$tarball" | cut -f1); needs glibc ${glibc#GLIBC_})"
echo "$tarball"
