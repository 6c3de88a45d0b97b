#!/usr/bin/env bash
# The C fast path (pqflow_log_fast, inlined from include/parquet_flow.h) returns PQFLOW_ERR_IO, not ERR_FULL, once the
# sink's writer thread has died and closed the ring (tests/system/sink_c_dead_writer.c), with the compiler warnings on.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v gcc >/dev/null || { echo "gcc not installed: scripts/setup.sh" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -std=c11 -O2 -Wall -Wextra -Werror -I include tests/system/sink_c_dead_writer.c -o "$work/dead_writer"
"$work/dead_writer"
