#!/usr/bin/env bash
# The C API end to end: publish libparquetflow.so with NativeAOT, build examples/market_data.c with gcc against it,
# run it (it also checks the documented errors of bad calls), and check its file with DuckDB and pqflow inspect.
# PQFLOW_ARCH=arm64: the arm64 library and C programs (aarch64-linux-gnu-gcc) run under qemu; DuckDB and the x64
# pqflow read the files they wrote.
set -euo pipefail
. "$(dirname "$0")/lib/c-api.sh"

publish_native pqflow_create pqflow_set_schema pqflow_log pqflow_log_record pqflow_flush pqflow_destroy pqflow_last_error pqflow_get_stats

"$cc" -O2 -Wall -Wextra -Werror -I include examples/market_data.c -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/market_data"
$on_target "$dir/market_data" "$dir/md.parquet" 1000000 > "$dir/run.log" || { cat "$dir/run.log"; echo "market_data failed"; exit 1; }
grep -q "written 1000000 " "$dir/run.log" || { cat "$dir/run.log"; exit 1; }

. tests/system/lib/duckdb-query.sh
[ "$(q "SELECT count(*) FROM '$dir/md.parquet'")" = 1000000 ] || { echo "DuckDB count wrong"; exit 1; }
[ "$(q "SELECT sum(order_id)::BIGINT FROM '$dir/md.parquet'")" = 499999500000 ] || { echo "DuckDB order_id sum wrong"; exit 1; }
[ "$(q "SELECT count(*) FROM '$dir/md.parquet' WHERE symbol NOT IN ('AAPL','MSFT','NVDA','AMZN','GOOGL','META','TSLA','BRK.B')")" = 0 ] || { echo "symbols not trimmed strings"; exit 1; }
[ "$(q "SELECT count(*) FROM '$dir/md.parquet' WHERE symbol = 'GOOGL' AND order_id % 8 = 4")" = 125000 ] || { echo "symbol/order mismatch"; exit 1; }
# DuckDB reads TIMESTAMP(NANOS, UTC) as TIMESTAMPTZ (microseconds): check order and span, not every nanosecond.
[ "$(q "SELECT count(*) FROM (SELECT timestamp_ns t, lag(timestamp_ns) OVER (ORDER BY order_id) p FROM '$dir/md.parquet') WHERE t < p OR t < TIMESTAMPTZ '2020-01-01'")" = 0 ] || { echo "timestamps out of order"; exit 1; }
span=$(q "SELECT (max(epoch_us(timestamp_ns)) - min(epoch_us(timestamp_ns)))::BIGINT FROM '$dir/md.parquet'")
[ "$span" -ge 99998 ] && [ "$span" -le 100000 ] || { echo "timestamp span $span us, expected ~99999"; exit 1; }
"$cc" -O2 -Wall -Wextra -Werror -pthread -I include tests/system/sink_c_mpsc.c -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/mpsc"
$on_target "$dir/mpsc" "$dir/mpsc.parquet" > "$dir/mpsc.log" || { cat "$dir/mpsc.log"; echo "MPSC from C failed"; exit 1; }
[ "$(q "SELECT count(DISTINCT id) FROM '$dir/mpsc.parquet'")" = 1000000 ] || { echo "MPSC: ids missing"; exit 1; }
[ "$(q "SELECT count(*) FROM '$dir/mpsc.parquet' WHERE (value IS NULL) <> (id % 10 = 0) OR (value IS NOT NULL AND value <> id % 1000) OR text <> 't' || (id % 100)::VARCHAR")" = 0 ] || { echo "MPSC: values wrong"; exit 1; }
$pqflow_host inspect "$dir/md.parquet" | grep -q "TIMESTAMP(NANOS, UTC)" || { echo "inspect: no timestamp column"; exit 1; }
# The profile field: the default (zero) writes only what every reader reads, compact delta-encodes the monotonic ids.
$pqflow_host inspect --pages "$dir/md.parquet" > "$dir/md.inspect"
grep -q " data v1 " "$dir/md.inspect" && ! grep -Eq "DELTA_|BYTE_STREAM_SPLIT| data v2 " "$dir/md.inspect" || { echo "default profile: compact encodings or v2 pages"; exit 1; }
"$cc" -O2 -Wall -Wextra -Werror -I include tests/system/sink_c_profile.c -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/profile"
for p in 0 1; do
    $on_target "$dir/profile" "$dir/profile$p.parquet" $p || { echo "profile $p from C failed"; exit 1; }
    [ "$(q "SELECT count(*) FROM '$dir/profile$p.parquet' WHERE text <> 't' || (id % 100)::VARCHAR")" = 0 ] || { echo "profile $p: values wrong"; exit 1; }
    $pqflow_host inspect "$dir/profile$p.parquet" > "$dir/profile$p.inspect"
done
! grep -q "DELTA_BINARY_PACKED" "$dir/profile0.inspect" || { echo "PQFLOW_PROFILE_COMPATIBLE wrote DELTA_BINARY_PACKED"; exit 1; }
grep -q "DELTA_BINARY_PACKED" "$dir/profile1.inspect" || { cat "$dir/profile1.inspect"; echo "PQFLOW_PROFILE_COMPACT did not delta-encode the ids"; exit 1; }
echo "C API ($arch): libparquetflow.so + gcc market_data.c + MPSC from two C threads + both profiles + DuckDB checks: ok"
