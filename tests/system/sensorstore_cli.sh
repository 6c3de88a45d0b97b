#!/usr/bin/env bash
# `pqflow store` end to end on the command line: simulate sensors into a Linux-profile store, read a record
# back after a restart, upload everything to a private Mosquitto while mosquitto_sub counts the batches,
# and check that the store is empty afterwards (every batch erased on its PUBACK); then an upload with no subscriber
# (PUBACK 0x10) keeps everything and exits 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
pqflow=src/pqflow/bin/Release/net10.0/pqflow.dll
[ -f "$pqflow" ] || { echo "build the solution first ($pqflow missing)" >&2; exit 1; }
[ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: scripts/setup.sh" >&2; exit 77; }
work=$(mktemp -d)
trap 'scripts/mosquitto.sh stop "$work/broker" >/dev/null 2>&1 || true; scripts/mosquitto.sh stop "$work/tls-broker" >/dev/null 2>&1 || true; kill "${sub:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet "$pqflow" store simulate --dir "$work/store" --sensors 30 --records 2500 --event-share 0 >"$work/simulate.txt"
grep -q "wrote 75000 records to 30 sensors" "$work/simulate.txt" || { cat "$work/simulate.txt"; exit 1; }

# After a restart the record is read back from disk (sensor 3 of each source has id 1: host/1 is sensor #3).
dotnet "$pqflow" store read --dir "$work/store" --source host --id 1 --offset 2499 | grep -q "^index 2499 value " \
    || { echo "read after restart failed"; exit 1; }
dotnet "$pqflow" store read --dir "$work/store" --source host --id 1 --offset 2500 2>/dev/null && { echo "read past the end succeeded"; exit 1; }

port=$(scripts/mosquitto.sh start "$work/broker")
mosquitto_sub -p "$port" -t 'pqflow/#' -q 1 -v >"$work/messages.txt" &
sub=$!
# Wait until the subscription is in place: a retained-free probe message must come back.
for _ in $(seq 1 100); do
    mosquitto_pub -p "$port" -t pqflow/probe -m probe -q 1
    grep -q '^pqflow/probe' "$work/messages.txt" 2>/dev/null && break
    sleep 0.1
done
dotnet "$pqflow" store upload --dir "$work/store" --port "$port" --gateway cli --batch 500 >"$work/upload.txt"
grep -q "uploaded 75000 records in 150 acknowledged batches" "$work/upload.txt" || { cat "$work/upload.txt"; exit 1; }
for _ in $(seq 1 100); do
    [ "$(grep -c '^pqflow/cli/' "$work/messages.txt" || true)" -ge 150 ] && break
    sleep 0.1
done
n=$(grep -c '^pqflow/cli/' "$work/messages.txt" || true)
[ "$n" -eq 150 ] || { echo "subscriber saw $n batches, expected 150"; exit 1; }
dotnet "$pqflow" store stats --dir "$work/store" | grep -q "records retained 0, unsent 0" || { echo "store not empty after upload"; exit 1; }

# With nobody subscribed the broker answers PUBACK 0x10 and drops the message: the upload keeps every record, says why
# and exits 1 (before, MQTTnet's "success" for 0x10 made it erase them).
kill "$sub"; wait "$sub" 2>/dev/null || true; sub=""
dotnet "$pqflow" store simulate --dir "$work/store2" --sensors 3 --records 100 --event-share 0 >/dev/null
rc=0; dotnet "$pqflow" store upload --dir "$work/store2" --port "$port" --gateway cli2 --timeout 3 >"$work/upload2.txt" 2>"$work/upload2.err" || rc=$?
[ $rc -eq 1 ] || { echo "upload to a broker with no subscriber exited $rc"; cat "$work/upload2.txt" "$work/upload2.err"; exit 1; }
grep -q "^refused by the broker (kept, to be sent again): [0-9]* x PUBACK 0x10 NoMatchingSubscribers" "$work/upload2.txt" \
    || { echo "the refusal was not reported"; cat "$work/upload2.txt"; exit 1; }
grep -q "is a subscriber or a persistent session there" "$work/upload2.err" || { cat "$work/upload2.err"; exit 1; }
dotnet "$pqflow" store stats --dir "$work/store2" | grep -q "records retained 300," || { echo "records were erased without delivery"; dotnet "$pqflow" store stats --dir "$work/store2" | tail -n 1; exit 1; }

# Over TLS with a password: a broker whose certificate chains to --ca-file gets everything; plaintext to a host that is
# not loopback is refused before anything is sent.
tls_port=$(scripts/mosquitto.sh start-tls "$work/tls-broker")
printf 'secret\n' > "$work/password"
mosquitto_sub -p "$tls_port" -h 127.0.0.1 --cafile "$work/tls-broker/tls/ca.pem" -u gateway -P secret -t 'pqflow/#' -q 1 -v >"$work/tls-messages.txt" &
sub=$!
for _ in $(seq 1 100); do
    mosquitto_pub -p "$tls_port" -h 127.0.0.1 --cafile "$work/tls-broker/tls/ca.pem" -u gateway -P secret -t pqflow/probe -m probe -q 1
    grep -q '^pqflow/probe' "$work/tls-messages.txt" 2>/dev/null && break
    sleep 0.1
done
dotnet "$pqflow" store upload --dir "$work/store2" --port "$tls_port" --ca-file "$work/tls-broker/tls/ca.pem" --username gateway \
    --password-file "$work/password" --timeout 30 >"$work/upload3.txt" || { cat "$work/upload3.txt"; exit 1; }
grep -q "^uploaded 300 records in " "$work/upload3.txt" || { cat "$work/upload3.txt"; exit 1; }
kill "$sub"; wait "$sub" 2>/dev/null || true; sub=""
scripts/mosquitto.sh stop "$work/tls-broker"
rc=0; dotnet "$pqflow" store upload --dir "$work/store2" --host 192.0.2.10 --timeout 1 >/dev/null 2>"$work/plain.err" || rc=$?
[ $rc -eq 2 ] && grep -q "plaintext MQTT to 192.0.2.10 is refused" "$work/plain.err" || { echo "plaintext to a remote host: exit $rc"; cat "$work/plain.err"; exit 1; }
echo "sensorstore_cli: ok"
