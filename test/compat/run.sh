#!/usr/bin/env bash
# Compatibility tests: start one real Chronik node on a free loopback port and
# drive it with unmodified Kafka clients (kcat, kafka-python, confluent-kafka,
# kafkajs) and schema registry clients. Each client test is a separate script run with a timeout; a failing
# one does not stop the others.
#
# The node is started and stopped by server.sh. Client tests restart it (SIGTERM,
# then start again on the same data dir and port, waiting until it accepts
# connections) by running the command in $CHRONIK_COMPAT_RESTART: the
# consumer-group scenarios commit, restart the node and resume.
#
# tiered.sh (with tiered.py) checks that kcat, kafka-python and confluent-kafka
# read a topic whose old segments live only in the object store; it watches the
# node's data directory ($CHRONIK_COMPAT_DATA), and server.sh starts the node
# with a tiering pass every 200ms.
#
# schema_registry.js (@kafkajs/confluent-schema-registry with kafkajs) and
# schema_registry.py (confluent-kafka's schema_registry package) drive the
# schema registry of the unified HTTP API, at
# http://127.0.0.1:$CHRONIK_COMPAT_HTTP_PORT (a free port chosen here, like the
# Kafka port, and passed by server.sh as CHRONIK_UNIFIED_API_PORT): Avro, JSON
# Schema and Protobuf round trips through the broker, schema evolution, and
# broker-side validation (confluent.value.schema.validation). They write with
# the admin key ($CHRONIK_COMPAT_ADMIN_KEY) as a Basic password, and check
# that a client without it may read but not write.
#
# search.py (Debian's python3-elasticsearch, 7.x) and search.js
# (@elastic/elasticsearch 8 from npm) search a topic with search.enabled=true
# through the unified HTTP API: queries, counts, aggregations, search_after.
#
# transactions.py (confluent-kafka) and transactions.js (kafkajs) check that a
# transactional producer fails at once while transactions are not supported.
#
# usage: test/compat/run.sh <path-to-chronik-server-binary>
# COMPAT_ONLY=<regex> runs only the tests whose names match (for example
# COMPAT_ONLY=schema-registry).
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
# server.sh starts and stops the node; a client test restarts it (same binary,
# data dir and port) by running $CHRONIK_COMPAT_RESTART, which is server.sh.
export CHRONIK_COMPAT_BIN=$BIN CHRONIK_COMPAT_DATA=$DIR CHRONIK_COMPAT_RESTART=$HERE/server.sh
server_pid() { cat "$DIR/server.pid" 2>/dev/null || true; }
server_alive() {
  local pid st
  pid=$(server_pid)
  [ -n "$pid" ] || return 1
  st=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}
cleanup() {
  # SIGTERM to the node's process group; killed if still running after 20s.
  if server_alive; then
    "$HERE/server.sh" stop 2>/dev/null || true
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

# Free loopback ports for Kafka and the unified HTTP API (health, metrics, the
# schema registry): bind port 0 twice (both sockets open, so the two differ),
# read what the kernel chose, release them.
read -r port http_port < <("$PY" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss:
    s.close()')
export CHRONIK_COMPAT_PORT=$port CHRONIK_COMPAT_HTTP_PORT=$http_port
# The admin API key (server.sh passes it as CHRONIK_ADMIN_API_KEY): schema
# registry writes on the unified port need it, which the registry clients
# send as the password of HTTP Basic auth (basic.auth.user.info=compat:<key>).
CHRONIK_COMPAT_ADMIN_KEY=compat-$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
export CHRONIK_COMPAT_ADMIN_KEY

# Start the node and wait (bounded, 20s) until the Kafka and HTTP ports accept connections.
if ! "$HERE/server.sh" start 2>"$DIR/start.err"; then
  echo "compat: $(tail -n 1 "$DIR/start.err" | sed 's/^server.sh: //')"
  log_tail 100
  echo "compat: 0 passed, 1 failed"
  exit 1
fi
BOOTSTRAP=127.0.0.1:$port
echo "compat: chronik-server (pid $(server_pid)) listening on $BOOTSTRAP (HTTP API and schema registry on 127.0.0.1:$http_port), data in $DIR; restart: $CHRONIK_COMPAT_RESTART"

passed=0
failed=0
failures=()
run_test() {
  local name=$1
  shift
  if [ -n "${COMPAT_ONLY:-}" ] && ! [[ $name =~ $COMPAT_ONLY ]]; then
    return 0
  fi
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
  if ! server_alive; then
    echo "compat: server process died during $name"
    log_tail 60
    if ! "$HERE/server.sh" start 2>>"$DIR/start.err"; then
      echo "compat: could not start the server again: $(tail -n 1 "$DIR/start.err")"
    else
      echo "compat: server started again (pid $(server_pid)) for the remaining tests"
    fi
  fi
}

run_test kcat bash "$HERE/kcat.sh"
run_test kafka-python "$PY" "$HERE/kafka_python.py"
run_test confluent-kafka "$PY" "$HERE/confluent_kafka.py"
run_test kafkajs node "$HERE/kafkajs.js"
run_test transactions-confluent-kafka "$PY" "$HERE/transactions.py"
run_test transactions-kafkajs node "$HERE/transactions.js"
run_test tiered bash "$HERE/tiered.sh"
run_test schema-registry-kafkajs node "$HERE/schema_registry.js"
run_test schema-registry-confluent-kafka "$PY" "$HERE/schema_registry.py"
run_test search-elasticsearch-py "$PY" "$HERE/search.py"
run_test search-elasticsearch-js node "$HERE/search.js"

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
