#!/usr/bin/env bash
# The sensor store's ss_* functions from C: publish libparquetflow.so (NativeAOT), build a C program against
# include/parquet_flow.h with gcc, run the document's call sequence, its errors, and a Linux-profile restart.
# PQFLOW_ARCH=arm64: built with aarch64-linux-gnu-gcc against the arm64 library, run under qemu.
set -euo pipefail
. "$(dirname "$0")/lib/c-api.sh"

publish_native ss_init_system ss_sensor_init ss_sensor_init_source ss_ts_add ss_evt_add ss_get_total_records ss_get_unsent_count ss_diag_read_at ss_consume_next ss_consume_batch ss_consume_next_at ss_consume_batch_at ss_erase_all_pending ss_manager_tick ss_set_shutdown ss_flush_for_shutdown ss_dump_stats ss_get_health ss_get_last_error ss_shutdown_system

"$cc" -O2 -Wall -Wextra -Werror -I include tests/system/sensorstore_c_api.c -L "$native" -lparquetflow -Wl,-rpath,"$native" -o "$dir/ss"
$on_target "$dir/ss" "$dir/store"
[ -f "$dir/store/application/sensor_0000000003.dat" ] || { echo "no sector file under application/"; ls -R "$dir/store"; exit 1; }
