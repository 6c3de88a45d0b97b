#!/usr/bin/env bash
# Builds what a gateway runs, for one architecture, into artifacts/linux-ARCH/:
#   bin/pqflow                 the command-line tool, a NativeAOT single binary (no .NET runtime needed)
#   lib/libparquetflow.so      the C API, NativeAOT (include/parquet_flow.h)
#   include/parquet_flow.h     the header, as shipped
#   c/market_data, c/*         examples/market_data.c and the C programs of tests/system/, built against lib/
#
#   test/                      with `tests`: the child processes of the whole-process tests (Sink crash test)
#
#   scripts/build.sh [x64|arm64|arm] [tests]      (default x64)
#
# arm64 is cross-compiled from linux-x64: ILCompiler's linux-arm64 package (NuGet) generates the code, clang
# (--target=aarch64-linux-gnu, which finds Debian's gcc-cross crt files and the libraries of libc6-dev-arm64-cross)
# links it with aarch64-linux-gnu-ld, and aarch64-linux-gnu-objcopy splits off the symbols; the C programs are built
# with aarch64-linux-gnu-gcc. On an x64 machine run them with `scripts/run-arm64.sh artifacts/linux-arm64/bin/pqflow demo --seconds 5`.
# arm (32-bit, i.MX6) is the same with arm-linux-gnueabihf; it stops at the restore today because the registry
# serves no linux-arm runtime packs (see the README).
# Takes /tmp/pqflow-build.lock around each dotnet call unless PQFLOW_BUILD_LOCK_HELD is set (scripts/test.sh sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
arch=${1:-x64}
case "$arch" in
x64) rid=linux-x64; triplet=x86_64-linux-gnu; cc=gcc; aot=() ;;
arm64) rid=linux-arm64; triplet=aarch64-linux-gnu; cc=aarch64-linux-gnu-gcc
    aot=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=bfd -p:ObjCopyName=aarch64-linux-gnu-objcopy) ;;
arm) rid=linux-arm; triplet=arm-linux-gnueabihf; cc=arm-linux-gnueabihf-gcc
    aot=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=bfd -p:ObjCopyName=arm-linux-gnueabihf-objcopy) ;;
*) echo "usage: $0 [x64|arm64|arm] [tests]" >&2; exit 2 ;;
esac
tools=("$cc")
[ "$arch" = x64 ] || tools+=(clang "${triplet}-objcopy")
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "build: $tool not found: run scripts/setup.sh" >&2; exit 1; }
done

out="$root/artifacts/$rid"
lock=()
[ -n "${PQFLOW_BUILD_LOCK_HELD:-}" ] || lock=(flock /tmp/pqflow-build.lock)
mkdir -p "$out/bin" "$out/lib" "$out/include" "$out/c" "$out/logs"

publish() { # PROJECT OUTPUT_DIR LOG_NAME
    local log="$out/logs/$3.log"
    if ! "${lock[@]}" dotnet publish "$root/$1" -c Release -r "$rid" -p:ParquetFlowAot=true "${aot[@]}" -o "$2" -nologo -v:q >"$log" 2>&1; then
        if grep -q "NU1101: Unable to find package Microsoft.NETCore.App.Runtime" "$log"; then
            grep -o "NU1101: Unable to find package [^ ]*" "$log" | sort -u >&2
            echo "build: $rid cannot be built here: the NuGet registry this machine reaches serves no runtime packs for $rid" \
                "(Microsoft.NETCore.App.Runtime.$rid, its NativeAOT pack and runtime.$rid.Microsoft.DotNet.ILCompiler); see the README" >&2
            exit 3
        fi
        cat "$log" >&2
        echo "build: dotnet publish $1 for $rid failed (log: $log)" >&2
        exit 1
    fi
}

SECONDS=0
publish src/pqflow "$out/publish/pqflow" pqflow
publish src/ParquetFlow.Native "$out/publish/native" native
install -m 755 "$out/publish/pqflow/pqflow" "$out/bin/pqflow"
install -m 644 "$out/publish/native/libparquetflow.so" "$out/lib/libparquetflow.so"
install -m 644 include/parquet_flow.h "$out/include/parquet_flow.h"
if [ "${2:-}" = tests ]; then
    publish tests/ParquetFlow.Sink.TestProcess "$out/test" sink-test-process
fi

# Each C program against the library just built; warnings are errors, as in tests/system.
build_c() { # NAME SOURCE [extra flags]
    local name=$1 source=$2
    shift 2
    "$cc" -O2 -Wall -Wextra -Werror -I include "$@" "$source" -L "$out/lib" -lparquetflow -Wl,-rpath,"$out/lib" -o "$out/c/$name"
}
build_c market_data examples/market_data.c
build_c sink_c_fast_path tests/system/sink_c_fast_path.c -pthread
build_c sink_c_mpsc tests/system/sink_c_mpsc.c -pthread
build_c sensorstore_c_api tests/system/sensorstore_c_api.c

file_arch=$(readelf -h "$out/bin/pqflow" | sed -n 's/^ *Machine: *//p')
echo "build: $rid in $SECONDS s: $out/bin/pqflow ($file_arch, $(stat -c %s "$out/bin/pqflow") bytes)," \
    "$out/lib/libparquetflow.so ($(stat -c %s "$out/lib/libparquetflow.so") bytes), C programs in $out/c"
