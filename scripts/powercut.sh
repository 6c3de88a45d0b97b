#!/usr/bin/env bash
# The power-cut campaign (issue 12): cuts power N times (default 30) per durable component -- log sink, sensor store,
# collector (raw log, image.bin, Parquet partitions), mapped ring -- at random calls through the storage seam while
# it works, reverts the disk to what the cut leaves (synced bytes plus a random part of the later writes, torn at
# 512-byte or 4 KiB blocks), restarts the component and checks that everything it reported durable is there, intact,
# in order. Prints per component: cuts, records promised, records lost (must be 0), anomalies; exits 1 on any.
# Usage: scripts/powercut.sh [N] [--seed S] [--only sink|store|collector|ring]
set -euo pipefail
cd "$(dirname "$0")/.."
project=tests/ParquetFlow.PowerCut/ParquetFlow.PowerCut.csproj
if [ "${PQFLOW_POWERCUT_NO_BUILD:-}" != 1 ]; then
    build=(dotnet build "$project" -c Release -nologo -v:q)
    if [ "${PQFLOW_BUILD_LOCK_HELD:-}" = 1 ]; then "${build[@]}" > /dev/null; else flock /tmp/pqflow-build.lock "${build[@]}" > /dev/null; fi
fi
exec dotnet tests/ParquetFlow.PowerCut/bin/Release/net10.0/ParquetFlow.PowerCut.dll "$@"
