#!/usr/bin/env bash
# Clones Naumann, Keijser and Sprekeler's published code (sprekelerlab/feedback_modulation_Naumann22 at
# the commit docs/families/feedback_modulation.md describes, with its three trained models) outside
# this repository and prints the FEEDBACK_REFERENCE line to use. The reference is never copied into
# this repository: the harness imports it at run time. It needs torch, numpy, scipy, scikit-learn and
# matplotlib (tensorboard is stubbed when missing).
#
#   scripts/feedback_modulation/get-reference.sh [DIR]   # default: ~/.cache/sweep-mpi/feedback-reference
#   export FEEDBACK_REFERENCE=DIR
set -euo pipefail
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sweep-mpi/feedback-reference}"
commit=05373b0
if [ ! -d "$dir/.git" ]; then
  mkdir -p "$(dirname "$dir")"
  git clone --quiet https://github.com/sprekelerlab/feedback_modulation_Naumann22 "$dir"
fi
git -C "$dir" checkout --quiet "$commit"
echo "export FEEDBACK_REFERENCE=$dir"
