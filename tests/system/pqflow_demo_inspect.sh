#!/usr/bin/env bash
# The README's main job: `pqflow demo --file` writes a market-data file, `pqflow inspect` describes it,
# and a file that is not Parquet gets a clear error and exit code 1. PQFLOW_ARCH=arm64: the arm64 NativeAOT pqflow
# under qemu.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/arch.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

out=$($pqflow demo --file --rows 50000 --output "$dir/md.parquet")
echo "$out" | grep -q "wrote 50,000 orders to $dir/md.parquet" || { echo "demo did not report the file: $out"; exit 1; }
[ -f "$dir/md.parquet" ] && [ ! -e "$dir/md.parquet.tmp" ] || { echo "demo left no final file or a temporary one"; exit 1; }

report=$($pqflow inspect --pages "$dir/md.parquet")
for expected in "rows:       50,000 in 1 row group(s)" "timestamp_ns  INT64       TIMESTAMP(NANOS, UTC)" "symbol        BYTE_ARRAY  STRING" "RLE_DICTIONARY" "ZSTD" "column+offset" "dict" " data v1 " "  ok"; do
    echo "$report" | grep -qF -- "$expected" || { echo "inspect output lacks '$expected'"; echo "$report"; exit 1; }
done
# The default profile is the one every reader reads: no delta or byte-stream-split encodings, no v2 pages.
! echo "$report" | grep -Eq "DELTA_|BYTE_STREAM_SPLIT| data v2 " || { echo "the default demo file uses compact encodings"; echo "$report"; exit 1; }
$pqflow demo --file --rows 50000 --output "$dir/compact.parquet" --profile compact > /dev/null
report=$($pqflow inspect --pages "$dir/compact.parquet")
for expected in "DELTA_BINARY_PACKED" " data v2 "; do
    echo "$report" | grep -qF -- "$expected" || { echo "compact inspect output lacks '$expected'"; echo "$report"; exit 1; }
done
[ "$(stat -c %s "$dir/compact.parquet")" -lt "$(stat -c %s "$dir/md.parquet")" ] || { echo "the compact file is not smaller"; exit 1; }

echo "not parquet" > "$dir/bad.parquet"
set +e
err=$($pqflow inspect "$dir/bad.parquet" 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -q "not a Parquet file" || { echo "bad file: exit $rc, '$err'"; exit 1; }
echo "pqflow demo/inspect ($arch): ok"
