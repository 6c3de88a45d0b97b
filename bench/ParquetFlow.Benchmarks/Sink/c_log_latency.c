/* Latency of pqflow_log_record from C (the C side of SinkLatencyDistribution): the market-data record at a steady
 * 2 M records/s in bursts of 20, for 10 s; per sample the mean of 20 consecutive calls, and single calls, in ns.
 * Build and run (after publishing libparquetflow.so to artifacts/native):
 *   gcc -O2 -I include bench/ParquetFlow.Benchmarks/Sink/c_log_latency.c -L artifacts/native -lparquetflow \
 *       -Wl,-rpath,artifacts/native -o /tmp/c_log_latency && /tmp/c_log_latency /tmp/lat.parquet */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parquet_flow.h"

#pragma pack(push, 1)
typedef struct {
    int64_t timestamp_ns;
    char symbol[8];
    int64_t order_id;
    int32_t side;
    int64_t price;
    int64_t quantity;
    int32_t order_type;
    int32_t exchange;
} market_order;
#pragma pack(pop)

static inline int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static void report(const char* name, double* v, size_t n) {
    qsort(v, n, sizeof *v, cmp);
    double ps[] = {50, 90, 99, 99.9, 99.99};
    printf("| %s |", name);
    for (int i = 0; i < 5; i++) printf(" %.1f |", v[(size_t)(ps[i] / 100.0 * (n - 1))]);
    printf(" %.1f |\n", v[n - 1]);
}

int main(int argc, char** argv) {
    pqflow_config config = {0};
    config.file_path = argc > 1 ? argv[1] : "/tmp/c_log_latency.parquet";
    config.ring_buffer_size = 1u << 26;
    config.compression = PQFLOW_COMPRESS_SNAPPY;
    /* As in the C# benchmark: the logging thread on CPU 0, the writer on CPU 1. */
    int pinned = 0;
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        pinned = sched_setaffinity(0, sizeof set, &set) == 0;
        config.writer_cpu = 1 + 1;
    }
    pqflow_sink_t sink;
    pqflow_column_def columns[] = {
        {"timestamp_ns", PQFLOW_TYPE_TIMESTAMP_NS, 0, 0}, {"symbol", PQFLOW_TYPE_FIXED_STRING, 8, 0},
        {"order_id", PQFLOW_TYPE_I64, 0, 0}, {"side", PQFLOW_TYPE_I32, 0, 0}, {"price", PQFLOW_TYPE_I64, 0, 0},
        {"quantity", PQFLOW_TYPE_I64, 0, 0}, {"order_type", PQFLOW_TYPE_I32, 0, 0}, {"exchange", PQFLOW_TYPE_I32, 0, 0},
    };
    if (pqflow_create(&sink, &config) != PQFLOW_OK || pqflow_set_schema(sink, columns, 8) != PQFLOW_OK) {
        fprintf(stderr, "setup: %s\n", pqflow_last_error(sink));
        return 1;
    }
    const int64_t duration = 10000000000LL, interval = 10000; /* 20 records per 10 us = 2 M/s */
    size_t cap = (size_t)(duration / interval) + 16, nb = 0, ns = 0;
    double* burst = malloc(cap * sizeof(double));
    double* single = malloc(cap * 20 * sizeof(double));
    market_order o;
    memset(&o, 0, sizeof o);
    memcpy(o.symbol, "AAPL", 4);
    int64_t start = now_ns(), due = start, id = 0;
    for (int round = 0;; round++) {
        int64_t t;
        while ((t = now_ns()) < due) {}
        if (t - start >= duration) break;
        due += interval;
        if (round & 1) {
            /* The records exist before the calls are timed, as the arguments of a log statement do. */
            market_order batch[20];
            for (int i = 0; i < 20; i++) { batch[i] = o; batch[i].order_id = id++; batch[i].timestamp_ns = t; }
            int64_t t0 = now_ns();
            for (int i = 0; i < 20; i++) pqflow_log_record(sink, &batch[i], sizeof batch[i]);
            burst[nb++] = (double)(now_ns() - t0) / 20.0;
        } else {
            for (int i = 0; i < 20; i++) {
                o.order_id = id++;
                int64_t t0 = now_ns();
                pqflow_log_record(sink, &o, sizeof o);
                single[ns++] = (double)(now_ns() - t0);
            }
        }
    }
    pqflow_stats stats;
    pqflow_flush(sink);
    pqflow_get_stats(sink, &stats);
    printf("logging thread pinned to CPU 0: %s; writer pinned: %s\n", pinned ? "yes" : "no", pqflow_last_error(sink)[0] ? pqflow_last_error(sink) : "CPU 1");
    printf("| method | p50 | p90 | p99 | p99.9 | p99.99 | max |\n");
    report("C, mean of 20 calls", burst, nb);
    report("C, single call", single, ns);
    printf("logged %llu dropped %llu written %llu\n", (unsigned long long)stats.logged, (unsigned long long)stats.dropped, (unsigned long long)stats.written);
    pqflow_destroy(sink);
    return 0;
}
