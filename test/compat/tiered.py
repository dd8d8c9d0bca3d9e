#!/usr/bin/python3
"""Helper of tiered.sh: the Python side of the tiered-topic scenario.

usage (tiered.sh runs each step, every one under a timeout):
  tiered.py create <host:port> <topic>
      KafkaAdminClient (kafka-python) creates <topic>, 1 partition, with
      segment.bytes=SEGMENT_BYTES and local.retention.bytes=LOCAL_RETENTION,
      then describe_configs must show both values.
  tiered.py gen <workdir> <codec>...
      Writes one chunk per codec, <workdir>/chunk-<i>.in (kcat -K: lines, key
      "key-<n>", value "v<n>-" + random hex: unique and incompressible apart
      from the hex encoding), and <workdir>/expected.tsv: for each record, in
      produce order (= its offset), key, value and the headers kcat -H will
      give it ("codec=<codec>,chunk=<i>").
  tiered.py wait <data dir> <topic> <seconds>
      Polls the node's files until the partition folder
      <data dir>/logs/partitions/<topic>-0 holds less than LOCAL_LIMIT bytes,
      the bucket folder <data dir>/objects/tier/<topic>-<topic id>/0/ has
      .batches objects, and those objects cover every offset below the local
      log start (the lowest base offset of a local segment), which must be
      above 0. Prints what it saw; the last line is "local_start=<offset>".
  tiered.py kcat <workdir> <kcat output>
      Checks a kcat -C -f '%o\\t%T\\t%k\\t%s\\t%h\\n' read of the whole topic
      against expected.tsv.
  tiered.py pick <workdir> <kcat output> <local start>
      Chooses records that now live only in the object store (offsets below
      the local log start) and writes <workdir>/times.txt, one line
      "<timestamp> <offset> <lowest>" each: ListOffsets for the timestamp must
      answer an offset in [<lowest>, <offset>]. <offset> is the first record
      whose timestamp is at least the one asked, which is what Kafka answers.
        - The first record of each chunk (kcat run) there, whose timestamp is
          above every earlier one: it starts a batch, so <lowest> = <offset>.
        - One record inside a batch (the first after half the local log start
          with a timestamp above its predecessor's). Chronik answers at batch
          granularity (adapters/kafkawire/02_list_offsets.go: "the first
          offset whose batch timestamp is at or after it", on the local tier
          too), so the answer may be the base offset of that record's batch:
          <lowest> is the first record of its chunk (no batch spans chunks).
  tiered.py kafka-python <host:port> <topic> <workdir> <kcat output>
  tiered.py confluent-kafka <host:port> <topic> <workdir> <kcat output>
      Reads the topic from the beginning (kafka-python: group-less
      KafkaConsumer, auto_offset_reset=earliest, consumer_timeout_ms;
      confluent-kafka: Consumer assigned at OFFSET_BEGINNING, to
      end-of-partition) and checks every record came back exactly once, in
      order, at contiguous offsets from 0, with the produced key, value and
      headers, and with the timestamp kcat saw. Then ListOffsets: earliest 0
      and latest the record count (beginning_offsets / end_offsets,
      get_watermark_offsets), and offsets_for_times answers within each
      range of times.txt.

Exits non-zero with "tiered: FAIL: <reason>" naming the first mismatch.
"""
import collections
import glob
import os
import re
import sys
import time

# Run as test/compat/tiered.py, this directory is on the import path, and
# test/compat/confluent_kafka.py would shadow the real package: compatlib.unshadow drops it.
import compatlib
from compatlib import Failure, check

compatlib.unshadow()

SEGMENT_BYTES = 65536
LOCAL_RETENTION = 131072
# local.retention.bytes, plus the oldest sealed segment the size rule keeps
# (dropping it would go below the limit), plus the active segment, plus the
# small index files: a partition folder at or above this has not dropped its
# uploaded segments.
LOCAL_LIMIT = 400 * 1024
RECORDS_PER_CHUNK = 300
VALUE_BYTES = 500  # random bytes per value, written as 1000 hex digits

Record = collections.namedtuple("Record", "offset timestamp key value headers")


log = compatlib.logger("tiered")


def short(b, n=40):
    s = b.decode(errors="replace") if isinstance(b, bytes) else str(b)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


# ---- create -----------------------------------------------------------------

def cmd_create(bootstrap, topic):
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-tiered-admin",
                             request_timeout_ms=15000)
    try:
        configs = {"segment.bytes": str(SEGMENT_BYTES), "local.retention.bytes": str(LOCAL_RETENTION)}
        res = admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1,
                                            topic_configs=configs)], timeout_ms=15000)
        errs = [tuple(e) for e in res.topic_errors if e[1] != 0]  # (topic, error code[, message])
        check(not errs, "create_topics(%s, %s): errors %s" % (topic, configs, errs))
        desc = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        got = {}
        for r in desc:
            for res_ in r.resources:
                err, _, _, _, entries = res_[:5]
                check(err == 0, "describe_configs(%s): error %d" % (topic, err))
                for e in entries:
                    got[e[0]] = e[1]
        for k, v in configs.items():
            check(got.get(k) == v, "describe_configs(%s): %s=%r, but the topic was created with %s=%s"
                  % (topic, k, got.get(k), k, v))
        log("created %s (1 partition) with %s; describe_configs agrees"
            % (topic, ", ".join("%s=%s" % kv for kv in sorted(configs.items()))))
    finally:
        admin.close()


# ---- gen --------------------------------------------------------------------

def cmd_gen(work, codecs):
    n = 0
    total = 0
    with open(os.path.join(work, "expected.tsv"), "w") as exp:
        for i, codec in enumerate(codecs):
            with open(os.path.join(work, "chunk-%d.in" % i), "w") as f:
                for _ in range(RECORDS_PER_CHUNK):
                    key = "key-%05d" % n
                    value = "v%05d-%s" % (n, os.urandom(VALUE_BYTES).hex())
                    f.write("%s:%s\n" % (key, value))
                    exp.write("%s\t%s\tcodec=%s,chunk=%d\n" % (key, value, codec, i))
                    n += 1
                    total += len(key) + len(value)
    log("generated %d records in %d chunks (%s), %.1f MB of keys and values"
        % (n, len(codecs), " ".join(codecs), total / 1e6))


def expected(work):
    out = []
    with open(os.path.join(work, "expected.tsv")) as f:
        for line in f:
            key, value, headers = line.rstrip("\n").split("\t")
            out.append((key.encode(), value.encode(), headers))
    return out


def chunk_starts(exp):
    starts, last = [], None
    for off, (_, _, h) in enumerate(exp):
        if h != last:
            starts.append(off)
            last = h
    return starts


# ---- wait -------------------------------------------------------------------

def observe(data, topic):
    """What the node's files say now: a dict (see cmd_wait)."""
    part = os.path.join(data, "logs", "partitions", topic + "-0")
    files = {}
    for root, _, names in os.walk(part):
        for name in names:
            p = os.path.join(root, name)
            try:
                files[os.path.relpath(p, part)] = os.path.getsize(p)
            except FileNotFoundError:  # deleted while we looked
                pass
    bases = sorted(int(m.group(1)) for m in (re.match(r"^(\d+)\.log$", f) for f in files) if m)
    tier = [d for d in glob.glob(os.path.join(data, "objects", "tier", "*", "0"))
            if re.fullmatch(re.escape(topic) + r"-[0-9a-f]+", os.path.basename(os.path.dirname(d)))]
    objects = []
    for d in tier:
        for name in os.listdir(d):
            m = re.match(r"^(\d+)-(\d+)\.batches", name)
            if m:
                objects.append((int(m.group(1)), int(m.group(2))))
    objects.sort()
    covered = 0  # objects cover [0, covered) without a gap
    for base, end in objects:
        if base > covered:
            break
        covered = max(covered, end)
    return {
        "part": part, "exists": os.path.isdir(part), "bytes": sum(files.values()), "files": files,
        "local_start": bases[0] if bases else None, "tier": tier, "objects": objects, "covered": covered,
    }


def describe(o):
    if len(o["files"]) <= 12:
        files = ", ".join("%s %d" % kv for kv in sorted(o["files"].items()))
    else:
        logs = sorted((f, n) for f, n in o["files"].items() if f.endswith(".log"))
        files = "%d segments: %s; largest %d bytes" % (
            len(logs), ", ".join(["%s %d" % kv for kv in logs[:2]] + ["..."] + ["%s %d" % kv for kv in logs[-2:]]),
            max(n for _, n in logs))
    return ("partition folder %s: %d bytes in %d files (%s); local log start %s; bucket folder %s: "
            "%d .batches objects, covering offsets [0, %d) without a gap"
            % (o["part"], o["bytes"], len(o["files"]), files or "none", o["local_start"],
               " ".join(o["tier"]) or "(none for this topic)", len(o["objects"]), o["covered"]))


def cmd_wait(data, topic, seconds):
    t0 = time.time()
    deadline = t0 + seconds
    while True:
        o = observe(data, topic)
        problems = []
        if not o["exists"]:
            problems.append("the partition folder does not exist")
        if o["bytes"] >= LOCAL_LIMIT:
            problems.append("the partition folder holds %d bytes, not less than %d (local.retention.bytes=%d "
                            "plus one sealed and one active segment): uploaded segments were not dropped locally"
                            % (o["bytes"], LOCAL_LIMIT, LOCAL_RETENTION))
        if not o["objects"]:
            problems.append("no .batches object in the bucket for %s" % topic)
        if not o["local_start"]:
            problems.append("the oldest local segment starts at offset %s: nothing was dropped locally"
                            % o["local_start"])
        elif o["covered"] < o["local_start"]:
            problems.append("the objects cover [0, %d) only, but the local log starts at %d: offsets [%d, %d) "
                            "are on neither tier" % (o["covered"], o["local_start"], o["covered"], o["local_start"]))
        if not problems:
            log("after %.1fs: %s" % (time.time() - t0, describe(o)))
            log("offsets [0, %d) now live only in the object store" % o["local_start"])
            print("local_start=%d" % o["local_start"], flush=True)
            return
        if time.time() >= deadline:
            raise Failure("after %ds the node had not tiered the topic: %s. Last seen: %s"
                          % (seconds, "; ".join(problems), describe(o)))
        time.sleep(0.2)


# ---- reading back -----------------------------------------------------------

def read_kcat(path):
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip(b"\n").split(b"\t")
            check(len(parts) == 5, "kcat output line %d has %d tab-separated fields, want 5 "
                  "(offset, timestamp, key, value, headers): %r" % (n, len(parts), short(line, 80)))
            out.append(Record(int(parts[0]), int(parts[1]), parts[2], parts[3], parts[4].decode()))
    return out


def verify(client, exp, got, timestamps=None):
    """got: Records in delivery order. Exactly the expected records, in order, at offsets 0, 1, ..."""
    check(got, "%s read no record at all (expected %d)" % (client, len(exp)))
    seen = {}
    for i, r in enumerate(got):
        if r.offset in seen:
            raise Failure("%s delivered offset %d twice (records #%d and #%d of what it read)"
                          % (client, r.offset, seen[r.offset], i))
        seen[r.offset] = i
        if r.offset != i:
            what = "a gap: offsets %d..%d never came" % (i, r.offset - 1) if r.offset > i else "out of order"
            raise Failure("%s: record #%d (0-based) of the read came at offset %d, want %d (%s)"
                          % (client, i, r.offset, i, what))
        if i >= len(exp):
            raise Failure("%s read %d or more records, but only %d were produced (offset %d key %s)"
                          % (client, i + 1, len(exp), r.offset, short(r.key)))
        key, value, headers = exp[i]
        check(r.key == key, "%s: offset %d has key %s, want %s" % (client, i, short(r.key), short(key)))
        check(r.value == value, "%s: offset %d (key %s) has value %s, want %s"
              % (client, i, short(key), short(r.value), short(value)))
        check(r.headers == headers, "%s: offset %d (key %s) has headers %r, want %r"
              % (client, i, short(key), r.headers, headers))
        if timestamps is not None:
            check(r.timestamp == timestamps[i], "%s: offset %d (key %s) has timestamp %d, kcat read %d"
                  % (client, i, short(key), r.timestamp, timestamps[i]))
    check(len(got) == len(exp), "%s read offsets 0..%d, then nothing more: %d of %d records, offsets %d..%d missing"
          % (client, len(got) - 1, len(got), len(exp), len(got), len(exp) - 1))


def headers_str(hs):
    return ",".join("%s=%s" % (k, v.decode() if isinstance(v, bytes) else v) for k, v in (hs or []))


def cmd_kcat(work, kcat_out):
    exp = expected(work)
    got = read_kcat(kcat_out)
    verify("kcat -C -o beginning -e", exp, got)
    log("kcat: all %d records, offsets 0..%d in order, keys, values and headers as produced"
        % (len(got), len(got) - 1))


def cmd_pick(work, kcat_out, local_start):
    exp = expected(work)
    got = read_kcat(kcat_out)
    verify("kcat -C -o beginning -e", exp, got)
    check(0 < local_start <= len(got), "local log start %d: no record only in the object store" % local_start)
    # A record with a timestamp above every earlier one: ListOffsets for it
    # must find exactly it (Kafka) or its batch (Chronik).
    rising, top = [], got[0].timestamp
    for r in got[1:local_start]:
        if r.timestamp > top:
            rising.append(r.offset)
        top = max(top, r.timestamp)
    starts = chunk_starts(exp)
    lines = [(got[s].timestamp, s, s) for s in starts if s in rising]
    inner = [o for o in rising if o >= local_start // 2 and o not in starts]
    if inner:
        o = inner[0]
        lines.append((got[o].timestamp, o, max(s for s in starts if s <= o)))
    check(lines, "no record below the local log start %d has a timestamp above all earlier ones" % local_start)
    with open(os.path.join(work, "times.txt"), "w") as f:
        for line in sorted(lines, key=lambda l: l[1]):
            f.write("%d %d %d\n" % line)
    log("ListOffsets by timestamp will ask for offsets %s (first records of kcat runs) and %s (inside a batch), "
        "all below the local log start %d" % (" ".join(str(o) for _, o, lo in lines if o == lo),
                                              " ".join(str(o) for _, o, lo in lines if o != lo) or "none",
                                              local_start))


def times(work):
    with open(os.path.join(work, "times.txt")) as f:
        return [tuple(int(x) for x in line.split()) for line in f if line.strip()]


def check_list_offsets(client, n, earliest, latest, by_time):
    """by_time: [(timestamp, offset, lowest, answered)] (see pick)."""
    check(earliest == 0, "%s: ListOffsets earliest is %s, want 0 (nothing was deleted; offsets below the local log "
          "start are in the object store)" % (client, earliest))
    check(latest == n, "%s: ListOffsets latest is %s, want %d" % (client, latest, n))
    notes = []
    for ts, want, lo, got in by_time:
        if lo == want:
            check(got == want, "%s: ListOffsets for timestamp %d (of offset %d, which starts a batch and is only in "
                  "the object store) answered %s, want %d" % (client, ts, want, got, want))
        else:
            check(got is not None and lo <= got <= want,
                  "%s: ListOffsets for timestamp %d (of offset %d, inside a batch, only in the object store) answered "
                  "%s, want %d (Kafka) or the base offset of its batch (at least %d)" % (client, ts, want, got, want, lo))
            if got != want:
                notes.append("timestamp %d -> %d, the base offset of the batch holding offset %d, the first record "
                             "at or after it (Kafka would answer %d)" % (ts, got, want, want))
    log("%s: ListOffsets earliest 0, latest %d; by timestamp %s" % (
        client, n, ", ".join("%d -> %s" % (b[0], b[3]) for b in by_time)))
    for note in notes:
        log("%s: note: %s" % (client, note))


def cmd_kafka_python(bootstrap, topic, work, kcat_out):
    from kafka import KafkaConsumer, TopicPartition

    exp = expected(work)
    stamps = [r.timestamp for r in read_kcat(kcat_out)]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, client_id="compat-tiered-kp",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=10000, request_timeout_ms=20000, fetch_max_wait_ms=200)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])  # no seek: auto_offset_reset=earliest picks the start
        got, err = [], None
        deadline = time.time() + 40
        try:
            while len(got) < len(exp) and time.time() < deadline:
                before = len(got)
                for m in consumer:  # stops after consumer_timeout_ms without records
                    got.append(Record(m.offset, m.timestamp, m.key, m.value, headers_str(m.headers)))
                    if len(got) >= len(exp):
                        break
                if len(got) == before:
                    break
            for msgs in consumer.poll(timeout_ms=1000).values():  # must be empty: nothing after the end
                got.extend(Record(m.offset, m.timestamp, m.key, m.value, headers_str(m.headers)) for m in msgs)
        except Exception as e:
            err = "the consumer failed after %d records: %s: %s" % (len(got), type(e).__name__, e)
        try:
            verify("kafka-python", exp, got, stamps)
        except Failure as e:
            raise Failure("%s%s" % (e, "; also: " + err if err else ""))
        check(err is None, "kafka-python read every record right, but %s" % err)
        log("kafka-python: all %d records, offsets 0..%d in order, keys, values, headers and timestamps as produced"
            % (len(got), len(got) - 1))
        earliest = consumer.beginning_offsets([tp])[tp]
        latest = consumer.end_offsets([tp])[tp]
        by_time = []
        for ts, want, lo in times(work):
            found = consumer.offsets_for_times({tp: ts})[tp]
            by_time.append((ts, want, lo, found and found.offset))
        check_list_offsets("kafka-python", len(exp), earliest, latest, by_time)
    finally:
        consumer.close(autocommit=False)


def cmd_confluent_kafka(bootstrap, topic, work, kcat_out):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    rdlog, logger = compatlib.librdkafka_log()
    exp = expected(work)
    stamps = [r.timestamp for r in read_kcat(kcat_out)]
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "compat-tiered-ck-%d" % os.getpid(),  # required by librdkafka; never joined
        "client.id": "compat-tiered-ck",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "socket.timeout.ms": 15000,
    }, logger=logger)
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        got, eof = [], False
        deadline, progress = time.time() + 40, time.time()
        while not eof and time.time() < deadline and time.time() - progress < 15:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    eof = len(got) >= len(exp)
                    continue
                raise Failure("confluent-kafka: consumer error after %d records: %s; librdkafka: %s"
                              % (len(got), msg.error(), rdlog.summary()))
            progress = time.time()
            got.append(Record(msg.offset(), msg.timestamp()[1], msg.key(), msg.value(), headers_str(msg.headers())))
        try:
            verify("confluent-kafka", exp, got, stamps)
        except Failure as e:
            raise Failure("%s; librdkafka: %s" % (e, rdlog.summary()))
        check(eof, "confluent-kafka read every record right, but got no end-of-partition after them; librdkafka: %s"
              % rdlog.summary())
        log("confluent-kafka: all %d records, offsets 0..%d in order, keys, values, headers and timestamps as produced"
            % (len(got), len(got) - 1))
        earliest, latest = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        by_time = []
        for ts, want, lo in times(work):
            found = consumer.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)
            check(found and found[0].error is None, "confluent-kafka: offsets_for_times(%d): %s" % (ts, found))
            by_time.append((ts, want, lo, found[0].offset))
        check_list_offsets("confluent-kafka", len(exp), earliest, latest, by_time)
    finally:
        consumer.close()


def main():
    cmds = {
        "create": (2, lambda a: cmd_create(a[0], a[1])),
        "gen": (None, lambda a: cmd_gen(a[0], a[1:])),
        "wait": (3, lambda a: cmd_wait(a[0], a[1], int(a[2]))),
        "kcat": (2, lambda a: cmd_kcat(a[0], a[1])),
        "pick": (3, lambda a: cmd_pick(a[0], a[1], int(a[2]))),
        "kafka-python": (4, lambda a: cmd_kafka_python(*a)),
        "confluent-kafka": (4, lambda a: cmd_confluent_kafka(*a)),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    n, fn = cmds[sys.argv[1]]
    args = sys.argv[2:]
    if (n is not None and len(args) != n) or (n is None and len(args) < 2):
        print("tiered.py %s: wrong number of arguments (see the usage above)\n%s" % (sys.argv[1], __doc__),
              file=sys.stderr)
        return 2
    try:
        fn(args)
    except Failure as e:
        print("tiered: FAIL: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:
        print("tiered: FAIL: %s: %s: %s" % (sys.argv[1], type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
