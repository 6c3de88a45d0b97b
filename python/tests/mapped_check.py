"""Used by tests/ParquetFlow.Ipc.Tests/PythonReaderTests.cs: prints a MappedRing file's header and unread slots as JSON."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pqflow import MappedRing, MappedRingError  # noqa: E402

try:
    ring = MappedRing(sys.argv[1])
except MappedRingError as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
print(json.dumps({"header": ring.header(),
                  "unread": [{"seq": s, "data": None if p is None else p.hex()} for s, p in ring.unread()]}))
