#!/usr/bin/env bash
# The real-namespace tier again, against the shipped self-contained executable (build/urunc-tap,
# made by `npm run build`: the netlink backend) instead of the Node.js entry (iproute2): the
# same tests through URUNC_TAP_BIN, the operator CLI's included. Fault injection cannot use
# ip/tc stand-ins there (no process per change), so it runs a twin of the executable built
# with a failing backend (test/native/faulty-executable.ts; never shipped). Arguments go to
# vitest: file filters replace test/netns (`test-standalone.sh test/netns/cli.test.ts` runs that
# file only); options alone keep it.
set -euo pipefail
cd "$(dirname "$0")/.."
export URUNC_TAP_BIN="$PWD/build/urunc-tap" URUNC_TAP_BACKEND=netlink
[ -x "$URUNC_TAP_BIN" ] || { echo "test-standalone: no $URUNC_TAP_BIN: npm run build" >&2; exit 1; }
node scripts/build-standalone.mjs --entry test/native/faulty-executable.ts --out build/test/urunc-tap-faults
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then exec npx vitest run "$@"; fi
exec npx vitest run test/netns "$@"
