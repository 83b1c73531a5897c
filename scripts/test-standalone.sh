#!/usr/bin/env bash
# The real-namespace tier again, against the shipped self-contained executable (build/urunc-tap,
# made by `npm run build`) instead of the Node.js entry: the same tests, unchanged, through
# URUNC_TAP_BIN, the operator CLI's (test/netns/cli.test.ts: install copies the running
# executable) included. Arguments go to vitest: file filters replace test/netns (so
# `test-standalone.sh test/netns/cli.test.ts` runs that file only); options alone keep it.
set -euo pipefail
cd "$(dirname "$0")/.."
export URUNC_TAP_BIN="$PWD/build/urunc-tap"
[ -x "$URUNC_TAP_BIN" ] || { echo "test-standalone: no $URUNC_TAP_BIN: npm run build" >&2; exit 1; }
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then exec npx vitest run "$@"; fi
exec npx vitest run test/netns "$@"
