#!/usr/bin/env bash
# npm run bench [-- --quick] — s3xfer against aws-cli, rclone and @aws-sdk/lib-storage on the bench's OWN
# local Ceph (bluestore), never the shared test server. See bench/peers/README.md.
#
#   --quick            256 MiB upload, 256 MiB + 1 GiB copies, 2,000-part probe, 1 round, no WAN (a few minutes)
#   --reps N           rounds (default 3; 1 with --quick)
#   --no-wan / --wan   the user-space WAN runs (20 ms RTT, 1 Gbit/s; default on, off with --quick)
#   --rtt-ms N --rate-mbit N   the WAN link
#   --only LIST        upload,copy,probes,wan
#   --out DIR          where results go (default bench/results)
#   --stop-server      stop the bench's S3 instance at the end even if it was already running
#
# Environment: BENCH_S3_DIR (default /tmp/s3xfer-bench), BENCH_S3_PORT (default 7680), S3XFER_DIST (the
# s3xfer build to measure, default dist/).
#
# The S3 instance: started here when it is not running, and then stopped again at the end (the run leaves
# the machine as it found it); an instance that was already running is left running.
set -euo pipefail
cd "$(dirname "$0")/../.."

S3_DIR="${BENCH_S3_DIR:-/tmp/s3xfer-bench}"
S3_PORT="${BENCH_S3_PORT:-7680}"
STOP_SERVER=0
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --stop-server) STOP_SERVER=1 ;;
    *) ARGS+=("$arg") ;;
  esac
done

# --- the peers: Debian's awscli and rclone, GNU time for measuring --------------------------------------
# Checked by path: another `aws` (v1, pip) may be first on PATH; the bench always runs /usr/bin/aws.
declare -A need=()
[[ -x /usr/bin/aws ]] || need[awscli]=1
[[ -x /usr/bin/rclone ]] || need[rclone]=1
[[ -x /usr/bin/time ]] || need[time]=1
if ((${#need[@]})); then
  echo "== installing ${!need[*]} with apt-get" >&2
  [[ "$(id -u)" == 0 ]] || { echo "bench: run as root, or: apt-get install ${!need[*]}" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${!need[@]}" >&2
fi

# --- s3xfer itself ----------------------------------------------------------------------------------------
if [[ ! -d node_modules ]]; then
  echo "== installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi
if [[ -z "${S3XFER_DIST:-}" && ! -f dist/cli/main.js ]]; then
  echo "== building s3xfer" >&2
  npm run --silent build >&2
fi

# --- the bench's own S3 instance --------------------------------------------------------------------------
STARTED=0
if ! bash scripts/local-s3.sh status --dir "$S3_DIR" --port "$S3_PORT" >/dev/null 2>&1; then
  echo "== starting the bench S3 instance (bluestore, $S3_DIR, port $S3_PORT)" >&2
  bash scripts/local-s3.sh start --store bluestore --dir "$S3_DIR" --port "$S3_PORT" >&2
  STARTED=1
fi
stop_server() {
  if ((STARTED || STOP_SERVER)); then
    echo "== stopping the bench S3 instance ($S3_DIR)" >&2
    bash scripts/local-s3.sh stop --dir "$S3_DIR" --port "$S3_PORT" >&2 || true
  else
    echo "== the bench S3 instance keeps running at http://127.0.0.1:$S3_PORT ($S3_DIR); stop it with: bash scripts/local-s3.sh stop --dir $S3_DIR" >&2
  fi
}
trap stop_server EXIT

eval "$(bash scripts/local-s3.sh env --dir "$S3_DIR" --port "$S3_PORT")"
export BENCH_S3_DIR="$S3_DIR"
# The SDK's notice that Node 20 support ends in 2027 says nothing about the bench.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node --import ./bench/register.mjs bench/peers/run.ts ${ARGS[@]+"${ARGS[@]}"}
