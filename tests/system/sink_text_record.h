/* The variable-length record of the C system tests: bitmap (1 byte: bit 0 = "value" is null, for every tenth id) |
 * int64 id | int32 value = id % 1000 | STRING text = "t" + id % 100 (4-byte length + bytes). */
#ifndef SINK_TEXT_RECORD_H
#define SINK_TEXT_RECORD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parquet_flow.h"

#define TEXT_RECORD_MAX 32
#define TEXT_COLUMNS 3

static const pqflow_column_def text_columns[TEXT_COLUMNS] = {
    {"id", PQFLOW_TYPE_I64, 0, 0}, {"value", PQFLOW_TYPE_I32, 0, 1}, {"text", PQFLOW_TYPE_STRING, 0, 0},
};

/* Writes the record of `id` to `record` (TEXT_RECORD_MAX bytes) and returns its length. */
static inline uint32_t make_text_record(unsigned char* record, int64_t id) {
    char text[16];
    int n = snprintf(text, sizeof text, "t%lld", (long long)(id % 100));
    record[0] = (id % 10 == 0) ? 1 : 0;
    memcpy(record + 1, &id, 8);
    int32_t value = (int32_t)(id % 1000);
    memcpy(record + 9, &value, 4);
    int32_t len = n;
    memcpy(record + 13, &len, 4);
    memcpy(record + 17, text, (size_t)n);
    return (uint32_t)(17 + n);
}

#endif
