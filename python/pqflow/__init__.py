"""ParquetFlow's Python side: zero-copy NumPy readers for the SharedRing segments that ParquetFlow producers publish,
and a checked reader for MappedRing files.

    from pqflow import SharedRing
    ring = SharedRing.attach("ticks")           # /dev/shm/pqflow-ticks
    print(ring.schema, ring.head, ring.producer_status())
    recent = ring.last(100)                      # a checked copy of the newest 100 rows
    follower = ring.follow(start="oldest")
    for batch in follower.batches(timeout=1.0):  # zero-copy views over shared memory
        total += batch.rows["value"].sum()
        if not batch.valid():                    # overwritten while we looked: discard what we computed
            ...
"""

from .mapped_ring import MappedRing, MappedRingError
from .shared_ring import Batch, Follower, SharedRing, SharedRingError

__all__ = ["Batch", "Follower", "MappedRing", "MappedRingError", "SharedRing", "SharedRingError"]
