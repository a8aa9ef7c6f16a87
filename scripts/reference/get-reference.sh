#!/usr/bin/env bash
# Clones Farrell et al.'s published reference code (msf235/Robust_representations_paper_code, the
# commit docs/farrell.md describes) outside this repository and prints the FARRELL_REFERENCE line
# to use. The reference is never copied into this repository: the harness imports it at run time.
#
#   scripts/reference/get-reference.sh [DIR]      # default: ~/.cache/sweep-mpi/farrell-reference
#   export FARRELL_REFERENCE=DIR
set -euo pipefail
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sweep-mpi/farrell-reference}"
commit=f7c7456
if [ ! -d "$dir/.git" ]; then
  mkdir -p "$(dirname "$dir")"
  git clone --quiet https://github.com/msf235/Robust_representations_paper_code "$dir"
fi
git -C "$dir" checkout --quiet "$commit"
echo "export FARRELL_REFERENCE=$dir"
