# Sourced by the C-API system scripts: publishes libparquetflow.so with NativeAOT into $native and checks that it
# exports every symbol named in "$@". Takes /tmp/pqflow-build.lock unless PQFLOW_BUILD_LOCK_HELD is set (developers
# sharing one machine serialize heavy builds; the suite runs alone and sets it). With PQFLOW_ARCH=arm64 the library
# is the one lib/arch.sh had scripts/build.sh cross-compile, and with PQFLOW_X64_BUILT (set by scripts/test.sh) the
# x64 one scripts/build.sh x64 built: nothing is published here then.
native="$root/artifacts/native"
publish_native() {
    local lock=() log symbol
    if [ "${arch:-x64}" = x64 ] && [ -n "${PQFLOW_X64_BUILT:-}" ] && [ -f "$root/artifacts/linux-x64/lib/libparquetflow.so" ]; then
        native="$root/artifacts/linux-x64/lib"   # scripts/test.sh built it once (scripts/build.sh x64) before the system tests
    elif [ "${arch:-x64}" = x64 ]; then
        [ -n "${PQFLOW_BUILD_LOCK_HELD:-}" ] || lock=(flock /tmp/pqflow-build.lock)
        log=$(mktemp)
        "${lock[@]}" dotnet publish "$root/src/ParquetFlow.Native" -c Release -r linux-x64 -p:ParquetFlowAot=true -o "$native" -nologo -v:q > "$log" 2>&1 \
            || { cat "$log"; rm -f "$log"; echo "NativeAOT publish failed"; exit 1; }
        rm -f "$log"
    else
        native="$target_artifacts/lib"
    fi
    [ -f "$native/libparquetflow.so" ] || { echo "no libparquetflow.so in $native"; exit 1; }
    for symbol in "$@"; do
        "${target_nm:-nm}" -D --defined-only "$native/libparquetflow.so" | grep -qw "$symbol" || { echo "libparquetflow.so ($arch) does not export $symbol"; exit 1; }
    done
}
