#!/usr/bin/env bash
# `npm run demo`: the main job end to end on a local S3 server, from a machine with only Node and npm.
# Installs what is missing, starts the local Ceph RGW, then uploads a large generated file and copies it
# server-side with s3xfer, downloads the copy back, showing the progress bars, and checks the bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm packages"
  npm ci --no-audit --no-fund
fi
[ -f dist/cli/main.js ] || npm run --silent build

echo "== local S3"
bash scripts/local-s3.sh start --store bluestore
eval "$(bash scripts/local-s3.sh env)"

exec node scripts/demo.mjs "$@"
