# Sourced by the whole-process scripts that also run on arm64 (from the repository root, after `set -euo pipefail`):
# PQFLOW_ARCH picks the build under test.
#   x64 (default)  the solution's Release build (`dotnet .../pqflow.dll`), gcc, programs run natively.
#   arm64          `scripts/build.sh arm64 tests` NativeAOT outputs in artifacts/linux-arm64 (built here when missing, or
#                  always unless PQFLOW_TARGET_BUILT is set: scripts/test-arm64-system.sh builds once and sets it),
#                  C programs built with aarch64-linux-gnu-gcc, every target program run under qemu-aarch64-static
#                  (scripts/run-arm64.sh).
# Defines: $arch, $on_target (the prefix that runs a target program; empty on x64), $cc and $cxx (C/C++ compilers for
# the target), $target_nm, $pqflow (the pqflow under test, as a command line) and $pqflow_host (the x64 build, for
# checks that are not the subject: inspect a file, send packets), $sink_child (tests/ParquetFlow.Sink.TestProcess, the
# sink process the crash tests kill). $native is set by publish_native.
arch=${PQFLOW_ARCH:-x64}
pqflow_host="dotnet $(pwd)/src/pqflow/bin/Release/net10.0/pqflow.dll"
case "$arch" in
x64)
    on_target=""; cc=gcc; cxx=g++; target_nm=nm
    pqflow=$pqflow_host
    sink_child="dotnet $(pwd)/tests/ParquetFlow.Sink.TestProcess/bin/Release/net10.0/ParquetFlow.Sink.TestProcess.dll"
    ;;
arm64)
    command -v qemu-aarch64-static >/dev/null || { echo "qemu-aarch64-static not installed: scripts/setup.sh" >&2; exit 77; }
    target_artifacts="$(pwd)/artifacts/linux-arm64"
    if [ -z "${PQFLOW_TARGET_BUILT:-}" ] || [ ! -x "$target_artifacts/test/ParquetFlow.Sink.TestProcess" ]; then
        scripts/build.sh arm64 tests >&2 || { echo "scripts/build.sh arm64 tests failed"; exit 1; }
    fi
    on_target="$(pwd)/scripts/run-arm64.sh"
    cc=aarch64-linux-gnu-gcc; cxx=aarch64-linux-gnu-g++; target_nm=aarch64-linux-gnu-nm
    pqflow="$on_target $target_artifacts/bin/pqflow"
    sink_child="$on_target $target_artifacts/test/ParquetFlow.Sink.TestProcess"
    ;;
*) echo "PQFLOW_ARCH=$arch: expected x64 or arm64" >&2; exit 2 ;;
esac
