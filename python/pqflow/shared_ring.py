"""Reader for the SharedRing segment layout of docs/formats.md ("SharedRing segment"), written from that page.

Rows are seqlocked: row ``s`` lives at slot ``s % capacity`` and its u64 stamp at offset 0 reads ``2s+1`` while the
producer writes it and ``2s+2`` once published. The producer overwrites slots in sequence order, so a range of rows
``[a, b)`` is intact when the stamp of ``b-1`` read ``2b`` before it was used and the stamp of ``a`` still reads ``2a+2``
after it was used. Reads here are plain aligned 8-byte loads, which x86-64 and arm64 perform atomically.
"""

import json
import mmap
import os
import time

import numpy as np

MAGIC = 0x52535150  # "PQSR"
VERSION = 1
LAYOUT_ROW_MAJOR_SEQLOCK = 1
HEADER_SIZE = 4096
DEFAULT_DIRECTORY = "/dev/shm"
FILE_PREFIX = "pqflow-"

# Header offsets (bytes).
_CAPACITY = 16
_ROW_SIZE = 24
_DATA_OFFSET = 32
_SCHEMA_OFFSET = 48
_SCHEMA_LENGTH = 52
_HEAD = 128
_PRODUCER_PID = 192
_PRODUCER_STATE = 196
_GENERATION = 200
_HEARTBEAT = 208
_FLAGS = 12

_NUMPY_TYPES = {
    "f64": "<f8", "f32": "<f4", "i64": "<i8", "i32": "<i4", "i16": "<i2",
    "u64": "<u8", "u32": "<u4", "u16": "<u2", "u8": "u1", "bool": "?", "timestamp_ns": "<M8[ns]",
}


class SharedRingError(Exception):
    """The file is not a SharedRing segment this reader understands."""


def path_for(name, directory=None):
    """The segment file of ``name`` (``/dev/shm/pqflow-NAME``); a name containing '/' is taken as a path."""
    if "/" in name:
        return name
    return os.path.join(directory or DEFAULT_DIRECTORY, FILE_PREFIX + name)


class SharedRing:
    """A mapped SharedRing segment (read-only). Use :meth:`attach`."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        size = len(self._mm)
        if size < 8192:
            raise SharedRingError(f"{path}: {size} bytes, shorter than the 8192-byte header and consumer table")
        h32 = np.ndarray((HEADER_SIZE // 4,), dtype="<u4", buffer=self._mm)
        h16 = np.ndarray((HEADER_SIZE // 2,), dtype="<u2", buffer=self._mm)
        self._h64 = np.ndarray((HEADER_SIZE // 8,), dtype="<u8", buffer=self._mm)
        if int(h32[0]) != MAGIC:
            raise SharedRingError(f"{path}: magic 0x{int(h32[0]):08x}, expected 0x{MAGIC:08x}")
        if int(h16[2]) != VERSION or int(h16[3]) != LAYOUT_ROW_MAJOR_SEQLOCK:
            raise SharedRingError(f"{path}: version {int(h16[2])} layout {int(h16[3])} not supported")
        self.capacity = int(self._h64[_CAPACITY // 8])
        self.row_size = int(h32[_ROW_SIZE // 4])
        self.data_offset = int(self._h64[_DATA_OFFSET // 8])
        self.flags = int(h32[_FLAGS // 4])
        if self.capacity <= 0 or self.capacity & (self.capacity - 1) or self.data_offset + self.capacity * self.row_size > size:
            raise SharedRingError(f"{path}: capacity {self.capacity} x {self.row_size} bytes does not fit {size} bytes")
        length = int(h32[_SCHEMA_LENGTH // 4])
        start = int(h32[_SCHEMA_OFFSET // 4])
        self.schema_json = bytes(self._mm[start:start + length]).decode("utf-8")
        self.schema = json.loads(self.schema_json)
        self._h32 = h32
        self._mask = self.capacity - 1
        fields = {"names": ["_stamp"], "formats": ["<u8"], "offsets": [0], "itemsize": self.row_size}
        for c in self.schema["columns"]:
            fields["names"].append(c["name"])
            fields["formats"].append(_NUMPY_TYPES[c["type"]])
            fields["offsets"].append(c["offset"])
        #: NumPy structured dtype of one row; ``_stamp`` is the seqlock stamp.
        self.dtype = np.dtype(fields)
        #: Every slot of the ring as one zero-copy structured array (slot i holds sequences i, i+capacity, ...).
        self.slots = np.ndarray((self.capacity,), dtype=self.dtype, buffer=self._mm, offset=self.data_offset)
        self._stamps = np.ndarray((self.capacity,), dtype="<u8", buffer=self._mm, offset=self.data_offset, strides=(self.row_size,))

    @classmethod
    def attach(cls, name, directory=None):
        """Maps segment ``name`` (or a path) read-only."""
        return cls(path_for(name, directory))

    @property
    def name(self):
        base = os.path.basename(self.path)
        return base[len(FILE_PREFIX):] if base.startswith(FILE_PREFIX) else base

    @property
    def columns(self):
        return [c["name"] for c in self.schema["columns"]]

    @property
    def head(self):
        """Rows published so far: rows ``[head - capacity + 1, head)`` can be read."""
        return int(self._h64[_HEAD // 8])

    def header(self):
        """The header fields as a dict."""
        return {
            "magic": int(self._h32[0]), "version": VERSION, "capacity": self.capacity, "row_size": self.row_size,
            "data_offset": self.data_offset, "locked": bool(self.flags & 1), "head": self.head,
            "producer_pid": int(self._h32[_PRODUCER_PID // 4]), "producer_state": int(self._h32[_PRODUCER_STATE // 4]),
            "generation": int(self._h64[_GENERATION // 8]), "heartbeat_ns": int(self._h64[_HEARTBEAT // 8]),
        }

    def producer_status(self):
        """'none', 'live', 'stalled' (heartbeat over 2 s old), 'dead' (pid gone) or 'closed'."""
        state = int(self._h32[_PRODUCER_STATE // 4])
        if state == 0:
            return "none"
        if state == 2:
            return "closed"
        pid = int(self._h32[_PRODUCER_PID // 4])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "dead"
        except PermissionError:
            pass
        age = time.monotonic_ns() - int(self._h64[_HEARTBEAT // 8])
        return "stalled" if age > 2_000_000_000 else "live"

    def stamp(self, sequence):
        return int(self._stamps[sequence & self._mask])

    def is_intact(self, first, count):
        """True while rows ``[first, first+count)`` are published and not being overwritten."""
        return count <= 0 or (self.stamp(first) == 2 * first + 2 and self.stamp(first + count - 1) == 2 * (first + count) )

    def view(self, first, count):
        """Zero-copy view of rows ``[first, first+count)``; they must not wrap (``first % capacity + count <= capacity``)."""
        start = first & self._mask
        assert start + count <= self.capacity, "a zero-copy view cannot wrap around the ring"
        return self.slots[start:start + count]

    def last(self, n):
        """A checked copy of the newest ``n`` rows (at most capacity-1), oldest first; retried until intact."""
        while True:
            head = self.head
            count = min(n, head, self.capacity - 1)
            first = head - count
            if count <= 0:
                return np.empty(0, dtype=self.dtype)
            if self.stamp(first + count - 1) != 2 * (first + count):
                continue
            start = first & self._mask
            if start + count <= self.capacity:
                rows = self.slots[start:start + count].copy()
            else:
                rows = np.concatenate((self.slots[start:], self.slots[:start + count - self.capacity]))
            if self.stamp(first) == 2 * first + 2:
                return rows

    def follow(self, start="latest"):
        """A :class:`Follower` with its own cursor, from ``'latest'`` (head) or ``'oldest'`` (oldest row still held)."""
        head = self.head
        cursor = head if start == "latest" else max(0, head - self.capacity + 1)
        return Follower(self, cursor)

    def close(self):
        self.slots = None
        self._stamps = None
        self._h64 = None
        self._h32 = None
        try:
            self._mm.close()
        except BufferError:
            pass  # views handed out still reference the mapping; it is unmapped when they go


class Batch:
    """Rows ``[first, first+len(rows))`` as a zero-copy structured array over shared memory.

    The rows were whole when the batch was made. The producer may overwrite them later: call :meth:`valid` after using
    them (or use :meth:`copy`) to know that what you read was not being overwritten meanwhile.
    """

    __slots__ = ("ring", "first", "rows", "lost")

    def __init__(self, ring, first, rows, lost):
        self.ring = ring
        self.first = first
        self.rows = rows
        self.lost = lost

    def __len__(self):
        return len(self.rows)

    def valid(self):
        """True when no row of this batch has been touched by the producer since the batch was made."""
        return len(self.rows) == 0 or self.ring.stamp(self.first) == 2 * self.first + 2

    def copy(self):
        """A private copy of the rows, or None when they were overwritten during the copy."""
        rows = self.rows.copy()
        return rows if self.valid() else None


class Follower:
    """Reads new rows in order with its own cursor; counts the rows it lost to being lapped."""

    def __init__(self, ring, cursor):
        self.ring = ring
        self.cursor = cursor
        self.lost = 0

    def poll(self, max_rows=None):
        """The published rows from the cursor on (up to ``max_rows``, not wrapping) as a :class:`Batch`; may be empty.

        When the producer lapped the cursor, the cursor jumps to the oldest intact row and ``batch.lost`` says how
        many rows were skipped (also added to ``self.lost``).
        """
        ring = self.ring
        lost = 0
        while True:
            a = self.cursor
            head = ring.head
            n = min(head - a, ring.capacity - (a & ring._mask))
            if max_rows is not None:
                n = min(n, max_rows)
            if n <= 0:
                return Batch(ring, a, ring.slots[0:0], lost)
            first_stamp = ring.stamp(a)
            if first_stamp == 2 * a + 2 and ring.stamp(a + n - 1) == 2 * (a + n):
                self.cursor = a + n
                return Batch(ring, a, ring.view(a, n), lost)
            if first_stamp > 2 * a + 2:
                skip = max(a + 1, ring.head - ring.capacity + 1) - a
                self.cursor = a + skip
                self.lost += skip
                lost += skip

    def batches(self, timeout=None, idle_sleep=0.0):
        """Yields non-empty batches as rows arrive; stops after ``timeout`` seconds without a row (None: never)."""
        last = time.monotonic()
        while True:
            batch = self.poll()
            if len(batch):
                last = time.monotonic()
                yield batch
                continue
            if timeout is not None and time.monotonic() - last > timeout:
                return
            if idle_sleep:
                time.sleep(idle_sleep)
