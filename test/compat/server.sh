#!/usr/bin/env bash
# Starts, stops or restarts the Chronik node of the compatibility tests.
#
# usage: server.sh [start|stop|restart]      (no argument: restart)
#
# run.sh starts the node with "server.sh start" and exports
# CHRONIK_COMPAT_RESTART=<path of this file>, so a client test can restart the
# node in the middle of a scenario by running that one command, without
# arguments. Configuration comes from the environment run.sh exports:
#   CHRONIK_COMPAT_BIN   the chronik-server binary
#   CHRONIK_COMPAT_DATA  its data directory (server.log and server.pid live there too)
#   CHRONIK_COMPAT_PORT  the loopback Kafka port, the same on every start
#   CHRONIK_COMPAT_HTTP_PORT  the loopback port of the unified HTTP API (health,
#                        metrics, schema registry), the same on every start;
#                        the admin API gets a random port (0)
#   CHRONIK_COMPAT_ADMIN_KEY  the admin API key (registry writes need it)
# The node tiers fast (a tiering pass every 200ms, a metadata snapshot at most
# every 500ms) so tiered.sh need not wait long; the object store is the local
# folder <data dir>/objects. The other scenarios' topics keep the default
# segments (1 GB, 7 days), which never seal during a run, so nothing of theirs
# is uploaded or dropped; they only get more frequent metadata snapshots.
#
# stop: SIGTERM to the node's process group, then wait (bounded) until the
# process has exited; a node still running after 20s is killed and that is an
# error (exit 1). start: launch the node in its own session (setsid, so the
# timeout around a client test never kills it), detached from the caller's
# stdout/stderr (the log is appended to server.log), and wait (bounded) until
# the Kafka and HTTP ports accept connections. Exits non-zero, with the end of
# the log, when the node cannot be stopped or started.
set -euo pipefail

BIN=${CHRONIK_COMPAT_BIN:?CHRONIK_COMPAT_BIN not set (run through run.sh)}
DIR=${CHRONIK_COMPAT_DATA:?CHRONIK_COMPAT_DATA not set (run through run.sh)}
PORT=${CHRONIK_COMPAT_PORT:?CHRONIK_COMPAT_PORT not set (run through run.sh)}
HTTP_PORT=${CHRONIK_COMPAT_HTTP_PORT:?CHRONIK_COMPAT_HTTP_PORT not set (run through run.sh)}
ADMIN_KEY=${CHRONIK_COMPAT_ADMIN_KEY:?CHRONIK_COMPAT_ADMIN_KEY not set (run through run.sh)}
PIDFILE=$DIR/server.pid
LOG=$DIR/server.log

say() { echo "server.sh: $*" >&2; }

log_tail() {
  echo "----- server log (last ${1:-40} lines) -----" >&2
  tail -n "${1:-40}" "$LOG" >&2 2>/dev/null || true
  echo "----- end of server log -----" >&2
}

# alive <pid>: the process exists and is not a zombie waiting to be reaped.
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -z "$pid" ] || ! alive "$pid"; then
    say "stop: no running node (pid file: '${pid}')"
    return 0
  fi
  local t0=$SECONDS
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "stop: node (pid $pid) still running 20s after SIGTERM: killing it"
    log_tail 30
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    return 1
  fi
  say "stop: node (pid $pid) exited $((SECONDS - t0))s after SIGTERM"
}

start() {
  echo "----- server.sh start $(date +%T) -----" >>"$LOG"
  # The subshell exits at once, so the node is nobody's child here: it is
  # reaped by init, not left a zombie of this script or of run.sh.
  (
    CHRONIK_BIND_ADDR=127.0.0.1 CHRONIK_KAFKA_PORT=$PORT CHRONIK_UNIFIED_API_PORT=$HTTP_PORT CHRONIK_ADMIN_API_PORT=0 CHRONIK_PG_PORT=0 CHRONIK_ADMIN_API_KEY=$ADMIN_KEY CHRONIK_ADVERTISED_ADDR=127.0.0.1 CHRONIK_LOG_LEVEL=info CHRONIK_DEFAULT_PARTITIONS=3 \
      CHRONIK_TIER_INTERVAL_MS=200 CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS=500 \
      setsid "$BIN" start --data-dir "$DIR" </dev/null >>"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
  )
  local pid
  pid=$(cat "$PIDFILE")
  for _ in $(seq 1 200); do
    if ! alive "$pid"; then
      say "start: node (pid $pid) exited before accepting connections"
      log_tail 60
      return 1
    fi
    if accepts "$PORT" && accepts "$HTTP_PORT"; then
      say "start: node (pid $pid) accepts connections on 127.0.0.1:$PORT (Kafka) and 127.0.0.1:$HTTP_PORT (HTTP)"
      return 0
    fi
    sleep 0.1
  done
  say "start: node (pid $pid) did not accept connections on 127.0.0.1:$PORT (Kafka) and 127.0.0.1:$HTTP_PORT (HTTP) within 20s"
  log_tail 60
  return 1
}

case "${1:-restart}" in
start) start ;;
stop) stop ;;
restart)
  rc=0
  stop || rc=$?
  start
  exit "$rc"
  ;;
*)
  echo "usage: $0 [start|stop|restart]" >&2
  exit 2
  ;;
esac
