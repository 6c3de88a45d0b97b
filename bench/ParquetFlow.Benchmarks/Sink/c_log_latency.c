/* Latency of logging from C (the C side of SinkLatencyDistribution), for pqflow_log_record (a call into the library,
 * through NativeAOT's reverse P/Invoke transition) and then pqflow_log_fast (the same protocol inlined from
 * parquet_flow.h, no transition): the market-data record at a steady 2 M records/s in bursts of 20, for 10 s each;
 * per sample the mean of 20 consecutive calls, and single calls, in ns.
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

#include "../../../examples/market_order.h"
#include "parquet_flow.h"

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

/* One phase of 10 s; always inlined so that each method's calls are specialized, with no branch between them. */
static inline __attribute__((always_inline)) void measure(pqflow_sink_t sink, pqflow_producer* producer, int fast, int64_t* id) {
    const int64_t duration = 10000000000LL, interval = 10000; /* 20 records per 10 us = 2 M/s */
    size_t cap = (size_t)(duration / interval) + 16, nb = 0, ns = 0;
    double* burst = malloc(cap * sizeof(double));
    double* single = malloc(cap * 20 * sizeof(double));
    pqflow_stats before, after;
    pqflow_get_stats(sink, &before);
    market_order o;
    memset(&o, 0, sizeof o);
    memcpy(o.symbol, "AAPL", 4);
    int64_t start = now_ns(), due = start;
    for (int round = 0;; round++) {
        int64_t t;
        while ((t = now_ns()) < due) {}
        if (t - start >= duration) break;
        due += interval;
        if (round & 1) {
            /* The records exist before the calls are timed, as the arguments of a log statement do. */
            market_order batch[20];
            for (int i = 0; i < 20; i++) { batch[i] = o; batch[i].order_id = (*id)++; batch[i].timestamp_ns = t; }
            int64_t t0 = now_ns();
            for (int i = 0; i < 20; i++) {
                if (fast) pqflow_log_fast(producer, &batch[i], sizeof batch[i]);
                else pqflow_log_record(sink, &batch[i], sizeof batch[i]);
            }
            burst[nb++] = (double)(now_ns() - t0) / 20.0;
        } else {
            for (int i = 0; i < 20; i++) {
                o.order_id = (*id)++;
                int64_t t0 = now_ns();
                if (fast) pqflow_log_fast(producer, &o, sizeof o);
                else pqflow_log_record(sink, &o, sizeof o);
                single[ns++] = (double)(now_ns() - t0);
            }
        }
    }
    pqflow_get_stats(sink, &after);
    report("C, mean of 20 calls", burst, nb);
    report("C, single call", single, ns);
    printf("dropped in this phase: %llu\n", (unsigned long long)(after.dropped - before.dropped));
    free(burst);
    free(single);
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
    if (pqflow_create(&sink, &config) != PQFLOW_OK || pqflow_set_schema(sink, market_order_columns, MARKET_ORDER_COLUMNS) != PQFLOW_OK) {
        fprintf(stderr, "setup: %s\n", pqflow_last_error(sink));
        return 1;
    }
    pqflow_producer producer;
    if (pqflow_producer_open(sink, &producer) != PQFLOW_OK) {
        fprintf(stderr, "producer: %s\n", pqflow_last_error(sink));
        return 1;
    }
    printf("logging thread pinned to CPU 0: %s; writer pinned: %s\n", pinned ? "yes" : "no", pqflow_last_error(sink)[0] ? pqflow_last_error(sink) : "CPU 1");
    int64_t id = 0;
    for (int fast = 0; fast < 2; fast++) {
        const char* name = fast ? "pqflow_log_fast" : "pqflow_log_record";
        printf("\n%s, ns per call:\n| method | p50 | p90 | p99 | p99.9 | p99.99 | max |\n| --- | --- | --- | --- | --- | --- | --- |\n", name);
        if (fast) measure(sink, &producer, 1, &id); else measure(sink, &producer, 0, &id);
    }
    pqflow_stats stats;
    pqflow_flush(sink);
    pqflow_get_stats(sink, &stats);
    printf("\nlogged %llu dropped %llu written %llu\n", (unsigned long long)stats.logged, (unsigned long long)stats.dropped, (unsigned long long)stats.written);
    pqflow_destroy(sink);
    return 0;
}
