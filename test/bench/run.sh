#!/usr/bin/env bash
# test/bench/run.sh — `make bench`: Chronik against franz-go's kfake under the same load.
#
# Builds bin/chronik-server and bin/chronik-bench, starts chronik-server on a
# fresh data directory, runs every scenario of `chronik-bench run` against it,
# stops it, then does the same with kfake (a separate `chronik-bench kfake`
# process with disk persistence and fsync on). With BENCH_ROUNDS > 1 it
# repeats that, so both brokers see the shared machine at similar moments.
# Then (unless BENCH_SQL=0) it starts one more chronik-server, with its
# unified HTTP API on a free port, for `chronik-bench sql`: produce with and
# without columnar.enabled, the indexing pipeline's catch-up, queries through
# /_sql against DuckDB on one Parquet file, and freshness from ack to SQL.
# Then (unless BENCH_SEARCH=0) one more fresh node for `chronik-bench
# search`: produce with and without search.enabled, the search sink's
# indexing rate, match and terms queries through /_search, and freshness
# from ack to _search. Finally it prints a comparison table (medians over
# the rounds) and writes docs/BENCHMARKS.md.
#
# Environment:
#   BENCH_MB              MB of record values per throughput scenario (default 128)
#   BENCH_ROUNDS          rounds, alternating Chronik and kfake; the report shows medians (default 2)
#   BENCH_HALF_PEAK       how long each half-peak latency run lasts (default 8s; 0 skips)
#   BENCH_MANY_PARTITIONS partitions in the RSS check topic (default 1000; 0 skips)
#   BENCH_SIZES           record sizes in bytes (default 1024,100)
#   BENCH_PARTITIONS      partition counts (default 1,16)
#   BENCH_LINGER          producer linger (default 5ms)
#   BENCH_OUT             report path (default docs/BENCHMARKS.md)
#   BENCH_QUIET_WAIT      seconds to wait, before each broker's run, for the 1-minute load
#                         average to drop below nproc (default 60; 0 does not wait)
#   BENCH_SQL             1 (default) runs the SQL section on its own node after the rounds; 0 skips it
#   BENCH_SQL_ROWS        records produced before columnar is turned on, then queried (default 10000000)
#   BENCH_SQL_PRODUCE_MB  MB produced with columnar, and as many without (default 400)
#   BENCH_SQL_FRESH_FOR   how long the 10 MB/s freshness run produces (default 20s)
#   BENCH_SQL_PARTITIONS  partitions of the SQL topics (default 2)
#   BENCH_SEARCH          1 (default) runs the search section on its own node after the SQL one; 0 skips it
#   BENCH_SEARCH_ROWS     log lines (500 bytes) produced before search is turned on, then queried (default 1000000)
#   BENCH_SEARCH_PRODUCE_MB MB produced with search.enabled, and as many without (default 100)
#   BENCH_SEARCH_FRESH_FOR  how long the 2 MB/s freshness run produces (default 20s)
#   BENCH_SEARCH_PARTITIONS partitions of the search topics (default 2)
#   BENCH_RESULTS_DIR     if set, copy each round's JSON results there
#   BENCH_KEEP=1          keep the temporary directory (data, logs, JSON results)
#   BENCH_NO_BUILD=1      use the binaries already in bin/
#   CHRONIK_WAL_PROFILE   passed to chronik-server (low|medium|high|ultra; default medium)
set -euo pipefail

cd "$(dirname "$0")/../.."
BENCH_MB=${BENCH_MB:-128}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_HALF_PEAK=${BENCH_HALF_PEAK:-8s}
BENCH_MANY_PARTITIONS=${BENCH_MANY_PARTITIONS:-1000}
BENCH_SIZES=${BENCH_SIZES:-1024,100}
BENCH_PARTITIONS=${BENCH_PARTITIONS:-1,16}
BENCH_LINGER=${BENCH_LINGER:-5ms}
BENCH_OUT=${BENCH_OUT:-docs/BENCHMARKS.md}
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-60}
BENCH_SQL=${BENCH_SQL:-1}
BENCH_SQL_ROWS=${BENCH_SQL_ROWS:-10000000}
BENCH_SQL_PRODUCE_MB=${BENCH_SQL_PRODUCE_MB:-400}
BENCH_SQL_FRESH_FOR=${BENCH_SQL_FRESH_FOR:-20s}
BENCH_SQL_PARTITIONS=${BENCH_SQL_PARTITIONS:-2}
BENCH_SEARCH=${BENCH_SEARCH:-1}
BENCH_SEARCH_ROWS=${BENCH_SEARCH_ROWS:-1000000}
BENCH_SEARCH_PRODUCE_MB=${BENCH_SEARCH_PRODUCE_MB:-100}
BENCH_SEARCH_FRESH_FOR=${BENCH_SEARCH_FRESH_FOR:-20s}
BENCH_SEARCH_PARTITIONS=${BENCH_SEARCH_PARTITIONS:-2}

# The WAL profile decides the latency target: p99 at half peak <= window + 5 ms.
if [[ -n "${CHRONIK_WAL_PROFILE:-}" ]]; then
	wal_profile=$CHRONIK_WAL_PROFILE
else
	case "${CHRONIK_PRODUCE_PROFILE:-balanced}" in
	low-latency) wal_profile=low ;;
	high-throughput) wal_profile=high ;;
	*) wal_profile=medium ;;
	esac
fi
case "$wal_profile" in
low) wal_window=2ms ;;
medium) wal_window=10ms ;;
high) wal_window=50ms ;;
ultra) wal_window=100ms ;;
*)
	echo "run.sh: CHRONIK_WAL_PROFILE $wal_profile is not one of low, medium, high, ultra" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/chronik-bench.XXXXXX")
broker_pid=""

stop_broker() {
	[[ -n "$broker_pid" ]] || return 0
	if kill -0 "$broker_pid" 2>/dev/null; then
		kill -TERM "$broker_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$broker_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$broker_pid" 2>/dev/null; then
			echo "run.sh: broker $broker_pid did not stop within 10s of SIGTERM; killing it" >&2
			kill -KILL "$broker_pid" 2>/dev/null || true
		fi
	fi
	wait "$broker_pid" 2>/dev/null || true
	broker_pid=""
}

cleanup() {
	stop_broker
	if [[ "${BENCH_KEEP:-}" == 1 ]]; then
		echo "run.sh: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What is measured: the commit, and whether the tree differed from it, when we build.
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
commit=$rev
if [[ -n "$(git status --porcelain 2>/dev/null | head -1)" ]]; then
	commit="$commit, with uncommitted changes"
fi

if [[ "${BENCH_NO_BUILD:-}" != 1 ]]; then
	echo "run.sh: building bin/chronik-server and bin/chronik-bench" >&2
	# Stamp the commit as `make build` does, so the report names what it measured.
	go build -ldflags "-X github.com/chronik-stream/chronik/bootstrap.Commit=$rev" \
		-o bin/chronik-server ./cmd/chronik-server
	go build -o bin/chronik-bench ./cmd/chronik-bench
fi
bench=bin/chronik-bench

# wait_quiet: the cores are shared; give other work a chance to finish so
# that both brokers see a similar machine. The load average goes in the report.
wait_quiet() {
	local cpus load
	[[ "$BENCH_QUIET_WAIT" -gt 0 ]] || return 0
	cpus=$(nproc)
	for _ in $(seq 1 "$BENCH_QUIET_WAIT"); do
		load=$(cut -d' ' -f1 /proc/loadavg)
		awk -v l="$load" -v c="$cpus" 'BEGIN { exit !(l < c) }' && return 0
		sleep 1
	done
	echo "run.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) on $cpus CPUs; running anyway" >&2
}

# run_scenarios NAME PORT ROUND: the same load for either broker.
run_scenarios() {
	local name=$1 port=$2 round=$3
	"$bench" run --name "$name" --brokers "127.0.0.1:$port" --broker-pid "$broker_pid" \
		--mb "$BENCH_MB" --sizes "$BENCH_SIZES" --partitions "$BENCH_PARTITIONS" \
		--linger "$BENCH_LINGER" --half-peak "$BENCH_HALF_PEAK" \
		--many-partitions "$BENCH_MANY_PARTITIONS" --out "$work/$name-$round.json"
}

status=0

# run_chronik ROUND: a fresh chronik-server on a fresh data directory.
run_chronik() {
	local round=$1 port data=$work/chronik-data-$1 log=$work/chronik-$1.log
	port=$("$bench" free-port)
	mkdir -p "$data"
	echo "run.sh: round $round: starting chronik-server on 127.0.0.1:$port (WAL profile $wal_profile), data in $data" >&2
	CHRONIK_BIND_ADDR=127.0.0.1 CHRONIK_KAFKA_PORT=$port CHRONIK_UNIFIED_API_PORT=0 CHRONIK_ADMIN_API_PORT=0 CHRONIK_PG_PORT=0 CHRONIK_ADVERTISED_ADDR=127.0.0.1 \
		CHRONIK_LOG_LEVEL=${CHRONIK_LOG_LEVEL:-warn} CHRONIK_WAL_PROFILE=$wal_profile \
		bin/chronik-server start --data-dir "$data" >"$log" 2>&1 &
	broker_pid=$!
	local ok=0
	if "$bench" wait --brokers "127.0.0.1:$port" --timeout 60s; then
		run_scenarios chronik "$port" "$round" || ok=1
	else
		ok=1
	fi
	if ! kill -0 "$broker_pid" 2>/dev/null; then
		echo "run.sh: chronik-server exited during the run" >&2
		ok=1
	fi
	stop_broker
	if [[ $ok != 0 || -s "$log" ]]; then
		echo "run.sh: chronik-server log (last 30 lines):" >&2
		tail -n 30 "$log" >&2 || true
	fi
	[[ "${BENCH_KEEP:-}" == 1 ]] || rm -rf "$data"
	return $ok
}

# run_kfake ROUND: the same with kfake, persisted and fsyncing.
run_kfake() {
	local round=$1 port data=$work/kfake-data-$1 log=$work/kfake-$1.log
	port=$("$bench" free-port)
	echo "run.sh: round $round: starting kfake on 127.0.0.1:$port, data in $data" >&2
	"$bench" kfake --port "$port" --data-dir "$data" >"$log" 2>&1 &
	broker_pid=$!
	local ok=0
	if "$bench" wait --brokers "127.0.0.1:$port" --timeout 60s; then
		run_scenarios kfake "$port" "$round" || ok=1
	else
		ok=1
		cat "$log" >&2
	fi
	stop_broker
	[[ "${BENCH_KEEP:-}" == 1 ]] || rm -rf "$data"
	return $ok
}

chronik_results="" kfake_results=""
for round in $(seq 1 "$BENCH_ROUNDS"); do
	wait_quiet
	run_chronik "$round" || status=1
	wait_quiet
	run_kfake "$round" || status=1
	chronik_results+="${chronik_results:+,}$work/chronik-$round.json"
	kfake_results+="${kfake_results:+,}$work/kfake-$round.json"
done

# run_sql: SQL over topics on one more fresh node, with its unified API on a
# known port. Its hot buffers seal after 2 s, so that the query comparison
# finds every record in Parquet soon after the catch-up; its compaction
# looks every second and merges a partition's tail once it sealed nothing
# for 2 s, and the queries wait until its files stayed the same for 5 s.
sql_hot_age=2000 sql_compact_interval=1000 sql_compact_quiet=2000

# run_section NAME ENV... -- BENCH-ARGS...: a fresh chronik-server on a fresh
# data directory, with its unified HTTP API on a free port and the given
# extra environment, measured by `chronik-bench BENCH-ARGS --brokers ...
# --http ... --broker-pid ...`. @DATA@ in BENCH-ARGS stands for the node's
# data directory.
run_section() {
	local name=$1 port http data=$work/$1-data log=$work/$1.log
	shift
	local envs=()
	while [[ $# -gt 0 && "$1" != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	port=$("$bench" free-port)
	http=$("$bench" free-port)
	mkdir -p "$data"
	local args=()
	for a in "$@"; do
		a=${a//@DATA@/$data}
		args+=("$a")
	done
	echo "run.sh: $name: starting chronik-server on 127.0.0.1:$port (HTTP $http), data in $data" >&2
	env CHRONIK_BIND_ADDR=127.0.0.1 CHRONIK_KAFKA_PORT="$port" CHRONIK_UNIFIED_API_PORT="$http" CHRONIK_ADMIN_API_PORT=0 CHRONIK_PG_PORT=0 \
		CHRONIK_ADVERTISED_ADDR=127.0.0.1 CHRONIK_LOG_LEVEL="${CHRONIK_LOG_LEVEL:-warn}" CHRONIK_WAL_PROFILE="$wal_profile" "${envs[@]}" \
		bin/chronik-server start --data-dir "$data" >"$log" 2>&1 &
	broker_pid=$!
	local ok=0
	if "$bench" wait --brokers "127.0.0.1:$port" --timeout 60s; then
		"$bench" "${args[@]}" --brokers "127.0.0.1:$port" --http "127.0.0.1:$http" --broker-pid "$broker_pid" || ok=1
	else
		ok=1
	fi
	if ! kill -0 "$broker_pid" 2>/dev/null; then
		echo "run.sh: chronik-server exited during the $name run" >&2
		ok=1
	fi
	stop_broker
	if [[ $ok != 0 || -s "$log" ]]; then
		echo "run.sh: chronik-server log (last 30 lines):" >&2
		tail -n 30 "$log" >&2 || true
	fi
	[[ "${BENCH_KEEP:-}" == 1 ]] || rm -rf "$data"
	return $ok
}

run_sql() {
	local ok=0
	run_section sql CHRONIK_HOT_BUFFER_MAX_AGE_MS=$sql_hot_age CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS=$sql_compact_interval \
		CHRONIK_COLUMNAR_COMPACT_QUIET_MS=$sql_compact_quiet CHRONIK_COLUMNAR_CACHE_SIZE="${CHRONIK_COLUMNAR_CACHE_SIZE:-16GB}" -- \
		sql --data-dir @DATA@ --partitions "$BENCH_SQL_PARTITIONS" --rows "$BENCH_SQL_ROWS" --produce-mb "$BENCH_SQL_PRODUCE_MB" \
		--fresh-for "$BENCH_SQL_FRESH_FOR" --hot-max-age-ms "$sql_hot_age" --compact-settle 5s --work-dir "$work" \
		--out "$work/sql.json" || ok=1
	[[ "${BENCH_KEEP:-}" == 1 ]] || rm -f "$work/one.parquet"
	return $ok
}

# run_search: search over topics on one more fresh node. Its seal settings
# are the defaults unless set in the environment; its cache of sealed
# indexes is large enough that the queries never fetch one again.
search_seal_docs=${CHRONIK_SEARCH_SEAL_DOCS:-250000} search_seal_age=${CHRONIK_SEARCH_SEAL_AGE_MS:-600000}
run_search() {
	run_section search CHRONIK_SEARCH_SEAL_DOCS="$search_seal_docs" CHRONIK_SEARCH_SEAL_AGE_MS="$search_seal_age" \
		CHRONIK_SEARCH_CACHE_SIZE="${CHRONIK_SEARCH_CACHE_SIZE:-16GB}" -- \
		search --partitions "$BENCH_SEARCH_PARTITIONS" --rows "$BENCH_SEARCH_ROWS" --produce-mb "$BENCH_SEARCH_PRODUCE_MB" \
		--fresh-for "$BENCH_SEARCH_FRESH_FOR" --seal-docs "$search_seal_docs" --seal-age-ms "$search_seal_age" \
		--out "$work/search.json"
}

sql_flag=()
if [[ "$BENCH_SQL" == 1 ]]; then
	wait_quiet
	run_sql || status=1
	sql_flag=(--sql "$work/sql.json")
fi
search_flag=()
if [[ "$BENCH_SEARCH" == 1 ]]; then
	wait_quiet
	run_search || status=1
	search_flag=(--search "$work/search.json")
fi

# Report.
if [[ -n "${BENCH_RESULTS_DIR:-}" ]]; then
	mkdir -p "$BENCH_RESULTS_DIR"
	cp "$work"/*.json "$BENCH_RESULTS_DIR"/ 2>/dev/null || true
fi
mkdir -p "$(dirname "$BENCH_OUT")"
"$bench" report --chronik "$chronik_results" --kfake "$kfake_results" "${sql_flag[@]}" "${search_flag[@]}" --out "$BENCH_OUT" \
	--nproc "$(nproc)" \
	--cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
	--mem "$(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}')" \
	--disk "$(df -PT "$work" | awk 'NR == 2 {print $2 " on " $1}')" \
	--date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--commit "$commit" \
	--server-version "$(bin/chronik-server version 2>/dev/null | head -1 || true)" \
	--wal-profile "$wal_profile" --wal-window "$wal_window"
exit $status
