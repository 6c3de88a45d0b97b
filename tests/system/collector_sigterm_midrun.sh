#!/usr/bin/env bash
# SIGTERM in the middle of a load: eight senders are still sending when the collector is told to stop. It must
# exit 0, and nothing it accepted may be lost: every register value of every frame in its raw log is a row in its
# Parquet files, and the images replayed from the raw log equal the image.bin it wrote.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/collector-server.sh
dir=$(mktemp -d)
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT

start_collector "$dir/data" "$dir/serve" --status-seconds 60

$pqflow send --port "$port" --clients 8 --packets 0 --duration 20 --registers 50 --full-every 100 > "$dir/send.out" 2>&1 &
sender_pid=$!
# Wait until frames are flowing, then stop the server mid-run.
for _ in $(seq 1 100); do [ "$(ls "$dir/data/raw" 2>/dev/null | wc -l)" -gt 0 ] && break; sleep 0.1; done
sleep 1.5
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
wait "$sender_pid" || true   # the senders see their connections close
[ $rc -eq 0 ] || { echo "serve exited $rc after SIGTERM"; tail -n 20 "$dir/serve.err"; exit 1; }

frames=$(sed -n 's/^stopped: connections 0, frames \([0-9]*\),.*/\1/p' "$dir/serve.out")
[ -n "$frames" ] && [ "$frames" -gt 0 ] || { echo "no final status"; tail -n 3 "$dir/serve.out"; exit 1; }
replay=$($pqflow replay --data "$dir/data")
replayed=$(echo "$replay" | sed -n 's/^replayed \([0-9,]*\) frames.*/\1/p' | tr -d ,)
[ "$replayed" = "$frames" ] || { echo "raw log holds other than the $frames accepted frames: $replay"; exit 1; }
sources=$(echo "$replay" | sed -n 's/^images: \([0-9]*\) source(s).*/\1/p')
[ "$sources" = 8 ] || { echo "expected all 8 senders to have been served, got $sources: $replay"; exit 1; }
values=$(echo "$replay" | sed -n 's/.*(\([0-9,]*\) register values).*/\1/p' | tr -d ,)
rows=0
for f in "$dir"/data/parquet/source=*/date=*/part-*.parquet; do
    n=$($pqflow inspect "$f" | sed -n 's/^rows: *\([0-9,]*\) in.*/\1/p' | tr -d ,)
    rows=$((rows + n))
done
[ "$rows" = "$values" ] || { echo "Parquet holds $rows rows, the raw log $values register values"; exit 1; }
cmp "$dir/data/image.bin" "$dir/data/image.replayed.bin" || { echo "replayed images differ from the live ones"; exit 1; }
echo "collector SIGTERM mid-run: ok ($frames frames, $rows rows kept)"
