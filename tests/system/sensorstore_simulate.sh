#!/usr/bin/env bash
# `pqflow store simulate --dir D --sensors 20 --records 20000` must end healthy: every record accepted, the shutdown
# flush complete, no disk write failure, and after a restart (`pqflow store stats`) every record recovered with no
# corrupt sector. The output is checked line by line, not only the exit code (an unhealthy store has exited 0).
# The sector files stay within what the records need: at most 12 bytes per record (the largest, an event) plus two
# partly filled disk sectors per sensor, doubled for headers.
# PQFLOW_ARCH=arm64: the arm64 NativeAOT pqflow under qemu.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/arch.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sensors=20
records=20000

rc=0
$pqflow store simulate --dir "$work/store" --sensors $sensors --records $records > "$work/simulate.out" 2> "$work/simulate.err" || rc=$?
fail() { cat "$work/simulate.out"; tail -n 5 "$work/simulate.err"; echo "store simulate ($arch): $1"; exit 1; }
[ $rc -eq 0 ] || fail "exit $rc"
total=$((sensors * records))
grep -q "^wrote $total records to $sensors sensors in .*, 0 refused$" "$work/simulate.out" || fail "not every record was accepted"
grep -q "^shutdown flush: everything on disk in " "$work/simulate.out" || fail "the shutdown flush did not complete"
grep -q ", healthy True, write failures 0;" "$work/simulate.out" || fail "the store ended unhealthy"
grep -q "^records retained $total, unsent $total$" "$work/simulate.out" || fail "records retained differ from $total"

$pqflow store stats --dir "$work/store" > "$work/stats.out" 2> "$work/stats.err" || { cat "$work/stats.out" "$work/stats.err"; echo "store stats after restart failed"; exit 1; }
grep -q ", healthy True, write failures 0; recovered $sensors sensors (.*), 0 corrupt sectors skipped$" "$work/stats.out" \
    && grep -q "^records retained $total, unsent $total$" "$work/stats.out" \
    || { cat "$work/stats.out" "$work/stats.err"; echo "store simulate ($arch): the restart did not recover every record healthy"; exit 1; }

sector=$((64 * 1024))
bytes=$(find "$work/store" -name '*.dat' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
limit=$(((total * 12 + sensors * 2 * sector) * 2))
[ "$bytes" -le "$limit" ] || { echo "store simulate ($arch): sector files hold $bytes bytes for $total records (limit $limit): freed sectors are not reused"; exit 1; }
echo "store simulate ($arch): $total records in $sensors sensors, healthy, recovered after restart, $bytes bytes of sector files: ok"
