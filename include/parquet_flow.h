/* ParquetFlow C API: a non-blocking log of fixed-layout binary records into rotating Parquet files.
 *
 * Link with -lparquetflow (libparquetflow.so, published with
 *   dotnet publish src/ParquetFlow.Native -c Release -r linux-x64 -p:PublishAot=true).
 *
 * Thread safety: pqflow_log / pqflow_log_record may be called from ONE thread at a time per sink, or from any
 * number of threads when config.multi_producer is set. pqflow_flush, pqflow_get_stats and pqflow_last_error may be
 * called from any thread. pqflow_destroy must be the last call on a sink, with no other call in flight.
 * Record layout (docs/formats.md, "Log-sink records"): a null bitmap of one bit per nullable column (bit set =
 * null, LSB first) at offset 0, then every column in order, packed without padding, little-endian; a BYTE_ARRAY or
 * STRING column is a 4-byte length followed by its bytes.
 */
#ifndef PARQUET_FLOW_H
#define PARQUET_FLOW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pqflow_sink* pqflow_sink_t;

typedef enum {
    PQFLOW_OK = 0,
    PQFLOW_ERR_FULL = 1,        /* ring buffer full, record dropped (counted in stats.dropped) */
    PQFLOW_ERR_INVALID = 2,     /* invalid arguments, or a record whose length does not match the schema */
    PQFLOW_ERR_IO = 3,          /* file I/O error (see pqflow_last_error) */
    PQFLOW_ERR_SCHEMA = 4,      /* schema not set */
} pqflow_error;

typedef enum {
    PQFLOW_TYPE_BOOL = 0,             /* 1 byte, 0 = false */
    PQFLOW_TYPE_I32 = 1,              /* 4 bytes */
    PQFLOW_TYPE_I64 = 2,              /* 8 bytes */
    PQFLOW_TYPE_I96 = 3,              /* 12 bytes */
    PQFLOW_TYPE_F32 = 4,              /* 4 bytes */
    PQFLOW_TYPE_F64 = 5,              /* 8 bytes */
    PQFLOW_TYPE_BYTE_ARRAY = 6,       /* 4-byte length + bytes */
    PQFLOW_TYPE_FIXED_BYTE_ARRAY = 7, /* type_length bytes, FIXED_LEN_BYTE_ARRAY column */
    /* Extensions to the document's list: */
    PQFLOW_TYPE_FIXED_STRING = 8,     /* char[type_length], trailing NULs trimmed, STRING column */
    PQFLOW_TYPE_TIMESTAMP_NS = 9,     /* 8 bytes, INT64 TIMESTAMP(NANOS, UTC) column */
    PQFLOW_TYPE_STRING = 10,          /* 4-byte length + UTF-8 bytes, STRING column */
} pqflow_type;

typedef enum {
    PQFLOW_COMPRESS_NONE = 0,
    PQFLOW_COMPRESS_SNAPPY = 1,
    PQFLOW_COMPRESS_GZIP = 2,
    PQFLOW_COMPRESS_ZSTD = 6,
    PQFLOW_COMPRESS_LZ4_RAW = 7,
} pqflow_compression;

typedef struct {
    const char* name;
    pqflow_type type;
    int32_t type_length;    /* for FIXED_BYTE_ARRAY and FIXED_STRING */
    int32_t nullable;       /* 0 = required, 1 = optional */
} pqflow_column_def;

/* Zero-initialise (pqflow_config c = {0};) and set what you need: every zero field means its default. */
typedef struct {
    const char* file_path;          /* may contain {seq} (6-digit file number) and {utc} (open time) */
    uint32_t ring_buffer_size;      /* bytes, power of 2, default 1<<24; a record takes ceil((4+len)/64) 64-byte slots */
    uint32_t batch_size;            /* rows per row group, default 65536 */
    uint32_t max_rows_per_file;     /* 0 = unlimited */
    pqflow_compression compression; /* default PQFLOW_COMPRESS_NONE (0) */
    /* Extensions to the document's struct: */
    uint64_t max_bytes_per_file;    /* rotate once a file reaches this size; 0 = unlimited */
    uint32_t max_file_seconds;      /* rotate files older than this; 0 = unlimited */
    uint32_t flush_interval_ms;     /* write a partial row group once its oldest row is this old; default 1000 */
    int32_t multi_producer;         /* non-zero: several threads may log at once (MPSC ring) */
    int32_t compression_level;      /* 0 = codec default */
    int32_t not_durable;            /* non-zero: skip the fsync + journal after each row group */
    int32_t writer_cpu;             /* N > 0: pin the writer thread to CPU N-1 (Linux); 0 = the OS places it */
} pqflow_config;

typedef struct {
    uint64_t logged;      /* records accepted into the ring */
    uint64_t written;     /* records in written row groups */
    uint64_t dropped;     /* records refused: ring full */
    uint64_t invalid;     /* records refused: wrong length for the schema */
    uint64_t lost;        /* records accepted but lost to a write error */
    uint64_t files;       /* completed files */
    uint64_t row_groups;  /* row groups written */
    uint64_t bytes;       /* bytes written */
} pqflow_stats;

pqflow_error pqflow_create(pqflow_sink_t* out, const pqflow_config* config);
/* Starts the sink (and recovers files left in progress by a crash). Call once. */
pqflow_error pqflow_set_schema(pqflow_sink_t sink, const pqflow_column_def* columns, uint32_t num_columns);
/* Copies the record into the ring and returns at once: OK, ERR_FULL (dropped), ERR_INVALID, ERR_SCHEMA. */
pqflow_error pqflow_log(pqflow_sink_t sink, const void* record, uint32_t len);
pqflow_error pqflow_log_record(pqflow_sink_t sink, const void* record, uint32_t len);
/* Returns once every record logged before the call is in a row group fsynced to disk. */
pqflow_error pqflow_flush(pqflow_sink_t sink);
/* Drains and writes everything logged, completes the current file, frees the sink. NULL is ignored. */
void         pqflow_destroy(pqflow_sink_t sink);

/* Extensions: */
/* Text of the last error on this sink (NULL: errors of calls that had no sink); valid until the next call. */
const char*  pqflow_last_error(pqflow_sink_t sink);
pqflow_error pqflow_get_stats(pqflow_sink_t sink, pqflow_stats* out);
/* The fixed record length of the schema, or -1 (no schema, or variable-length records). */
int32_t      pqflow_record_length(pqflow_sink_t sink);


/* ------------------------------------------------------------------------------------------------------------
 * Sensor store (ParquetFlow.SensorStore): the source document's C API over one process-wide store.
 * Every int-returning function returns 0 or a negated errno: -EIO (-5), -EAGAIN (-11: nothing unsent, or a
 * flush budget ran out), -EEXIST (-17), -EINVAL (-22), -ENOSPC (-28: full, record dropped and counted), -ERANGE (-34).
 * ------------------------------------------------------------------------------------------------------------ */
typedef struct SensorStore SensorStore;   /* opaque handle, valid until ss_shutdown_system */

typedef enum { SS_SENSOR_TIMESERIES = 1, SS_SENSOR_EVENT = 2 } ss_sensor_type;
typedef enum { SS_SOURCE_HOST = 0, SS_SOURCE_APPLICATION = 1, SS_SOURCE_CAN = 2 } ss_source;
typedef enum { SS_PROFILE_STM32 = 0, SS_PROFILE_LINUX = 1 } ss_profile;

/* Zero fields take the profile's defaults (STM32: 256 B sectors, 32 KB budget, RAM only;
 * Linux: 4 KB RAM sectors, 64 KB pool, 64 KB disk sectors, 256 MB quota, 80 % watermark). */
typedef struct SsInitCfg {
    uint32_t profile;              /* ss_profile */
    uint32_t ram_sector_size;
    uint32_t memory_budget_bytes;  /* STM32 */
    uint32_t ram_pool_bytes;       /* Linux shared pool */
    uint32_t max_sensors;
    uint32_t disk_sector_size;
    uint64_t disk_quota_bytes;
    uint32_t high_watermark_pct;
    uint32_t flush_batch_sectors;
    uint32_t force_seal_ms;
    uint32_t shutdown_budget_ms;
    const char* directory;         /* UTF-8; Linux profile: where host/, application/, can/ live */
} SsInitCfg;

/* A time-series record is a uint32_t value; an event record is 12 bytes, packed: */
#pragma pack(push, 4)
typedef struct { uint32_t value; uint64_t ts_ms; } ss_event_record;
#pragma pack(pop)

int  ss_init_system(const SsInitCfg* cfg);                       /* -EEXIST if already initialized */
int  ss_sensor_init(uint32_t sensor_id, int type, SensorStore** out);                 /* source host */
int  ss_sensor_init_source(uint8_t source, uint32_t sensor_id, int type, SensorStore** out);
int  ss_ts_add(SensorStore* s, uint32_t value);
int  ss_evt_add(SensorStore* s, uint32_t value, uint64_t ts_ms);
int  ss_get_total_records(const SensorStore* s, uint64_t* out_total);
int  ss_get_unsent_count(const SensorStore* s, uint64_t* out_unsent);
int  ss_diag_read_at(const SensorStore* s, uint64_t offset, void* out_rec);      /* 4 or 12 bytes */
int  ss_consume_next(SensorStore* s, void* out_rec);             /* unsent -> pending; -EAGAIN when none */
int  ss_consume_batch(SensorStore* s, void* out_buf, uint32_t max_records, uint32_t* out_n);
int  ss_erase_all_pending(SensorStore* s);                       /* forget what the cloud acknowledged */
void ss_manager_tick(void);
void ss_set_shutdown(uint8_t in_progress);
int  ss_flush_for_shutdown(uint32_t budget_ms);                  /* 0 once everything is on disk */
int  ss_dump_stats(uint8_t source, uint32_t sensor_id, char* buf, uint32_t len);
int  ss_shutdown_system(void);

#ifdef __cplusplus
}
#endif

#endif
