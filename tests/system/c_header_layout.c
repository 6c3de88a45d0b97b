/* Prints the layout the C compiler gives the structs of include/parquet_flow.h that cross the C API, one line per
 * struct: "NAME SIZE OFFSET..." in field order. tests/system/c_header_32bit.sh compares it, for the 32-bit ARM, the arm64
 * and the x64 ABI, with the layout the C# declarations get on the same ABI. */
#include <stddef.h>
#include <stdio.h>

#include "parquet_flow.h"

#define F(type, field) printf(" %zu", offsetof(type, field))

int main(void) {
    printf("NativeColumnDef %zu", sizeof(pqflow_column_def));
    F(pqflow_column_def, name); F(pqflow_column_def, type); F(pqflow_column_def, type_length); F(pqflow_column_def, nullable);
    printf("\nNativeConfig %zu", sizeof(pqflow_config));
    F(pqflow_config, file_path); F(pqflow_config, ring_buffer_size); F(pqflow_config, batch_size);
    F(pqflow_config, max_rows_per_file); F(pqflow_config, compression); F(pqflow_config, max_bytes_per_file);
    F(pqflow_config, max_file_seconds); F(pqflow_config, flush_interval_ms); F(pqflow_config, multi_producer);
    F(pqflow_config, compression_level); F(pqflow_config, not_durable); F(pqflow_config, writer_cpu);
    F(pqflow_config, profile);
    printf("\nNativeStats %zu", sizeof(pqflow_stats));
    F(pqflow_stats, logged); F(pqflow_stats, written); F(pqflow_stats, dropped); F(pqflow_stats, invalid);
    F(pqflow_stats, lost); F(pqflow_stats, files); F(pqflow_stats, row_groups); F(pqflow_stats, bytes);
    printf("\nNativeProducer %zu", sizeof(pqflow_producer));
    F(pqflow_producer, slots); F(pqflow_producer, slot_count); F(pqflow_producer, slot_mask); F(pqflow_producer, tail);
    F(pqflow_producer, head); F(pqflow_producer, logged); F(pqflow_producer, cached_head);
    F(pqflow_producer, record_length); F(pqflow_producer, multi_producer); F(pqflow_producer, max_record_length);
    F(pqflow_producer, min_length); F(pqflow_producer, dropped); F(pqflow_producer, invalid); F(pqflow_producer, runs);
    F(pqflow_producer, run_count); F(pqflow_producer, reserved);
    printf("\nSsInitCfg %zu", sizeof(SsInitCfg));
    F(SsInitCfg, profile); F(SsInitCfg, ram_sector_size); F(SsInitCfg, memory_budget_bytes); F(SsInitCfg, ram_pool_bytes);
    F(SsInitCfg, max_sensors); F(SsInitCfg, disk_sector_size); F(SsInitCfg, disk_quota_bytes);
    F(SsInitCfg, high_watermark_pct); F(SsInitCfg, flush_batch_sectors); F(SsInitCfg, force_seal_ms);
    F(SsInitCfg, shutdown_budget_ms); F(SsInitCfg, directory);
    printf("\nEventRecord %zu", sizeof(ss_event_record));
    F(ss_event_record, value); F(ss_event_record, ts_ms);
    printf("\n");
    return 0;
}
