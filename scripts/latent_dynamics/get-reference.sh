#!/usr/bin/env bash
# Gets what the latent_dynamics scripts compare against, outside this repository (nothing of it
# is copied in; the scripts import it at run time):
#   * the reference code and its shipped runs, snel-repo/expressive-latent-dynamics-paper at
#     ed520d4 (the commit docs/families/latent_dynamics.md describes; its datasets/*.h5 are Git
#     LFS-sized blobs that are left out);
#   * torchdyn 1.0.1, the version the reference pins, unpacked from its wheel (pip download).
# Prints the LATENT_REFERENCE and TORCHDYN_PATH lines to use. PyTorch (CPU) is the only other
# requirement: pip install torch numpy pandas h5py matplotlib.
#
#   scripts/latent_dynamics/get-reference.sh [DIR]     # default: ~/.cache/sweep-mpi/latent-reference
set -euo pipefail
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sweep-mpi/latent-reference}"
commit=ed520d4
if [ ! -d "$dir/repo/.git" ]; then
  mkdir -p "$dir"
  GIT_LFS_SKIP_SMUDGE=1 git clone --quiet --no-checkout https://github.com/snel-repo/expressive-latent-dynamics-paper "$dir/repo"
fi
git -C "$dir/repo" sparse-checkout set --no-cone '/*' '!/datasets/'
git -C "$dir/repo" checkout --quiet "$commit"
if [ ! -d "$dir/torchdyn-1.0.1/torchdyn" ]; then
  pip download --quiet --no-deps torchdyn==1.0.1 -d "$dir/wheels"
  python3 -m zipfile -e "$dir"/wheels/torchdyn-1.0.1-py3-none-any.whl "$dir/torchdyn-1.0.1"
fi
echo "export LATENT_REFERENCE=$dir/repo"
echo "export TORCHDYN_PATH=$dir/torchdyn-1.0.1"
