#!/usr/bin/env bash
# A private Mosquitto broker on loopback for tests and demos (never the system service).
#   scripts/mosquitto.sh start DIR [PORT]   writes DIR/mosquitto.conf, starts the broker, prints its port
#   scripts/mosquitto.sh stop DIR           stops it (SIGTERM: the broker saves its persistence file)
# Messages queued for persistent subscribers survive a stop/start (persistence on, in DIR).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
broker=/usr/sbin/mosquitto
case "$cmd" in
start)
    [ -x "$broker" ] || { echo "mosquitto is not installed: run scripts/setup.sh" >&2; exit 77; }
    mkdir -p "$dir"
    port=${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
autosave_interval 1
log_dest file $dir/mosquitto.log
pid_file $dir/mosquitto.pid
user $(id -un)
max_queued_messages 0
CONF
    "$broker" -c "$dir/mosquitto.conf" -d 2>>"$dir/mosquitto.log"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; exit 0; fi
        sleep 0.05
    done
    echo "mosquitto did not open port $port (see $dir/mosquitto.log)" >&2; exit 1
    ;;
stop)
    [ -f "$dir/mosquitto.pid" ] || exit 0
    pid=$(cat "$dir/mosquitto.pid")
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/mosquitto.pid"
    ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
