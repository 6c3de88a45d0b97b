#!/usr/bin/env bash
# A private three-node NATS cluster on loopback for the uploader's fleet tests and benches (Debian's nats-server, never
# a system service): JetStream on every node, and each node's MQTT listener with stream_replicas 3, so a QoS 1 PUBACK
# means the message is stored on a quorum of the three nodes.
#   scripts/nats-cluster.sh start DIR        writes DIR/nN/nats.conf, starts nodes 1-3, waits until JetStream has a
#                                            leader and every MQTT listener answers, prints the three MQTT ports
#   scripts/nats-cluster.sh kill DIR N       SIGKILLs node N (a node lost mid-run, nothing flushed)
#   scripts/nats-cluster.sh restart DIR N    starts node N again on its ports and data, waits until it is healthy
#   scripts/nats-cluster.sh ports DIR        prints the MQTT ports again
#   scripts/nats-cluster.sh stop DIR         stops every node (SIGTERM, then SIGKILL after 10 s)
# Ports are chosen free at start and kept in DIR/ports (client, route, monitor, MQTT per node).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
usage() { echo "usage: $0 start|stop|ports DIR | kill|restart DIR 1|2|3" >&2; exit 2; }
[ -n "$cmd" ] && [ -n "$dir" ] || usage
server=/usr/sbin/nats-server

free_ports() {
    python3 -c 'import socket
socks = [socket.socket() for _ in range(int(__import__("sys").argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# Node N's ports from DIR/ports: client route monitor mqtt.
node_ports() { sed -n "${1}p" "$dir/ports"; }

write_config() {
    local n=$1 client route monitor mqtt routes="" m
    read -r client route monitor mqtt < <(node_ports "$n")
    for m in 1 2 3; do
        [ "$m" = "$n" ] && continue
        routes+="    nats-route://127.0.0.1:$(node_ports "$m" | cut -d' ' -f2)
"
    done
    mkdir -p "$dir/n$n/js"
    cat >"$dir/n$n/nats.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:$client
http: 127.0.0.1:$monitor
pid_file: "$dir/n$n/nats.pid"
log_file: "$dir/n$n/nats.log"
jetstream {
    store_dir: "$dir/n$n/js"
    max_memory_store: 64MB
    max_file_store: 2GB
}
cluster {
    name: pqflow
    listen: 127.0.0.1:$route
    routes: [
$routes    ]
}
mqtt {
    listen: 127.0.0.1:$mqtt
    stream_replicas: 3
    ack_wait: "30s"
}
CONF
}

start_node() {
    (
        # The node outlives this script: it must not keep the caller's descriptors open (a build lock taken by flock,
        # the pipe a test reads this script's output from), or the caller waits for it.
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
        done
        exec "$server" -c "$dir/n$1/nats.conf" </dev/null >>"$dir/n$1/nats.out" 2>&1
    ) &
    echo $! >"$dir/n$1/nats.pid"
}

# Healthy (within 30 s): GET /healthz$2 answers ok and the MQTT port accepts connections. A fresh cluster is checked
# in full (every stream and consumer current); a restarted node only for being current with the JetStream meta leader
# (?js-server-only=true): a replica of a consumer deleted while the node was down (a gateway's clean session, ended on
# another node) stays "not current" on it in nats-server 2.9, although the node serves MQTT and stores messages again.
wait_healthy() {
    local n=$1 query=${2:-} client route monitor mqtt
    read -r client route monitor mqtt < <(node_ports "$n")
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        if python3 -c 'import sys, urllib.request, json
r = json.load(urllib.request.urlopen("http://127.0.0.1:%s/healthz%s" % (sys.argv[1], sys.argv[2]), timeout=1))
sys.exit(0 if r.get("status") == "ok" else 1)' "$monitor" "$query" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$mqtt") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nats node $n did not become healthy within 30 s (see $dir/n$n/nats.log)" >&2
    exit 1
}

mqtt_ports() { awk '{ printf "%s%s", (NR > 1 ? " " : ""), $4 } END { print "" }' "$dir/ports"; }

stop_node() {
    local pidfile=$dir/n$1/nats.pid pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$pidfile"
}

case "$cmd" in
start)
    [ -x "$server" ] || { echo "nats-server is not installed: run scripts/setup.sh" >&2; exit 77; }
    mkdir -p "$dir"
    read -r -a p < <(free_ports 12)
    : >"$dir/ports"
    for n in 0 1 2; do echo "${p[n*4]} ${p[n*4+1]} ${p[n*4+2]} ${p[n*4+3]}" >>"$dir/ports"; done
    for n in 1 2 3; do write_config "$n"; start_node "$n"; done
    for n in 1 2 3; do wait_healthy "$n"; done
    mqtt_ports
    ;;
kill)
    n=${3:-}; [[ "$n" =~ ^[123]$ ]] || usage
    pid=$(cat "$dir/n$n/nats.pid")
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/n$n/nats.pid"
    ;;
restart)
    n=${3:-}; [[ "$n" =~ ^[123]$ ]] || usage
    stop_node "$n"
    start_node "$n"
    wait_healthy "$n" "?js-server-only=true"
    ;;
ports) mqtt_ports ;;
stop) for n in 1 2 3; do stop_node "$n"; done ;;
*) usage ;;
esac
