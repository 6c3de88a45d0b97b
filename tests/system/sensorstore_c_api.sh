#!/usr/bin/env bash
# The sensor store's ss_* functions from C: publish libparquetflow.so (NativeAOT), build a C program against
# include/parquet_flow.h with gcc, run the document's call sequence, its errors, and a Linux-profile restart.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
native="$root/artifacts/native"
lock=()
[ -n "${PQFLOW_BUILD_LOCK_HELD:-}" ] || lock=(flock /tmp/pqflow-build.lock)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"${lock[@]}" dotnet publish src/ParquetFlow.Native -c Release -r linux-x64 -p:PublishAot=true -o "$native" -nologo -v:q > "$dir/publish.log" 2>&1 \
    || { cat "$dir/publish.log"; echo "NativeAOT publish failed"; exit 1; }
for symbol in ss_init_system ss_sensor_init ss_sensor_init_source ss_ts_add ss_evt_add ss_get_total_records ss_get_unsent_count \
    ss_diag_read_at ss_consume_next ss_consume_batch ss_erase_all_pending ss_manager_tick ss_set_shutdown ss_flush_for_shutdown \
    ss_dump_stats ss_shutdown_system; do
    nm -D --defined-only "$native/libparquetflow.so" | grep -qw "$symbol" || { echo "libparquetflow.so does not export $symbol"; exit 1; }
done

gcc -O2 -Wall -Wextra -Werror -I include tests/system/sensorstore_c_api.c -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/ss"
"$dir/ss" "$dir/store"
[ -f "$dir/store/application/sensor_0000000003.dat" ] || { echo "no sector file under application/"; ls -R "$dir/store"; exit 1; }
