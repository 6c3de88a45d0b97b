#!/usr/bin/env bash
# The power-cut campaign in the suite: a few dozen cuts per durable component (scripts/powercut.sh; the README shows
# the soak). Exit 0 when nothing promised durable was lost and nothing corrupt came back.
set -uo pipefail
cd "$(dirname "$0")/../.."
# test.sh built the solution already; a developer's run builds it here.
if [ "${PQFLOW_BUILD_LOCK_HELD:-}" = 1 ] && [ -f tests/ParquetFlow.PowerCut/bin/Release/net10.0/ParquetFlow.PowerCut.dll ]; then
    export PQFLOW_POWERCUT_NO_BUILD=1
fi
scripts/powercut.sh "${PQFLOW_POWERCUT_CUTS:-24}"
