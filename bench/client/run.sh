#!/usr/bin/env bash
# npm run bench:client [-- --quick] — what each S3 client itself costs, against a null S3 sink of our own
# (no real server involved). Installs the peers it compares with as bench/peers/run.sh does; a peer that
# cannot be installed is skipped (the bench says so). Options: see bench/client/run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian's aws-cli v2 and rclone, and GNU time for measuring. aws-cli v1 is whatever `aws` is on PATH.
declare -A need=()
[[ -x /usr/bin/aws ]] || need[awscli]=1
[[ -x /usr/bin/rclone ]] || need[rclone]=1
[[ -x /usr/bin/time ]] || need[time]=1
if ((${#need[@]})); then
  if [[ "$(id -u)" == 0 ]]; then
    echo "== installing ${!need[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${!need[@]}"; } >&2; then
      echo "bench:client: apt-get could not install ${!need[*]}; those peers are skipped" >&2
    fi
  else
    echo "bench:client: not root, so not installing ${!need[*]} (apt-get install ${!need[*]}); skipped" >&2
  fi
fi
[[ -x /usr/bin/time ]] || { echo "bench:client: GNU time (/usr/bin/time) is needed to measure" >&2; exit 1; }

if [[ ! -d node_modules ]]; then
  echo "== installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi
if [[ -z "${S3XFER_DIST:-}" && ! -f dist/cli/main.js ]]; then
  echo "== building s3xfer" >&2
  npm run --silent build >&2
fi
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --import ./bench/register.mjs bench/client/run.ts "$@"
