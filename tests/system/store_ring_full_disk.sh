#!/usr/bin/env bash
# A full disk is told, not hidden (issue 11 §4, issue 12): on a 256 KiB tmpfs `pqflow store simulate` exits 1 with one
# line on stderr saying what was not stored and why (it printed "healthy False" and exited 0), and creating a
# MappedRing on a full disk fails with ENOSPC before anything is mapped and leaves no file (it mapped a sparse file
# and died of SIGBUS, leaving ring.bin.tmp.PID). Needs root for the mount; skipped (77) where mount is refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
pqflow=src/pqflow/bin/Release/net10.0/pqflow.dll
helper=tests/ParquetFlow.Ipc.TestProcess/bin/Release/net10.0/ParquetFlow.Ipc.TestProcess.dll
for f in "$pqflow" "$helper"; do
    [ -f "$f" ] || { echo "build the solution first ($f missing)" >&2; exit 1; }
done
work=$(mktemp -d)
disk="$work/disk"
mkdir "$disk"
trap 'umount "$disk" 2>/dev/null || true; rm -rf "$work"' EXIT
if ! mount -t tmpfs -o size=256k tmpfs "$disk" 2>"$work/mount.err"; then
    echo "skipped: cannot mount a 256 KiB tmpfs on $disk: $(cat "$work/mount.err") (needs root)" >&2
    exit 77
fi
fail() { echo "store_ring_full_disk: $1" >&2; shift; cat "$@" >&2; exit 1; }

# 20 sensors x 20,000 records need about 1.6 MB of 64 KiB sectors: the disk fills at once.
rc=0
dotnet "$pqflow" store simulate --dir "$disk/store" --sensors 20 --records 20000 --flush-budget 2 \
    >"$work/simulate.out" 2>"$work/simulate.err" || rc=$?
[ "$rc" -eq 1 ] || fail "store simulate on a full disk exited $rc, expected 1" "$work/simulate.out" "$work/simulate.err"
n=$(grep -c '^pqflow store simulate: not every record was stored: ' "$work/simulate.err" || true)
[ "$n" -eq 1 ] || fail "expected one summary line on stderr, found $n" "$work/simulate.err"
grep '^pqflow store simulate: ' "$work/simulate.err" | grep -q 'budget.*unhealthy.*disk write failures.*No space left on device' \
    || fail "the summary line does not say what failed and why" "$work/simulate.err"

# The same disk, full to the last block: the ring's create must fail with the reason, not with a signal.
rm -rf "$disk/store"
head -c 1M /dev/zero >"$disk/filler" 2>/dev/null || true
rc=0
timeout 120 dotnet "$helper" mapped-writer "$disk/ring.bin" 1 10 1024 1 >"$work/ring.out" 2>"$work/ring.err" || rc=$?
[ "$rc" -eq 1 ] || fail "mapped-writer on a full disk exited $rc, expected 1 (134/135: it crashed)" "$work/ring.out" "$work/ring.err"
grep -q '^mapped-writer: .*cannot reserve .*No space left on device' "$work/ring.err" || fail "no ENOSPC from the create" "$work/ring.err"
leftovers=$(find "$disk" -name 'ring.bin*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "the failed create left $(find "$disk" -name 'ring.bin*')" /dev/null
echo "store_ring_full_disk: ok"
