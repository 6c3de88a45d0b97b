#!/usr/bin/env bash
# The README's gateway figures: peak RSS (GNU time's maximum resident set size) of the NativeAOT builds on x64 and on
# arm64 under qemu-aarch64-static, for
#   serve     `pqflow serve` while `pqflow send --clients 64` (the x64 build) feeds it 64 sources, until SIGTERM
#   c-sink    examples/market_data (the C API) writing 1,000,000 market-data orders
#   store     `pqflow store simulate --sensors 2048` (1,000 records each)
# and the size of each .deb in artifacts/deb. Needs `scripts/build.sh x64` and `scripts/build.sh arm64` first.
# Under qemu-user the RSS is the emulator's process: the program's memory plus qemu's own heap (its page tables for
# the guest's address space and translated code), which is sampled from /proc/PID/smaps and printed beside it.
#   scripts/gateway-figures.sh [PACKETS_PER_CLIENT]      (default 1000, 100 registers each)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
packets=${1:-1000}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"' EXIT
sender="$root/artifacts/linux-x64/bin/pqflow"
for a in linux-x64 linux-arm64; do
    [ -x "$root/artifacts/$a/bin/pqflow" ] && [ -x "$root/artifacts/$a/c/market_data" ] || { echo "run scripts/build.sh first ($a missing)" >&2; exit 1; }
done

rss() { sed -n 's/^rss \([0-9]*\)$/\1/p' "$1"; }
# The largest RSS of PID's [heap] mapping (qemu's malloc heap) until PID exits, in KiB, into FILE.
sample_heap() { # PID FILE
    local max=0 kib
    while kill -0 "$1" 2>/dev/null; do
        kib=$(awk '/\[heap\]/ { h = 1; next } /^[0-9a-f]+-/ { h = 0 } h && /^Rss:/ { print $2 }' "/proc/$1/smaps" 2>/dev/null || true)
        [ -n "$kib" ] && [ "$kib" -gt "$max" ] && max=$kib
        echo "$max" > "$2"
        sleep 0.2
    done
}
# Runs COMMAND... under GNU time in the background and samples qemu's heap; the peak RSS line then says how much of it
# was qemu's (arm64). Sets $timed to time's pid.
timed_start() { # NAME COMMAND...
    local name=$1
    shift
    /usr/bin/time -f "rss %M" -o "$work/$name.time" "$@" &
    timed=$!
    heap_file="$work/$name.heap"
    echo 0 > "$heap_file"
    if [ $arch = arm64 ]; then
        local child=""
        for _ in $(seq 1 50); do child=$(pgrep -P "$timed" || true); [ -n "$child" ] && break; sleep 0.05; done
        [ -n "$child" ] && sample_heap "$child" "$heap_file" &
    fi
}
peak() { # NAME
    local heap
    heap=$(cat "$work/$1.heap")
    if [ "$heap" -gt 0 ]; then echo "$(mib "$(rss "$work/$1.time")") (qemu's heap $(mib "$heap") of it)"; else mib "$(rss "$work/$1.time")"; fi
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

for arch in x64 arm64; do
    bin="$root/artifacts/linux-$arch"
    run=()
    [ $arch = arm64 ] && run=("$root/scripts/run-arm64.sh")

    timed_start serve-$arch "${run[@]}" "$bin/bin/pqflow" serve --port 0 --data "$work/serve-$arch" --status-seconds 3600 \
        > "$work/serve-$arch.out" 2> "$work/serve-$arch.err"
    timer=$timed
    for _ in $(seq 1 300); do grep -q "listening on" "$work/serve-$arch.out" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/serve-$arch.out" | head -n 1)
    [ -n "$port" ] || { cat "$work/serve-$arch.out" "$work/serve-$arch.err"; echo "serve ($arch) did not listen" >&2; exit 1; }
    server=$(pgrep -P "$timer")
    "$sender" send --port "$port" --clients 64 --packets "$packets" --registers 100 > "$work/send-$arch.out"
    kill -TERM "$server"
    wait "$timer" || { cat "$work/serve-$arch.err"; echo "serve ($arch) failed" >&2; exit 1; }
    server=""
    grep -q "sources 64$" "$work/serve-$arch.out" || { tail -n 2 "$work/serve-$arch.out"; echo "serve ($arch) did not see 64 sources" >&2; exit 1; }
    echo "serve ($arch): 64 sources, $(grep -o 'registers [0-9]*' "$work/serve-$arch.out" | tail -n 1) — peak RSS $(peak serve-$arch)"

    rc=0
    timed_start c-$arch "${run[@]}" "$bin/c/market_data" "$work/md-$arch.parquet" 1000000 > "$work/c-$arch.out" 2>&1
    wait "$timed" || rc=$?
    wait
    echo "market_data ($arch): exit $rc, $(grep -o 'written [0-9]*' "$work/c-$arch.out" | head -n 1 || echo "nothing written") — peak RSS $(peak c-$arch)"

    rc=0
    timed_start store-$arch "${run[@]}" "$bin/bin/pqflow" store simulate --dir "$work/store-$arch" --sensors 2048 --records 1000 \
        > "$work/store-$arch.out" 2>&1
    wait "$timed" || rc=$?
    wait
    health=$(grep -o 'healthy [A-Za-z]*, write failures [0-9]*' "$work/store-$arch.out" || echo "no stats")
    echo "store simulate ($arch): 2048 sensors x 1000 records, exit $rc, $health — peak RSS $(peak store-$arch)"
    rm -rf "$work/store-$arch" "$work/serve-$arch"
done

for deb in artifacts/deb/*.deb; do
    [ -e "$deb" ] && echo "$(basename "$deb"): $(stat -c %s "$deb") bytes ($(mib $(( $(stat -c %s "$deb") / 1024 ))))"
done
