#!/usr/bin/env bash
# Rewrites the generated parts of the documentation: the parameter table of every family in
# docs/families/<family>.md, between the lines "<!-- parameters FAMILY: begin -->" and
# "<!-- parameters FAMILY: end -->", from `sweep-mpi params FAMILY --format markdown`.
# The end-to-end tests fail when a table is stale. Usage: scripts/generate-docs.sh [SWEEP_MPI]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
    swift build -c release >/dev/null
    bin=.build/release/sweep-mpi
fi
for page in docs/families/*.md; do
    family=$(sed -n 's/^<!-- parameters \([a-z_]*\): begin -->$/\1/p' "$page")
    [ -n "$family" ] || continue
    table=$("$bin" params "$family" --format markdown)
    python3 - "$page" "$family" "$table" <<'PY'
import sys
page, family, table = sys.argv[1:4]
text = open(page).read()
begin, end = f"<!-- parameters {family}: begin -->", f"<!-- parameters {family}: end -->"
a, b = text.index(begin) + len(begin), text.index(end)
open(page, "w").write(text[:a] + "\n" + table.rstrip("\n") + "\n" + text[b:])
PY
    echo "generate-docs: $page ($family)"
done
