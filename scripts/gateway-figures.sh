#!/usr/bin/env bash
# The README's gateway figures: peak RSS (GNU time's maximum resident set size) of the NativeAOT builds on x64 and on
# arm64 under qemu-aarch64-static, for
#   serve     `pqflow serve` while `pqflow send --clients 64` (the x64 build) feeds it 64 sources, until SIGTERM
#   c-sink    examples/market_data (the C API) writing 1,000,000 market-data orders
#   store     `pqflow store simulate --sensors 2048` (1,000 records each)
# the bytes each durable component makes the disk write per record (below), and the size of each .deb in artifacts/deb.
# Needs `scripts/build.sh x64`, `scripts/build.sh arm64` and `scripts/test-arm64.sh` (its arm64 Ipc test process) first;
# root (loop mounts).
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

# Bytes written per record: each run gets a fresh ext4 on a loop device (inode tables and journal initialised at mkfs, so
# no lazy-init writes), and the figure is the device's written sectors (/sys/block/loopN/stat) from after the mount to
# after the unmount, which flushes everything: the component's data, fsyncs, renames, mmap write-back, ext4's journal
# and metadata. That is what wears a gateway's eMMC, and it must not differ between CPUs.
ipc_x64=(dotnet "$root/tests/ParquetFlow.Ipc.TestProcess/bin/Release/net10.0/ParquetFlow.Ipc.TestProcess.dll")
ipc_arm64=("$root/scripts/run-arm64.sh" "$root/tests/ParquetFlow.Ipc.TestProcess/bin/Release/net10.0/linux-arm64/publish/ParquetFlow.Ipc.TestProcess")
disk() { # NAME RECORDS UNIT COMMAND... (COMMAND writes under $mnt)
    local name=$1 records=$2 unit=$3 img dev before after
    shift 3
    img="$work/$name.img"
    truncate -s 1G "$img"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img"
    dev=$(losetup -f --show "$img")
    mnt="$work/mnt-$name"
    mkdir -p "$mnt"
    mount "$dev" "$mnt"
    sync
    before=$(awk '{ print $7 }' "/sys/block/${dev#/dev/}/stat")
    if ! "$@" > "$work/$name.out" 2>&1; then
        cat "$work/$name.out"; umount "$mnt"; losetup -d "$dev"; echo "$name failed" >&2; exit 1
    fi
    umount "$mnt"
    after=$(awk '{ print $7 }' "/sys/block/${dev#/dev/}/stat")
    losetup -d "$dev"
    rm -f "$img"
    awk -v b=$(( (after - before) * 512 )) -v n="$records" -v name="$name" -v unit="$unit" \
        'BEGIN { printf "disk %-14s %12d bytes for %9d %s: %7.2f bytes per %s\n", name, b, n, unit "s", b / n, unit }'
}
# The workloads, each writing under $mnt with the ARCH's build.
runner() { [ "$1" = arm64 ] && echo "$root/scripts/run-arm64.sh"; true; }
sink_disk() { $(runner $1) "$root/artifacts/linux-$1/c/market_data" "$mnt/md.parquet" 1000000; }
store_disk() { $(runner $1) "$root/artifacts/linux-$1/bin/pqflow" store simulate --dir "$mnt/store" --sensors 2048 --records 1000; }
ring_disk() { local ipc="ipc_$1[@]"; "${!ipc}" mapped-writer "$mnt/ring.bin" 7 4096 64 100 1000000 | tail -n 1; }
collector_disk() { # 64 clients x 1,000 packets x 100 registers, then SIGTERM
    local pid port server
    $(runner $1) "$root/artifacts/linux-$1/bin/pqflow" serve --port 0 --data "$mnt/collector" --status-seconds 3600 > "$work/collector.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do grep -q "listening on" "$work/collector.out" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/collector.out" | head -n 1)
    [ -n "$port" ] || { cat "$work/collector.out"; kill -9 $pid; return 1; }
    "$sender" send --port "$port" --clients 64 --packets 1000 --registers 100 || { kill -9 $pid; return 1; }
    server=$(pgrep -P $pid || true)   # under run-arm64.sh the server is the script's child
    kill -TERM ${server:-$pid}
    wait $pid
    tail -n 1 "$work/collector.out"
}
for arch in x64 arm64; do
    disk sink-$arch 1000000 order sink_disk $arch
    disk store-$arch 2048000 record store_disk $arch
    disk collector-$arch 6400000 value collector_disk $arch
    disk ring-$arch 1000000 write ring_disk $arch
done

for deb in artifacts/deb/*.deb; do
    [ -e "$deb" ] && echo "$(basename "$deb"): $(stat -c %s "$deb") bytes ($(mib $(( $(stat -c %s "$deb") / 1024 ))))"
done
