#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, then runs `npm test`
# (format check, typecheck, generated-code check, every vitest tier). Run as root: the
# real-namespace and end-to-end tiers create network namespaces, taps and qdiscs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm test
