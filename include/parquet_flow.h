/* ParquetFlow C API: a non-blocking log of fixed-layout binary records into rotating Parquet files.
 *
 * Link with -lparquetflow (libparquetflow.so, published with
 *   dotnet publish src/ParquetFlow.Native -c Release -r linux-x64 -p:PublishAot=true).
 *
 * Thread safety: pqflow_log / pqflow_log_record may be called from ONE thread at a time per sink, or from any
 * number of threads when config.multi_producer is set (pqflow_log_fast below: the same, see its contract). pqflow_flush, pqflow_get_stats and pqflow_last_error may be
 * called from any thread. pqflow_destroy must be the last call on a sink, with no other call in flight.
 * Record layout (docs/formats.md, "Log-sink records"): a null bitmap of one bit per nullable column (bit set =
 * null, LSB first) at offset 0, then every column in order, packed without padding, little-endian; a BYTE_ARRAY or
 * STRING column is a 4-byte length followed by its bytes.
 */
#ifndef PARQUET_FLOW_H
#define PARQUET_FLOW_H

#include <stdint.h>
#include <string.h>

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

/* The encodings the sink picks for its columns. COMPATIBLE (PLAIN, dictionary, data pages v1) is read by every
   reader, Parquet.Net and Spark before 3.3 included; COMPACT (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, RLE booleans,
   data pages v2) makes smaller files for readers of the whole format (DuckDB, Arrow, pandas, Spark 3.3+). */
typedef enum {
    PQFLOW_PROFILE_COMPATIBLE = 0,
    PQFLOW_PROFILE_COMPACT = 1,
} pqflow_profile;

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
    pqflow_profile profile;         /* default PQFLOW_PROFILE_COMPATIBLE (0): files every reader reads */
} pqflow_config;

typedef struct {
    uint64_t logged;      /* records accepted into the ring */
    uint64_t written;     /* records in written row groups */
    uint64_t dropped;     /* records refused: ring full */
    uint64_t invalid;     /* records refused: not valid for the schema, or longer than half the ring */
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
 * Fast path: pqflow_log_fast logs without calling into the library. The claim/copy/publish protocol of the sink's
 * ring (docs/formats.md, "Log-sink ring" and "C fast path") is inlined into the caller, as header-only C++ loggers
 * do, so a call costs no transition into managed code: a length check, a few loads and stores, and the copy.
 *
 * Contract:
 * - pqflow_producer_open fills a pqflow_producer after pqflow_set_schema. Each producer thread uses its own
 *   (pqflow_log_fast updates p->cached_head); open as many as needed, any time before pqflow_destroy.
 * - Sink without config.multi_producer (SPSC ring): ONE producer thread in all, counting pqflow_log and
 *   pqflow_log_record. That thread may mix them and several pqflow_producer with pqflow_log_fast; no other thread
 *   may log to the sink, by any function.
 * - Sink with config.multi_producer (MPSC ring): any number of threads, each with its own pqflow_producer, mixed
 *   freely with pqflow_log / pqflow_log_record from any thread.
 * - A pqflow_producer must not be used after pqflow_destroy (it points into the sink's memory), nor copied while
 *   another thread uses it. record must point to length readable bytes.
 * - Results and counters as pqflow_log_record: PQFLOW_OK; PQFLOW_ERR_FULL when the ring has no room (the record is
 *   dropped and counted in stats.dropped; the C API never waits); PQFLOW_ERR_INVALID (counted in stats.invalid)
 *   for a record that is not valid for the schema (the same check as pqflow_log: the fixed length, or the length
 *   prefixes of a variable-length schema adding up) or longer than max_record_length.
 * ------------------------------------------------------------------------------------------------------------ */
#if defined(__cplusplus)
/* C++ has no _Atomic before C++23: the GCC/Clang builtins, with the same memory orders as the C11 operations. */
typedef int64_t pqflow_atomic_i64;
typedef int32_t pqflow__atomic_i32;
#define PQFLOW__LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define PQFLOW__LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define PQFLOW__STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define PQFLOW__ADD_RELAXED(p, v) ((void)__atomic_fetch_add((p), (v), __ATOMIC_RELAXED))
#define PQFLOW__CAS(p, expected, desired) \
    __atomic_compare_exchange_n((p), (expected), (desired), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#else
#include <stdatomic.h>
typedef _Atomic(int64_t) pqflow_atomic_i64;
typedef _Atomic(int32_t) pqflow__atomic_i32;
#define PQFLOW__LOAD_RELAXED(p) atomic_load_explicit((p), memory_order_relaxed)
#define PQFLOW__LOAD_ACQUIRE(p) atomic_load_explicit((p), memory_order_acquire)
#define PQFLOW__STORE_RELEASE(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define PQFLOW__ADD_RELAXED(p, v) ((void)atomic_fetch_add_explicit((p), (v), memory_order_relaxed))
#define PQFLOW__CAS(p, expected, desired) \
    atomic_compare_exchange_strong_explicit((p), (expected), (desired), memory_order_acq_rel, memory_order_acquire)
#endif
#if defined(__GNUC__)
#define PQFLOW__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PQFLOW__ALWAYS_INLINE static inline __attribute__((always_inline))
#define PQFLOW__NOINLINE static __attribute__((noinline, unused))
#else
#define PQFLOW__UNLIKELY(x) (x)
#define PQFLOW__ALWAYS_INLINE static inline
#define PQFLOW__NOINLINE static inline
#endif

/* Filled by pqflow_producer_open; the pointers are into the sink and valid until pqflow_destroy. Only cached_head
 * changes afterwards (pqflow_log_fast, SPSC sinks). Offsets are fixed (docs/formats.md, "C fast path"). */
typedef struct {
    unsigned char* slots;          /* the ring: slot_count slots of 64 bytes, 64-byte aligned */
    int64_t slot_count;            /* a power of two */
    int64_t slot_mask;             /* slot_count - 1 */
    pqflow_atomic_i64* tail;       /* slot position up to which producers have claimed room */
    pqflow_atomic_i64* head;       /* slot position up to which the writer has handed slots back */
    pqflow_atomic_i64* logged;     /* stats.logged */
    int64_t cached_head;           /* SPSC: the head this producer last read (0 after open) */
    int32_t record_length;         /* the schema's fixed record length, or -1: variable length (see runs) */
    int32_t multi_producer;        /* non-zero: MPSC ring (claim by compare-and-swap) */
    int32_t max_record_length;     /* longest record the ring takes: half the ring less the 4-byte header */
    int32_t min_length;            /* shortest valid record (every byte array empty) */
    pqflow_atomic_i64* dropped;    /* stats.dropped */
    pqflow_atomic_i64* invalid;    /* stats.invalid */
    const int32_t* runs;           /* fixed-size stretches around the byte arrays: runs[0] before the first, runs[i] */
    int32_t run_count;             /*   after the i-th; run_count = byte-array columns + 1 */
    int32_t reserved;
} pqflow_producer;

/* Fills *out for pqflow_log_fast: OK, ERR_INVALID (NULL argument), ERR_SCHEMA (pqflow_set_schema not called yet). */
pqflow_error pqflow_producer_open(pqflow_sink_t sink, pqflow_producer* out);

/* RecordLayout.IsValid for a variable-length schema: the length prefixes (>= 0) and runs add up to exactly length.
 * Out of line, so that the inlined call stays small. */
PQFLOW__NOINLINE int pqflow__variable_is_valid(const pqflow_producer* p, const unsigned char* record, uint32_t length) {
    if (length < (uint32_t)p->min_length) return 0;
    uint64_t offset = (uint32_t)p->runs[0];
    for (int32_t i = 1; i < p->run_count; i++) {
        if (offset + 4 > length) return 0;
        const unsigned char* b = record + offset;
        int32_t n = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
        if (n < 0) return 0;
        offset += 4 + (uint64_t)n + (uint32_t)p->runs[i];
        if (offset > length) return 0;
    }
    return offset == length;
}

/* Slots to skip to the ring's start before a record of `slots` slots claimed at `tail` (a record never wraps). */
PQFLOW__ALWAYS_INLINE int64_t pqflow__padding(const pqflow_producer* p, int64_t tail, int64_t slots) {
    int64_t index = tail & p->slot_mask;
    return index + slots > p->slot_count ? p->slot_count - index : 0;
}

/* Writes the claimed padding and record; the release store of each header publishes it to the writer. */
PQFLOW__ALWAYS_INLINE void pqflow__publish(const pqflow_producer* p, int64_t tail, int64_t padding, const void* record, uint32_t length) {
    if (padding != 0) {
        PQFLOW__STORE_RELEASE((pqflow__atomic_i32*)(void*)(p->slots + ((tail & p->slot_mask) << 6)), (int32_t)-padding);
        tail += padding;
    }
    unsigned char* slot = p->slots + ((tail & p->slot_mask) << 6);
    memcpy(slot + 4, record, length);
    PQFLOW__STORE_RELEASE((pqflow__atomic_i32*)(void*)slot, (int32_t)length);
}

/* Copies the record into the ring (see the contract above): OK, ERR_FULL (dropped, counted), ERR_INVALID (counted),
 * ERR_IO once the sink's writer thread has died: the sink then sets the ring's head to a negative value (no record
 * fits, so the call takes its full path and sees it) — at once with a multi-producer ring; a single producer finds out
 * when its cached head no longer leaves room, at most one ring of records later (those records are counted lost).
 * Always inlined into the caller, as the point is to pay no call. */
PQFLOW__ALWAYS_INLINE pqflow_error pqflow_log_fast(pqflow_producer* p, const void* record, uint32_t length) {
    if (PQFLOW__UNLIKELY((p->record_length >= 0 ? length != (uint32_t)p->record_length
                                                : !pqflow__variable_is_valid(p, (const unsigned char*)record, length))
                         || length - 1u >= (uint32_t)p->max_record_length)) {
        PQFLOW__ADD_RELAXED(p->invalid, 1);
        return PQFLOW_ERR_INVALID;
    }
    int64_t slots = ((int64_t)length + 4 + 63) >> 6;
    if (!p->multi_producer) {
        /* SPSC: this thread alone moves the tail, so a plain read and a release store claim the room. */
        int64_t tail = PQFLOW__LOAD_RELAXED(p->tail);
        int64_t claim = pqflow__padding(p, tail, slots) + slots;
        if (tail + claim - p->cached_head > p->slot_count) {
            p->cached_head = PQFLOW__LOAD_ACQUIRE(p->head);
            if (tail + claim - p->cached_head > p->slot_count) {
                if (p->cached_head < 0) return PQFLOW_ERR_IO; /* closed: the sink's writer died */
                PQFLOW__STORE_RELEASE(p->dropped, PQFLOW__LOAD_RELAXED(p->dropped) + 1);
                return PQFLOW_ERR_FULL;
            }
        }
        pqflow__publish(p, tail, claim - slots, record, length);
        PQFLOW__STORE_RELEASE(p->tail, tail + claim);
        PQFLOW__STORE_RELEASE(p->logged, PQFLOW__LOAD_RELAXED(p->logged) + 1);
        return PQFLOW_OK;
    }
    /* MPSC: claim by compare-and-swap on the shared tail; a failed swap leaves the tail it saw in `tail`. */
    int64_t tail = PQFLOW__LOAD_ACQUIRE(p->tail);
    for (;;) {
        int64_t claim = pqflow__padding(p, tail, slots) + slots;
        int64_t head = PQFLOW__LOAD_ACQUIRE(p->head);
        if (tail + claim - head > p->slot_count) {
            if (head < 0) return PQFLOW_ERR_IO; /* closed: the sink's writer died */
            PQFLOW__ADD_RELAXED(p->dropped, 1);
            return PQFLOW_ERR_FULL;
        }
        if (PQFLOW__CAS(p->tail, &tail, tail + claim)) {
            pqflow__publish(p, tail, claim - slots, record, length);
            PQFLOW__ADD_RELAXED(p->logged, 1);
            return PQFLOW_OK;
        }
    }
}


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
/* The same, with the index of the (first) record consumed: a C uploader's idempotency key is gateway/source/sensor/index. */
int  ss_consume_next_at(SensorStore* s, void* out_rec, uint64_t* out_index);
int  ss_consume_batch_at(SensorStore* s, void* out_buf, uint32_t max_records, uint32_t* out_n, uint64_t* out_first_index);
int  ss_erase_all_pending(SensorStore* s);                       /* forget what the cloud acknowledged */
void ss_manager_tick(void);
void ss_set_shutdown(uint8_t in_progress);
int  ss_flush_for_shutdown(uint32_t budget_ms);                  /* 0 once everything is on disk */
int  ss_dump_stats(uint8_t source, uint32_t sensor_id, char* buf, uint32_t len);

/* The store's health: a full disk (healthy 0, write failures, a last error) and a slow one (healthy 1) no longer both
 * read as -EAGAIN from ss_flush_for_shutdown. 48 bytes, the same layout on every CPU. */
typedef struct ss_health {
    uint32_t healthy;              /* 0 once disk writes failed repeatedly */
    uint32_t spilling;             /* 1 while sealed sectors go to disk */
    uint64_t disk_write_failures;
    uint64_t disk_read_failures;   /* kept and read again later, never taken for corruption */
    uint64_t disk_bytes_used;
    uint64_t disk_quota_bytes;
    uint32_t has_last_error;       /* ss_get_last_error has text */
    uint32_t unrecovered_sensors;  /* found on disk, not recovered at open (files kept) */
} ss_health;
int  ss_get_health(ss_health* out);
int  ss_get_last_error(char* buf, uint32_t len);                 /* "" when none; -ERANGE if len is too small */
int  ss_shutdown_system(void);

#ifdef __cplusplus
}
#endif

#endif
