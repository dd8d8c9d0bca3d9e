#!/usr/bin/env bash
# kcat (librdkafka) against a Chronik node.
#
# usage: bash kcat.sh <host:port>
#
# For each codec (none, gzip, snappy, lz4, zstd) produce 200 keyed messages
# with headers (-K: -H) into a topic that does not exist yet — the broker
# auto-creates it on the producer's metadata request — then consume it from the
# beginning to the end (-C -o beginning -e) and compare key:value lines, headers
# and per-partition offsets with what was sent. Also: acks=0 and acks=1
# produce, consuming one partition from an explicit offset (-p -o -c) and from
# the end (-o -2), -Q offset-by-timestamp query, and -L metadata (JSON, and
# auto-creation of a topic named in -L -t). Last, a consumer group (-G) reads
# part of a topic with auto-commit, the server is restarted
# ($CHRONIK_COMPAT_RESTART, exported by run.sh), and the group resumes: no gap,
# no duplicate (see group_resume).
#
# Every kcat call is bounded (timeout); a failing case is reported and the
# others still run. Exits non-zero if any case failed.
set -euo pipefail

BS=${1:?usage: kcat.sh <host:port>}
N=200
KT=8 # seconds any one kcat call may take (a healthy call takes well under 1s)
KG=25 # seconds a kcat -G session may take (joining waits for the initial rebalance delay, 3s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/compat-kcat.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

NAME=kcat
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Common librdkafka settings: bounded waits so failures surface as errors.
X=(-X message.timeout.ms=15000 -X socket.timeout.ms=15000 -X topic.metadata.refresh.interval.ms=1000)

# kc <stderr-file> <kcat args...>: kcat with a time limit.
kc() {
  local err=$1
  shift
  timeout "$KT" kcat "$@" "${X[@]}" 2>"$err"
}

# produce <topic> <codec> <acks> <count>: writes $WORK/<topic>.in (key:value lines).
produce() {
  local topic=$1 codec=$2 acks=$3 n=$4 i rc=0
  : >"$WORK/$topic.in"
  for ((i = 0; i < n; i++)); do
    # values contain spaces and a ':' and are compressible
    printf 'key-%03d:%s value %d: %s\n' "$i" "$codec" "$i" "$(printf 'payload%.0s ' $(seq 1 $((i % 17 + 1))))" >>"$WORK/$topic.in"
  done
  kc "$WORK/$topic.perr" -P -b "$BS" -t "$topic" -z "$codec" -K: -H "codec=$codec" -H "acks=$acks" \
    -X acks="$acks" <"$WORK/$topic.in" || rc=$?
  [ "$rc" -ne 124 ] || fail "$topic: kcat -P -z $codec (acks=$acks) did not finish within ${KT}s" "$WORK/$topic.perr"
  [ "$rc" -eq 0 ] || fail "$topic: kcat -P -z $codec (acks=$acks) exited with $rc" "$WORK/$topic.perr"
  if grep -qiE 'delivery failed|failed to produce|ERROR' "$WORK/$topic.perr"; then
    fail "$topic: kcat -P -z $codec (acks=$acks) reported delivery errors" "$WORK/$topic.perr"
  fi
}

# consume <topic> <format> <out> <kcat args...>: prints nothing, returns kcat's status.
consume() {
  local topic=$1 fmt=$2 out=$3
  shift 3
  kc "$out.err" -C -b "$BS" -t "$topic" -o beginning -f "$fmt" "$@" >"$out"
}

# roundtrip <topic> <codec> <acks> <count>
roundtrip() {
  local topic=$1 codec=$2 acks=$3 n=$4 rc=0 noeof=""
  produce "$topic" "$codec" "$acks" "$n"
  if [ "$acks" = 0 ]; then
    # acks=0: the producer does not wait for the write; wait (bounded) until
    # all n can be read (-c n exits then; no reliance on end-of-partition).
    timeout "$KT" kcat -C -b "$BS" -t "$topic" -o beginning -c "$n" -q "${X[@]}" >/dev/null 2>&1 || true
  fi
  # Beginning to end of the topic: -e must stop at the end of every partition.
  consume "$topic" '%k:%s\n' "$WORK/$topic.out" -e || rc=$?
  if [ "$rc" -eq 124 ]; then
    noeof="kcat -C -o beginning -e did not reach the end of the topic within ${KT}s"
  elif [ "$rc" -ne 0 ]; then
    fail "$topic: kcat -C -o beginning -e exited with $rc" "$WORK/$topic.out.err"
  fi
  if ! diff <(sort "$WORK/$topic.in") <(sort "$WORK/$topic.out") >"$WORK/$topic.diff"; then
    echo "kcat: $topic: consumed $(wc -l <"$WORK/$topic.out") messages, sent $n; diff (< sent, > consumed), first lines:" >&2
    head -10 "$WORK/$topic.diff" >&2
    fail "$topic (codec $codec, acks=$acks): consumed messages differ from produced ones${noeof:+; also: $noeof}" "$WORK/$topic.out.err"
  fi
  # Headers on every message; per partition, offsets contiguous from 0 (-c: no reliance on -e).
  rc=0
  consume "$topic" '%p %o %h\n' "$WORK/$topic.meta" -c "$n" || rc=$?
  [ "$rc" -eq 0 ] || fail "$topic: kcat -C -o beginning -c $n (offsets, headers) exited with $rc" "$WORK/$topic.meta.err"
  local bad
  bad=$(awk -v want="codec=$codec,acks=$acks" '$3 != want { print; exit }' "$WORK/$topic.meta")
  [ -z "$bad" ] || fail "$topic: message with wrong headers: '$bad' (want codec=$codec,acks=$acks)"
  bad=$(awk '{ if (!($1 in next_off)) next_off[$1] = 0; if ($2 != next_off[$1]) { print "partition " $1 " offset " $2 " expected " next_off[$1]; exit } next_off[$1]++ }' "$WORK/$topic.meta")
  [ -z "$bad" ] || fail "$topic: offsets not contiguous: $bad"
  [ -z "$noeof" ] || fail "$topic: all $n messages came back right (content, headers, offsets), but $noeof" "$WORK/$topic.out.err"
  local parts
  parts=$(awk '{ c[$1]++ } END { s = ""; for (p in c) s = s " p" p "=" c[p]; print s }' "$WORK/$topic.meta")
  log "$topic: $n messages round-tripped (codec $codec, acks=$acks;$parts)"
}

# Offsets within one partition of a topic produced above (ListOffsets via -Q,
# reads from an absolute and a relative-to-end offset with -c, no -e).
partition_reads() {
  local topic=compat-kcat-none p="" hw="" out rc=0 q
  kc "$WORK/pr.err" -L -J -b "$BS" -t "$topic" >"$WORK/pr.json" || rc=$?
  [ "$rc" -eq 0 ] || fail "$topic: kcat -L -J -t exited with $rc" "$WORK/pr.err"
  for q in $(/usr/bin/python3 -c 'import json,sys; print(" ".join(str(p["partition"]) for t in json.load(open(sys.argv[1]))["topics"] for p in t["partitions"]))' "$WORK/pr.json"); do
    # -Q with timestamp -1 asks for the end offset (high watermark).
    out=$(kc "$WORK/q1.err" -Q -b "$BS" -t "$topic:$q:-1") || rc=$?
    [ "$rc" -eq 0 ] || fail "$topic: kcat -Q $topic:$q:-1 exited with $rc: $out" "$WORK/q1.err"
    local end
    end=$(sed -nE "s/.*\[$q\] +offset +([0-9]+).*/\1/p" <<<"$out")
    [ -n "$end" ] || fail "$topic: kcat -Q $topic:$q:-1 printed no offset: '$out'" "$WORK/q1.err"
    if [ "$end" -ge 8 ]; then
      p=$q hw=$end
      break
    fi
  done
  [ -n "$p" ] || fail "$topic: no partition has 8 messages (kcat -Q end offsets)"

  out=$(kc "$WORK/offs.err" -C -b "$BS" -t "$topic" -p "$p" -o 3 -c 4 -f '%o\n') || rc=$?
  [ "$rc" -eq 0 ] || fail "$topic: kcat -C -p $p -o 3 -c 4 exited with $rc" "$WORK/offs.err"
  [ "$(tr '\n' ' ' <<<"$out")" = "3 4 5 6 " ] ||
    fail "$topic: -p $p -o 3 -c 4 returned offsets [$(tr '\n' ' ' <<<"$out")], want [3 4 5 6]" "$WORK/offs.err"
  log "$topic: partition $p (end offset $hw) read from offset 3 (-c 4): ok"

  out=$(kc "$WORK/offs2.err" -C -b "$BS" -t "$topic" -p "$p" -o -2 -c 2 -f '%o\n') || rc=$?
  [ "$rc" -eq 0 ] || fail "$topic: kcat -C -p $p -o -2 -c 2 exited with $rc" "$WORK/offs2.err"
  [ "$(tr '\n' ' ' <<<"$out")" = "$((hw - 2)) $((hw - 1)) " ] ||
    fail "$topic: -p $p -o -2 returned offsets [$(tr '\n' ' ' <<<"$out")], want [$((hw - 2)) $((hw - 1))]" "$WORK/offs2.err"
  log "$topic: partition $p read from end-2: ok"

  out=$(kc "$WORK/q.err" -Q -b "$BS" -t "$topic:$p:0") || rc=$?
  [ "$rc" -eq 0 ] || fail "$topic: kcat -Q exited with $rc: $out" "$WORK/q.err"
  grep -qE "\[$p\] +offset +0\b" <<<"$out" || fail "$topic: kcat -Q $topic:$p:0 returned '$out', want offset 0" "$WORK/q.err"
  log "$topic: -Q timestamp 0 -> offset 0: ok"
}

metadata() {
  local rc=0 out
  kc "$WORK/meta.err" -L -J -b "$BS" >"$WORK/meta.json" || rc=$?
  [ "$rc" -eq 0 ] || fail "kcat -L -J exited with $rc" "$WORK/meta.err"
  /usr/bin/python3 - "$WORK/meta.json" "$BS" <<'EOF' || fail "kcat -L metadata check failed"
import json, sys
md = json.load(open(sys.argv[1]))
bs = sys.argv[2]
def die(msg):
    print("kcat: -L: " + msg, file=sys.stderr)
    sys.exit(1)
brokers = md.get("brokers") or []
if not any(b.get("name") == bs for b in brokers):
    die("no broker advertised as %s: %s" % (bs, brokers))
ids = {b["id"] for b in brokers}
topics = {t["topic"]: t for t in md.get("topics") or []}
want = ["compat-kcat-" + c for c in ("none", "gzip", "snappy", "lz4", "zstd", "acks0", "acks1")]
for name in want:
    t = topics.get(name)
    if t is None:
        die("topic %s missing; have %s" % (name, sorted(topics)))
    if t.get("error"):
        die("topic %s error %s" % (name, t["error"]))
    parts = t.get("partitions") or []
    if not parts:
        die("topic %s has no partitions" % name)
    for p in parts:
        if p.get("error"):
            die("%s[%s] error %s" % (name, p.get("partition"), p["error"]))
        if p.get("leader") not in ids:
            die("%s[%s] leader %s is not a listed broker %s" % (name, p.get("partition"), p.get("leader"), ids))
print("kcat: -L: %d broker(s), %d topics, all %d compat topics present with leaders" % (len(brokers), len(topics), len(want)))
EOF

  # -L for one topic that does not exist yet: the metadata request auto-creates it.
  out=$(kc "$WORK/meta2.err" -L -b "$BS" -t compat-kcat-autocreate-md) || rc=$?
  [ "$rc" -eq 0 ] || fail "kcat -L -t exited with $rc: $out" "$WORK/meta2.err"
  grep -q 'topic "compat-kcat-autocreate-md" with [1-9][0-9]* partitions' <<<"$out" ||
    fail "kcat -L -t compat-kcat-autocreate-md did not show the auto-created topic: $out" "$WORK/meta2.err"
  log "-L -t <new topic>: auto-created"
}

# group_resume: kcat -G (balanced consumer: FindCoordinator, JoinGroup,
# SyncGroup, Heartbeat, OffsetCommit via auto-commit, OffsetFetch, LeaveGroup).
# Produce 300 keyed records into an auto-created 3-partition topic; consume 120
# of them in a group (-c 120; librdkafka auto-commits what it delivered, at the
# latest when kcat closes); restart the server ($CHRONIK_COMPAT_RESTART:
# SIGTERM, start again on the same data dir and port); consume in the same
# group to the end (-e); then once more (nothing left). Every record must be
# consumed at least once with its produced content; per partition the first
# session reads a contiguous prefix from offset 0 and the second session
# resumes exactly at the offset the first one committed (librdkafka's final
# commit on close covers everything delivered, so the uncommitted tail is
# empty): no gap, no duplicate.
group_resume() {
  local topic=compat-kcat-group group="compat-kcat-g-$$" n=300 first=120 rc=0
  [ -n "${CHRONIK_COMPAT_RESTART:-}" ] || fail "group: CHRONIK_COMPAT_RESTART is not set (run through run.sh): cannot restart the server"
  produce "$topic" none all "$n"
  G=(-b "$BS" -G "$group" -X auto.offset.reset=earliest -X auto.commit.interval.ms=500
    -X session.timeout.ms=10000 -X heartbeat.interval.ms=500 -f '%p %o %k:%s\n')
  # A group consumer waits for the join (the broker's initial rebalance delay is
  # 3s), so it gets more than a plain read.
  timeout "$KG" kcat "${G[@]}" -c "$first" "${X[@]}" "$topic" >"$WORK/g1.out" 2>"$WORK/g1.err" || rc=$?
  [ "$rc" -ne 124 ] || fail "group: kcat -G $group -c $first did not finish within ${KG}s (read $(wc -l <"$WORK/g1.out"))" "$WORK/g1.err"
  [ "$rc" -eq 0 ] || fail "group: kcat -G $group -c $first exited with $rc" "$WORK/g1.err"
  grep -q 'rebalanced.*assigned' "$WORK/g1.err" || fail "group: kcat -G session 1 never got an assignment" "$WORK/g1.err"
  if grep -qiE 'commit failed|error' "$WORK/g1.err"; then
    fail "group: kcat -G session 1 reported errors" "$WORK/g1.err"
  fi
  log "group: session 1 read $(wc -l <"$WORK/g1.out") records in group $group; restarting the server"
  "$CHRONIK_COMPAT_RESTART" >"$WORK/restart.out" 2>&1 || fail "group: restarting the server failed: $(tr '\n' ' ' <"$WORK/restart.out")"
  rc=0
  timeout "$KG" kcat "${G[@]}" -e "${X[@]}" "$topic" >"$WORK/g2.out" 2>"$WORK/g2.err" || rc=$?
  [ "$rc" -ne 124 ] || fail "group: after the restart, kcat -G $group -e did not reach the end within ${KG}s (read $(wc -l <"$WORK/g2.out"))" "$WORK/g2.err"
  [ "$rc" -eq 0 ] || fail "group: after the restart, kcat -G $group -e exited with $rc" "$WORK/g2.err"
  if grep -qiE 'commit failed|error' "$WORK/g2.err"; then
    fail "group: kcat -G session 2 reported errors" "$WORK/g2.err"
  fi
  rc=0
  timeout "$KG" kcat "${G[@]}" -e "${X[@]}" "$topic" >"$WORK/g3.out" 2>"$WORK/g3.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "group: kcat -G $group -e (third session) exited with $rc" "$WORK/g3.err"
  /usr/bin/python3 - "$WORK/$topic.in" "$WORK/g1.out" "$WORK/g2.out" "$WORK/g3.out" "$first" <<'PYEOF' || fail "group: consume/commit/restart/resume check failed"
import sys
sent = set(l.rstrip("\n") for l in open(sys.argv[1]))
first = int(sys.argv[5])
def die(msg):
    print("kcat: group: " + msg, file=sys.stderr)
    sys.exit(1)
def read(path, what):
    per = {}  # partition -> [(offset, key:value)]
    for line in open(path):
        p, o, kv = line.rstrip("\n").split(" ", 2)
        if kv not in sent:
            die("%s: unexpected record at partition %s offset %s: %r" % (what, p, o, kv[:60]))
        per.setdefault(int(p), []).append((int(o), kv))
    return per
s1 = read(sys.argv[2], "session 1")
s2 = read(sys.argv[3], "session 2 (after the restart)")
s3 = read(sys.argv[4], "session 3")
n1 = sum(len(v) for v in s1.values())
if n1 != first:
    die("session 1 read %d records, want %d (-c)" % (n1, first))
at = {}  # (partition, offset) -> key:value, over all sessions
for what, sess in (("session 1", s1), ("session 2", s2)):
    for p, recs in sess.items():
        for o, kv in recs:
            if at.setdefault((p, o), kv) != kv:
                die("%s: partition %d offset %d is %r, earlier it was %r" % (what, p, o, kv[:40], at[(p, o)][:40]))
for p, recs in s1.items():
    offs = [o for o, _ in recs]
    if offs != list(range(len(offs))):
        die("session 1: partition %d offsets not contiguous from 0: %s" % (p, offs[:20]))
dups = 0
for p, recs in s2.items():
    offs = [o for o, _ in recs]
    committed = len(s1.get(p, []))  # what session 1 delivered, and committed on close
    if offs[0] > committed:
        die("GAP: partition %d: session 1 read offsets 0..%d, session 2 resumed at %d: offsets %d..%d were never consumed"
            % (p, committed - 1, offs[0], committed, offs[0] - 1))
    if offs[0] < committed:
        die("DUPLICATES: partition %d: session 1 read and committed offsets 0..%d, but after the restart the group resumed at %d "
            "(offsets %d..%d consumed twice: the committed offset was lost or is stale)"
            % (p, committed - 1, offs[0], offs[0], committed - 1))
    if offs != list(range(offs[0], offs[0] + len(offs))):
        die("session 2: partition %d offsets not contiguous: %s" % (p, offs[:20]))
got = set(at.values())
missing = sent - got
if missing:
    die("%d produced records never consumed by the group, e.g. %s" % (len(missing), sorted(missing)[:3]))
if len(at) != len(sent):
    die("%d distinct (partition, offset) positions consumed for %d records" % (len(at), len(sent)))
n3 = sum(len(v) for v in s3.values())
if n3:
    die("session 3 (after session 2 consumed and committed everything) read %d records again, e.g. partition %d offset %d"
        % (n3, min(s3), s3[min(s3)][0][0]))
print("kcat: group: session 1 read %d (per partition %s), session 2 after the restart resumed at the committed offsets and read %d, session 3 read 0: all %d records, no gap, no duplicate"
      % (n1, {p: len(v) for p, v in sorted(s1.items())}, sum(len(v) for v in s2.values()), len(sent)))
PYEOF
}

for codec in none gzip snappy lz4 zstd; do
  case_ "codec $codec" roundtrip "compat-kcat-$codec" "$codec" all "$N"
done
for acks in 0 1; do
  case_ "acks=$acks" roundtrip "compat-kcat-acks$acks" gzip "$acks" 100
done
case_ "partition reads" partition_reads
case_ "metadata" metadata
case_ "group consume, commit, restart, resume" group_resume

if [ ${#failures[@]} -gt 0 ]; then
  echo "kcat: ${#failures[@]} case(s) failed: ${failures[*]} ($passed passed)" >&2
  exit 1
fi
log "all $passed cases passed"
