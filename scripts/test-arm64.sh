#!/usr/bin/env bash
# The arm64 leg: the test projects that prove durability and the C API, published self-contained for linux-arm64
# (ReadyToRun) together with every program they start, run as xunit v3 test executables under qemu-user.
# Prints a line per project and, last, "N passed, N failed, N skipped" (scripts/test.sh adds it to its own);
# exits non-zero when the set-up, the publish, a run or a test failed.
#   scripts/test-arm64.sh [PROJECT...]     default: the projects below
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rid=linux-arm64

# The leg's test projects: one line to extend.
projects=(ParquetFlow.Durability.Tests ParquetFlow.Sink.Tests ParquetFlow.SensorStore.Tests ParquetFlow.Ipc.Tests ParquetFlow.Collector.Tests)
[ $# -gt 0 ] && projects=("$@")

# Left to x64 (README, "Tests on arm64"), to keep the whole suite inside its 15 minutes: pure computation that proves
# nothing more under qemu-user, which runs arm64 code with the x86 host's stronger memory ordering (the ring stress tests;
# recovery from a cut at every byte offset, where the arm64 leg keeps the power-cut, SIGKILL and torn-journal recovery
# tests), and the shm CLI's own behaviour (the SharedRing itself runs here in SharedRingTests and ShmRecordTests).
exclude=(
    -method- ParquetFlow.Sink.Tests.RingTests.Spsc_ring_delivers_random_length_records_in_order_across_wraps
    -method- ParquetFlow.Sink.Tests.RingTests.Mpsc_ring_delivers_every_producers_records_in_its_order
    -method- ParquetFlow.Sink.Tests.RecoveryTests.Recovers_every_whole_row_group_after_truncation_at_every_offset
    -class- ParquetFlow.Ipc.Tests.ShmCommandTests
    # Decides a client is stuck once frames stop for 300 ms: timing that emulation cannot keep (x64 runs it).
    -method- ParquetFlow.Collector.Tests.BoundsTests.Shutdown_ends_within_its_grace_period_whatever_clients_do_and_still_saves_what_was_accepted
    # 50 uploaders against a NATS cluster: it proves the cluster's failover, not the architecture (the uploader itself runs
    # here against Mosquitto in UploaderTests), and would take minutes under emulation.
    -class- ParquetFlow.SensorStore.Tests.FleetTests
    # A month of traffic under a fake clock: retention, rotation and bounds as arithmetic over TimeProvider, nothing
    # the CPU changes; two minutes under emulation.
    -class- ParquetFlow.Collector.Tests.SimulatedMonthTests
    # The CLI's own messages (x64 runs them; the mapped ring's recovery runs here in MappedRingKillTests).
    -class- ParquetFlow.Ipc.Tests.DumpCommandTests
    # Which brokers the uploader refuses is TLS policy in .NET and OpenSSL, not arm64 code: here the uploader proves one
    # TLS-with-password upload (Over_TLS_with_a_password_every_record_arrives_and_is_erased), x64 runs the refusals.
    -method- ParquetFlow.SensorStore.Tests.UploaderSecurityTests.A_broker_that_cannot_prove_itself_or_refuses_the_login_gets_no_data_and_causes_no_erasure
    -method- ParquetFlow.SensorStore.Tests.UploaderSecurityTests.A_broker_certificate_that_does_not_chain_to_the_ca_is_logged_as_an_error_naming_the_ca
    # Torn-row races between a producer and Python followers: memory ordering, which qemu-user runs with the host's
    # (see the ring stress tests above); the Python reader's layout checks run here in the other PythonReaderTests.
    -method- ParquetFlow.Ipc.Tests.PythonReaderTests.Python_followers_never_accept_a_torn_row_and_count_what_they_lost
)

# The store's model-based crash test runs two of its six seeds here (x64 runs all six).
export SENSORSTORE_SEEDS=${SENSORSTORE_SEEDS:-2}

results="$root/artifacts/test-results/arm64"
lock=()
[ -z "${PQFLOW_BUILD_LOCK_HELD:-}" ] && lock=(flock /tmp/pqflow-build.lock)
budget=${PQFLOW_ARM64_PROJECT_TIMEOUT:-420}   # seconds one project may run before it counts as failed

fail() { echo "arm64: $*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# The kernel must hand aarch64 executables to qemu: the test hosts, and every child process they start.
[ -x /usr/bin/qemu-aarch64-static ] || fail "qemu-aarch64-static is missing (scripts/setup.sh installs qemu-user-static)"
[ -e /lib/ld-linux-aarch64.so.1 ] || fail "the arm64 glibc is missing (scripts/setup.sh installs libc6:arm64)"
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || fail "cannot mount binfmt_misc (needs root)"
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    if command -v update-binfmts >/dev/null 2>&1; then update-binfmts --enable qemu-aarch64 || true; fi
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register \
        || fail "cannot register qemu-aarch64 with binfmt_misc"
fi

# PQFLOW_ARM64_STEP: all (default), publish (stop after publishing) or run (run what a publish step published):
# scripts/test.sh publishes beside the arm64 whole-process tests, which run no dotnet build.
step=${PQFLOW_ARM64_STEP:-all}
case "$step" in all|publish|run) ;; *) fail "PQFLOW_ARM64_STEP is '$step', not all, publish or run" ;; esac
[ "$step" = run ] || rm -rf "$results"
mkdir -p "$results"

# What to publish: the test projects and the programs they start, which they reference without loading
# (ReferenceOutputAssembly=false); one solution filter, so one restore and one build of everything.
publish=()
for p in "${projects[@]}"; do
    csproj="tests/$p/$p.csproj"
    [ -f "$csproj" ] || fail "no project $csproj"
    publish+=("$csproj")
    refs=$(dotnet msbuild "$csproj" -nologo -getItem:ProjectReference) || fail "cannot read the references of $csproj"
    mapfile -t -O "${#publish[@]}" publish < <(python3 -c '
import json, os, sys
for item in json.load(sys.stdin)["Items"]["ProjectReference"]:
    if item.get("ReferenceOutputAssembly", "").lower() == "false":
        print(os.path.relpath(item["FullPath"]))' <<<"$refs")
done
mapfile -t publish < <(printf '%s\n' "${publish[@]}" | sort -u)

# Programs that scripts/build.sh arm64 tests (the whole-process leg, which runs first) already built as NativeAOT are not
# published again when they are newer than every source: the tests start those (BuiltPaths, PQFLOW_TEST_PROGRAMS).
# The AOT binaries also start faster under qemu than ReadyToRun ones (README, "Tests on arm64").
prebuilt=()
programs=()
for csproj in "${publish[@]}"; do
    name=$(basename "$csproj" .csproj)
    for dir in "$root/artifacts/$rid/bin" "$root/artifacts/$rid/test"; do
        exe="$dir/$name"
        [ -x "$exe" ] || continue
        newer=$(find src "$(dirname "$csproj")" Directory.Build.props Directory.Packages.props -newer "$exe" \
            \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.html' -o -name '*.js' -o -name '*.css' \) \
            -not -path '*/obj/*' -not -path '*/bin/*' -print -quit)
        if [ -z "$newer" ]; then
            prebuilt+=("$csproj"); programs+=("$dir")
        else
            echo "--- arm64: $exe is older than $newer: publishing $csproj"
        fi
        break
    done
done
if [ ${#prebuilt[@]} -gt 0 ]; then
    mapfile -t publish < <(printf '%s\n' "${publish[@]}" | grep -vxF -f <(printf '%s\n' "${prebuilt[@]}"))
    PQFLOW_TEST_PROGRAMS=$(printf '%s\n' "${programs[@]}" | sort -u | paste -sd:)
    export PQFLOW_TEST_PROGRAMS
    echo "--- arm64: using the NativeAOT builds of ${prebuilt[*]} from $PQFLOW_TEST_PROGRAMS"
fi
slnf="$results/leg.slnf"
python3 -c 'import json, sys; print(json.dumps({"solution": {"path": sys.argv[1], "projects": sys.argv[2:]}}, indent=2))' \
    "$root/ParquetFlow.slnx" "${publish[@]}" >"$slnf"

SECONDS=0
if [ "$step" != run ] && ! "${lock[@]}" dotnet publish "$slnf" -c Release -r "$rid" --self-contained -p:PublishReadyToRun=true -nologo -v:q \
    >"$results/publish.log" 2>&1; then
    cat "$results/publish.log" >&2
    fail "publishing for $rid failed: ${publish[*]}"
fi
if [ "$step" != run ]; then
    echo "--- arm64: published ${#publish[@]} projects for $rid in $SECONDS s: ${publish[*]}"
fi
[ "$step" = publish ] && exit 0

# A dotnet on the PATH would be the host's x64 one: a test that starts it has bypassed BuiltPaths.Command.
guard="$results/no-x64-dotnet"
mkdir -p "$guard"
printf '#!/bin/sh\necho "the arm64 leg started the x64 dotnet: $*" >&2\nexit 127\n' >"$guard/dotnet"
chmod +x "$guard/dotnet"

status=0
passed=0; failed=0; skipped=0
for p in "${projects[@]}"; do
    started=$SECONDS
    echo "=== arm64: $p"
    xml="$results/$p.xml"
    # W^X double-maps every page of generated code, which qemu-user handles slowly and, seen here, crashes on.
    env -u DOTNET_HOST_PATH PATH="$guard:$PATH" PQFLOW_TEST_RID="$rid" DOTNET_EnableWriteXorExecute=0 \
        timeout -k 10 "$budget" "tests/$p/bin/Release/net10.0/$rid/publish/$p" -noColor "${exclude[@]}" \
        -result-xml "$xml" -result-trx "$results/$p.trx"
    rc=$?
    assembly=$(grep -o '<assembly [^>]*>' "$xml" 2>/dev/null | head -n 1)
    get() { echo "$assembly" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    t=$(get total); ps=$(get passed); f=$(get failed); s=$(get skipped); er=$(get errors)
    if [ -z "$t" ]; then
        echo "--- arm64: $p exited $rc with no results: counted as one failure"
        failed=$((failed + 1)); status=1
        continue
    fi
    echo "--- arm64: $p took $((SECONDS - started)) s: ${ps:-0} passed, $(( ${f:-0} + ${er:-0} )) failed, ${s:-0} skipped (exit $rc)"
    passed=$((passed + ${ps:-0})); failed=$((failed + ${f:-0} + ${er:-0})); skipped=$((skipped + ${s:-0}))
    [ $rc -ne 0 ] && status=1
done

echo "--- arm64 leg took $SECONDS s"
[ $failed -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
