#!/usr/bin/env bash
# Everything `npm test` promises, on a machine that has only Node and npm: installs what is missing,
# starts the local S3 (Ceph RGW; left running for the next run), then lint, types, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm packages"
  npm ci --no-audit --no-fund
fi

echo "== local S3"
# bluestore: a test run writes several GiB, more than memstore can hold in RAM before garbage collection.
bash scripts/local-s3.sh start --store bluestore

echo "== lint"
npm run --silent lint
echo "== types"
npm run --silent typecheck
echo "== build"
npm run --silent build

echo "== tests"
npx vitest run "$@"
