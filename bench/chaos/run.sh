#!/usr/bin/env bash
# usage: run.sh DATA_DIR PORT SECONDS
# Starts `./cairn dev --data-dir DATA_DIR --port PORT --replica` (from this checkout), runs chaos.py for SECONDS,
# kill -9s the dev JVM at 1/3 and 2/3 of the time and starts it again the same way, stops it at the end,
# then prints SHORT_READ / SQLITE_ counts from DATA_DIR.log and the chaos summary.
set -uo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 DATA_DIR PORT SECONDS" >&2; exit 2; fi
DATA_DIR="$(realpath -m "$1")"; PORT="$2"; SECONDS_TOTAL="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAIN="${MAIN:-$(cd "$HERE/../.." && pwd)}"   # the checkout whose ./cairn runs
LOG="$DATA_DIR.log"
export CHAOS_DIR="${CHAOS_DIR:-$DATA_DIR.chaos}"
mkdir -p "$CHAOS_DIR"
HEALTH_WAIT="${HEALTH_WAIT:-300}"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$DATA_DIR"

SERVER_PGID=""
CHAOS_PID=""

say() { echo "[run.sh $(date +%H:%M:%S)] $*"; }

start_server() {
  # setsid: the launcher (and the JVM it execs, and any Maven build it runs first) get a process group of
  # their own, so the end can kill the whole group without touching anything else.
  echo "===== [run.sh] start $(date -Is): ./cairn dev --data-dir $DATA_DIR --port $PORT --replica" >>"$LOG"
  setsid bash -c "cd '$MAIN' && exec ./cairn dev --data-dir '$DATA_DIR' --port '$PORT' --replica" >>"$LOG" 2>&1 </dev/null &
  SERVER_PGID=$!
  disown "$SERVER_PGID" 2>/dev/null   # no "Killed" job notices; we track it by process group
  local pg; pg=$(ps -o pgid= -p "$SERVER_PGID" 2>/dev/null | tr -d ' ')
  if [ -n "$pg" ] && [ "$pg" != "$SERVER_PGID" ]; then say "note: pgid $pg differs from pid $SERVER_PGID"; SERVER_PGID=$pg; fi
  say "server started (pgid $SERVER_PGID)"
}

# the dev JVM of this data dir, within our process group only
server_java_pid() {
  local p
  for p in $(pgrep -g "$SERVER_PGID" 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "--data-dir $DATA_DIR" &&
       [ "$(basename "$(readlink "/proc/$p/exe" 2>/dev/null)")" = java ]; then
      echo "$p"; return 0
    fi
  done
  return 1
}

wait_health() { # $1 seconds
  local end=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if curl -fsS -m 3 "$BASE/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$SERVER_PGID" 2>/dev/null; then say "server process exited (see $LOG)"; return 1; fi
    sleep 1
  done
  return 1
}

stop_group() { # stop every process of the server's group: TERM, then KILL
  [ -n "$SERVER_PGID" ] || return 0
  if pgrep -g "$SERVER_PGID" >/dev/null 2>&1; then
    kill -TERM -- "-$SERVER_PGID" 2>/dev/null
    for _ in $(seq 1 30); do pgrep -g "$SERVER_PGID" >/dev/null 2>&1 || break; sleep 1; done
    kill -KILL -- "-$SERVER_PGID" 2>/dev/null
    for _ in $(seq 1 10); do pgrep -g "$SERVER_PGID" >/dev/null 2>&1 || break; sleep 1; done
  fi
}

crash_and_restart() { # $1 label
  local pid
  if pid=$(server_java_pid); then
    say "$1: kill -9 $pid (dev JVM)"
    echo "===== [run.sh] $1: kill -9 $pid at $(date -Is)" >>"$LOG"
    kill -9 "$pid"
  else
    say "$1: no dev JVM found in group $SERVER_PGID (still building?): killing the group"
    kill -9 -- "-$SERVER_PGID" 2>/dev/null
  fi
  for _ in $(seq 1 20); do pgrep -g "$SERVER_PGID" >/dev/null 2>&1 || break; sleep 0.5; done
  kill -9 -- "-$SERVER_PGID" 2>/dev/null   # anything the JVM left in its group
  start_server
}

cleanup() {
  if [ -n "$CHAOS_PID" ] && kill -0 "$CHAOS_PID" 2>/dev/null; then kill -TERM "$CHAOS_PID" 2>/dev/null; wait "$CHAOS_PID" 2>/dev/null; fi
  stop_group
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

if curl -fsS -m 2 "$BASE/health" >/dev/null 2>&1; then say "something already answers on port $PORT: refusing"; exit 1; fi

start_server
say "waiting for $BASE/health (up to ${HEALTH_WAIT}s; the launcher may build first)"
if ! wait_health "$HEALTH_WAIT"; then say "server did not become healthy; tail of $LOG:"; tail -30 "$LOG"; exit 1; fi
say "healthy"

TOKEN_FILE="$DATA_DIR/admin-token"
if [ ! -s "$TOKEN_FILE" ]; then say "no $TOKEN_FILE"; exit 1; fi

python3 -u "$HERE/chaos.py" "$BASE" "$TOKEN_FILE" "$SECONDS_TOTAL" >"$CHAOS_DIR/chaos.out" 2>&1 &
CHAOS_PID=$!
say "chaos.py running (pid $CHAOS_PID), output in $CHAOS_DIR/chaos.out"

T0=$(date +%s)
K1=$(( SECONDS_TOTAL / 3 )); K2=$(( 2 * SECONDS_TOTAL / 3 ))
for k in 1 2; do
  at=$K1; [ $k -eq 2 ] && at=$K2
  while [ $(( $(date +%s) - T0 )) -lt "$at" ] && kill -0 "$CHAOS_PID" 2>/dev/null; do sleep 1; done
  kill -0 "$CHAOS_PID" 2>/dev/null || break
  crash_and_restart "crash $k at ${at}s"
done
wait "$CHAOS_PID"; CHAOS_RC=$?
CHAOS_PID=""
say "chaos.py exited with $CHAOS_RC; stopping the server"
stop_group
SERVER_PGID=""

echo
echo "SHORT_READ lines in $LOG: $(grep -c SHORT_READ "$LOG")"
echo "lines with SQLITE_ errors in $LOG, by code:"
grep -oE 'SQLITE_[A-Z_]+' "$LOG" | sort -u | while read -r code; do
  printf '  %-28s %s\n' "$code" "$(grep -c -- "$code" "$LOG")"
done
echo "ERROR/Exception lines in $LOG: $(grep -cE ' ERROR |Exception' "$LOG")"
echo
grep -v '^\[chaos ' "$CHAOS_DIR/chaos.out"
exit "$CHAOS_RC"
