#!/usr/bin/env bash
# Builds the Debian package of one architecture with dpkg-deb: artifacts/deb/pqflow_VERSION_ARCH.deb.
#   scripts/package.sh amd64|arm64|armhf [--no-build]
# It first runs scripts/build.sh for the architecture (x64, arm64, arm), unless --no-build says the artifacts under
# artifacts/linux-*/ are already there. What the package installs, its units and config files: packaging/deb/ and
# the README ("Gateways"). Prints the package's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
deb_arch=${1:-}
case "$deb_arch" in
amd64) build_arch=x64; rid=linux-x64; triplet=x86_64-linux-gnu ;;
arm64) build_arch=arm64; rid=linux-arm64; triplet=aarch64-linux-gnu ;;
armhf) build_arch=arm; rid=linux-arm; triplet=arm-linux-gnueabihf ;;
*) echo "usage: $0 amd64|arm64|armhf [--no-build]" >&2; exit 2 ;;
esac
if [ "${2:-}" != --no-build ]; then
    scripts/build.sh "$build_arch"
fi
built="$root/artifacts/$rid"
for f in bin/pqflow lib/libparquetflow.so; do
    [ -f "$built/$f" ] || { echo "package: $built/$f missing: run scripts/build.sh $build_arch" >&2; exit 1; }
done

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[ -n "$version" ] || { echo "package: no <Version> in Directory.Build.props" >&2; exit 1; }
stage="$root/artifacts/deb/stage-$deb_arch"
deb="$root/artifacts/deb/pqflow_${version}_${deb_arch}.deb"
rm -rf "$stage" "$deb"
mkdir -p "$stage/DEBIAN"
pkg=packaging/deb

install -D -m 755 "$built/bin/pqflow" "$stage/usr/bin/pqflow"
install -D -m 644 "$built/lib/libparquetflow.so" "$stage/usr/lib/$triplet/libparquetflow.so"
install -D -m 644 include/parquet_flow.h "$stage/usr/include/parquet_flow.h"
for unit in pqflow-serve.service pqflow-upload.service pqflow-upload.timer; do
    install -D -m 644 "$pkg/$unit" "$stage/lib/systemd/system/$unit"
done
install -D -m 644 "$pkg/serve.conf" "$stage/etc/pqflow/serve.conf"
install -D -m 644 "$pkg/upload.conf" "$stage/etc/pqflow/upload.conf"
install -D -m 644 "$pkg/README.Debian" "$stage/usr/share/doc/pqflow/README.Debian"
install -D -m 644 examples/market_data.c "$stage/usr/share/doc/pqflow/examples/market_data.c"
install -D -m 644 examples/market_order.h "$stage/usr/share/doc/pqflow/examples/market_order.h"
for script in postinst prerm postrm; do
    install -m 755 "$pkg/$script" "$stage/DEBIAN/$script"
done
printf '/etc/pqflow/serve.conf\n/etc/pqflow/upload.conf\n' > "$stage/DEBIAN/conffiles"
# A shared library in a multiarch directory: ldconfig runs once at the end of the dpkg run.
echo "activate-noawait ldconfig" > "$stage/DEBIAN/triggers"

# The binaries need nothing but glibc (NativeAOT links the runtime, zlib and the codecs in): the newest GLIBC_ symbol
# version they reference is the libc6 they need.
glibc=$(for f in "$stage/usr/bin/pqflow" "$stage/usr/lib/$triplet/libparquetflow.so"; do readelf --dyn-syms -W "$f"; done \
    | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
[ -n "$glibc" ] || { echo "package: no GLIBC symbol versions found in the binaries" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: pqflow
Version: $version
Architecture: $deb_arch
Maintainer: ParquetFlow contributors <parquetflow@users.noreply.invalid>
Installed-Size: $size
Depends: libc6 (>= $glibc), passwd
Section: misc
Priority: optional
Description: binary telemetry to Parquet, shared memory and store-and-forward
 ParquetFlow captures binary telemetry at wire speed: the pqflow command-line tool (collector, Parquet
 writer and inspector, shared-memory rings, sensor store with an MQTT uploader), the C API
 libparquetflow.so with its header, and systemd units for the collector (pqflow serve) and the
 sensor-store uploader (pqflow store upload, run by a timer), configured in /etc/pqflow.
CONTROL

# Reproducible: file times from the last commit, owner root.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package: $(stat -c %s "$deb") bytes"
echo "$deb"
