#!/usr/bin/env bash
# pqflow bench collector, small: it starts a real pqflow serve child, sends, stops it with SIGTERM, checks that the
# Parquet rows equal the values sent (it exits non-zero otherwise), then holds idle connections and reads the
# server's memory. Figures are not judged here (benchmarks are not timed tests); the harness must work.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(dotnet src/pqflow/bin/Release/net10.0/pqflow.dll bench collector --clients 4 --packets 300 --registers 50 --runs 2 --connections 300)
echo "$out" | grep -q "^| 2 | [0-9.]* M | " || { echo "no second throughput run:"; echo "$out"; exit 1; }
echo "$out" | grep -q "^median: [0-9.]* M register values/s to finished Parquet" || { echo "no median:"; echo "$out"; exit 1; }
echo "$out" | grep -q "^| 300 | [0-9]* MB | [0-9]* MB | " || { echo "idle connections not all open:"; echo "$out"; exit 1; }
echo "pqflow bench collector: ok"
