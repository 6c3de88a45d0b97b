#!/usr/bin/env bash
# pqflow_log_fast, the C fast path inlined from include/parquet_flow.h: publish libparquetflow.so with NativeAOT, build
# tests/system/sink_c_fast_path.c with gcc (and the header as C++ with g++), run it single-producer, from two threads
# into a multi-producer sink, and into a 4 KiB ring the writer cannot keep up with, and check every file with DuckDB.
# PQFLOW_ARCH=arm64: built with aarch64-linux-gnu-gcc/g++ against the arm64 library, run under qemu.
set -euo pipefail
. "$(dirname "$0")/lib/c-api.sh"

publish_native pqflow_producer_open pqflow_log_record pqflow_get_stats
. tests/system/lib/duckdb-query.sh

"$cc" -std=c11 -O2 -Wall -Wextra -Werror -pedantic -pthread -I include tests/system/sink_c_fast_path.c \
    -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/fast"
printf '#include "parquet_flow.h"\nint log52(pqflow_producer* p, const void* r) { return pqflow_log_fast(p, r, 52); }\n' \
    | "$cxx" -std=c++17 -O2 -Wall -Wextra -Werror -I include -x c++ -c - -o "$dir/header.o" || { echo "the header's fast path does not compile as C++"; exit 1; }

run() { $on_target "$dir/fast" "$1" "$2" > "$dir/$1.log" 2>&1 || { cat "$dir/$1.log"; echo "sink_c_fast_path $1 failed"; exit 1; }; }
logged() { sed -n 's/.* logged \([0-9]*\) .*/\1/p' "$dir/$1.log"; }

run spsc "$dir/spsc.parquet"
f="$dir/spsc.parquet"
[ "$(q "SELECT count(*) FROM '$f'")" = 1000000 ] || { echo "SPSC: count wrong"; exit 1; }
[ "$(q "SELECT count(DISTINCT order_id) FROM '$f'")" = 1000000 ] || { echo "SPSC: order ids missing or repeated"; exit 1; }
[ "$(q "SELECT sum(order_id)::BIGINT FROM '$f'")" = 499999500000 ] || { echo "SPSC: order_id sum wrong"; exit 1; }
[ "$(q "SELECT count(*) FROM '$f' WHERE symbol <> ['AAPL','MSFT','NVDA','AMZN'][order_id % 4 + 1] OR side <> order_id % 2 OR price <> 100000000 + order_id % 1000 OR quantity <> order_id % 100 + 1 OR order_type <> 1 OR exchange <> 7")" = 0 ] \
    || { echo "SPSC: field values wrong"; exit 1; }
[ "$(q "SELECT count(*) FROM (SELECT order_id, lag(order_id) OVER (ORDER BY file_row_number) p FROM read_parquet('$f', file_row_number = true)) WHERE order_id <> p + 1")" = 0 ] \
    || { echo "SPSC: records out of order"; exit 1; }

run mpsc "$dir/mpsc.parquet"
f="$dir/mpsc.parquet"
[ "$(q "SELECT count(*) FROM '$f'")" = 1000000 ] || { echo "MPSC: count wrong"; exit 1; }
[ "$(q "SELECT count(DISTINCT id) FROM '$f'")" = 1000000 ] || { echo "MPSC: ids missing or repeated"; exit 1; }
[ "$(q "SELECT count(*) FROM '$f' WHERE (value IS NULL) <> (id % 10 = 0) OR (value IS NOT NULL AND value <> id % 1000) OR text <> 't' || (id % 100)::VARCHAR")" = 0 ] \
    || { echo "MPSC: values wrong"; exit 1; }

run random "$dir/random.parquet"
n=$(sed -n 's/.* stats: logged \([0-9]*\) .*/\1/p' "$dir/random.log")
[ "$(q "SELECT count(*) FROM '$dir/random.parquet'")" = "$n" ] || { echo "random: the file does not hold the $n records logged"; exit 1; }
echo "$(grep -h '' "$dir/random.log" | tr '\n' ' ')"

for mode in full-spsc full-mpsc; do
    run "$mode" "$dir/$mode.parquet"
    f="$dir/$mode.parquet"
    n=$(logged "$mode")
    [ "$(q "SELECT count(*) FROM '$f'")" = "$n" ] && [ "$(q "SELECT count(DISTINCT order_id) FROM '$f' WHERE order_id BETWEEN 0 AND 999999")" = "$n" ] \
        || { echo "$mode: the file does not hold exactly the $n records logged"; exit 1; }
    echo "$mode: $(cat "$dir/$mode.log")"
done
echo "C fast path ($arch): pqflow_log_fast SPSC, MPSC from two threads, drops counted exactly on a full ring, wrong lengths refused; DuckDB checks: ok"
