#!/usr/bin/env bash
# The collector on a real full disk (issue 12 §4): on a 4 MiB tmpfs whose space a filler file takes, `pqflow serve`
# reports the failure (status line: flush failures and the reason; /metrics: flush failures, durable frames that stop
# rising), loses nothing it had made durable, and resumes by itself when the space returns (durable frames rise
# again, frames sent after are stored); stopping it exits 1 with one line saying what was not stored. Needs root for
# the mount; skipped (77) where the mount is refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f src/pqflow/bin/Release/net10.0/pqflow.dll ] || { echo "build the solution first" >&2; exit 1; }
. tests/system/lib/collector-server.sh
work=$(mktemp -d)
disk="$work/disk"
mkdir "$disk"
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    umount "$disk" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=4m tmpfs "$disk" 2>"$work/mount.err"; then
    echo "skipped: cannot mount a 4 MiB tmpfs on $disk: $(cat "$work/mount.err") (needs root)" >&2
    exit 77
fi
fail() { echo "collector_full_disk: $1" >&2; shift; tail -n 5 "$@" >&2; exit 1; }
metric() { curl -s "http://127.0.0.1:$metrics_port/metrics" | sed -n "s/^$1\({[^}]*}\)\? //p"; }

start_collector "$disk/data" "$work/serve" --metrics-port 0 --status-seconds 1
for _ in $(seq 1 100); do grep -q "^metrics at" "$work/serve.out" && break; sleep 0.1; done
metrics_port=$(sed -n 's|^metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics|\1|p' "$work/serve.out")
[ -n "$metrics_port" ] || fail "no metrics endpoint" "$work/serve.out"

# 1. Room to spare: 100 frames are stored and made durable by a periodic flush (every 5 s).
$pqflow send --port "$port" --packets 100 --registers 50 --first-source 1 > "$work/send1.out"
for _ in $(seq 1 150); do [ "$(metric pqflow_collector_frames_durable)" = 100 ] && break; sleep 0.1; done
[ "$(metric pqflow_collector_frames_durable)" = 100 ] || fail "the first 100 frames were not made durable" "$work/serve.out"

# 2. The disk fills up: frames sent now cannot all be stored, and the collector says so.
avail=$(df --output=avail -B1 "$disk" | tail -n 1)
head -c "$avail" /dev/zero > "$disk/filler" 2>/dev/null || true
$pqflow send --port "$port" --packets 3000 --registers 100 --first-source 2 > "$work/send2.out" 2>&1 || true
for _ in $(seq 1 150); do [ "$(metric pqflow_collector_flush_failures_total)" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
[ "$(metric pqflow_collector_flush_failures_total)" -gt 0 ] || fail "no flush failure reported on a full disk" "$work/serve.out" "$work/serve.err"
for _ in $(seq 1 50); do grep -q "flush failures [1-9][0-9]* (last: .*No space left on device" "$work/serve.out" && break; sleep 0.1; done
grep -q "flush failures [1-9][0-9]* (last: .*No space left on device" "$work/serve.out" || fail "the status line does not say why" "$work/serve.out"
durable_full=$(metric pqflow_collector_frames_durable)
[ "$durable_full" -ge 100 ] || fail "durable frames went down to $durable_full" "$work/serve.out"

# 3. Space returns: without a restart, the frames already accepted and new ones become durable.
rm -f "$disk/filler"
$pqflow send --port "$port" --packets 100 --registers 50 --first-source 3 > "$work/send3.out"
frames=$(metric pqflow_collector_frames_total)
for _ in $(seq 1 150); do [ "$(metric pqflow_collector_frames_durable)" = "$frames" ] && break; sleep 0.1; done
[ "$(metric pqflow_collector_frames_durable)" = "$frames" ] || fail "after space returned, $(metric pqflow_collector_frames_durable) of $frames frames are durable" "$work/serve.out" "$work/serve.err"

# 4. Stop: what the full disk cost is said in one line, with exit 1 (Parquet rows were lost while the disk was full).
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?; server_pid=""
n=$(grep -c '^pqflow serve: not everything received was stored: ' "$work/serve.err" || true)
if [ "$rc" -eq 0 ]; then
    [ "$n" -eq 0 ] || fail "exit 0 but a not-stored line" "$work/serve.err"
else
    [ "$rc" -eq 1 ] && [ "$n" -eq 1 ] || fail "stop exited $rc with $n not-stored lines" "$work/serve.err"
fi

# 5. Every durable frame is in the raw log, in a replay that reads it.
replayed=$($pqflow replay --data "$disk/data" --image "$work/replayed.bin" | sed -n 's/^replayed \([0-9,]*\) frames.*/\1/p' | tr -d ,)
[ "$replayed" -ge "$frames" ] || fail "the raw log replays $replayed frames, $frames were durable" /dev/null
echo "collector_full_disk: ok (durable before the disk filled 100, at full $durable_full, after space returned $frames; stop exit $rc; replayed $replayed)"
