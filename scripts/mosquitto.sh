#!/usr/bin/env bash
# A private Mosquitto broker on loopback for tests and demos (never the system service).
#   scripts/mosquitto.sh start DIR [PORT]   writes DIR/mosquitto.conf, starts the broker, prints its port
#   scripts/mosquitto.sh start-tls DIR [PORT]   the same over TLS with a password: makes DIR/tls/ (ca.pem, a server
#                                           certificate for 127.0.0.1 and localhost signed by it, client.pem/.key, and
#                                           other-ca.pem, a CA that signed nothing here) and DIR/passwd (user gateway,
#                                           password secret); anonymous clients are refused
#   scripts/mosquitto.sh stop DIR           stops it (SIGTERM: the broker saves its persistence file)
# Messages queued for persistent subscribers survive a stop/start (persistence on, in DIR).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|start-tls|stop DIR [PORT]" >&2; exit 2; }
broker=/usr/sbin/mosquitto
# Certificates for start-tls, made once per DIR with openssl (2048-bit RSA, valid a day: they live as long as a test).
make_tls() {
    local t=$1/tls
    [ -f "$t/server.pem" ] && return 0
    mkdir -p "$t"
    for ca in ca other-ca; do
        openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=pqflow test $ca" -keyout "$t/$ca.key" -out "$t/$ca.pem" 2>/dev/null
    done
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$t/server.ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 1 -extfile "$t/server.ext" -out "$t/server.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=gateway" -keyout "$t/client.key" -out "$t/client.csr" 2>/dev/null
    openssl x509 -req -in "$t/client.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 1 -out "$t/client.pem" 2>/dev/null
    chmod 644 "$t"/*.key
    [ -f "$t/server.pem" ] && [ -f "$t/client.pem" ] || { echo "openssl could not make the test certificates" >&2; exit 1; }
}

case "$cmd" in
start|start-tls)
    [ -x "$broker" ] || { echo "mosquitto is not installed: run scripts/setup.sh" >&2; exit 77; }
    mkdir -p "$dir"
    port=${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    if [ "$cmd" = start-tls ]; then
        make_tls "$dir"
        rm -f "$dir/passwd"; touch "$dir/passwd"; chmod 600 "$dir/passwd"
        mosquitto_passwd -b "$dir/passwd" gateway secret
        security="allow_anonymous false
password_file $dir/passwd
cafile $dir/tls/ca.pem
certfile $dir/tls/server.pem
keyfile $dir/tls/server.key"
    else
        security="allow_anonymous true"
    fi
    cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
$security
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
*) echo "usage: $0 start|start-tls|stop DIR [PORT]" >&2; exit 2 ;;
esac
