/* The sensor store's C API through libparquetflow.so: the document's call sequence, its error codes, and a
 * restart of the Linux profile that finds every record again. Exit 0 = pass. */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "parquet_flow.h"

/* ss_health is the C# SensorStoreExports.Health: the same 48 bytes on x64, arm64 and 32-bit ARM
 * (tests/system/c_header_32bit.sh compiles this file with arm-linux-gnueabihf-gcc). */
_Static_assert(sizeof(ss_health) == 48, "ss_health is 48 bytes");
_Static_assert(offsetof(ss_health, disk_write_failures) == 8, "8-byte fields on 8-byte offsets");
_Static_assert(offsetof(ss_health, has_last_error) == 40, "ss_health layout");

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); return 1; } } while (0)

static int stm32(void) {
    SsInitCfg cfg; memset(&cfg, 0, sizeof cfg);
    cfg.profile = SS_PROFILE_STM32;
    CHECK(ss_init_system(&cfg) == 0, "init");
    CHECK(ss_init_system(&cfg) == -17, "second init must be -EEXIST");

    SensorStore *ts = NULL, *evt = NULL, *can = NULL;
    CHECK(ss_sensor_init(7, SS_SENSOR_TIMESERIES, &ts) == 0 && ts, "ts sensor");
    CHECK(ss_sensor_init(8, SS_SENSOR_EVENT, &evt) == 0 && evt, "event sensor");
    CHECK(ss_sensor_init_source(SS_SOURCE_CAN, 7, SS_SENSOR_TIMESERIES, &can) == 0 && can && can != ts, "same id on CAN");
    CHECK(ss_sensor_init(9, SS_SENSOR_TIMESERIES, NULL) == -22, "NULL out -> -EINVAL");
    CHECK(ss_ts_add(NULL, 1) == -22, "NULL sensor -> -EINVAL");

    for (uint32_t i = 0; i < 100; i++) CHECK(ss_ts_add(ts, i) == 0, "add %u", i);
    uint64_t total = 0, unsent = 0;
    CHECK(ss_get_total_records(ts, &total) == 0 && total == 100, "total %llu", (unsigned long long)total);
    CHECK(ss_get_unsent_count(ts, &unsent) == 0 && unsent == 100, "unsent %llu", (unsigned long long)unsent);
    uint32_t v = 0;
    CHECK(ss_diag_read_at(ts, 5, &v) == 0 && v == 5, "diag read at 5 gave %u", v);

    CHECK(ss_consume_next(ts, &v) == 0 && v == 0, "consume_next gave %u", v);
    CHECK(ss_erase_all_pending(ts) == 0, "erase");
    uint32_t batch[10]; uint32_t n = 0;
    CHECK(ss_consume_batch(ts, batch, 10, &n) == 0 && n == 10 && batch[0] == 1 && batch[9] == 10, "batch n=%u first=%u", n, batch[0]);
    CHECK(ss_erase_all_pending(ts) == 0, "erase batch");
    CHECK(ss_get_unsent_count(ts, &unsent) == 0 && unsent == 89, "unsent after two erases %llu", (unsigned long long)unsent);

    /* What a C uploader needs: the index of each batch's first record (its idempotency key), the store's health. */
    uint64_t first = 0;
    CHECK(ss_consume_batch_at(ts, batch, 5, &n, &first) == 0 && n == 5 && first == 11 && batch[0] == 11, "batch_at n=%u first=%llu value=%u", n, (unsigned long long)first, batch[0]);
    CHECK(ss_consume_batch_at(ts, batch, 5, &n, &first) == 0 && n == 5 && first == 16, "pending grows: next first=%llu", (unsigned long long)first);
    CHECK(ss_erase_all_pending(ts) == 0, "erase batches");
    uint64_t index = 0;
    CHECK(ss_consume_next_at(ts, &v, &index) == 0 && index == 21 && v == 21, "next_at index=%llu value=%u", (unsigned long long)index, v);
    CHECK(ss_erase_all_pending(ts) == 0, "erase next");
    CHECK(ss_consume_batch_at(ts, batch, 5, &n, NULL) == -22, "NULL first index -> -EINVAL");
    ss_health health;
    CHECK(ss_get_health(&health) == 0 && health.healthy == 1 && health.disk_write_failures == 0 && health.has_last_error == 0, "health");
    char error[256];
    CHECK(ss_get_last_error(error, sizeof error) == 0 && error[0] == 0, "no last error yet");
    CHECK(ss_get_health(NULL) == -22, "NULL health -> -EINVAL");

    ss_event_record e;
    CHECK(sizeof(ss_event_record) == 12, "event record is %zu bytes", sizeof(ss_event_record));
    CHECK(ss_evt_add(evt, 42, 1700000000123ULL) == 0, "event add");
    CHECK(ss_consume_next(evt, &e) == 0 && e.value == 42 && e.ts_ms == 1700000000123ULL, "event %u %llu", e.value, (unsigned long long)e.ts_ms);
    CHECK(ss_erase_all_pending(evt) == 0, "erase event");
    CHECK(ss_consume_next(evt, &e) == -11, "empty -> -EAGAIN");

    char line[512];
    CHECK(ss_dump_stats(SS_SOURCE_HOST, 7, line, sizeof line) == 0 && strlen(line) > 0, "dump stats");
    CHECK(ss_dump_stats(SS_SOURCE_HOST, 7, line, 2) == -34, "tiny buffer -> -ERANGE");
    CHECK(ss_dump_stats(SS_SOURCE_HOST, 12345, line, sizeof line) == -22, "unknown sensor -> -EINVAL");
    ss_manager_tick();
    CHECK(ss_shutdown_system() == 0, "shutdown");
    CHECK(ss_shutdown_system() == -22, "second shutdown -> -EINVAL");
    return 0;
}

static int linux_restart(const char *dir) {
    SsInitCfg cfg; memset(&cfg, 0, sizeof cfg);
    cfg.profile = SS_PROFILE_LINUX;
    cfg.directory = dir;
    CHECK(ss_init_system(&cfg) == 0, "linux init");
    SensorStore *s = NULL;
    CHECK(ss_sensor_init_source(SS_SOURCE_APPLICATION, 3, SS_SENSOR_TIMESERIES, &s) == 0, "linux sensor");
    for (uint32_t i = 0; i < 50000; i++) CHECK(ss_ts_add(s, i * 3) == 0, "linux add %u", i);
    ss_set_shutdown(1);
    CHECK(ss_flush_for_shutdown(60000) == 0, "flush for shutdown");
    CHECK(ss_shutdown_system() == 0, "linux shutdown");

    CHECK(ss_init_system(&cfg) == 0, "linux re-init");
    CHECK(ss_sensor_init_source(SS_SOURCE_APPLICATION, 3, SS_SENSOR_TIMESERIES, &s) == 0, "linux sensor again");
    uint64_t unsent = 0;
    CHECK(ss_get_unsent_count(s, &unsent) == 0 && unsent == 50000, "recovered unsent %llu", (unsigned long long)unsent);
    uint32_t v = 0;
    for (uint32_t i = 0; i < 50000; i++) {
        CHECK(ss_consume_next(s, &v) == 0 && v == i * 3, "record %u is %u", i, v);
        CHECK(ss_erase_all_pending(s) == 0, "erase %u", i);
    }
    CHECK(ss_shutdown_system() == 0, "final shutdown");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s DIR\n", argv[0]); return 2; }
    if (stm32() != 0) return 1;
    if (linux_restart(argv[1]) != 0) return 1;
    printf("sensor store C API: ok\n");
    return 0;
}
