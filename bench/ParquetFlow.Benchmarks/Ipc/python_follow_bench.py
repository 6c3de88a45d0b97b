"""Rows/s the Python reader delivers into NumPy without copying (run by hand; see the README's SharedRing section).

    pqflow shm create pybench --rows 1048576 -c sent:i64 -c seq:u64 -c v0:f64 -c v1:f64 -c v2:f64 -c v3:f64 -c v4:f64
    pqflow shm write pybench --generate 1048575
    /usr/bin/python3 bench/ParquetFlow.Benchmarks/Ipc/python_follow_bench.py pybench

Follows the ring from its oldest row as zero-copy batches, touches every row (sum of a column), checks each batch is
still intact afterwards, and repeats; prints rows/s for the view alone and with the column sum.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
from pqflow import SharedRing  # noqa: E402


def run(ring, touch, max_rows):
    rows = 0
    total = 0.0
    start = time.perf_counter()
    for _ in range(20):
        follower = ring.follow(start="oldest")
        while True:
            batch = follower.poll(max_rows)
            if not len(batch):
                break
            if touch:
                total += float(batch.rows["v0"].sum())
            if not batch.valid():
                raise SystemExit("batch overwritten during the benchmark: is a producer running?")
            rows += len(batch)
    return rows / (time.perf_counter() - start)


ring = SharedRing.attach(sys.argv[1])
print(f"{ring.head} rows of {ring.row_size} bytes in the ring")
for max_rows in (None, 4096, 256):
    label = "whole ring" if max_rows is None else f"{max_rows}-row batches"
    print(f"{label:>18}: view only {run(ring, False, max_rows) / 1e6:8.1f} M rows/s, "
          f"view + sum of a column {run(ring, True, max_rows) / 1e6:8.1f} M rows/s")
