/* MPSC mode from C: two threads log 500,000 records each (a nullable column and a STRING column included) into one
 * sink with config.multi_producer = 1; every record must be written. Usage: sink_c_mpsc FILE */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parquet_flow.h"

#define PER_THREAD 500000

static pqflow_sink_t sink;

/* bitmap (1 byte: bit 0 = "value" is null) | int64 id | int32 value | 4-byte length + text */
static void* produce(void* arg) {
    int64_t base = (int64_t)(intptr_t)arg * PER_THREAD;
    unsigned char record[1 + 8 + 4 + 4 + 16];
    for (int64_t i = base; i < base + PER_THREAD; i++) {
        char text[16];
        int n = snprintf(text, sizeof text, "t%lld", (long long)(i % 100));
        record[0] = (i % 10 == 0) ? 1 : 0;
        memcpy(record + 1, &i, 8);
        int32_t value = (int32_t)(i % 1000);
        memcpy(record + 9, &value, 4);
        int32_t len = n;
        memcpy(record + 13, &len, 4);
        memcpy(record + 17, text, (size_t)n);
        while (pqflow_log(sink, record, (uint32_t)(17 + n)) == PQFLOW_ERR_FULL) {}
    }
    return NULL;
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    pqflow_config config = {0};
    config.file_path = argv[1];
    config.multi_producer = 1;
    config.compression = PQFLOW_COMPRESS_ZSTD;
    config.ring_buffer_size = 1u << 20;
    pqflow_column_def columns[] = {
        {"id", PQFLOW_TYPE_I64, 0, 0}, {"value", PQFLOW_TYPE_I32, 0, 1}, {"text", PQFLOW_TYPE_STRING, 0, 0},
    };
    if (pqflow_create(&sink, &config) != PQFLOW_OK || pqflow_set_schema(sink, columns, 3) != PQFLOW_OK) {
        fprintf(stderr, "setup: %s\n", pqflow_last_error(sink));
        return 1;
    }
    if (pqflow_record_length(sink) != -1) { fprintf(stderr, "records with a STRING are variable length\n"); return 1; }
    unsigned char bad[17] = {0};
    int32_t too_long = 5;
    memcpy(bad + 13, &too_long, 4);
    if (pqflow_log(sink, bad, sizeof bad) != PQFLOW_ERR_INVALID) { fprintf(stderr, "a length prefix past the end was accepted\n"); return 1; }
    pthread_t a, b;
    pthread_create(&a, NULL, produce, (void*)0);
    pthread_create(&b, NULL, produce, (void*)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    if (pqflow_flush(sink) != PQFLOW_OK) { fprintf(stderr, "flush: %s\n", pqflow_last_error(sink)); return 1; }
    pqflow_stats stats;
    pqflow_get_stats(sink, &stats);
    printf("written %llu invalid %llu\n", (unsigned long long)stats.written, (unsigned long long)stats.invalid);
    pqflow_destroy(sink);
    return stats.written == 2 * PER_THREAD && stats.invalid == 1 ? 0 : 1;
}
