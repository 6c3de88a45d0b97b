# Sourced by the system scripts that check Parquet files with DuckDB: builds tests/system/sink_duckdb_check.c against
# the libduckdb.so of the DuckDB.NET package (there once tests/ParquetFlow.Sink.Tests is built) into $dir, and
# defines q SQL, which prints the query's int64 result (row 0, column 0).
duckdb_so=$(find tests/ParquetFlow.Sink.Tests/bin/Release -name libduckdb.so -path '*linux-x64*' | head -n 1)
[ -n "$duckdb_so" ] || { echo "libduckdb.so not found (build tests/ParquetFlow.Sink.Tests first)"; exit 1; }
gcc -O1 tests/system/sink_duckdb_check.c -L "$(dirname "$duckdb_so")" -l:libduckdb.so -Wl,-rpath,"$(dirname "$duckdb_so")" -o "$dir/duck"
q() { "$dir/duck" "$1"; }
