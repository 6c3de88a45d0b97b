#!/usr/bin/env bash
# The amd64 Debian package: scripts/package.sh builds it; dpkg-deb shows the fields and exactly the files expected; dpkg
# installs it into a scratch root (its own dpkg database, maintainer scripts run chrootless with DPKG_ROOT: user,
# data directories, unit enabled); systemd-analyze verifies the installed units; each unit's ExecStart line, taken from
# the installed unit and default config, runs by hand as the package's user with no-new-privs on a read-only file
# system but /var/lib/pqflow (the collector takes a
# `pqflow send` and exits 0 on SIGTERM; one upload round empties a store into a private Mosquitto); then remove,
# reinstall and purge check what the maintainer scripts leave behind.
# Not exercised here (no systemd as PID 1): systemd starting the units and enforcing their sandboxing, and the
# start/stop/restart branches of the maintainer scripts, which run only when /run/systemd/system exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
for tool in dpkg-deb dpkg systemd-analyze setpriv unshare useradd; do
    command -v "$tool" >/dev/null || { echo "$tool not installed: scripts/setup.sh" >&2; exit 77; }
done
[ -x /usr/sbin/mosquitto ] || { echo "mosquitto not installed: scripts/setup.sh" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (dpkg --root with chown, setpriv to the package's user)" >&2; exit 77; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; { [ -z "${subscriber:-}" ] || kill "$subscriber" 2>/dev/null || true; }; scripts/mosquitto.sh stop "$work/broker" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
chmod 755 "$work"
SECONDS=0

# scripts/test.sh builds the x64 artifacts once before the system tests (PQFLOW_X64_BUILT); alone, this builds them.
if [ -n "${PQFLOW_X64_BUILT:-}" ] && [ -x artifacts/linux-x64/bin/pqflow ]; then build=--no-build; else build=""; fi
deb=$(scripts/package.sh amd64 $build | tail -n 1)
[ -f "$deb" ] || { echo "scripts/package.sh printed no package"; exit 1; }
built=$SECONDS

# --- the package as dpkg-deb shows it
info=$(dpkg-deb --info "$deb")
for field in "Package: pqflow" "Architecture: amd64" "Depends: libc6 (>= 2." "Version: $(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)"; do
    echo "$info" | grep -qF " $field" || { echo "control lacks '$field'"; echo "$info"; exit 1; }
done
for script in postinst prerm postrm conffiles triggers; do
    echo "$info" | grep -qw "$script" || { echo "no $script in the package"; exit 1; }
done
dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort > "$work/files"
cat > "$work/expected" <<'EOF'
/etc/pqflow/serve.conf
/etc/pqflow/upload.conf
/lib/systemd/system/pqflow-serve.service
/lib/systemd/system/pqflow-upload.service
/lib/systemd/system/pqflow-upload.timer
/usr/bin/pqflow
/usr/include/parquet_flow.h
/usr/lib/x86_64-linux-gnu/libparquetflow.so
/usr/share/doc/pqflow/README.Debian
/usr/share/doc/pqflow/examples/market_data.c
/usr/share/doc/pqflow/examples/market_order.h
EOF
diff -u "$work/expected" "$work/files" || { echo "the package's files differ from the expected list"; exit 1; }
dpkg-deb --contents "$deb" | awk '$2 != "root/root" { bad = 1 } END { exit bad }' || { echo "files not owned by root"; exit 1; }
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = "$(printf '/etc/pqflow/serve.conf\n/etc/pqflow/upload.conf')" ] || { echo "conffiles wrong"; exit 1; }

# --- install into a scratch root with its own dpkg database and user files
r="$work/root"
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers" "$r/etc"
touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$r/etc/passwd"
printf 'root:x:0:\n' > "$r/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$r/etc/shadow"
printf 'root:*::\n' > "$r/etc/gshadow"
chmod 640 "$r/etc/shadow" "$r/etc/gshadow"
# --force-depends: the scratch database has no libc6 or passwd (the host's serve).
in_root() { dpkg --root="$r" --force-script-chrootless --force-depends --log=/dev/null "$@" > "$work/dpkg.out" 2>&1 \
    || { cat "$work/dpkg.out"; echo "dpkg $* failed"; exit 1; }; }
in_root -i "$deb"
dpkg --root="$r" -s pqflow | grep -q "^Status: install ok installed" || { echo "not installed in the scratch root"; exit 1; }
user=$(grep '^pqflow:' "$r/etc/passwd") || { echo "postinst created no user pqflow"; exit 1; }
IFS=: read -r _ _ uid gid _ home shell <<< "$user"
[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] && [ "$home" = /var/lib/pqflow ] \
    || { echo "user pqflow is not a system user without a shell: $user"; exit 1; }
grep -q "^pqflow:x:$gid:" "$r/etc/group" || { echo "no group pqflow ($gid)"; exit 1; }
for d in /var/lib/pqflow /var/lib/pqflow/collector /var/lib/pqflow/store; do
    [ "$(stat -c %u:%g "$r$d")" = "$uid:$gid" ] || { echo "$d is not owned by pqflow"; exit 1; }
done
[ "$(stat -c %a "$r/var/lib/pqflow/store")" = 2770 ] || { echo "store directory mode $(stat -c %a "$r/var/lib/pqflow/store")"; exit 1; }
wants="$r/etc/systemd/system/multi-user.target.wants/pqflow-serve.service"
[ -L "$wants" ] || { echo "postinst did not enable pqflow-serve.service"; exit 1; }
[ ! -e "$r/etc/systemd/system/timers.target.wants/pqflow-upload.timer" ] || { echo "the upload timer was enabled on install"; exit 1; }

# --- the installed units, as systemd reads them (relative to the scratch root, where the system's own units, such as
# network.target and sysinit.target, come from this machine's systemd). Warnings (unknown keys) count as failures.
[ ! -e /lib/systemd/system/pqflow-serve.service ] || { echo "pqflow units installed on this machine: the check would mix them up" >&2; exit 1; }
cp -a -n /lib/systemd/system/. "$r/lib/systemd/system/"
for unit in pqflow-serve.service pqflow-upload.service pqflow-upload.timer; do
    if ! systemd-analyze verify --root="$r" "/lib/systemd/system/$unit" > "$work/verify.out" 2>&1 \
        || grep -i "pqflow" "$work/verify.out"; then
        cat "$work/verify.out"; echo "systemd-analyze verify $unit failed"; exit 1
    fi
done

# The unit's ExecStart with the config's variable expanded, run from the scratch root as the package's user.
# Substituted: the root prefix on /usr/bin and /var/lib paths, and the ports, which must be free ones here.
exec_start() { # UNIT CONFIG VARIABLE
    local line options
    line=$(sed -n 's/^ExecStart=//p' "$r/lib/systemd/system/$1")
    options=$(set -a; . "$r/etc/pqflow/$2"; eval "printf '%s' \"\$$3\"")
    line=${line/\$$3/$options}
    echo "$line" | sed -e "s#/usr/bin/pqflow#$r/usr/bin/pqflow#" -e "s#/var/lib/pqflow#$r/var/lib/pqflow#g"
}
as_pqflow=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs)
# As the units run it, as far as it goes without systemd: the package's user (User=), no new privileges
# (NoNewPrivileges=), and in a mount namespace whose file system is read-only except /var/lib/pqflow
# (ProtectSystem=strict with StateDirectory=pqflow).
as_unit=(unshare --mount --propagation private sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro / && shift && exec "$@"'
    sandbox "$r/var/lib/pqflow" "${as_pqflow[@]}")

# The collector's unit reads its options from the conffile (serve --config); options given after it replace the file's:
# here a free port, and the data directory under the scratch root.
serve=$(sed -n 's/^ExecStart=//p' "$r/lib/systemd/system/pqflow-serve.service")
[ "$serve" = "/usr/bin/pqflow serve --config /etc/pqflow/serve.conf" ] || { echo "pqflow-serve.service runs '$serve'"; exit 1; }
grep -qx "port = 9000" "$r/etc/pqflow/serve.conf" && grep -qx "data = /var/lib/pqflow/collector" "$r/etc/pqflow/serve.conf" \
    || { echo "serve.conf does not name port 9000 and /var/lib/pqflow/collector"; cat "$r/etc/pqflow/serve.conf"; exit 1; }
"${as_unit[@]}" "$r/usr/bin/pqflow" serve --config "$r/etc/pqflow/serve.conf" --port 0 --data "$r/var/lib/pqflow/collector" > "$work/serve.out" 2> "$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/serve.out" | head -n 1)
[ -n "$port" ] || { echo "the collector unit's command did not listen"; cat "$work/serve.out" "$work/serve.err"; exit 1; }
"$r/usr/bin/pqflow" send --port "$port" --clients 2 --packets 200 --registers 10 > "$work/send.out"
grep -q "sent 400 packets (4,000 registers) from 2 client(s)" "$work/send.out" || { cat "$work/send.out"; exit 1; }
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
[ $rc -eq 0 ] || { echo "the collector exited $rc after SIGTERM"; cat "$work/serve.err"; exit 1; }
grep -q "^stopped: connections 0, frames 400, registers 4000, .*sources 2$" "$work/serve.out" || { tail -n 2 "$work/serve.out"; exit 1; }
ls "$r"/var/lib/pqflow/collector/raw/log-*.bin > /dev/null && [ -s "$r/var/lib/pqflow/collector/image.bin" ] \
    || { echo "no raw log or image.bin in /var/lib/pqflow/collector"; exit 1; }
[ -z "$(find "$r/var/lib/pqflow/collector" ! -uid "$uid")" ] || { echo "collector files not owned by pqflow"; exit 1; }

# An application in group pqflow fills the store; one upload round sends it all and erases it.
"${as_pqflow[@]}" "$r/usr/bin/pqflow" store simulate --dir "$r/var/lib/pqflow/store" --sensors 6 --records 500 --event-share 0 > "$work/simulate.out"
grep -q "wrote 3000 records to 6 sensors" "$work/simulate.out" || { cat "$work/simulate.out"; exit 1; }
broker_port=$(scripts/mosquitto.sh start "$work/broker")
# The cloud side: a subscriber must be there, or the broker drops each batch (PUBACK 0x10) and the store keeps it.
mosquitto_sub -p "$broker_port" -t 'pqflow/#' -q 1 -v > "$work/messages.txt" &
subscriber=$!
for _ in $(seq 1 100); do
    mosquitto_pub -p "$broker_port" -t pqflow/probe -m probe -q 1
    grep -q '^pqflow/probe' "$work/messages.txt" 2>/dev/null && break
    sleep 0.1
done
upload=$(exec_start pqflow-upload.service upload.conf PQFLOW_UPLOAD_OPTIONS)
echo "$upload" | grep -q -- "--port 1883 " || { echo "upload.conf does not name port 1883: $upload"; exit 1; }
# shellcheck disable=SC2086
"${as_unit[@]}" ${upload/--port 1883 /--port $broker_port } > "$work/upload.out" 2> "$work/upload.err" \
    || { cat "$work/upload.out" "$work/upload.err"; echo "the upload unit's command failed"; exit 1; }
grep -q "^uploaded 3000 records in " "$work/upload.out" || { cat "$work/upload.out"; exit 1; }
"$r/usr/bin/pqflow" store stats --dir "$r/var/lib/pqflow/store" 2>/dev/null | grep -q "records retained 0, unsent 0" || { echo "store not empty after upload"; exit 1; }
[ -s "$r/var/lib/pqflow/store/gateway-id" ] || { echo "the upload kept no gateway id beside the store"; exit 1; }
kill "$subscriber"; wait "$subscriber" 2>/dev/null || true; subscriber=""
scripts/mosquitto.sh stop "$work/broker"

# --- remove (conffiles and data stay, units disabled), reinstall (enabled again), purge (nothing left)
in_root -r pqflow
[ ! -e "$r/usr/bin/pqflow" ] && [ ! -e "$r/usr/lib/x86_64-linux-gnu/libparquetflow.so" ] || { echo "remove left binaries"; exit 1; }
[ -f "$r/etc/pqflow/serve.conf" ] && [ -d "$r/var/lib/pqflow/collector/raw" ] || { echo "remove deleted the config or the data"; exit 1; }
[ ! -L "$wants" ] || { echo "prerm did not disable pqflow-serve.service"; exit 1; }
in_root -i "$deb"
[ -L "$wants" ] || { echo "a reinstall did not enable the collector again"; exit 1; }
in_root --purge pqflow
[ ! -e "$r/etc/pqflow" ] && [ ! -e "$r/var/lib/pqflow" ] && [ ! -L "$wants" ] || { echo "purge left files behind"; find "$r/etc/pqflow" "$r/var/lib/pqflow" 2>/dev/null; exit 1; }
dpkg --root="$r" -s pqflow > /dev/null 2>&1 && { echo "pqflow still known to the scratch dpkg after purge"; exit 1; }

echo "deb_package: $(basename "$deb") ($(stat -c %s "$deb") bytes) built in $built s, installed, verified, run, removed and purged in $((SECONDS - built)) s: ok"
