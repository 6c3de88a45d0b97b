/* MPSC mode from C: two threads log 500,000 records each (a nullable column and a STRING column included) into one
 * sink with config.multi_producer = 1; every record must be written. Usage: sink_c_mpsc FILE */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parquet_flow.h"
#include "sink_text_record.h"

#define PER_THREAD 500000

static pqflow_sink_t sink;

static void* produce(void* arg) {
    int64_t base = (int64_t)(intptr_t)arg * PER_THREAD;
    unsigned char record[TEXT_RECORD_MAX];
    for (int64_t i = base; i < base + PER_THREAD; i++) {
        uint32_t length = make_text_record(record, i);
        while (pqflow_log(sink, record, length) == PQFLOW_ERR_FULL) {}
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
    if (pqflow_create(&sink, &config) != PQFLOW_OK || pqflow_set_schema(sink, text_columns, TEXT_COLUMNS) != PQFLOW_OK) {
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
