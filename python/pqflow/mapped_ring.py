"""Reader for the MappedRing file layout of docs/formats.md ("MappedRing file"), written from that page.

Read-only: it never moves the read counter, so it can inspect a ring that a C# reader owns.
"""

import mmap
import struct

MAGIC = 0xBEEFCAFE
VERSION = 1
HEADER_SIZE = 64
SLOT_HEADER_SIZE = 16


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli); ``crc32c(b, crc32c(a)) == crc32c(a + b)``."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class MappedRingError(Exception):
    """The file is not a MappedRing of a version this reader understands."""


class MappedRing:
    """A MappedRing file, mapped read-only."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        size = len(self._mm)
        if size < HEADER_SIZE:
            raise MappedRingError(f"{path}: {size} bytes, shorter than the 64-byte header")
        magic, version, _, self.slot_count, self.slot_size, geometry_crc = struct.unpack_from("<IHHIII", self._mm, 16)
        if magic != MAGIC:
            raise MappedRingError(f"{path}: magic 0x{magic:08x}, expected 0x{MAGIC:08x}")
        if version != VERSION:
            raise MappedRingError(f"{path}: version {version} not supported")
        if crc32c(self._mm[16:32]) != geometry_crc:
            raise MappedRingError(f"{path}: header CRC mismatch")
        self.stride = SLOT_HEADER_SIZE + self.slot_size
        if size != HEADER_SIZE + self.slot_count * self.stride:
            raise MappedRingError(f"{path}: {size} bytes, the header describes {self.slot_count} x {self.slot_size}")

    @property
    def write_seq(self):
        return struct.unpack_from("<Q", self._mm, 40)[0]

    @property
    def read_seq(self):
        return struct.unpack_from("<Q", self._mm, 48)[0]

    def header(self):
        return {"slot_count": self.slot_count, "slot_size": self.slot_size, "write_seq": self.write_seq, "read_seq": self.read_seq,
                "write_index": self.write_seq % self.slot_count, "read_index": self.read_seq % self.slot_count}

    def slot(self, write_number):
        """The payload of write ``write_number`` (1-based) as bytes, or None when its slot is torn or reused."""
        start = HEADER_SIZE + ((write_number - 1) % self.slot_count) * self.stride
        seq, length, crc = struct.unpack_from("<QII", self._mm, start)
        if seq != write_number or length > self.slot_size:
            return None
        payload = self._mm[start + SLOT_HEADER_SIZE:start + SLOT_HEADER_SIZE + length]
        return payload if crc32c(payload, crc32c(self._mm[start:start + 12])) == crc else None

    def unread(self):
        """``[(write_number, payload or None if torn), ...]`` for every written, unread slot, oldest first."""
        return [(s, self.slot(s)) for s in range(self.read_seq + 1, self.write_seq + 1)]

    def close(self):
        self._mm.close()
