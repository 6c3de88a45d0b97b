# Sourced first by the C-API system scripts, after `set -euo pipefail`: goes to the repository root ($root), makes a
# scratch directory $dir that is removed on exit, picks the build under test (lib/arch.sh: PQFLOW_ARCH) and defines
# publish_native (lib/publish-native.sh).
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. tests/system/lib/arch.sh
. tests/system/lib/publish-native.sh
