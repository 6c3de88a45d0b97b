#!/usr/bin/env bash
# include/parquet_flow.h has no 64-bit assumptions (i.MX6 is 32-bit ARM): its users (examples/market_data.c and the C
# programs of tests/system) compile with arm-linux-gnueabihf-gcc -Wall -Wextra -Werror, the header also as C++; the
# inlined pqflow_log_fast uses its 64-bit atomics lock-free (no libatomic call, which would take a lock the C# side of
# the ring never takes); and every struct that crosses the C API has, on the 32-bit ARM ABI, on arm64 and on x64, the layout the
# C# declaration (src/ParquetFlow.Native/NativeTypes.cs and SsInitCfg.cs, src/ParquetFlow.SensorStore/EventRecord.cs) gets on that ABI: the header's
# layout is printed by tests/system/c_header_layout.c (run under qemu-arm-static), the C# one computed from the
# declared field types (sequential layout, natural alignment, 8-byte alignment of 64-bit fields on both ABIs).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v arm-linux-gnueabihf-gcc >/dev/null || { echo "arm-linux-gnueabihf-gcc not installed: scripts/setup.sh" >&2; exit 77; }
command -v qemu-arm-static >/dev/null || { echo "qemu-arm-static not installed: scripts/setup.sh" >&2; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc=arm-linux-gnueabihf-gcc

$cc -O2 -Wall -Wextra -Werror -I include -c examples/market_data.c -o "$dir/market_data.o"
$cc -O2 -Wall -Wextra -Werror -pthread -I include -c tests/system/sink_c_mpsc.c -o "$dir/sink_c_mpsc.o"
$cc -O2 -Wall -Wextra -Werror -I include -c tests/system/sensorstore_c_api.c -o "$dir/sensorstore_c_api.o"
$cc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -pthread -I include -c tests/system/sink_c_fast_path.c -o "$dir/sink_c_fast_path.o"
if command -v arm-linux-gnueabihf-g++ >/dev/null; then
    printf '#include "parquet_flow.h"\nint log52(pqflow_producer* p, const void* r) { return pqflow_log_fast(p, r, 52); }\n' \
        | arm-linux-gnueabihf-g++ -std=c++17 -O2 -Wall -Wextra -Werror -I include -x c++ -c - -o "$dir/header_cxx.o"
fi
calls=$(arm-linux-gnueabihf-nm -u "$dir"/*.o | grep -c '__atomic_' || true)
[ "$calls" -eq 0 ] || { arm-linux-gnueabihf-nm -u "$dir"/*.o | grep '__atomic_'; echo "the fast path calls libatomic on 32-bit ARM"; exit 1; }
exclusive=$(arm-linux-gnueabihf-objdump -d "$dir/sink_c_fast_path.o" | grep -c 'ldrexd\|strexd' || true)
[ "$exclusive" -gt 0 ] || { echo "no 64-bit exclusive load/store (ldrexd/strexd) in the 32-bit fast path"; exit 1; }

# The C# side's layout of each struct for pointers of $1 bytes.
csharp_layout() {
    awk -v ptr="$1" '
        function size_of(t) { if (t ~ /\*$/ || t == "nint" || t == "nuint") return ptr
            if (t == "long" || t == "ulong" || t == "double") return 8
            if (t == "int" || t == "uint" || t == "float") return 4
            if (t == "short" || t == "ushort") return 2
            if (t == "byte" || t == "sbyte" || t == "bool") return 1
            print "unknown C# field type " t > "/dev/stderr"; exit 2 }
        function field(t,   s, a) { s = size_of(t); a = (pack && pack < s) ? pack : s
            off = int((off + a - 1) / a) * a; offs = offs " " off; off += s; if (a > maxa) maxa = a }
        function finish(   size) { if (name == "") return; size = int((off + maxa - 1) / maxa) * maxa
            if (fixed > size) size = fixed; print name " " size offs; name = "" }
        /\[StructLayout\(LayoutKind.Sequential/ { finish(); pack = 0; fixed = 0; pending = 1
            if (match($0, /Pack = [0-9]+/)) pack = substr($0, RSTART + 7, RLENGTH - 7) + 0
            if (match($0, /Size = [0-9]+/)) fixed = substr($0, RSTART + 7, RLENGTH - 7) + 0; next }
        pending && / struct / { pending = 0; off = 0; maxa = 1; offs = ""
            n = split($0, w, /[ (]+/); for (i = 1; i <= n; i++) if (w[i] == "struct") { name = w[i + 1]; break }
            if (match($0, /\(.*\)/)) { m = split(substr($0, RSTART + 1, RLENGTH - 2), params, /, */)
                for (i = 1; i <= m; i++) { split(params[i], tv, " "); field(tv[1]) } finish() }
            next }
        name != "" && /^ *public [A-Za-z*]+ [A-Za-z]+;/ { field($2) }
        name != "" && /^}/ { finish() }
        END { finish() }' src/ParquetFlow.Native/NativeTypes.cs src/ParquetFlow.Native/SsInitCfg.cs src/ParquetFlow.SensorStore/EventRecord.cs | sort
}

$cc -static -O1 -Wall -Wextra -Werror -I include tests/system/c_header_layout.c -o "$dir/layout-arm"
qemu-arm-static "$dir/layout-arm" | sort > "$dir/c-arm"
csharp_layout 4 > "$dir/cs-arm"
gcc -O1 -Wall -Wextra -Werror -I include tests/system/c_header_layout.c -o "$dir/layout-x64"
"$dir/layout-x64" | sort > "$dir/c-x64"
csharp_layout 8 > "$dir/cs-x64"
abis="arm x64"
# arm64 (i.MX8) too when its cross compiler is there (scripts/setup.sh installs gcc-aarch64-linux-gnu).
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64-static >/dev/null; then
    aarch64-linux-gnu-gcc -static -O1 -Wall -Wextra -Werror -I include tests/system/c_header_layout.c -o "$dir/layout-arm64"
    qemu-aarch64-static "$dir/layout-arm64" | sort > "$dir/c-arm64"
    csharp_layout 8 > "$dir/cs-arm64"
    abis="arm arm64 x64"
fi
for abi in $abis; do
    [ "$(wc -l < "$dir/c-$abi")" -eq 6 ] && [ "$(wc -l < "$dir/cs-$abi")" -eq 6 ] || { echo "$abi: expected 6 structs"; cat "$dir/c-$abi" "$dir/cs-$abi"; exit 1; }
    diff -u "$dir/cs-$abi" "$dir/c-$abi" || { echo "$abi: the header's struct layouts (right) differ from the C# declarations' (left)"; exit 1; }
done
echo "32-bit ARM: the header's users build with -Werror, the fast path's 64-bit atomics are lock-free, and the C API structs match the C# layouts on ${abis// /, }: ok"
sed 's/^/  armhf: /' "$dir/c-arm" | grep -E 'NativeProducer|NativeConfig|SsInitCfg'
