/* The log-sink document's market-data record (52 bytes, packed, no nullable column) and its Parquet columns, shared
 * by examples/market_data.c, the C latency benchmark and the C system tests. */
#ifndef MARKET_ORDER_H
#define MARKET_ORDER_H

#include <stdint.h>

#include "parquet_flow.h"

#pragma pack(push, 1)
typedef struct {
    int64_t timestamp_ns;
    char symbol[8];
    int64_t order_id;
    int32_t side;        /* 0 = bid, 1 = ask */
    int64_t price;       /* microcents */
    int64_t quantity;
    int32_t order_type;  /* 0 = new, 1 = modify, 2 = cancel, 3 = trade */
    int32_t exchange;
} market_order;
#pragma pack(pop)

_Static_assert(sizeof(market_order) == 52, "the market-data record packs to 52 bytes");

#define MARKET_ORDER_COLUMNS 8

static const pqflow_column_def market_order_columns[MARKET_ORDER_COLUMNS] = {
    {"timestamp_ns", PQFLOW_TYPE_TIMESTAMP_NS, 0, 0},
    {"symbol", PQFLOW_TYPE_FIXED_STRING, 8, 0},
    {"order_id", PQFLOW_TYPE_I64, 0, 0},
    {"side", PQFLOW_TYPE_I32, 0, 0},
    {"price", PQFLOW_TYPE_I64, 0, 0},
    {"quantity", PQFLOW_TYPE_I64, 0, 0},
    {"order_type", PQFLOW_TYPE_I32, 0, 0},
    {"exchange", PQFLOW_TYPE_I32, 0, 0},
};

#endif
