#!/usr/bin/env bash
# pqflow serve under a small open-file limit: clients that hold every free descriptor make accept fail with EMFILE.
# The listener must back off, say so, and serve the next clients once descriptors are free again (before, one failed
# accept ended the listener for good, silently); then SIGTERM, exit 0, every frame of those clients stored.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The NativeAOT build, as a gateway runs it: a JIT-compiled pqflow loads assemblies lazily, so with no descriptor left
# the runtime itself fails (seen: "Could not load file or assembly", then an abort), which no server code can mend.
# scripts/test.sh builds it once before the system tests (PQFLOW_X64_BUILT); alone, this builds it.
if [ -z "${PQFLOW_X64_BUILT:-}" ] || [ ! -x artifacts/linux-x64/bin/pqflow ]; then scripts/build.sh x64 > /dev/null; fi
pqflow=artifacts/linux-x64/bin/pqflow
dir=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT

# The limit is the server's alone: it takes about 12 descriptors idle, so some 50 are left for connections and files.
( ulimit -n 64; exec $pqflow serve --port 0 --data "$dir/data" --status-seconds 0.5 ) > "$dir/serve.out" 2> "$dir/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/serve.out" | head -n 1)
[ -n "$port" ] || { echo "server did not report its port"; cat "$dir/serve.out" "$dir/serve.err"; exit 1; }

# 150 idle connections: the kernel queues those the server cannot accept; hold them until accept has failed.
python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(150)]
time.sleep(3)
for s in held:
    s.close()
PY
grep -q "accept failed (Too many open files" "$dir/serve.err" || { echo "no accept failure was logged"; cat "$dir/serve.err"; exit 1; }

# Descriptors are free again: the same listener serves new clients.
$pqflow send --port "$port" --clients 2 --packets 200 --registers 10 > "$dir/send.out"
grep -q "sent 400 packets (4,000 registers) from 2 client(s)" "$dir/send.out" || { cat "$dir/send.out"; exit 1; }

kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
[ $rc -eq 0 ] || { echo "serve exited $rc after SIGTERM"; cat "$dir/serve.err"; exit 1; }
grep -q "^stopped: connections 0, frames 400, registers 4000, .*accept errors [1-9][0-9]*, .*sources 2$" "$dir/serve.out" \
    || { echo "final status wrong:"; tail -n 2 "$dir/serve.out"; exit 1; }
echo "accept errors: $(grep -o 'accept errors [0-9]*' "$dir/serve.out" | tail -n 1 | cut -d' ' -f3), then 400 packets from 2 new clients stored"
