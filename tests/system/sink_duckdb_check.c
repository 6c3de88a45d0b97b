/* Runs one SQL query through DuckDB's C API (libduckdb.so from the DuckDB.NET package) and prints the int64 in
 * row 0, column 0. The handful of declarations below mirror duckdb.h, which the package does not ship.
 * Usage: sink_duckdb_check "SELECT count(*) FROM 'file.parquet'" */
#include <stdint.h>
#include <stdio.h>

typedef void* duckdb_database;
typedef void* duckdb_connection;
typedef struct { uint64_t opaque[16]; } duckdb_result; /* larger than the real struct (48 bytes) */
int duckdb_open(const char* path, duckdb_database* out);
int duckdb_connect(duckdb_database database, duckdb_connection* out);
int duckdb_query(duckdb_connection connection, const char* query, duckdb_result* out);
const char* duckdb_result_error(duckdb_result* result);
int64_t duckdb_value_int64(duckdb_result* result, uint64_t col, uint64_t row);
void duckdb_destroy_result(duckdb_result* result);
void duckdb_disconnect(duckdb_connection* connection);
void duckdb_close(duckdb_database* database);

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    duckdb_database db;
    duckdb_connection con;
    duckdb_result result;
    if (duckdb_open(NULL, &db) != 0 || duckdb_connect(db, &con) != 0) return 3;
    if (duckdb_query(con, argv[1], &result) != 0) {
        fprintf(stderr, "duckdb: %s\n", duckdb_result_error(&result));
        return 1;
    }
    printf("%lld\n", (long long)duckdb_value_int64(&result, 0, 0));
    duckdb_destroy_result(&result);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return 0;
}
