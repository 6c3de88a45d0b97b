#!/usr/bin/env bash
# A sink process killed with SIGKILL mid-write leaves FILE.inprogress + FILE.inprogress.journal;
# `pqflow recover` turns it into a valid file holding every flushed record, with the statistics and page index of a
# finished file, and `pqflow inspect` reads it.
# PQFLOW_ARCH=arm64: the sink process and `pqflow recover` are the arm64 NativeAOT builds under qemu; the x64 pqflow
# inspects the recovered file.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/arch.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fifo="$dir/out"
mkfifo "$fifo"
$sink_child "$dir" 500 > "$fifo" &
pid=$!
flushed=0
while read -r line; do
    case "$line" in flushed*) flushed=${line#flushed }; [ "$flushed" -ge 5000 ] && break;; esac
done < "$fifo"
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
# The kill must come while the sink runs: a sink process that ended by itself (its output closed) before 5,000 flushed
# records is a failure, not a crash to recover from.
[ "$flushed" -ge 5000 ] || { echo "the sink process ended after $flushed flushed records, before it was killed"; exit 1; }

shopt -s nullglob
inprogress=("$dir"/*.inprogress)
[ ${#inprogress[@]} -eq 1 ] || { echo "expected one file in progress, found: $(ls "$dir")"; exit 1; }
# Exit 3: valid again, but the unfinished row group after the last journaled one was discarded (a kill -9 leaves one).
rc=0
out=$($pqflow recover "${inprogress[0]}") || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] || { echo "recover exited $rc: $out"; exit 1; }
echo "$out" | grep -q "recovered" || { echo "recover said: $out"; exit 1; }
final="${inprogress[0]%.inprogress}"
[ -f "$final" ] && [ ! -e "$final.inprogress.journal" ] || { echo "no final file or a journal left behind"; ls "$dir"; exit 1; }
report=$($pqflow_host inspect "$final")
rows=$(echo "$report" | sed -n 's/^rows: *\([0-9,]*\).*/\1/p' | tr -d ,)
[ -n "$rows" ] && [ "$rows" -ge "$flushed" ] || { echo "recovered $rows rows, $flushed were flushed"; exit 1; }

# The recovered row groups keep the statistics and page index the sink wrote: every chunk of every row group has a
# column index and an offset index, and the footer's order_id min/max are the first and last order kept.
groups=$(echo "$report" | sed -n 's/^rows: .* in \([0-9]*\) row group(s)$/\1/p')
indexed=$(echo "$report" | grep -c ' column+offset$' || true)
[ "$indexed" -eq $((groups * 8)) ] || { echo "$indexed of $((groups * 8)) column chunks have a page index"; echo "$report"; exit 1; }
bounds=$(echo "$report" | awk '$1 == "order_id" { print $(NF-2), $(NF-1); exit }')
[ "$bounds" = "0 $((rows - 1))" ] || { echo "order_id statistics '$bounds', expected '0 $((rows - 1))'"; echo "$report"; exit 1; }

echo "no journal here" > "$dir/plain.parquet"
set +e
err=$($pqflow recover "$dir/plain.parquet" 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -q "no readable journal" || { echo "bad file: exit $rc, '$err'"; exit 1; }
echo "sink kill -9 + pqflow recover ($arch): ok ($rows rows in $groups row groups with statistics and page index, $flushed flushed)"
