/* The log-sink document's stock-market order capture through the C API: one producer thread logs N orders
 * (52-byte packed records) into a ParquetFlow sink, flushes, prints the statistics and checks the error paths.
 * Build: gcc -O2 -I include examples/market_data.c -L <dir of libparquetflow.so> -lparquetflow -o market_data
 * Run:   ./market_data out.parquet [count] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "market_order.h"
#include "parquet_flow.h"

static const char* symbols[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B"};

static int check(pqflow_error got, pqflow_error want, const char* what, pqflow_sink_t sink) {
    if (got != want) {
        const char* text = pqflow_last_error(sink);
        fprintf(stderr, "%s: got %d, expected %d (%s)\n", what, got, want, text ? text : "");
        return 1;
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [COUNT]\n", argv[0]);
        return 2;
    }
    long count = argc > 2 ? atol(argv[2]) : 1000000;
    int failures = 0;

    /* Bad calls: documented errors, never a crash. */
    failures += check(pqflow_create(NULL, NULL), PQFLOW_ERR_INVALID, "create(NULL)", NULL);
    failures += check(pqflow_log(NULL, "x", 1), PQFLOW_ERR_INVALID, "log(NULL sink)", NULL);
    failures += check(pqflow_flush(NULL), PQFLOW_ERR_INVALID, "flush(NULL)", NULL);
    pqflow_destroy(NULL);

    pqflow_config config = {0};
    config.file_path = argv[1];
    config.compression = PQFLOW_COMPRESS_SNAPPY;
    config.batch_size = 65536;
    pqflow_sink_t sink = NULL;
    if (check(pqflow_create(&sink, &config), PQFLOW_OK, "create", NULL)) return 1;

    market_order order;
    memset(&order, 0, sizeof order);
    failures += check(pqflow_log(sink, &order, sizeof order), PQFLOW_ERR_SCHEMA, "log before schema", sink);

    pqflow_column_def bad = {NULL, PQFLOW_TYPE_I32, 0, 0};
    failures += check(pqflow_set_schema(sink, &bad, 1), PQFLOW_ERR_INVALID, "schema with a NULL name", sink);
    failures += check(pqflow_set_schema(sink, NULL, 8), PQFLOW_ERR_INVALID, "schema NULL", sink);
    if (check(pqflow_set_schema(sink, market_order_columns, MARKET_ORDER_COLUMNS), PQFLOW_OK, "set_schema", sink)) return 1;
    failures += check(pqflow_set_schema(sink, market_order_columns, MARKET_ORDER_COLUMNS), PQFLOW_ERR_INVALID, "schema twice", sink);
    if (pqflow_record_length(sink) != 52) {
        fprintf(stderr, "record length %d, expected 52\n", pqflow_record_length(sink));
        failures++;
    }

    failures += check(pqflow_log(sink, &order, 51), PQFLOW_ERR_INVALID, "log 51 bytes", sink);
    failures += check(pqflow_log(sink, NULL, 52), PQFLOW_ERR_INVALID, "log NULL record", sink);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t t0 = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    long full = 0;
    for (long i = 0; i < count; i++) {
        order.timestamp_ns = t0 + i * 100;
        memset(order.symbol, 0, sizeof order.symbol);
        const char* s = symbols[i % 8];
        memcpy(order.symbol, s, strlen(s));
        order.order_id = i;
        order.side = (int32_t)(i & 1);
        order.price = 15000000000 + (i % 1000) * 1000;
        order.quantity = 100 * (1 + i % 10);
        order.order_type = (int32_t)(i % 4);
        order.exchange = (int32_t)(i % 3);
        pqflow_error rc;
        /* This example must not lose orders: on a full ring it retries (a trading app would count and move on). */
        while ((rc = pqflow_log_record(sink, &order, sizeof order)) == PQFLOW_ERR_FULL) full++;
        if (rc != PQFLOW_OK) {
            fprintf(stderr, "log %ld: %d\n", i, rc);
            return 1;
        }
    }
    if (check(pqflow_flush(sink), PQFLOW_OK, "flush", sink)) return 1;

    pqflow_stats stats;
    if (check(pqflow_get_stats(sink, &stats), PQFLOW_OK, "stats", sink)) return 1;
    printf("logged %llu written %llu dropped %llu invalid %llu row_groups %llu full_retries %ld\n",
           (unsigned long long)stats.logged, (unsigned long long)stats.written, (unsigned long long)stats.dropped,
           (unsigned long long)stats.invalid, (unsigned long long)stats.row_groups, full);
    if (stats.written != (uint64_t)count || stats.invalid != 1) failures++;
    pqflow_destroy(sink);
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures ? 1 : 0;
}
