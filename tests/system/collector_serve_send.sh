#!/usr/bin/env bash
# pqflow serve as written in the README (--port --framing --data, plus a second --listen PORT:simple listener; last, a --listen
# ADDR:PORT:FRAMING alone), four pqflow send clients, one client that ends
# with a malformed frame, then SIGTERM: the server closes only the bad connection, exits 0, and keeps every accepted
# frame in its raw log and its image.bin; query answers while it runs, and replay rebuilds image.bin exactly.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/collector-server.sh
dir=$(mktemp -d)
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT

start_collector "$dir/data" "$dir/serve" --status-seconds 0.5 --listen 0:simple
for _ in $(seq 1 50); do [ "$(grep -c "listening on" "$dir/serve.out")" -ge 2 ] && break; sleep 0.1; done
simple_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) (simple framing).*/\1/p' "$dir/serve.out")
[ -n "$simple_port" ] || { echo "--listen 0:simple did not start a simple-framing listener"; cat "$dir/serve.out"; exit 1; }

$pqflow send --port "$port" --clients 4 --packets 500 --registers 10 --full-every 50 > "$dir/send.out"
grep -q "sent 2,000 packets (20,000 registers) from 4 client(s)" "$dir/send.out" || { cat "$dir/send.out"; exit 1; }
$pqflow send --port "$port" --clients 1 --packets 3 --registers 5 --malformed > /dev/null
$pqflow send --port "$simple_port" --framing simple --clients 1 --packets 10 --registers 5 > /dev/null

[ "$($pqflow query --port "$port" --source-id 2 0-2 | tail -n +3 | wc -l)" = 3 ] || { echo "query of a known source"; exit 1; }
set +e; $pqflow query --port "$port" --source-id 99 7 > /dev/null 2>&1; qrc=$?; set -e
[ $qrc -eq 1 ] || { echo "query of an unknown source exited $qrc"; exit 1; }

kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
[ $rc -eq 0 ] || { echo "serve exited $rc after SIGTERM"; cat "$dir/serve.err"; exit 1; }
# 2,000 + 3 + 10 (simple framing) packets and the 2 queries are frames; the malformed client is source 1 again and restarts its
# sequence at 0: one gap.
grep -q "^stopped: connections 0, frames 2015, registers 20065, .*rejected 1, gaps 1, .*sources 4$" "$dir/serve.out" \
    || { echo "final status wrong:"; tail -n 3 "$dir/serve.out"; exit 1; }
grep -q "malformed frame" "$dir/serve.err" || { echo "the bad connection's reason was not logged"; cat "$dir/serve.err"; exit 1; }
[ -s "$dir/data/image.bin" ] && ls "$dir"/data/raw/log-*.bin > /dev/null || { echo "no image.bin or raw log"; ls -R "$dir/data"; exit 1; }
# Rows reach Hive-partitioned Parquet: one source=RACK-N directory per sender, each with a complete file.
[ "$(ls "$dir/data/parquet" | grep -c '^source=RACK-')" = 4 ] || { echo "expected 4 source partitions"; ls -R "$dir/data/parquet"; exit 1; }
rows=0
for f in "$dir"/data/parquet/source=*/date=*/part-*.parquet; do
    n=$($pqflow inspect "$f" | sed -n 's/^rows: *\([0-9,]*\) in.*/\1/p' | tr -d ,)
    rows=$((rows + n))
done
[ "$rows" = 20065 ] || { echo "Parquet holds $rows rows, expected 20065"; exit 1; }

# Replay equals live: the images rebuilt from the raw log are byte for byte the image.bin written at shutdown.
$pqflow replay --data "$dir/data" --parquet "$dir/replayed" > "$dir/replay.out"
grep -q "^replayed 2,015 frames (20,065 register values)$" "$dir/replay.out" && grep -q "^images: 4 source(s), 1 sequence gap(s)" "$dir/replay.out" \
    || { echo "replay count"; cat "$dir/replay.out"; exit 1; }
cmp "$dir/data/image.bin" "$dir/data/image.replayed.bin" || { echo "replayed images differ from the live ones"; exit 1; }
# ... and the Parquet rebuilt from it has the live run's partitions and rows (tests/ParquetFlow.Collector.Tests compares them row by row).
[ "$(cd "$dir/replayed" && ls -d source=*/date=*)" = "$(cd "$dir/data/parquet" && ls -d source=*/date=*)" ] || { echo "replayed partitions differ"; ls -R "$dir/replayed"; exit 1; }
replayed_rows=0
for f in "$dir"/replayed/source=*/date=*/part-*.parquet; do
    n=$($pqflow inspect "$f" | sed -n 's/^rows: *\([0-9,]*\) in.*/\1/p' | tr -d ,)
    replayed_rows=$((replayed_rows + n))
done
[ "$replayed_rows" = 20065 ] || { echo "replayed Parquet holds $replayed_rows rows, expected 20065"; exit 1; }

# --listen ADDR:PORT:FRAMING with no --port: that listener alone, on that address.
$pqflow serve --listen 127.0.0.1:0:simple --data "$dir/data-listen" > "$dir/listen.out" 2> "$dir/listen.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/listen.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
[ "$(grep -c "^listening on 127\.0\.0\.1:[0-9]* (simple framing)" "$dir/listen.out")" = 1 ] && [ "$(grep -c "^listening on" "$dir/listen.out")" = 1 ] \
    || { echo "--listen 127.0.0.1:0:simple alone should give one simple listener:"; cat "$dir/listen.out" "$dir/listen.err"; exit 1; }
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""
echo "pqflow serve/send/query/replay, --listen ADDR:PORT:FRAMING: ok"
