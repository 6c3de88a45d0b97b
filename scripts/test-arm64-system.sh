#!/usr/bin/env bash
# The arm64 whole-process leg: builds the linux-arm64 NativeAOT pqflow, libparquetflow.so, the C programs and the Sink
# crash-test process once (scripts/build.sh arm64 tests), then runs under qemu-aarch64-static the whole-process tests
# whose subject is a crash, a restart or the C API, each with PQFLOW_ARCH=arm64 (tests/system/lib/arch.sh), and the
# arm64 Debian package's contents. Each is one test; the last line is "arm64: N passed, N failed, N skipped".
# With PQFLOW_ARM64_BUILD_STATUS (and PQFLOW_ARM64_BUILD_LOG) the build already ran (scripts/test.sh runs it beside the
# x64 whole-process tests) and only its exit code and log are taken.
# Needs the x64 solution built (DuckDB and the x64 pqflow check what the arm64 programs wrote). Exit 0 only if all
# passed; 77 when this machine cannot emulate arm64.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v qemu-aarch64-static >/dev/null || { echo "arm64: qemu-aarch64-static missing (scripts/setup.sh)"; echo "arm64: 0 passed, 0 failed, 1 skipped"; exit 77; }
SECONDS=0
passed=0; failed=0; skipped=0
count() { # NAME EXIT_CODE
    if [ "$2" -eq 0 ]; then passed=$((passed + 1));
    elif [ "$2" -eq 77 ]; then skipped=$((skipped + 1));
    else failed=$((failed + 1)); echo "FAILED (arm64): $1 (exit $2)"; fi
}

echo "=== arm64: scripts/build.sh arm64 tests"
if [ -n "${PQFLOW_ARM64_BUILD_STATUS:-}" ]; then
    # scripts/test.sh ran the build beside the x64 whole-process tests: its log and exit code.
    cat "${PQFLOW_ARM64_BUILD_LOG:-/dev/null}"
    build_rc=$PQFLOW_ARM64_BUILD_STATUS
else
    scripts/build.sh arm64 tests
    build_rc=$?
fi
if [ "$build_rc" -ne 0 ]; then
    echo "arm64: the build failed"
    echo "arm64: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
echo "--- arm64 build took $SECONDS s"
export PQFLOW_ARCH=arm64 PQFLOW_TARGET_BUILT=1

for t in tests/system/pqflow_demo_inspect.sh tests/system/pqflow_demo_system.sh tests/system/sink_c_api.sh tests/system/sink_c_fast_path.sh \
    tests/system/sink_recover.sh tests/system/sensorstore_c_api.sh tests/system/sensorstore_simulate.sh; do
    echo "=== arm64 system: $t"
    started=$SECONDS
    "$t"
    rc=$?
    echo "--- arm64 $t took $((SECONDS - started)) s"
    count "$t" $rc
done

# The arm64 package: what a gateway installs, for the right architecture (installing it needs an arm64 root).
echo "=== arm64: scripts/package.sh arm64"
started=$SECONDS
rc=0
if deb=$(scripts/package.sh arm64 --no-build | tail -n 1) && [ -f "$deb" ]; then
    [ "$(dpkg-deb --field "$deb" Architecture)" = arm64 ] || { echo "arm64 package: Architecture is not arm64"; rc=1; }
    unpacked=$(mktemp -d)
    dpkg-deb -x "$deb" "$unpacked"
    for f in usr/bin/pqflow usr/lib/aarch64-linux-gnu/libparquetflow.so usr/include/parquet_flow.h lib/systemd/system/pqflow-serve.service; do
        [ -f "$unpacked/$f" ] || { echo "arm64 package: no /$f"; rc=1; }
    done
    for f in usr/bin/pqflow usr/lib/aarch64-linux-gnu/libparquetflow.so; do
        machine=$(readelf -h "$unpacked/$f" 2>/dev/null | sed -n 's/^ *Machine: *//p')
        [ "$machine" = AArch64 ] || { echo "arm64 package: /$f is built for '$machine', not AArch64"; rc=1; }
    done
    rm -rf "$unpacked"
    [ $rc -eq 0 ] && echo "arm64 package: $(basename "$deb") ($(stat -c %s "$deb") bytes): ok"
else
    echo "scripts/package.sh arm64 failed"; rc=1
fi
echo "--- arm64 package took $((SECONDS - started)) s"
count scripts/package.sh-arm64 $rc

echo "--- arm64 leg took $SECONDS s"
echo "arm64: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
