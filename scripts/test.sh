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
    else
        echo "no results from $name: counted as one failure"
        failed=$((failed + 1))
    fi
done

# --- gateway build (issue 11): the x64 NativeAOT pqflow and libparquetflow.so that tests/system/deb_package.sh packages,
# built once here so that the package test stays short.
if scripts/build.sh x64 > "$results/build-x64.log" 2>&1; then
    export PQFLOW_X64_BUILT=1
else
    cat "$results/build-x64.log"; echo "FAILED: scripts/build.sh x64"; failed=$((failed + 1)); status=1
fi
# --- end of the gateway build

# Whole-process tests: each tests/system/*.sh is one test (exit 0 = pass, 77 = skipped).
for t in tests/system/*.sh; do
    [ -e "$t" ] || continue
    echo "=== system: $t"
    "$t"
    rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1));
    elif [ $rc -eq 77 ]; then skipped=$((skipped + 1));
    else failed=$((failed + 1)); status=1; echo "FAILED: $t (exit $rc)"; fi
done

# --- arm64 whole-process leg (issue 11): the crash, restart and C-API scripts on the arm64 NativeAOT builds under
# qemu-aarch64-static (scripts/test-arm64-system.sh); each script it runs counts as one test here.
echo "=== arm64 whole-process leg"
scripts/test-arm64-system.sh 2>&1 | tee "$results/arm64-system.log"
arm64_summary=$(tail -n 1 "$results/arm64-system.log")
if [[ $arm64_summary =~ ^arm64:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
else
    echo "FAILED: no summary line from scripts/test-arm64-system.sh"; failed=$((failed + 1))
fi
# --- end of the arm64 whole-process leg

# --- arm64 xunit leg (scripts/test-arm64.sh): the xunit projects that prove durability, published for linux-arm64 and run
# under qemu-user. Its last line, "N passed, N failed, N skipped", joins the totals; no such line counts as a failure.
echo "=== arm64 xunit leg"
./scripts/test-arm64.sh | tee "$results/arm64.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
if leg=$(tail -n 1 "$results/arm64.log" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'); then
    read -r p _ f _ s _ <<<"$leg"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
else
    failed=$((failed + 1)); status=1; echo "FAILED: the arm64 xunit leg printed no summary line"
fi
# --- end of the arm64 xunit leg

echo "--- tests took $SECONDS s"
[ $failed -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
