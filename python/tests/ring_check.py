"""Consumer side of the cross-process tests in tests/ParquetFlow.Ipc.Tests/PythonReaderTests.cs.

The C# producer (tests/ParquetFlow.Ipc.TestProcess, TestRows) publishes rows whose every column is a function of the
row's sequence. Commands print one JSON line:
  follow NAME DIR TOTAL  -- prints "ready", follows from the oldest row until the cursor reaches TOTAL, checks every row
  last NAME DIR N        -- header, schema, status and a check of the newest N rows
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pqflow import SharedRing  # noqa: E402

TIME_BASE = 1_700_000_000_000_000_000


def bad_rows(rows, first):
    """Indices of rows that are not exactly TestRows.Fill(first + i)."""
    s = np.arange(first, first + len(rows), dtype=np.int64)
    ok = rows["_stamp"] == (2 * s + 2).astype(np.uint64)
    ok &= rows["seq"] == s.astype(np.uint64)
    ok &= rows["ts"].view(np.int64) == TIME_BASE + s * 1000
    ok &= rows["value"] == s * 0.5
    ok &= rows["level"] == (s % 1000 - 500).astype(np.int32)
    ok &= rows["ratio"] == (s % 100000).astype(np.float32)
    ok &= rows["code"] == (-(s % 30000)).astype(np.int16)
    ok &= rows["flag"] == (s % 2 == 0)
    ok &= rows["small"] == (s % 256).astype(np.uint8)
    return np.nonzero(~ok)[0]


def follow(name, directory, total):
    ring = SharedRing.attach(name, directory)
    follower = ring.follow(start="oldest")
    print("ready", flush=True)
    rows = errors = discarded = batches = 0
    first_error = None
    while follower.cursor < total:
        batch = follower.poll()
        if not len(batch):
            continue
        batches += 1
        bad = bad_rows(batch.rows, batch.first)  # computed on the zero-copy view
        if not batch.valid():
            discarded += len(batch)  # overwritten while we looked: the guard says so, nothing is trusted
            continue
        if len(bad):
            errors += len(bad)
            first_error = first_error or f"row {batch.first + int(bad[0])}: {batch.rows[bad[0]]}"
        rows += len(batch)
    print(json.dumps({"rows": rows, "lost": follower.lost, "discarded": discarded, "errors": errors,
                      "batches": batches, "cursor": follower.cursor, "first_error": first_error}), flush=True)


def last(name, directory, n):
    ring = SharedRing.attach(name, directory)
    rows = ring.last(n)
    first = ring.head - len(rows)
    print(json.dumps({"header": ring.header(), "columns": ring.columns, "schema": ring.schema, "status": ring.producer_status(),
                      "rows": len(rows), "first": int(rows["seq"][0]) if len(rows) else None,
                      "bad": len(bad_rows(rows, first)), "dtype": str(ring.dtype.descr),
                      "timestamp0": str(rows["ts"][0]) if len(rows) else None}))


if __name__ == "__main__":
    command, name, directory, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    {"follow": follow, "last": last}[command](name, directory, count)
