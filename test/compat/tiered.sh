#!/usr/bin/env bash
# A tiered topic read back by unmodified non-Go clients (kcat/librdkafka,
# kafka-python, confluent-kafka): records that now live only in the object
# store come back transparently, through plain Fetch and ListOffsets.
#
# usage: bash tiered.sh <host:port>
# run.sh runs it: it needs $CHRONIK_COMPAT_DATA (the node's data directory,
# whose objects/ folder is the local object store) and a node started by
# server.sh, which tiers fast (CHRONIK_TIER_INTERVAL_MS=200).
#
# 1. KafkaAdminClient (kafka-python) creates a 1-partition topic with
#    segment.bytes=65536 and local.retention.bytes=131072 (tiered.py create).
# 2. kcat -P produces 3000 keyed records of about 1 KB of random hex (3 MB,
#    unique values) in 10 runs, codecs none, gzip, lz4, zstd and snappy twice
#    over, acks=all, one request in flight (so offsets follow the input
#    order), 16 KB batches (many segments), headers codec=<codec>,chunk=<run>.
# 3. Waits (bounded, 60s) until the node has uploaded the sealed segments and
#    dropped the local copies: the partition folder holds less than 400 KB
#    (local.retention.bytes plus one sealed and one active segment plus index
#    files), the bucket folder of the topic has .batches objects, and they
#    cover every offset below the local log start, which is above 0.
# 4. Reads the whole topic from the beginning with kcat (-C -o beginning -e),
#    kafka-python (auto_offset_reset=earliest, consumer_timeout_ms) and
#    confluent-kafka (OFFSET_BEGINNING to end-of-partition): each must get
#    every record exactly once, in order, at contiguous offsets from 0, with
#    the produced key, value and headers (and the timestamps kcat saw).
# 5. kcat -Q with the timestamp of each kcat run's first record below the
#    local log start (only in the object store) must answer that record's
#    offset; kafka-python and confluent-kafka offsets_for_times too. One more
#    timestamp, of a record inside a batch, may answer its batch's base offset
#    (Chronik's ListOffsets works at batch granularity on both tiers, where
#    Kafka answers the record; see tiered.py pick).
# 6. ListOffsets earliest must be 0 (kcat -Q -2, beginning_offsets,
#    get_watermark_offsets) and latest the record count.
#
# Every client call is bounded (timeout); a failure says which step, what was
# expected and what came back (with librdkafka's log where there is one).
# Steps 4 to 6 are separate cases: one failing does not hide the others.
set -euo pipefail

BS=${1:?usage: tiered.sh <host:port>}
DATA=${CHRONIK_COMPAT_DATA:?CHRONIK_COMPAT_DATA not set (run through run.sh)}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
TOPIC=compat-tiered
CODECS=(none gzip lz4 zstd snappy none gzip lz4 zstd snappy)
KT=20   # seconds one kcat call may take (a healthy one takes about a second)
PT=60   # seconds one tiered.py step may take (its own waits are shorter)
WAIT=60 # seconds the node may take to tier the topic (passes every 200ms)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/compat-tiered.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

NAME=tiered
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Bounded waits inside librdkafka too, so failures surface as errors.
X=(-X message.timeout.ms=15000 -X socket.timeout.ms=15000)

# py <step> <args...>: a tiered.py step with a time limit (it prints its own
# reason for failing).
py() {
  local rc=0
  timeout -k 5 "$PT" "$PY" "$HERE/tiered.py" "$@" || rc=$?
  [ "$rc" -ne 124 ] || fail "tiered.py $1 did not finish within ${PT}s"
  [ "$rc" -eq 0 ] || fail "tiered.py $1 failed (exit $rc, reason above)"
}

# query <timestamp>: kcat -Q for partition 0 (ListOffsets); prints the offset.
query() {
  local out rc=0 off
  out=$(timeout "$KT" kcat -Q -b "$BS" -t "$TOPIC:0:$1" "${X[@]}" 2>"$WORK/q.err") || rc=$?
  [ "$rc" -ne 124 ] || fail "kcat -Q -t $TOPIC:0:$1 did not finish within ${KT}s" "$WORK/q.err"
  [ "$rc" -eq 0 ] || fail "kcat -Q -t $TOPIC:0:$1 exited with $rc: $out" "$WORK/q.err"
  off=$(sed -nE 's/.*\[0\] +offset +(-?[0-9]+).*/\1/p' <<<"$out")
  [ -n "$off" ] || fail "kcat -Q -t $TOPIC:0:$1 printed no offset: '$out'" "$WORK/q.err"
  echo "$off"
}

# 1. The topic, with small segments and a small local retention.
py create "$BS" "$TOPIC"

# 2. About 3 MB through kcat, one run per codec.
py gen "$WORK" "${CODECS[@]}"
N=$(wc -l <"$WORK/expected.tsv")
for i in "${!CODECS[@]}"; do
  codec=${CODECS[$i]}
  rc=0
  timeout "$KT" kcat -P -b "$BS" -t "$TOPIC" -p 0 -z "$codec" -K: -H "codec=$codec" -H "chunk=$i" \
    -X acks=all -X max.in.flight.requests.per.connection=1 -X batch.size=16384 -X linger.ms=5 "${X[@]}" \
    <"$WORK/chunk-$i.in" 2>"$WORK/p$i.err" || rc=$?
  [ "$rc" -ne 124 ] || fail "run $i: kcat -P -z $codec did not finish within ${KT}s" "$WORK/p$i.err"
  [ "$rc" -eq 0 ] || fail "run $i: kcat -P -z $codec exited with $rc" "$WORK/p$i.err"
  if grep -qiE 'delivery failed|failed to produce|ERROR' "$WORK/p$i.err"; then
    fail "run $i: kcat -P -z $codec reported delivery errors" "$WORK/p$i.err"
  fi
done
end=$(query -1)
[ "$end" = "$N" ] || fail "after producing $N records in ${#CODECS[@]} kcat runs, the end offset (kcat -Q -1) is $end"
log "produced $N records with kcat (acks=all, codecs ${CODECS[*]}); end offset $end"

# 3. The node uploads the sealed segments and drops the local copies.
PT=$((WAIT + 15)) py wait "$DATA" "$TOPIC" "$WAIT" >"$WORK/wait.out"
grep -v '^local_start=' "$WORK/wait.out" || true
LOCAL_START=$(sed -n 's/^local_start=//p' "$WORK/wait.out")
[ -n "$LOCAL_START" ] || fail "tiered.py wait printed no local_start line"

# 4. Read everything back from the beginning, first with kcat.
rc=0
timeout "$KT" kcat -C -b "$BS" -t "$TOPIC" -o beginning -e -f '%o\t%T\t%k\t%s\t%h\n' "${X[@]}" \
  >"$WORK/kcat.out" 2>"$WORK/kcat.err" || rc=$?
[ "$rc" -ne 124 ] || fail "kcat -C -o beginning -e did not reach the end within ${KT}s (read $(wc -l <"$WORK/kcat.out") of $N records)" "$WORK/kcat.err"
[ "$rc" -eq 0 ] || fail "kcat -C -o beginning -e exited with $rc (read $(wc -l <"$WORK/kcat.out") of $N records)" "$WORK/kcat.err"
if grep -qiE 'error|fail' "$WORK/kcat.err"; then
  fail "kcat -C -o beginning -e reported errors" "$WORK/kcat.err"
fi
py kcat "$WORK" "$WORK/kcat.out"

# Records below the local log start, and the offsets ListOffsets must give for
# their timestamps (kcat's read gives the timestamps): $WORK/times.txt.
py pick "$WORK" "$WORK/kcat.out" "$LOCAL_START"
[ -s "$WORK/times.txt" ] || fail "tiered.py pick wrote no timestamps"

# Each line of times.txt: timestamp, offset, lowest acceptable answer (see
# tiered.py pick: Chronik answers at batch granularity, Kafka the record).
by_timestamp() {
  local ts want lo off got=()
  while read -r ts want lo; do
    off=$(query "$ts")
    if [ "$lo" = "$want" ]; then
      [ "$off" = "$want" ] || fail "kcat -Q -t $TOPIC:0:$ts (the timestamp of offset $want, which starts a batch and is only in the object store) answered offset $off, want $want" "$WORK/q.err"
    else
      [ "$off" -ge "$lo" ] && [ "$off" -le "$want" ] ||
        fail "kcat -Q -t $TOPIC:0:$ts (the timestamp of offset $want, inside a batch, only in the object store) answered offset $off, want $want (Kafka) or the base offset of its batch (at least $lo)" "$WORK/q.err"
    fi
    got+=("$ts->$off")
  done <"$WORK/times.txt"
  log "kcat -Q: timestamp -> offset ${got[*]}"
}
earliest() {
  local off
  off=$(query -2)
  [ "$off" = 0 ] || fail "kcat -Q -t $TOPIC:0:-2 (earliest) answered offset $off, want 0 (offsets [0, $LOCAL_START) are in the object store)" "$WORK/q.err"
  log "kcat -Q: earliest (-2) -> offset 0"
}

case_ "kafka-python read" py kafka-python "$BS" "$TOPIC" "$WORK" "$WORK/kcat.out"
case_ "confluent-kafka read" py confluent-kafka "$BS" "$TOPIC" "$WORK" "$WORK/kcat.out"
case_ "kcat -Q by timestamp" by_timestamp
case_ "kcat -Q earliest" earliest

if [ ${#failures[@]} -gt 0 ]; then
  echo "tiered: ${#failures[@]} case(s) failed: ${failures[*]} ($passed passed after the kcat read)" >&2
  exit 1
fi
log "all passed: $N records (offsets [0, $LOCAL_START) only in the object store) read back by kcat, kafka-python and confluent-kafka"
