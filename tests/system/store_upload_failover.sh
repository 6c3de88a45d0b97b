#!/usr/bin/env bash
# `pqflow store upload --failover` from the command line against a three-node NATS cluster (scripts/nats-cluster.sh):
# the store's home node (--port) is SIGKILLed before the upload, so every batch must go through the failover nodes;
# a persistent MQTT 3.1.1 session on node 3 (mosquitto_sub), made once the cluster serves again, counts the batches, and the store ends empty. A bad
# --failover is refused with exit 2 before the store is touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
pqflow=src/pqflow/bin/Release/net10.0/pqflow.dll
[ -f "$pqflow" ] || { echo "build the solution first ($pqflow missing)" >&2; exit 1; }
[ -x /usr/sbin/nats-server ] || { echo "nats-server not installed: scripts/setup.sh" >&2; exit 77; }
work=$(mktemp -d)
trap '[ -n "${sub:-}" ] && { pkill -P "$sub" 2>/dev/null; kill "$sub" 2>/dev/null; } || true; scripts/nats-cluster.sh stop "$work/nats" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "store_upload_failover: $1"; shift; [ $# -gt 0 ] && cat "$@"; exit 1; }

rc=0; dotnet "$pqflow" store upload --dir "$work/untouched" --failover nohost 2>"$work/bad.err" || rc=$?
[ "$rc" -eq 2 ] && [ ! -e "$work/untouched" ] || fail "a bad --failover exited $rc (expected 2) or created the store" "$work/bad.err"

dotnet "$pqflow" store simulate --dir "$work/store" --sensors 12 --records 2000 --event-share 0.5 >"$work/simulate.txt" \
    || fail "simulate failed" "$work/simulate.txt"
read -r p1 p2 p3 < <(scripts/nats-cluster.sh start "$work/nats")
scripts/nats-cluster.sh kill "$work/nats" 1
# With node 1 gone, the cluster elects new leaders for the streams and consumers it led; until then node 3 may refuse
# an MQTT session or deny its subscription ("All subscription requests were denied"). The subscriber's persistent
# session is made now, before any batch is published (a fresh session gets only what follows), and it must carry a
# probe end to end before the upload starts; like any real consumer it reconnects with the same session when it is
# dropped, and that session keeps every message published meanwhile.
subscribe() {
    while :; do
        mosquitto_sub -p "$p3" -V mqttv311 -i failover-sub -c -q 1 -t 'pqflow/#' -v >>"$work/messages.txt" 2>>"$work/sub.err" || true
        echo "mosquitto_sub ended; reconnecting its session" >>"$work/sub.err"
        sleep 0.5
    done
}
subscribe &
sub=$!
for _ in $(seq 1 120); do
    mosquitto_pub -p "$p3" -V mqttv311 -t pqflow/probe -m probe -q 1 2>>"$work/pub.err" || true
    grep -q '^pqflow/probe' "$work/messages.txt" 2>/dev/null && break
    sleep 0.5
done
grep -q '^pqflow/probe' "$work/messages.txt" || fail "node 3's subscriber never got its probe with node 1 down" "$work/sub.err" "$work/pub.err"

dotnet "$pqflow" store upload --dir "$work/store" --mqtt 3.1.1 --gateway failover --batch 500 --timeout 120 \
    --port "$p1" --failover "127.0.0.1:$p2" --failover "127.0.0.1:$p3" >"$work/upload.txt" 2>"$work/upload.err" \
    || fail "upload through the failover nodes failed" "$work/upload.txt" "$work/upload.err"
grep -q "uploaded 24000 records in 48 acknowledged batches" "$work/upload.txt" || fail "not every batch was acknowledged" "$work/upload.txt"
# Acknowledged means stored in the cluster's stream (replicas 3, a quorum of two with node 1 down); delivery to node
# 3's session follows: allow a minute for it on a loaded machine.
for _ in $(seq 1 600); do
    [ "$(grep -c '^pqflow/failover/' "$work/messages.txt" || true)" -ge 48 ] && break
    sleep 0.1
done
n=$(grep -c '^pqflow/failover/' "$work/messages.txt" || true)
if [ "$n" -lt 48 ]; then
    fail "the subscriber on node 3 saw $n batches, expected 48 (its stderr and the upload's log follow)" "$work/sub.err" "$work/upload.err"
fi
dotnet "$pqflow" store stats --dir "$work/store" | grep -q "records retained 0, unsent 0" || fail "the store is not empty after the upload"
echo "store upload --failover: 24,000 records through nodes 2 and 3 with node 1 down, $n batches received on node 3: ok"
