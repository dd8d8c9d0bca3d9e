#!/usr/bin/python3
"""kafka-python against a Chronik node.

usage: /usr/bin/python3 kafka_python.py <host:port>

Part 1 (auto-negotiated API version, record batches v2): for each codec
kafka-python supports (none, gzip, snappy, lz4, zstd) create a 2-partition topic
with KafkaAdminClient, produce 200 keyed records with headers (acks=all) in two
flushed rounds, then read them back with a group-less KafkaConsumer and check
every record came back exactly once with the right key, value and headers, at
the offset the producer was told, with contiguous offsets per partition.

Part 2 (api_version=(0, 10, 0): legacy magic-1 message sets, no headers): the
same for none, gzip, snappy and lz4 on new topics, read back both with the
0.10.0 consumer and with an auto-negotiated one.

Exits non-zero with a message naming the first mismatch.
"""
import os
import sys
import time
import traceback

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.codec import has_gzip, has_lz4, has_snappy, has_zstd

N = 200
PARTITIONS = 2


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def log(msg):
    print("kafka-python: " + msg, flush=True)


def records(label):
    """The records to send: (key, value, headers)."""
    out = []
    for i in range(N):
        key = ("key-%03d" % i).encode()
        # Compressible, and long enough that compression matters.
        value = ("%s value %d " % (label, i) + "payload " * (i % 17 + 1)).encode()
        headers = [("idx", str(i).encode()), ("label", label.encode())]
        out.append((key, value, headers))
    return out


def create_topics(bootstrap, names):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin",
                             request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic(name=n, num_partitions=PARTITIONS, replication_factor=1)
                             for n in names], timeout_ms=30000)
    finally:
        admin.close()


def produce(bootstrap, topic, codec, recs, api_version, with_headers):
    kw = {}
    if api_version is not None:
        kw["api_version"] = api_version
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec,
                             linger_ms=20, retries=3, request_timeout_ms=30000,
                             client_id="compat-kp-producer", **kw)
    try:
        sent = {}  # key -> (partition, offset)
        half = len(recs) // 2
        for chunk in (recs[:half], recs[half:]):  # two rounds: several batches per partition
            futures = []
            for key, value, headers in chunk:
                if with_headers:
                    f = producer.send(topic, key=key, value=value, headers=headers)
                else:
                    f = producer.send(topic, key=key, value=value)
                futures.append((key, f))
            producer.flush(timeout=60)
            for key, f in futures:
                try:
                    md = f.get(timeout=30)
                except Exception as e:
                    raise Failure("produce to %s (codec %s) failed for key %s: %r"
                                  % (topic, codec, key.decode(), e))
                check(md.topic == topic, "produce metadata topic %r != %r" % (md.topic, topic))
                check(0 <= md.partition < PARTITIONS, "produce metadata partition %d" % md.partition)
                check(md.offset >= 0, "produce metadata offset %d for key %s" % (md.offset, key.decode()))
                check(key not in sent, "key %s acknowledged twice" % key.decode())
                sent[key] = (md.partition, md.offset)
        return sent
    finally:
        producer.close(timeout=10)


def consume(bootstrap, topic, want, api_version, label):
    kw = {}
    if api_version is not None:
        kw["api_version"] = api_version
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=10000,
                             request_timeout_ms=30000, client_id="compat-kp-consumer", **kw)
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        got = []
        deadline = time.time() + 60
        try:
            while len(got) < want and time.time() < deadline:
                n = len(got)
                for msg in consumer:  # stops after consumer_timeout_ms without records
                    got.append(msg)
                    if len(got) >= want:
                        break
                if len(got) == n:
                    break
            # Anything beyond the expected count would be a duplicate: poll once
            # more (this fetch is at the end of the log and must come back empty).
            extra = consumer.poll(timeout_ms=1000)
            for msgs in extra.values():
                got.extend(msgs)
        except Exception as e:
            # Report after checking what was read (the caller raises it).
            err = "consumer failed after reading %d of %d records: %s" % (len(got), want, describe(e))
        else:
            err = None
        ends = consumer.end_offsets(tps)
        begs = consumer.beginning_offsets(tps)
        return got, ends, begs, err
    finally:
        consumer.close(autocommit=False)


def verify(topic, label, recs, sent, got, ends, begs, with_headers):
    what = "%s (%s)" % (topic, label)
    by_key = {key: (value, headers) for key, value, headers in recs}
    check(len(sent) == len(recs), "%s: %d of %d records acknowledged" % (what, len(sent), len(recs)))
    seen = {}
    per_part = {p: [] for p in range(PARTITIONS)}
    now_ms = time.time() * 1000
    for m in got:
        check(m.topic == topic, "%s: record from topic %r" % (what, m.topic))
        check(m.key in by_key, "%s: unexpected key %r at partition %d offset %d"
              % (what, m.key, m.partition, m.offset))
        check(m.key not in seen, "%s: key %s delivered twice (offsets %s and %d)"
              % (what, m.key.decode(), seen.get(m.key), m.offset))
        seen[m.key] = (m.partition, m.offset)
        value, headers = by_key[m.key]
        check(m.value == value, "%s: key %s: value %r, want %r" % (what, m.key.decode(), m.value, value))
        check((m.partition, m.offset) == sent[m.key],
              "%s: key %s read at partition %d offset %d, but the producer was told partition %d offset %d"
              % ((what, m.key.decode(), m.partition, m.offset) + sent[m.key]))
        if with_headers:
            got_h = [(k, v) for k, v in (m.headers or [])]
            check(got_h == headers, "%s: key %s: headers %r, want %r" % (what, m.key.decode(), got_h, headers))
        check(abs(m.timestamp - now_ms) < 600000,
              "%s: key %s: timestamp %d is not near now (%d)" % (what, m.key.decode(), m.timestamp, now_ms))
        per_part[m.partition].append(m.offset)
    missing = sorted(k.decode() for k in by_key if k not in seen)
    check(not missing, "%s: %d records never came back, e.g. %s" % (what, len(missing), missing[:5]))
    for p, offs in per_part.items():
        tp = TopicPartition(topic, p)
        check(offs == list(range(len(offs))),
              "%s: partition %d offsets are not contiguous from 0: %s" % (what, p, offs[:20]))
        check(ends[tp] == len(offs), "%s: partition %d end offset %d, want %d" % (what, p, ends[tp], len(offs)))
        check(begs[tp] == 0, "%s: partition %d beginning offset %d, want 0" % (what, p, begs[tp]))
    check(sum(len(o) for o in per_part.values()) == N, "%s: record count" % what)


def run_case(bootstrap, topic, codec, produce_version, consume_versions, with_headers):
    label = codec or "none"
    recs = records(label)
    sent = produce(bootstrap, topic, codec, recs, produce_version, with_headers)
    problems = []
    for cv in consume_versions:
        got, ends, begs, err = consume(bootstrap, topic, len(recs), cv, label)
        what = "codec %s, produced with api_version %s, consumed with api_version %s" % (
            label, produce_version or "auto", cv or "auto")
        try:
            verify(topic, what, recs, sent, got, ends, begs, with_headers and cv is None)
        except Failure as e:
            problems.append("%s%s" % (e, "; also: " + err if err else ""))
            continue
        if err:
            problems.append("%s (%s): every record read was right, but the %s" % (topic, what, err))
    if problems:
        raise Failure(" | ".join(problems))
    parts = {}
    for p, _ in sent.values():
        parts[p] = parts.get(p, 0) + 1
    log("%s: %d records (per partition %s) round-tripped, codec %s, api_version %s"
        % (topic, len(recs), dict(sorted(parts.items())), label, produce_version or "auto"))


def describe(e):
    """A one-line description of an exception; for unexpected ones, where it was raised."""
    if isinstance(e, Failure):
        return str(e)
    tb = traceback.extract_tb(e.__traceback__)
    where = ""
    if tb:
        f = tb[-1]
        where = " (raised at %s:%d in %s)" % (f.filename, f.lineno, f.name)
        mine = [x for x in tb if x.filename == os.path.abspath(__file__)]
        if mine:
            where += ", from %s" % mine[-1].name
    hint = ""
    if isinstance(e, TypeError) and "NoneType" in str(e) and any(x.filename.endswith("memory_records.py") for x in tb):
        hint = " [a Fetch response carried null (-1 length) records for a partition]"
    return "%s: %s%s%s" % (type(e).__name__, e, where, hint)


def main():
    if len(sys.argv) != 2:
        print("usage: kafka_python.py <host:port>", file=sys.stderr)
        return 2
    bootstrap = sys.argv[1]
    failures = []

    codecs = [None]
    for name, ok in (("gzip", has_gzip()), ("snappy", has_snappy()), ("lz4", has_lz4()), ("zstd", has_zstd())):
        if ok:
            codecs.append(name)
        else:
            log("codec %s not available in this kafka-python install: skipped" % name)

    probe = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        log("negotiated api_version %s" % (probe.config["api_version"],))
    finally:
        probe.close()

    # Part 1: auto-negotiated version.
    modern = ["compat-kp-%s" % (c or "none") for c in codecs]
    create_topics(bootstrap, modern)
    for codec, topic in zip(codecs, modern):
        try:
            run_case(bootstrap, topic, codec, None, [None], True)
        except Exception as e:
            failures.append(describe(e) if isinstance(e, Failure) else "%s: %s" % (topic, describe(e)))
            log("FAIL " + failures[-1])

    # Part 2: legacy message sets (magic 1).
    legacy_codecs = [c for c in codecs if c != "zstd"]
    legacy = ["compat-kp-v0100-%s" % (c or "none") for c in legacy_codecs]
    create_topics(bootstrap, legacy)
    for codec, topic in zip(legacy_codecs, legacy):
        try:
            run_case(bootstrap, topic, codec, (0, 10, 0), [(0, 10, 0), None], False)
        except Exception as e:
            failures.append(describe(e) if isinstance(e, Failure) else "%s: %s" % (topic, describe(e)))
            log("FAIL " + failures[-1])

    if failures:
        print("kafka-python: %d case(s) failed:" % len(failures), file=sys.stderr)
        for f in failures:
            print("  " + (f if len(f) <= 200 else f[:200] + "..."), file=sys.stderr)
        return 1
    log("all %d cases passed" % (len(modern) + len(legacy)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
