#!/usr/bin/env bash
# Compatibility tests: start one real Chronik node on a free loopback port and
# drive it with unmodified Kafka clients (kcat, kafka-python, confluent-kafka,
# kafkajs). Each client test is a separate script run with a timeout; a failing
# one does not stop the others.
#
# usage: test/compat/run.sh <path-to-chronik-server-binary>
# The last line printed is "compat: N passed, M failed"; exit status is
# non-zero when M > 0 (or when the server cannot be started).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <path-to-chronik-server-binary>" >&2
  exit 2
fi
BIN=$1
if [ ! -x "$BIN" ]; then
  echo "compat: $BIN is not an executable file" >&2
  exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1 KAFKAJS_NO_PARTITIONER_WARNING=1
TEST_TIMEOUT=${COMPAT_TEST_TIMEOUT:-120}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/chronik-compat.XXXXXX")
SERVER_PID=""
cleanup() {
  # The server runs in its own session (setsid): signal its whole process group.
  if [ -n "$SERVER_PID" ] && kill -0 -- "-$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ]; then
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log_tail() {
  echo "----- server log (last ${1:-60} lines) -----"
  tail -n "${1:-60}" "$DIR/server.log" 2>/dev/null || true
  echo "----- end of server log -----"
}

# A free loopback port: bind port 0, read what the kernel chose, release it.
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

CHRONIK_BIND_ADDR=127.0.0.1 CHRONIK_KAFKA_PORT=$port CHRONIK_ADVERTISED_ADDR=127.0.0.1 CHRONIK_LOG_LEVEL=info \
  setsid "$BIN" start --data-dir "$DIR" >"$DIR/server.log" 2>&1 &
SERVER_PID=$!

# Wait (bounded) until the Kafka port accepts connections.
ready=0
for _ in $(seq 1 200); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "compat: server exited before accepting connections"
    log_tail 100
    echo "compat: 0 passed, 1 failed"
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  echo "compat: server did not accept connections on 127.0.0.1:$port within 20s"
  log_tail 100
  echo "compat: 0 passed, 1 failed"
  exit 1
fi
BOOTSTRAP=127.0.0.1:$port
echo "compat: chronik-server (pid $SERVER_PID) listening on $BOOTSTRAP, data in $DIR"

passed=0
failed=0
failures=()
run_test() {
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS rc=0
  (cd "$HERE" && timeout -k 10 "$TEST_TIMEOUT" "$@" "$BOOTSTRAP") || rc=$?
  local took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    echo "--- PASS $name (${took}s)"
    passed=$((passed + 1))
  else
    if [ "$rc" -eq 124 ]; then
      echo "--- FAIL $name: timed out after ${TEST_TIMEOUT}s"
    else
      echo "--- FAIL $name (exit $rc, ${took}s)"
    fi
    failed=$((failed + 1))
    failures+=("$name")
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "compat: server process died during $name"
  fi
}

run_test kcat bash "$HERE/kcat.sh"
run_test kafka-python "$PY" "$HERE/kafka_python.py"
run_test confluent-kafka "$PY" "$HERE/confluent_kafka.py"
run_test kafkajs node "$HERE/kafkajs.js"

if [ "$failed" -gt 0 ]; then
  echo "compat: failed: ${failures[*]}"
  if grep -qE 'level=(WARN|ERROR)|panic' "$DIR/server.log" 2>/dev/null; then
    echo "----- server log: warnings and errors (last 30) -----"
    grep -E 'level=(WARN|ERROR)|panic' "$DIR/server.log" | tail -n 30
  fi
  log_tail 60
fi
echo "compat: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
