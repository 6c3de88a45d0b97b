# Sourced by the collector system scripts: start_collector DATA_DIR LOG_PREFIX [serve options...] starts
# `pqflow serve --port 0` in the background and sets $server_pid and $port (read from its "listening on" line).
pqflow="dotnet src/pqflow/bin/Release/net10.0/pqflow.dll"
server_pid=""
start_collector() {
    local data=$1 logs=$2
    shift 2
    $pqflow serve --port 0 --framing packet --data "$data" "$@" > "$logs.out" 2> "$logs.err" &
    server_pid=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$logs.out" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$logs.out" | head -n 1)
    [ -n "$port" ] || { echo "server did not report its port"; cat "$logs.out" "$logs.err"; exit 1; }
}
