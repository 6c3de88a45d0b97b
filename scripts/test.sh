#!/usr/bin/env bash
# The whole test suite: set-up, build, every test project, whole-process tests, one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# The system scripts take /tmp/pqflow-build.lock for their NativeAOT publish when developers share a machine;
# the suite runs alone, so it tells them not to.
export PQFLOW_BUILD_LOCK_HELD=1

./scripts/setup.sh || { echo "0 passed, 1 failed (setup failed)"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build ParquetFlow.slnx -c Release -nologo -v:q; then
    echo "0 passed, 1 failed (build failed)"
    exit 1
fi

status=0
passed=0; failed=0; skipped=0
failures=()   # what failed, listed again above the summary line so that a failure in a long log is found at a glance

# The names of the failed tests in a trx file (x64 projects) or an xunit v3 xml file (the arm64 leg).
failed_in() {
    python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    print(f"{sys.argv[1]}: unreadable results ({e})"); sys.exit()
for node in root.iter():
    tag = node.tag.rsplit('}', 1)[-1]
    if tag == 'UnitTestResult' and node.get('outcome') not in ('Passed', 'NotExecuted'):
        print(node.get('testName'))
    elif tag == 'test' and node.get('result') == 'Fail':
        print(node.get('name'))
PY
}

SECONDS=0
for proj in tests/*/*.Tests.csproj; do
    name=$(basename "$proj" .csproj)
    started=$SECONDS
    echo "=== $name"
    if ! dotnet test "$proj" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
        --results-directory "$results"; then
        status=1
    fi
    echo "--- $name took $((SECONDS - started)) s"
    trx="$results/$name.trx"
    if [ -f "$trx" ]; then
        counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
        get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
        t=$(get total); e=$(get executed); p=$(get passed); f=$(get failed); er=$(get error)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0} + ${er:-0}))
        skipped=$((skipped + ${t:-0} - ${e:-0}))
        mapfile -t -O "${#failures[@]}" failures < <(failed_in "$trx")
    else
        echo "no results from $name: counted as one failure"
        failed=$((failed + 1)); failures+=("$name: no results")
    fi
done

# --- gateway build (issue 11): the x64 NativeAOT pqflow and libparquetflow.so that tests/system/deb_package.sh packages,
# built once here so that the package test stays short.
if scripts/build.sh x64 > "$results/build-x64.log" 2>&1; then
    export PQFLOW_X64_BUILT=1
else
    cat "$results/build-x64.log"; echo "FAILED: scripts/build.sh x64"; failed=$((failed + 1)); status=1
    failures+=("scripts/build.sh x64")
fi
# --- end of the gateway build

# The arm64 NativeAOT build (scripts/build.sh arm64 tests, about two minutes of compiling) runs while the x64
# whole-process tests below mostly wait on servers, sockets and fsyncs; they run no dotnet build themselves
# (PQFLOW_X64_BUILT), so nothing else writes the build's outputs meanwhile. The arm64 leg waits for it.
arm64_build_log="$results/build-arm64.log"
scripts/build.sh arm64 tests >"$arm64_build_log" 2>&1 &
arm64_build=$!

# Whole-process tests: each tests/system/*.sh is one test (exit 0 = pass, 77 = skipped).
for t in tests/system/*.sh; do
    [ -e "$t" ] || continue
    echo "=== system: $t"
    started=$SECONDS
    "$t"
    rc=$?
    echo "--- $t took $((SECONDS - started)) s"
    if [ $rc -eq 0 ]; then passed=$((passed + 1));
    elif [ $rc -eq 77 ]; then skipped=$((skipped + 1));
    else failed=$((failed + 1)); status=1; echo "FAILED: $t (exit $rc)"; failures+=("$t (exit $rc)"); fi
done

# --- arm64 whole-process leg (issue 11): the crash, restart and C-API scripts on the arm64 NativeAOT builds under
# qemu-aarch64-static (scripts/test-arm64-system.sh); each script it runs counts as one test here.
echo "=== arm64 whole-process leg"
wait "$arm64_build"
arm64_build_rc=$?
# The arm64 xunit leg's publish (JIT builds of its test projects) runs while the arm64 whole-process tests run under
# qemu; those build nothing (the arm64 NativeAOT build above is done), so the two never write the same outputs.
arm64_publish_log="$results/arm64-publish.log"
PQFLOW_ARM64_STEP=publish ./scripts/test-arm64.sh >"$arm64_publish_log" 2>&1 &
arm64_publish=$!
PQFLOW_ARM64_BUILD_STATUS=$arm64_build_rc PQFLOW_ARM64_BUILD_LOG=$arm64_build_log scripts/test-arm64-system.sh 2>&1 | tee "$results/arm64-system.log"
arm64_summary=$(tail -n 1 "$results/arm64-system.log")
if [[ $arm64_summary =~ ^arm64:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
    mapfile -t -O "${#failures[@]}" failures < <(sed -n 's/^FAILED (arm64): /arm64 /p' "$results/arm64-system.log")
else
    echo "FAILED: no summary line from scripts/test-arm64-system.sh"; failed=$((failed + 1))
    failures+=("scripts/test-arm64-system.sh: no summary line")
fi
# --- end of the arm64 whole-process leg

# --- arm64 xunit leg (scripts/test-arm64.sh): the xunit projects that prove durability, published for linux-arm64 and run
# under qemu-user. Its last line, "N passed, N failed, N skipped", joins the totals; no such line counts as a failure.
echo "=== arm64 xunit leg"
wait "$arm64_publish"
arm64_publish_rc=$?
if [ $arm64_publish_rc -eq 0 ]; then
    { cat "$arm64_publish_log"; PQFLOW_ARM64_STEP=run ./scripts/test-arm64.sh; } | tee "$results/arm64.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
    tee "$results/arm64.log" <"$arm64_publish_log"   # ends with the publish's "0 passed, 1 failed" line
    status=1
fi
if leg=$(tail -n 1 "$results/arm64.log" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'); then
    read -r p _ f _ s _ <<<"$leg"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
else
    failed=$((failed + 1)); status=1; echo "FAILED: the arm64 xunit leg printed no summary line"
    failures+=("scripts/test-arm64.sh: no summary line")
fi
for xml in "$results"/arm64/*.xml; do
    [ -f "$xml" ] || continue
    mapfile -t -O "${#failures[@]}" failures < <(failed_in "$xml" | sed 's/^/arm64 /')
done
# --- end of the arm64 xunit leg

echo "--- tests took $SECONDS s"
if [ ${#failures[@]} -gt 0 ]; then
    echo "--- failed:"
    printf '  %s\n' "${failures[@]}"
fi
[ $failed -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
