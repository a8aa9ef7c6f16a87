#!/usr/bin/env bash
# Installs what sweep-mpi needs on Debian 12 that is not there yet: Open MPI, OpenBLAS,
# parallel HDF5 (+ h5dump), Slurm with munge (for the Slurm tests and the batch script), iproute2
# (network namespaces: the multi-node test), patchelf (scripts/bundle.sh), and the
# Python packages used by the results loader, the figure script and the tests.
# Idempotent and quick when everything is installed. Needs root (or sudo) for apt-get.
set -euo pipefail

apt_packages=(libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-openmpi-dev hdf5-tools pkg-config
              slurmctld slurmd slurm-client munge iproute2 patchelf)
pip_packages=(h5py pandas matplotlib pytest)

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c "import h5py, pandas, matplotlib, pytest" 2>/dev/null; then
    echo "install-deps: pip installing ${pip_packages[*]}"
    "$python" -m pip install -q --disable-pip-version-check "${pip_packages[@]}"
fi

command -v swift >/dev/null || { echo "install-deps: a Swift 6 toolchain is needed on PATH (https://swift.org/install)" >&2; exit 1; }
echo "install-deps: ok"
