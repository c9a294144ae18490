#!/usr/bin/env bash
# local-s3.sh — a throw-away, single-node Ceph RADOS Gateway (a real S3 server) on 127.0.0.1 for
# s3xfer's integration tests, benchmarks and demos.
#
#   scripts/local-s3.sh start  [options]   boot mon + OSD + radosgw (idempotent), create the test user
#   scripts/local-s3.sh stop   [options]   kill the recorded daemons, remove the directory (idempotent)
#   scripts/local-s3.sh status [options]   "running at URL" (exit 0) or "not running" (exit 3)
#   scripts/local-s3.sh env    [options]   export lines: eval "$(scripts/local-s3.sh env)"
#   scripts/local-s3.sh rgw-signal KILL|STOP|CONT [options]
#                                          signal this instance's radosgw only (fault tests: crash, freeze)
#   scripts/local-s3.sh rgw-restart [options]
#                                          start this instance's radosgw again after a crash, keeping its
#                                          data (buckets, objects, multipart uploads)
#   scripts/local-s3.sh set-min-part-size BYTES [options]
#                                          change rgw_multipart_min_part_size on the running gateway
#
# Options (also accepted before the command):
#   --dir DIR              everything lives here   (env S3XFER_S3_DIR, default ${TMPDIR:-/tmp}/s3xfer-local-s3)
#   --port N               S3 endpoint port        (env S3XFER_S3_PORT, default 7480)
#   --mon-port N           monitor port            (env S3XFER_S3_MON_PORT, default: port+1000, or the
#                                                   next free port above it)
#   --store memstore|bluestore                      (default memstore)
#   --memstore-size BYTES  memstore capacity       (default 10 GiB; writes HANG above 95% full)
#   --conf 'key = value'   extra line for the [client] section, repeatable
#                          (e.g. --conf 'rgw multipart min part size = 4096')
#
# Everything — ceph.conf, mon/OSD data, logs, pids, admin sockets, keyring — lives under the one
# directory; nothing is written to /etc/ceph or /var/*/ceph and no systemd unit is used. The only
# thing written outside the directory is the apt-get install of the Ceph packages when they are
# missing (CI runs on a fresh machine as root).
#
# Two instances can run side by side when they have different --dir AND --port. The OSD picks its
# own free ports in Ceph's default 6800-7300 range, so keep --port/--mon-port outside that range.
#
# Runtime change of rgw_multipart_min_part_size (tested on Ceph 16.2.15): YES.
#   RGWCompleteMultipart reads cct->_conf->rgw_multipart_min_part_size on every
#   CompleteMultipartUpload, so a changed value applies to the next Complete, no restart needed.
#   `set-min-part-size BYTES` does it through radosgw's admin socket:
#     ceph --admin-daemon DIR/run/ceph-client.rgw.a.asok config set rgw_multipart_min_part_size 4096
#   That is a runtime override, the highest-priority config source: it also beats a value given
#   with --conf (ceph.conf), in both directions (tested 4096 -> 5 MiB -> 4096 on one instance).
#   `ceph config set client.rgw.a rgw_multipart_min_part_size N` (the mon's config database) also
#   reaches the running radosgw within a second, BUT only while ceph.conf does not set the option:
#   the mon database ranks below ceph.conf, so with --conf 'rgw multipart min part size = ...' it
#   is silently ignored. Hence the admin socket. The override lives only as long as the process.
#   The limit is checked only at Complete (UploadPart accepts any size; EntityTooSmall, HTTP 400,
#   comes back from CompleteMultipartUpload, and the same upload can be completed after raising or
#   lowering the limit), and the last part is always exempt.
#
# The S3 credentials and SSE-KMS keys below are fixed, public TEST values; they protect nothing.

set -euo pipefail

readonly ACCESS_KEY="S3XFERTESTACCESSKEY0"
readonly SECRET_KEY="s3xfer-test-secret-key-not-a-real-secret-0000"
readonly TEST_UID="s3xfer-test"
readonly REGION="us-east-1"
# SSE-KMS "testing" backend keys: base64 of the fixed 32-byte strings
# "s3xfer-test-kms-key-1-0123456789" and "s3xfer-test-kms-key-2-0123456789".
readonly KMS_KEYS="testkey-1=czN4ZmVyLXRlc3Qta21zLWtleS0xLTAxMjM0NTY3ODk= testkey-2=czN4ZmVyLXRlc3Qta21zLWtleS0yLTAxMjM0NTY3ODk="
readonly KMS_DEFAULT_KEY_ID="testkey-1"
# Marks a directory as ours, so that cleaning up a stale instance never `rm -rf`s a directory the
# script did not create (e.g. a mistyped --dir "$HOME").
readonly MARKER=".s3xfer-local-s3"

CMD=""
DIR="${S3XFER_S3_DIR:-${TMPDIR:-/tmp}/s3xfer-local-s3}"
PORT="${S3XFER_S3_PORT:-}"
MON_PORT="${S3XFER_S3_MON_PORT:-}"
STORE="memstore"
MEMSTORE_SIZE=$((10 * 1024 * 1024 * 1024))
EXTRA_CONF=()
CMD_ARGS=()

usage() {
  sed -n '2,/^# Everything/{/^# Everything/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit 2
}

die() {
  echo "local-s3: $*" >&2
  exit 1
}

while (($#)); do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --mon-port) MON_PORT="${2:?--mon-port needs a value}"; shift 2 ;;
    --mon-port=*) MON_PORT="${1#*=}"; shift ;;
    --store) STORE="${2:?--store needs a value}"; shift 2 ;;
    --store=*) STORE="${1#*=}"; shift ;;
    --memstore-size) MEMSTORE_SIZE="${2:?--memstore-size needs a value}"; shift 2 ;;
    --memstore-size=*) MEMSTORE_SIZE="${1#*=}"; shift ;;
    --conf) EXTRA_CONF+=("${2:?--conf needs a value}"); shift 2 ;;
    --conf=*) EXTRA_CONF+=("${1#*=}"); shift ;;
    -h | --help | help) usage ;;
    -*) echo "local-s3: unknown option $1" >&2; usage ;;
    *)
      if [[ -z "$CMD" ]]; then CMD="$1"; else CMD_ARGS+=("$1"); fi
      shift
      ;;
  esac
done
[[ -n "$CMD" ]] || usage

case "$STORE" in memstore | bluestore) ;; *) die "--store must be memstore or bluestore, not '$STORE'" ;; esac
[[ "$MEMSTORE_SIZE" =~ ^[0-9]+$ ]] || die "--memstore-size must be a number of bytes"
[[ -z "$PORT" || "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
[[ -z "$MON_PORT" || "$MON_PORT" =~ ^[0-9]+$ ]] || die "--mon-port must be a number"
[[ -n "$DIR" && "$DIR" != "/" ]] || die "refusing to use '$DIR' as the directory"
# Absolute path: the daemons get it through ceph.conf and must not depend on our cwd.
DIR="$(realpath -m -- "$DIR")"

CONF="$DIR/ceph.conf"
PID_DIR="$DIR/pids"
LOG_DIR="$DIR/log"
RUN_DIR="$DIR/run"
RGW_ASOK="$RUN_DIR/ceph-client.rgw.a.asok"

# The port of a running instance is recorded in the directory, so `env`, `status`, `stop` without
# --port find the right one; an explicit --port/S3XFER_S3_PORT is used for a fresh start.
recorded_port() { cat "$DIR/port" 2>/dev/null || true; }
if [[ -z "$PORT" ]]; then
  if [[ "$CMD" != start ]] && [[ -n "$(recorded_port)" ]]; then PORT="$(recorded_port)"; else PORT=7480; fi
fi
ENDPOINT="http://127.0.0.1:$PORT"

now() { echo "${EPOCHREALTIME/,/.}"; }

# --- process bookkeeping ---------------------------------------------------------------------------

# Prints the recorded pid of daemon $1 (mon|osd|rgw) if that process is alive AND is really ours
# (its command line names this directory's ceph.conf), so a recycled pid is never signalled.
live_pid() {
  local pid
  pid="$(cat "$PID_DIR/$1.pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

endpoint_answers() {
  # Any HTTP answer (an anonymous ListBuckets gives 200 with an empty list) means radosgw is serving.
  curl -s -o /dev/null --max-time "${2:-2}" "http://127.0.0.1:$1/"
}

port_in_use() {
  # A successful TCP connect means someone listens there already.
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# The ceph CLI, always bounded: without a mgr some commands (ceph df, ceph osd df) never return.
cephcli() {
  timeout 20 ceph -c "$CONF" --connect-timeout 15 "$@"
}

# True while process $1 exists and is not a zombie. A daemon that exited stays a zombie until its
# parent (init, or whatever reaps orphans in this container) collects it, which can take seconds;
# `kill -0` still succeeds on a zombie, so it cannot tell "exited" from "still shutting down".
running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # the fields after "(comm)"; the first is the state
  [[ -n "$stat" && "${stat:0:1}" != Z ]]
}

# Stops our daemons: rgw first (it is a client of the cluster), then the OSD, then the mon.
# TERM, then KILL after a grace period. Only pids recorded in this directory are touched.
kill_daemons() {
  local name pid waited
  for name in rgw osd mon; do
    pid="$(live_pid "$name")" || continue
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while running "$pid" && ((waited < 100)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if running "$pid"; then
      echo "local-s3: $name (pid $pid) ignored TERM for 10 s, sending KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  done
}

remove_dir() {
  [[ -e "$DIR" ]] || return 0
  if [[ -e "$DIR/$MARKER" ]] || [[ -z "$(ls -A "$DIR")" ]]; then
    rm -rf -- "$DIR"
  else
    die "$DIR exists but was not created by local-s3.sh (no $MARKER); not removing it"
  fi
}

# All three recorded daemons alive and radosgw answering HTTP. A gateway busy with a big transfer
# of another test run may be slow to answer, so it gets several chances (up to ~15 s) before the
# instance counts as broken — `start` would otherwise tear down a healthy, merely busy server.
all_running() {
  live_pid mon >/dev/null && live_pid osd >/dev/null && live_pid rgw >/dev/null || return 1
  local _try
  for _try in 1 2 3; do
    endpoint_answers "$(recorded_port)" 5 && return 0
    live_pid rgw >/dev/null || return 1
  done
  return 1
}

# --- install -------------------------------------------------------------------------------------

ensure_packages() {
  # tool -> Debian package. Only the packages of missing tools are installed: `apt-get install`
  # of a package that is already there would upgrade it (and whatever it pulls in) as a side effect.
  local -A pkg_of=(
    [ceph-mon]=ceph-mon [ceph-osd]=ceph-osd [radosgw]=radosgw [radosgw-admin]=ceph-common
    [ceph]=ceph-common [monmaptool]=ceph-base [curl]=curl [uuidgen]=uuid-runtime [flock]=util-linux
  )
  local -A wanted=()
  local tool
  for tool in "${!pkg_of[@]}"; do
    command -v "$tool" >/dev/null || wanted[${pkg_of[$tool]}]=1
  done
  ((${#wanted[@]} == 0)) && return 0
  echo "local-s3: installing ${!wanted[*]} with apt-get (a few minutes on a fresh machine)" >&2
  [[ "$(id -u)" == 0 ]] || die "run as root, or install them: apt-get install ${!wanted[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${!wanted[@]}" >&2
  for tool in "${!pkg_of[@]}"; do
    command -v "$tool" >/dev/null || die "$tool still missing after apt-get install"
  done
}

# --- ceph.conf -----------------------------------------------------------------------------------

write_conf() {
  local fsid="$1"
  local store_conf line
  if [[ "$STORE" == memstore ]]; then
    # RAM store: fastest boot. Holds ~1.5x the stored bytes in RAM, and writes hang (no error)
    # above 95% full, so tests must size it or delete data and wait for GC.
    store_conf="osd objectstore = memstore
memstore device bytes = $MEMSTORE_SIZE"
  else
    # Data on a sparse file ($osd_data/block, created by mkfs), RAM bounded by osd memory target.
    # Do not set `bluestore block path = $osd_data/block`: mkfs then makes a self-symlink (ELOOP).
    store_conf="osd objectstore = bluestore
bluestore block create = true
bluestore block size = $((32 * 1024 * 1024 * 1024))
osd memory target = $((1024 * 1024 * 1024))"
  fi

  cat >"$CONF" <<EOF
# Generated by scripts/local-s3.sh — a throw-away single-node cluster; see the script for why.
[global]
fsid = $fsid
# Loopback only, msgr2 only.
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
# No cephx on a throw-away node. Without 'ms mon client mode = crc' radosgw loops forever on
# "get_initial_auth_request returned -13" when cephx is off.
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
# Every path under the one directory: nothing in /etc/ceph or /var/*/ceph.
run dir = $RUN_DIR
crash dir = $DIR/crash
log file = $LOG_DIR/\$name.log
mon cluster log file = $LOG_DIR/cluster.log
keyring = $DIR/keyring
mon data = $DIR/mon/\$name
osd data = $DIR/osd/\$name
rgw data = $DIR/rgw/\$name
# One OSD: pools of size 1, CRUSH chooses among OSDs rather than hosts.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# radosgw creates ~7 pools; at the default 32 PGs each they exceed the per-OSD PG limit.
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
# Commit cluster map changes every 0.1 s instead of 1 s: boot in ~2.5 s instead of ~13 s.
paxos propose interval = 0.1
# A CI disk may be fuller than the mon's default 5% free-space floor allows.
mon data avail crit = 1
$store_conf

[client]
# SSE-C and SSE-KMS over plain http.
rgw crypt require ssl = false
# SSE-KMS with known, fixed test keys.
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = $KMS_KEYS
# Free deleted data after ~2 min instead of ~2 h (memstore writes hang when full).
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF
  if ((${#EXTRA_CONF[@]})); then
    echo "# Extra lines from --conf" >>"$CONF"
    for line in "${EXTRA_CONF[@]}"; do
      printf '%s\n' "$line" >>"$CONF"
    done
  fi
  cat >>"$CONF" <<EOF

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
admin socket = $RGW_ASOK
EOF
}

# Fingerprint of the options that shape a running instance, to warn when `start` is asked for
# something different from what is already running (it does not restart it).
options_fingerprint() {
  printf 'store=%s memstore-size=%s port=%s\n' "$STORE" "$MEMSTORE_SIZE" "$PORT"
  if ((${#EXTRA_CONF[@]})); then printf 'conf=%s\n' "${EXTRA_CONF[@]}"; fi
}

# --- start ---------------------------------------------------------------------------------------

STAGE=""
BOOTED=0

on_boot_exit() {
  local rc=$?
  ((BOOTED)) && return 0
  echo "local-s3: boot failed (exit $rc) during: $STAGE" >&2
  local f
  for f in "$LOG_DIR/$STAGE.log" "$LOG_DIR/$STAGE.out"; do
    if [[ -s "$f" ]]; then
      echo "---- tail of $f" >&2
      tail -n 40 "$f" >&2
    fi
  done
  kill_daemons
  echo "local-s3: stopped what was started; logs kept in $LOG_DIR" >&2
  exit $((rc == 0 ? 1 : rc))
}

# Starts a daemon detached from our session (so a test runner killing its process group or closing
# our pipes does not take it down), with stdio on files (so whoever captures our output gets EOF
# when this script exits) and without fd 9 (the start/stop lock, which it would otherwise hold for
# its whole life), and records its pid.
# $1: key for the pid file (mon|osd|rgw), $2: log name (the daemon's $name).
spawn() {
  local key="$1" name="$2"
  shift 2
  setsid "$@" </dev/null >>"$LOG_DIR/$name.out" 2>&1 9<&- &
  echo $! >"$PID_DIR/$key.pid"
}

wait_until() {
  local what="$1" limit="$2" daemon="$3"
  shift 3
  local deadline
  deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    live_pid "$daemon" >/dev/null || die "$daemon exited while waiting for $what"
    (($(date +%s) < deadline)) || die "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}

osd0_up() { cephcli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

cmd_start() {
  local t0 fsid osd_uuid osd_id
  t0="$(now)"

  if [[ -e "$DIR/$MARKER" ]]; then
    if all_running; then
      echo "local S3 already running at http://127.0.0.1:$(recorded_port) (dir $DIR)"
      if [[ "$(options_fingerprint)" != "$(cat "$DIR/options" 2>/dev/null)" ]]; then
        echo "local-s3: note: it was started with other options ($(paste -sd' ' "$DIR/options"));" \
          "stop it first to apply new ones" >&2
      fi
      return 0
    fi
    echo "local-s3: cleaning up a dead or partial instance in $DIR" >&2
    kill_daemons
  fi
  remove_dir

  ensure_packages

  if port_in_use "$PORT"; then
    die "port $PORT is already in use on 127.0.0.1 (another instance? use --port and --dir)"
  fi
  if [[ -z "$MON_PORT" ]]; then
    # port+1000 keeps mon ports apart for instances on neighbouring S3 ports; walk up if taken.
    MON_PORT=$((PORT + 1000))
    while port_in_use "$MON_PORT"; do MON_PORT=$((MON_PORT + 1)); done
  elif port_in_use "$MON_PORT"; then
    die "mon port $MON_PORT is already in use on 127.0.0.1"
  fi

  mkdir -p "$DIR" "$PID_DIR" "$LOG_DIR" "$RUN_DIR" "$DIR/crash" "$DIR/mon" "$DIR/osd" "$DIR/rgw"
  touch "$DIR/$MARKER"
  # An empty keyring: with auth none nothing is read from it, but tools look for the file.
  : >"$DIR/keyring"
  echo "$PORT" >"$DIR/port"
  options_fingerprint >"$DIR/options"
  trap on_boot_exit EXIT
  # Make a kill of this script (a test runner's timeout sends TERM) run the EXIT trap too, so a
  # half-booted cluster does not stay behind.
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP

  fsid="$(uuidgen)"
  write_conf "$fsid"

  STAGE="mon.a"
  timeout 30 monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" \
    >>"$LOG_DIR/mon.a.out" 2>&1
  mkdir -p "$DIR/mon/mon.a"
  timeout 60 ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >>"$LOG_DIR/mon.a.out" 2>&1
  spawn mon mon.a ceph-mon -c "$CONF" -i a -f
  wait_until "the monitor to answer" 60 mon cephcli mon stat

  STAGE="osd.0"
  osd_uuid="$(uuidgen)"
  osd_id="$(cephcli osd new "$osd_uuid" 2>>"$LOG_DIR/osd.0.out")"
  [[ "$osd_id" == 0 ]] || die "expected 'ceph osd new' to allocate osd.0, got '$osd_id'"
  mkdir -p "$DIR/osd/osd.0"
  timeout 120 ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$LOG_DIR/osd.0.out" 2>&1
  spawn osd osd.0 ceph-osd -c "$CONF" -i 0 -f
  wait_until "osd.0 to be up" 120 osd osd0_up

  STAGE="client.rgw.a"
  # radosgw creates its pools on first start, then opens the beast frontend.
  spawn rgw client.rgw.a radosgw -c "$CONF" -n client.rgw.a -f
  wait_until "radosgw to answer on $ENDPOINT" 120 rgw endpoint_answers "$PORT"

  STAGE="client.admin"
  timeout 60 radosgw-admin -c "$CONF" user create --uid="$TEST_UID" --display-name="s3xfer tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >>"$LOG_DIR/client.admin.out" 2>&1

  BOOTED=1
  trap - EXIT TERM INT HUP
  local t1
  t1="$(now)"
  printf 'local S3 (%s) running at %s (dir %s), booted in %.1f s\n' "$STORE" "$ENDPOINT" "$DIR" \
    "$(awk "BEGIN { print $t1 - $t0 }")"
}

# --- stop / status / env / set-min-part-size -----------------------------------------------------

cmd_stop() {
  if [[ ! -e "$DIR" ]]; then
    echo "local S3 not running (no $DIR)"
    return 0
  fi
  if live_pid mon >/dev/null || live_pid osd >/dev/null || live_pid rgw >/dev/null; then
    kill_daemons
    remove_dir
    echo "local S3 stopped (removed $DIR)"
  else
    remove_dir
    echo "local S3 not running (removed stale $DIR)"
  fi
}

cmd_status() {
  if [[ -e "$DIR/$MARKER" ]] && all_running; then
    echo "local S3 running at http://127.0.0.1:$(recorded_port) (dir $DIR)"
    return 0
  fi
  local alive=()
  local name
  for name in mon osd rgw; do
    live_pid "$name" >/dev/null && alive+=("$name")
  done
  if ((${#alive[@]})); then
    echo "local S3 not running (partial: only ${alive[*]} alive in $DIR; run stop or start)"
  else
    echo "local S3 not running ($ENDPOINT, dir $DIR)"
  fi
  return 3
}

cmd_env() {
  printf 'export AWS_ENDPOINT_URL=%q\n' "$ENDPOINT"
  printf 'export AWS_ACCESS_KEY_ID=%q\n' "$ACCESS_KEY"
  printf 'export AWS_SECRET_ACCESS_KEY=%q\n' "$SECRET_KEY"
  printf 'export AWS_REGION=%q\n' "$REGION"
  printf 'export AWS_DEFAULT_REGION=%q\n' "$REGION"
  printf 'export S3XFER_TEST_KMS_KEY_ID=%q\n' "$KMS_DEFAULT_KEY_ID"
}

cmd_set_min_part_size() {
  local bytes="${CMD_ARGS[0]:-}"
  [[ "$bytes" =~ ^[0-9]+$ ]] || die "usage: set-min-part-size BYTES"
  live_pid rgw >/dev/null || die "radosgw is not running in $DIR"
  # The admin socket talks to radosgw directly (no mon round trip) and sets a runtime override,
  # which beats ceph.conf; CompleteMultipartUpload reads the value on every request.
  timeout 10 ceph --admin-daemon "$RGW_ASOK" config set rgw_multipart_min_part_size "$bytes" >/dev/null
  local now_value
  now_value="$(timeout 10 ceph --admin-daemon "$RGW_ASOK" config get rgw_multipart_min_part_size |
    sed -n 's/.*"rgw_multipart_min_part_size": *"\([0-9]*\)".*/\1/p')"
  [[ "$now_value" == "$bytes" ]] || die "radosgw reports rgw_multipart_min_part_size='$now_value' after setting $bytes"
  echo "rgw_multipart_min_part_size = $now_value on $ENDPOINT"
}

# Fault tests crash, freeze and thaw radosgw. Only the pid recorded in this directory (and whose command
# line names this directory's ceph.conf) is signalled, so another instance is never touched.
cmd_rgw_signal() {
  local sig="${CMD_ARGS[0]:-}" pid
  [[ "$sig" =~ ^(KILL|STOP|CONT)$ ]] || die "usage: rgw-signal KILL|STOP|CONT"
  pid="$(live_pid rgw)" || die "radosgw is not running in $DIR"
  kill "-$sig" "$pid"
  if [[ "$sig" == KILL ]]; then
    while running "$pid"; do sleep 0.05; done
  fi
  echo "sent SIG$sig to radosgw (pid $pid)"
}

# The mon and OSD keep the data; a new radosgw serves the same buckets and uploads.
cmd_rgw_restart() {
  [[ -e "$DIR/$MARKER" ]] || die "no instance in $DIR"
  live_pid mon >/dev/null && live_pid osd >/dev/null || die "the mon or OSD of $DIR is not running: use start"
  if ! live_pid rgw >/dev/null; then
    spawn rgw client.rgw.a radosgw -c "$CONF" -n client.rgw.a -f
  fi
  wait_until "radosgw to answer on $ENDPOINT" 120 rgw endpoint_answers "$PORT"
  echo "radosgw running at $ENDPOINT"
}

# start and stop of one directory must not interleave: several test runs (vitest globalSetup of
# different engineers, CI) may call `start` at once. The lock is taken on the PARENT directory
# itself (flock works on a directory fd), so no lock file is written anywhere; it serializes
# starts/stops of all instances under that parent, which only costs a few seconds.
lock() {
  exec 9<"$(dirname "$DIR")"
  flock -w 900 9 || die "timed out waiting for another local-s3.sh start/stop under $(dirname "$DIR")"
}

case "$CMD" in
  start) lock; cmd_start ;;
  stop) lock; cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  set-min-part-size) cmd_set_min_part_size ;;
  rgw-signal) cmd_rgw_signal ;;
  rgw-restart) lock; cmd_rgw_restart ;;
  *) echo "local-s3: unknown command '$CMD'" >&2; usage ;;
esac
