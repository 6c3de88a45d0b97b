#!/usr/bin/env bash
# Coverage-guided fuzzing of the footer reader (the longer mode of the suite's seeded FooterFuzzTests): SharpFuzz
# instruments ParquetFlow.Parquet.dll, afl-fuzz (Debian's afl++) mutates a seed corpus of small valid files, and the
# harness (tests/ParquetFlow.Fuzz) gives each input to the footer reader, the page-header walk, the page index reads and
# inspect's report. Any exception other than the reader's refusals is a crash; afl-fuzz keeps the input.
#
#   scripts/fuzz-footer.sh [SECONDS] [OUTPUT]     (default 300 s, artifacts/fuzz-footer)
#
# Prints afl-fuzz's figures (executions, paths, crashes, hangs) and replays every saved crash and hang through the
# harness, which prints each one's exception; exits 1 when there was any.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-300}
out=${2:-$root/artifacts/fuzz-footer}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v afl-fuzz >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    echo "fuzz-footer: installing afl++" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

tools="$out/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# Developers share the machine: builds take the lock unless the caller already holds it.
lock() { if [ -n "${PQFLOW_BUILD_LOCK_HELD:-}" ]; then "$@"; else flock /tmp/pqflow-build.lock "$@"; fi; }
# Two copies: instrumented code writes to afl-fuzz's shared memory and faults outside it, so the seeds are written and
# saved inputs replayed by the plain copy.
rm -rf "$out/bin" "$out/plain"
lock dotnet publish tests/ParquetFlow.Fuzz/ParquetFlow.Fuzz.csproj -c Release -o "$out/plain" -nologo -v:q
cp -r "$out/plain" "$out/bin"
"$tools/sharpfuzz" "$out/bin/ParquetFlow.Parquet.dll"

rm -rf "$out/seeds" "$out/findings"
dotnet "$out/plain/ParquetFlow.Fuzz.dll" --seeds "$out/seeds"

# dotnet is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol from inside the harness).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
echo "fuzz-footer: afl-fuzz for $seconds s on $(ls "$out/seeds" | wc -l) seeds; findings in $out/findings" >&2
afl-fuzz -V "$seconds" -t 10000 -m none -i "$out/seeds" -o "$out/findings" -- dotnet "$out/bin/ParquetFlow.Fuzz.dll" > "$out/afl.log" 2>&1 || {
    tail -n 30 "$out/afl.log"; echo "fuzz-footer: afl-fuzz failed" >&2; exit 2; }

stats="$out/findings/default/fuzzer_stats"
for key in run_time execs_done execs_per_sec corpus_count saved_crashes saved_hangs stability bitmap_cvg; do
    grep -E "^$key +:" "$stats" || true
done

found=$(find "$out/findings/default/crashes" "$out/findings/default/hangs" -type f -name 'id:*' 2>/dev/null | sort)
if [ -n "$found" ]; then
    echo "fuzz-footer: replaying $(echo "$found" | wc -l) saved input(s):"
    # shellcheck disable=SC2086
    dotnet "$out/plain/ParquetFlow.Fuzz.dll" $found || true
    exit 1
fi
echo "fuzz-footer: no crashes, no hangs"
