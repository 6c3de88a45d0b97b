#!/usr/bin/env bash
# The README's first command: `pqflow demo` runs the whole system on built-in defaults (simulated racks into an
# in-process collector, market data through the log sink, sensors into a sensor store forwarded to Parquet) and says
# what each part stored and where. DuckDB must find exactly what the summary claims; the web view answers while it
# runs; a second run reuses its directory; a directory the demo did not write is refused. PQFLOW_ARCH=arm64: the
# arm64 NativeAOT pqflow under qemu.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib/arch.sh
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
. tests/system/lib/duckdb-query.sh
fail() { echo "demo: $1"; cat "$dir/out" "$dir/err" 2>/dev/null; exit 1; }
number() { sed -n "$1" "$dir/out" | head -n 1 | tr -d ,; }

$pqflow demo --seconds 4 --racks 4 --sensors 12 --orders-per-second 50000 --dir "$dir/demo" --http 127.0.0.1:0 > "$dir/out" 2> "$dir/err" &
demo=$!
for _ in $(seq 1 300); do grep -q "^web view at " "$dir/out" && break; sleep 0.1; done
url=$(sed -n 's/^web view at \(http[^ ]*\) .*/\1/p' "$dir/out")
[ -n "$url" ] || fail "no web view line"
[ "$(curl -s "${url}healthz")" = ok ] || fail "the web view did not answer /healthz while the demo ran"
wait $demo || fail "exit $?"

collector_rows=$(number 's/^  Parquet .*collector\/parquet ([0-9,]* files\{0,1\}, \([0-9,]*\) rows.*/\1/p')
registers=$(number 's/^collector: .*(\([0-9,]*\) register values).*/\1/p')
[ -n "$collector_rows" ] && [ "$collector_rows" -gt 0 ] && [ "$collector_rows" = "$registers" ] || fail "collector rows '$collector_rows', register values '$registers'"
[ "$(q "SELECT count(*) FROM read_parquet('$dir/demo/collector/parquet/**/*.parquet', hive_partitioning = true)")" = "$collector_rows" ] || fail "DuckDB finds another collector row count than $collector_rows"
[ "$(q "SELECT count(DISTINCT source_id) FROM read_parquet('$dir/demo/collector/parquet/**/*.parquet', hive_partitioning = true)")" = 4 ] || fail "not 4 racks in the collector's Parquet"
[ -s "$dir/demo/collector/image.bin" ] || fail "no image.bin"

orders=$(number 's/^log sink: [0-9,]* market-data orders logged without blocking, \([0-9,]*\) written.*/\1/p')
[ -n "$orders" ] && [ "$orders" -gt 0 ] || fail "no orders written"
[ "$(q "SELECT count(*) FROM '$dir/demo/market/*.parquet'")" = "$orders" ] || fail "DuckDB finds another order count than $orders"
[ "$(q "SELECT count(DISTINCT order_id) FROM '$dir/demo/market/*.parquet'")" = "$orders" ] || fail "order ids repeat"

forwarded=$(number 's/^sensor store: .*; \([0-9,]*\) forwarded in .*/\1/p')
[ -n "$forwarded" ] && [ "$forwarded" -gt 0 ] || fail "nothing forwarded from the sensor store"
[ "$(q "SELECT count(*) FROM '$dir/demo/store/forwarded/*.parquet'")" = "$forwarded" ] || fail "DuckDB finds another forwarded count than $forwarded"
[ "$(q "SELECT count(*) FROM (SELECT DISTINCT source, sensor_id, record_index FROM '$dir/demo/store/forwarded/*.parquet')")" = "$forwarded" ] || fail "a record was forwarded twice"
[ "$(q "SELECT count(DISTINCT (source, sensor_id)) FROM '$dir/demo/store/forwarded/*.parquet'")" = 12 ] || fail "not 12 sensors forwarded"

# Again in the same directory: its parts are replaced, not added to.
$pqflow demo --seconds 1 --racks 2 --sensors 3 --orders-per-second 1000 --dir "$dir/demo" > "$dir/out" 2> "$dir/err" || fail "second run: exit $?"
[ "$(q "SELECT count(DISTINCT source_id) FROM read_parquet('$dir/demo/collector/parquet/**/*.parquet', hive_partitioning = true)")" = 2 ] || fail "the second run kept the first run's racks"

mkdir "$dir/mine" && echo keep > "$dir/mine/notes.txt"
set +e
err=$($pqflow demo --seconds 1 --dir "$dir/mine" 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 2 ] && echo "$err" | grep -q "did not write" && [ -f "$dir/mine/notes.txt" ] || fail "a foreign directory: exit $rc, '$err'"
echo "pqflow demo, the whole system ($arch): ok (collector $collector_rows rows, $orders orders, $forwarded sensor records forwarded)"
