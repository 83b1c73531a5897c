#!/usr/bin/env bash
# The real-namespace tier again, against the shipped self-contained executable (build/urunc-tap,
# made by `npm run build`) instead of the Node.js entry: the same tests, unchanged, through
# URUNC_TAP_BIN. Left out are the operator CLI's tests (test/netns/cli.test.ts, and the GC test
# that calls `urunc-tap cleanup`): the CLI reads its version from the package tree beside it
# (src/cli/bundle.ts) and `install` copies that tree, neither of which a single executable has.
# Arguments go to vitest (a file filter, say).
set -euo pipefail
cd "$(dirname "$0")/.."
export URUNC_TAP_BIN="$PWD/build/urunc-tap"
[ -x "$URUNC_TAP_BIN" ] || { echo "test-standalone: no $URUNC_TAP_BIN: npm run build" >&2; exit 1; }
exec npx vitest run test/netns --exclude test/netns/cli.test.ts \
  --testNamePattern '^(?!GC keeps a tap whose alias is a digest)' "$@"
