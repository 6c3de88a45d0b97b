/* pqflow_log_fast (the C fast path inlined from parquet_flow.h) end to end; the script checks the files with DuckDB.
 * Usage: sink_c_fast_path MODE FILE
 *   spsc       one thread logs N market-data records (every 1000th through pqflow_log_record, which an SPSC sink's
 *              one producer thread may mix in), retrying on ERR_FULL; wrong lengths are refused and counted.
 *   mpsc       two threads log N/2 variable-length records each (nullable INT32, STRING) into a multi-producer sink;
 *              malformed records get ERR_INVALID from pqflow_log_fast exactly when pqflow_log_record gives it.
 *   random     random records (as RecordLayoutTests' randomized test) for a schema of two BYTE_ARRAY columns, each
 *              through pqflow_log_record and pqflow_log_fast: both refuse exactly the same ones (seed printed).
 *   full-spsc, full-mpsc
 *              one or two threads log into a 4 KiB ring as fast as they can, never retrying: the writer cannot keep
 *              up, so records are dropped, and logged + dropped == attempted, exactly.
 * Prints "attempted A logged L dropped D invalid I written W"; exits non-zero when a check fails. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../examples/market_order.h"
#include "parquet_flow.h"
#include "sink_text_record.h"

#define N 1000000

#if UINTPTR_MAX == UINT64_MAX
/* The layout docs/formats.md gives and ParquetFlow.Native's NativeProducer fills. */
_Static_assert(offsetof(pqflow_producer, cached_head) == 48 && offsetof(pqflow_producer, max_record_length) == 64
               && offsetof(pqflow_producer, runs) == 88 && sizeof(pqflow_producer) == 104, "pqflow_producer layout");
#endif

static const pqflow_column_def two_arrays[] = {{"a", PQFLOW_TYPE_BYTE_ARRAY, 0, 0}, {"b", PQFLOW_TYPE_BYTE_ARRAY, 0, 0}};

static pqflow_sink_t sink;
static int failed;

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); failed = 1; } } while (0)

static market_order make_order(int64_t id) {
    static const char* symbols[] = {"AAPL", "MSFT", "NVDA", "AMZN"};
    market_order o;
    memset(&o, 0, sizeof o);
    o.timestamp_ns = 1700000000000000000LL + id * 1000;
    memcpy(o.symbol, symbols[id % 4], 4);
    o.order_id = id;
    o.side = (int32_t)(id % 2);
    o.price = 100000000 + id % 1000;
    o.quantity = id % 100 + 1;
    o.order_type = 1;
    o.exchange = 7;
    return o;
}

typedef struct {
    int64_t first, count;
    int text;      /* variable-length records instead of market orders */
    int retry;     /* retry on ERR_FULL instead of dropping */
    int64_t ok, full, other;
} job;

static void* produce(void* arg) {
    job* j = (job*)arg;
    pqflow_producer p;
    if (pqflow_producer_open(sink, &p) != PQFLOW_OK) { j->other++; return NULL; }
    for (int64_t id = j->first; id < j->first + j->count; id++) {
        unsigned char text[TEXT_RECORD_MAX];
        market_order order = make_order(id);
        const void* record = j->text ? (const void*)text : (const void*)&order;
        uint32_t length = j->text ? make_text_record(text, id) : (uint32_t)sizeof order;
        for (;;) {
            pqflow_error e = !j->text && id % 1000 == 999 ? pqflow_log_record(sink, record, length) : pqflow_log_fast(&p, record, length);
            if (e == PQFLOW_OK) { j->ok++; break; }
            if (e != PQFLOW_ERR_FULL) { j->other++; break; }
            j->full++;
            if (!j->retry) break;
        }
    }
    return NULL;
}

static void run(int threads, job* jobs) {
    pthread_t t[2];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, produce, &jobs[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
}

/* The same bytes through pqflow_log_record and pqflow_log_fast: both must answer `expected`. */
static void both(pqflow_producer* p, const unsigned char* record, uint32_t length, pqflow_error expected, const char* what) {
    pqflow_error slow = pqflow_log_record(sink, record, length);
    pqflow_error fast = pqflow_log_fast(p, record, length);
    CHECK(slow == expected && fast == expected, "%s: pqflow_log_record %d, pqflow_log_fast %d, expected %d", what, slow, fast, expected);
}

static uint64_t next_random(uint64_t* state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Every record twice, through both paths; returns how many each path refused (the same, or the check fails). */
static uint64_t random_records(pqflow_producer* p, int64_t* accepted, int64_t* full) {
    uint64_t seed = (uint64_t)time(NULL) * 2654435761u | 1, state = seed, refused = 0;
    printf("seed %llu\n", (unsigned long long)seed);
    CHECK(p->record_length == -1 && p->min_length == 8 && p->run_count == 3, "runs of the two-array schema");
    for (int i = 0; i < 100000; i++) {
        unsigned char r[262];
        uint32_t length = (uint32_t)(next_random(&state) % 25);
        for (uint32_t b = 0; b < length; b++) r[b] = (unsigned char)next_random(&state);
        uint64_t shape = next_random(&state) % 16;
        if (shape == 0) {
            /* A first prefix of -1 points the second at bytes 3..6, FF 00 00 00 = 255, and 3 + 4 + 255 = 262 adds
             * up: only the >= 0 check refuses it. */
            length = 262;
            memset(r, 0xFF, 4);
            memset(r + 4, 0, 3);
        } else if (shape < 9 && length >= 8) {
            /* Prefixes that add up, or miss by a little either way (bytes left over, or past the end). */
            int32_t a = (int32_t)(next_random(&state) % (length - 7));
            int32_t rest = (int32_t)length - 8 - a + (shape < 5 ? 0 : shape < 7 ? -1 - (int32_t)(shape - 5) : 1);
            memcpy(r, &a, 4);
            memcpy(r + 4 + a, &rest, 4);
        }
        pqflow_error slow = pqflow_log_record(sink, r, length);
        pqflow_error fast = pqflow_log_fast(p, r, length);
        CHECK((slow == PQFLOW_ERR_INVALID) == (fast == PQFLOW_ERR_INVALID), "seed %llu record %d (%u bytes): pqflow_log_record %d, pqflow_log_fast %d",
              (unsigned long long)seed, i, length, slow, fast);
        refused += (slow == PQFLOW_ERR_INVALID) + (fast == PQFLOW_ERR_INVALID);
        *accepted += (slow == PQFLOW_OK) + (fast == PQFLOW_OK);
        *full += (slow == PQFLOW_ERR_FULL) + (fast == PQFLOW_ERR_FULL);
    }
    return refused;
}

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const char* mode = argv[1];
    int text = strcmp(mode, "mpsc") == 0;
    int multi = text || strcmp(mode, "full-mpsc") == 0;
    int full = strncmp(mode, "full-", 5) == 0;
    int random = strcmp(mode, "random") == 0;
    if (!text && !multi && !full && !random && strcmp(mode, "spsc") != 0) return 2;

    pqflow_config config = {0};
    config.file_path = argv[2];
    config.multi_producer = multi;
    config.compression = PQFLOW_COMPRESS_ZSTD;
    config.ring_buffer_size = full ? 4096 : 1u << 20;
    pqflow_producer p;
    CHECK(pqflow_create(&sink, &config) == PQFLOW_OK, "create: %s", pqflow_last_error(NULL));
    CHECK(pqflow_producer_open(sink, &p) == PQFLOW_ERR_SCHEMA, "producer_open before the schema must fail");
    CHECK(pqflow_producer_open(sink, NULL) == PQFLOW_ERR_INVALID && pqflow_producer_open(NULL, &p) == PQFLOW_ERR_INVALID,
          "producer_open with NULL must fail");
    const pqflow_column_def* columns = random ? two_arrays : text ? text_columns : market_order_columns;
    if (pqflow_set_schema(sink, columns, random ? 2 : text ? TEXT_COLUMNS : MARKET_ORDER_COLUMNS) != PQFLOW_OK
        || pqflow_producer_open(sink, &p) != PQFLOW_OK) {
        fprintf(stderr, "setup: %s\n", pqflow_last_error(sink));
        return 1;
    }
    CHECK(p.multi_producer == multi && p.slot_count == (int64_t)config.ring_buffer_size / 64 && p.max_record_length == (int32_t)config.ring_buffer_size / 2 - 4,
          "producer: multi %d slots %lld max %d", p.multi_producer, (long long)p.slot_count, p.max_record_length);
    CHECK(p.record_length == (text || random ? -1 : 52), "record_length %d", p.record_length);

    uint64_t invalid = 0;
    if (random) {
        int64_t accepted = 0, dropped = 0;
        invalid = random_records(&p, &accepted, &dropped);
        CHECK(pqflow_flush(sink) == PQFLOW_OK, "flush: %s", pqflow_last_error(sink));
        pqflow_stats s;
        pqflow_get_stats(sink, &s);
        printf("random: refused %llu accepted %lld full %lld, stats: logged %llu dropped %llu invalid %llu written %llu\n",
               (unsigned long long)invalid, (long long)accepted, (long long)dropped, (unsigned long long)s.logged,
               (unsigned long long)s.dropped, (unsigned long long)s.invalid, (unsigned long long)s.written);
        CHECK(s.invalid == invalid && s.logged == (uint64_t)accepted && s.dropped == (uint64_t)dropped && s.written == s.logged
              && invalid > 0 && accepted > 0,
              "random: the counters differ from the calls' results");
        pqflow_destroy(sink);
        return failed;
    }
    if (text) {
        unsigned char r[64] = {0};
        CHECK(p.min_length == 17 && p.run_count == 2 && p.runs[0] == 13 && p.runs[1] == 0, "runs of the text schema");
        both(&p, r, 16, PQFLOW_ERR_INVALID, "shorter than the bitmap, id, value and a length prefix");
        int32_t len = 5;
        memcpy(r + 13, &len, 4);
        both(&p, r, 21, PQFLOW_ERR_INVALID, "length prefix past the end");
        both(&p, r, 23, PQFLOW_ERR_INVALID, "bytes after the last field");
        len = -1;
        memcpy(r + 13, &len, 4);
        both(&p, r, 17, PQFLOW_ERR_INVALID, "negative length prefix");
        invalid += 8;
    } else {
        market_order o = make_order(0);
        both(&p, (const unsigned char*)&o, 51, PQFLOW_ERR_INVALID, "51 bytes");
        both(&p, (const unsigned char*)&o, 53, PQFLOW_ERR_INVALID, "53 bytes");
        both(&p, (const unsigned char*)&o, 0, PQFLOW_ERR_INVALID, "0 bytes");
        invalid += 6;
    }

    job jobs[2];
    memset(jobs, 0, sizeof jobs);
    int threads = multi ? 2 : 1;
    for (int i = 0; i < threads; i++) {
        jobs[i].first = (int64_t)i * (N / threads);
        jobs[i].count = N / threads;
        jobs[i].text = text;
        jobs[i].retry = !full;
    }
    run(threads, jobs);

    int64_t ok = 0, dropped = 0, other = 0;
    for (int i = 0; i < threads; i++) { ok += jobs[i].ok; dropped += jobs[i].full; other += jobs[i].other; }
    CHECK(other == 0, "%lld calls failed with neither OK nor ERR_FULL", (long long)other);
    CHECK(pqflow_flush(sink) == PQFLOW_OK, "flush: %s", pqflow_last_error(sink));
    pqflow_stats s;
    pqflow_get_stats(sink, &s);
    printf("attempted %d logged %llu dropped %llu invalid %llu written %llu\n", N, (unsigned long long)s.logged,
           (unsigned long long)s.dropped, (unsigned long long)s.invalid, (unsigned long long)s.written);
    CHECK(s.logged == (uint64_t)ok && s.dropped == (uint64_t)dropped && s.written == s.logged && s.invalid == invalid,
          "stats differ from the calls' results: ok %lld, full %lld, invalid %llu", (long long)ok, (long long)dropped, (unsigned long long)invalid);
    if (full) {
        CHECK(ok + dropped == N, "logged + dropped = %lld, attempted %d", (long long)(ok + dropped), N);
        CHECK(dropped > 0, "a 4 KiB ring never filled: nothing was dropped");
    } else {
        CHECK(ok == N, "logged %lld of %d", (long long)ok, N);
    }
    pqflow_destroy(sink);
    return failed;
}
