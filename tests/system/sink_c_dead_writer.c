/* pqflow_log_fast against a ring whose sink's writer thread died: the sink sets the ring's head to -2^62
 * (docs/formats.md, "Log-sink ring control block"), so no record fits and the full path returns PQFLOW_ERR_IO instead
 * of PQFLOW_ERR_FULL: at once for a multi-producer ring, once its cached head runs out for a single producer.
 * The producer is filled by hand (the header's documented fields), so the test needs no sink to die on purpose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parquet_flow.h"

#define SLOTS 256

static _Alignas(64) unsigned char slots[SLOTS * 64];
static pqflow_atomic_i64 tail, head, logged, dropped, invalid;
static const int32_t runs[1] = {8};

static pqflow_producer make(int multi, int64_t head_value) {
    memset(slots, 0, sizeof slots);
    tail = 0; head = head_value; logged = 0; dropped = 0; invalid = 0;
    pqflow_producer p;
    memset(&p, 0, sizeof p);
    p.slots = slots; p.slot_count = SLOTS; p.slot_mask = SLOTS - 1;
    p.tail = &tail; p.head = &head; p.logged = &logged; p.dropped = &dropped; p.invalid = &invalid;
    p.cached_head = 0; p.record_length = 8; p.multi_producer = multi;
    p.max_record_length = SLOTS / 2 * 64 - 4; p.min_length = 8; p.runs = runs; p.run_count = 1;
    return p;
}

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } } while (0)

int main(void) {
    const int64_t closed = -((int64_t)1 << 62);
    int64_t record = 42;

    /* Multi-producer: the head is read on every call; the first call after the death fails. */
    pqflow_producer p = make(1, closed);
    CHECK(pqflow_log_fast(&p, &record, 8) == PQFLOW_ERR_IO, "MPSC: a closed ring did not return PQFLOW_ERR_IO");
    CHECK(dropped == 0 && logged == 0, "MPSC: a refusal of a closed ring counted as dropped (%lld) or logged (%lld)", (long long)dropped, (long long)logged);

    /* Single producer: its cached head (0) lets it fill the ring once, then the reload finds it closed. */
    p = make(0, closed);
    int ok = 0;
    pqflow_error e;
    while ((e = pqflow_log_fast(&p, &record, 8)) == PQFLOW_OK) {
        CHECK(++ok <= SLOTS, "SPSC: more records than slots were accepted");
    }
    CHECK(e == PQFLOW_ERR_IO && ok == SLOTS, "SPSC: got %d after %d records, expected PQFLOW_ERR_IO after %d", (int)e, ok, SLOTS);
    CHECK(pqflow_log_fast(&p, &record, 8) == PQFLOW_ERR_IO && dropped == 0, "SPSC: the next call did not fail the same way");

    /* Control: a ring that is only full (the writer lives) still drops and counts. */
    p = make(1, 0);
    for (int i = 0; i < SLOTS; i++) {
        CHECK(pqflow_log_fast(&p, &record, 8) == PQFLOW_OK, "control: record %d refused", i);
    }
    CHECK(pqflow_log_fast(&p, &record, 8) == PQFLOW_ERR_FULL && dropped == 1, "control: a full ring did not return PQFLOW_ERR_FULL");
    puts("pqflow_log_fast on a closed ring: PQFLOW_ERR_IO (MPSC at once, SPSC after its cached head): ok");
    return 0;
}
