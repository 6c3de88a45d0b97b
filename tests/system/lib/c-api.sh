# Sourced first by the C-API system scripts, after `set -euo pipefail`: goes to the repository root ($root), makes a
# scratch directory $dir that is removed on exit, and defines publish_native (lib/publish-native.sh).
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. tests/system/lib/publish-native.sh
