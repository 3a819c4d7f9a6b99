#!/usr/bin/env bash
# Installs the npm dependencies (npm ci) when node_modules is missing or older than the lock
# file, then builds the TypeScript (tsc) into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "reslab: installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
fi
npx --no-install tsc -p tsconfig.json
# The libtorch backend (optional: without libtorch it is skipped and %backend says why).
bash scripts/build-native.sh
