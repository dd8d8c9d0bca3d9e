#!/usr/bin/python3
"""confluent-kafka (librdkafka) against a Chronik node.

usage: /usr/bin/python3 confluent_kafka.py <host:port>

Creates one 2-partition topic per codec (none, gzip, snappy, lz4, zstd) with
AdminClient.create_topics, checks them in list_topics metadata, produces 200
keyed records with headers through an idempotent producer (acks=all,
enable.idempotence=True) whose delivery reports must all succeed, then reads
them back with a Consumer that assign()s both partitions at OFFSET_BEGINNING
(a group.id is mandatory in librdkafka, but nothing joins a group or commits:
the broker has no consumer groups yet), and checks every record came back
exactly once with the right key, value and headers at the offset its delivery
report gave. ListOffsets is checked through get_watermark_offsets and
offsets_for_times.

Exits non-zero with a message naming the first mismatch.
"""
import os
import sys

# This file is named like the library it tests: keep its own directory off the
# import path so "import confluent_kafka" finds the real package.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import collections  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError,  # noqa: E402
                             Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

N = 200
PARTITIONS = 2
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


class Failure(Exception):
    pass


class RdLog(logging.Handler):
    """Collects librdkafka log lines (instead of printing them to stderr) so a
    failure can quote them once each, with a count."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.counts = collections.OrderedDict()

    def emit(self, record):
        # Drop the client instance name (rdkafka#consumer-3) so repeats collapse.
        msg = re.sub(r"#(producer|consumer)-\d+", "", record.getMessage())
        msg = re.sub(r"\[thrd:[^\]]*\]: ", "", msg)
        self.counts[msg] = self.counts.get(msg, 0) + 1

    def summary(self, limit=8):
        lines = ["%dx %s" % (n, m) for m, n in list(self.counts.items())[:limit]]
        return "; ".join(lines) if lines else "(librdkafka logged nothing)"

    def clear(self):
        self.counts.clear()


RDLOG = RdLog()
LOGGER = logging.getLogger("librdkafka")
LOGGER.addHandler(RDLOG)
LOGGER.setLevel(logging.DEBUG)
LOGGER.propagate = False


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def log(msg):
    print("confluent-kafka: " + msg, flush=True)


def records(codec):
    out = []
    for i in range(N):
        key = ("key-%03d" % i).encode()
        value = ("%s value %d " % (codec, i) + "payload " * (i % 17 + 1)).encode()
        headers = [("idx", str(i).encode()), ("codec", codec.encode())]
        out.append((key, value, headers))
    return out


def create_topics(bootstrap, names):
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOGGER})
    futures = admin.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1)
                                   for n in names], operation_timeout=30, request_timeout=30)
    for name, f in futures.items():
        try:
            f.result(timeout=30)
        except Exception as e:
            raise Failure("create_topics %s: %s" % (name, e))
    log("created %s" % ", ".join(names))
    return admin


def check_metadata(admin, bootstrap, names):
    md = admin.list_topics(timeout=15)
    host, port = bootstrap.rsplit(":", 1)
    brokers = list(md.brokers.values())
    check(len(brokers) >= 1, "list_topics: no brokers")
    check(any(b.host == host and b.port == int(port) for b in brokers),
          "list_topics: no broker advertises %s (got %s)" % (bootstrap, [str(b) for b in brokers]))
    ids = {b.id for b in brokers}
    check(md.controller_id in ids or md.controller_id == -1,
          "list_topics: controller id %d is not a known broker %s" % (md.controller_id, ids))
    for n in names:
        check(n in md.topics, "list_topics: topic %s missing (have %s)" % (n, sorted(md.topics)))
        t = md.topics[n]
        check(t.error is None, "list_topics: topic %s error %s" % (n, t.error))
        check(sorted(t.partitions) == list(range(PARTITIONS)),
              "list_topics: topic %s partitions %s" % (n, sorted(t.partitions)))
        for p in t.partitions.values():
            check(p.error is None, "list_topics: %s[%d] error %s" % (n, p.id, p.error))
            check(p.leader in ids, "list_topics: %s[%d] leader %d not a known broker" % (n, p.id, p.leader))
            check(list(p.replicas) == [p.leader] and list(p.isrs) == [p.leader],
                  "list_topics: %s[%d] replicas %s isrs %s" % (n, p.id, p.replicas, p.isrs))
    # Per-topic metadata request too.
    md1 = admin.list_topics(topic=names[0], timeout=15)
    check(names[0] in md1.topics and md1.topics[names[0]].error is None,
          "list_topics(topic=%s) failed: %s" % (names[0], md1.topics.get(names[0])))
    log("list_topics: %d broker(s), controller %d, %d topics checked" % (len(brokers), md.controller_id, len(names)))


def produce(bootstrap, topic, codec, recs):
    errors = []
    sent = {}

    def on_delivery(err, msg):
        if err is not None:
            errors.append("key %s: %s" % (msg.key(), err))
            return
        key = msg.key()
        if key in sent:
            errors.append("key %s delivered twice" % key)
        sent[key] = (msg.partition(), msg.offset())

    producer = Producer({
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        "compression.type": codec,
        "linger.ms": 20,
        "message.timeout.ms": 30000,
        "client.id": "compat-ck-producer",
    }, logger=LOGGER)
    half = len(recs) // 2
    for chunk in (recs[:half], recs[half:]):  # two rounds: several batches per partition
        for key, value, headers in chunk:
            while True:
                try:
                    producer.produce(topic, key=key, value=value, headers=headers, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
        left = producer.flush(60)
        check(left == 0, "%s: %d messages still undelivered after flush(60); librdkafka: %s"
              % (topic, left, RDLOG.summary()))
    check(not errors, "%s: delivery failed: %s; librdkafka: %s" % (topic, "; ".join(errors[:5]), RDLOG.summary()))
    check(len(sent) == len(recs), "%s: %d of %d delivery reports" % (topic, len(sent), len(recs)))
    for key, (p, off) in sent.items():
        check(0 <= p < PARTITIONS and off >= 0, "%s: key %s delivered to partition %d offset %d" % (topic, key, p, off))
    return sent


def consume(bootstrap, topic, recs, sent):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "compat-ck-%s" % uuid.uuid4().hex,  # required by librdkafka; never joined
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "client.id": "compat-ck-consumer",
    }, logger=LOGGER)
    try:
        tps = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)]
        consumer.assign(tps)
        by_key = {k: (v, h) for k, v, h in recs}
        seen = {}
        per_part = {p: [] for p in range(PARTITIONS)}
        want_per_part = {p: 0 for p in range(PARTITIONS)}
        for p, _ in sent.values():
            want_per_part[p] += 1
        eof = set()
        # Read until every partition has reported end-of-partition after
        # delivering what it was sent; give up after 10s without progress.
        deadline = time.time() + 30
        progress = time.time()
        while time.time() < deadline and time.time() - progress < 10:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    if len(per_part[msg.partition()]) >= want_per_part[msg.partition()]:
                        eof.add(msg.partition())
                        if len(eof) == PARTITIONS:
                            break
                    continue
                raise Failure("%s: consumer error: %s; librdkafka: %s" % (topic, msg.error(), RDLOG.summary()))
            progress = time.time()
            k = msg.key()
            check(msg.topic() == topic, "%s: record from topic %s" % (topic, msg.topic()))
            check(k in by_key, "%s: unexpected key %r at partition %d offset %d"
                  % (topic, k, msg.partition(), msg.offset()))
            check(k not in seen, "%s: key %s delivered twice (at %s and %d)" % (topic, k, seen.get(k), msg.offset()))
            seen[k] = (msg.partition(), msg.offset())
            value, headers = by_key[k]
            check(msg.value() == value, "%s: key %s: value %r, want %r" % (topic, k, msg.value(), value))
            got_h = [(hk, hv) for hk, hv in (msg.headers() or [])]
            check(got_h == headers, "%s: key %s: headers %r, want %r" % (topic, k, got_h, headers))
            check((msg.partition(), msg.offset()) == sent[k],
                  "%s: key %s read at partition %d offset %d, delivery report said %s"
                  % (topic, k, msg.partition(), msg.offset(), sent[k]))
            ts_type, ts = msg.timestamp()
            check(ts_type != 0 and abs(ts - time.time() * 1000) < 600000,
                  "%s: key %s: timestamp %s" % (topic, k, msg.timestamp()))
            per_part[msg.partition()].append(msg.offset())
        missing = sorted(k for k in by_key if k not in seen)
        check(not missing, "%s: %d records never came back (end of partition reached on %s), e.g. %s; librdkafka: %s"
              % (topic, len(missing), sorted(eof), missing[:5], RDLOG.summary()))
        # Checked last, so the ListOffsets checks below still run.
        no_eof = None
        if len(eof) != PARTITIONS:
            no_eof = ("%s: all %d records read, but the consumer never reached the end of partition(s) %s "
                      "(no PARTITION_EOF within 10s); librdkafka: %s"
                      % (topic, len(seen), sorted(set(range(PARTITIONS)) - eof), RDLOG.summary()))
        for p, offs in per_part.items():
            check(offs == list(range(len(offs))),
                  "%s: partition %d offsets not contiguous from 0: %s" % (topic, p, offs[:20]))

        # ListOffsets: earliest/latest.
        for p in range(PARTITIONS):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            check((low, high) == (0, len(per_part[p])),
                  "%s: get_watermark_offsets partition %d = (%d, %d), want (0, %d)"
                  % (topic, p, low, high, len(per_part[p])))
        # ListOffsets by timestamp: 0 -> first offset; far future -> none (-1 / end).
        res = consumer.offsets_for_times([TopicPartition(topic, p, 0) for p in range(PARTITIONS)], timeout=10)
        for tp in res:
            check(tp.error is None and tp.offset == 0,
                  "%s: offsets_for_times(0) partition %d = %d (error %s), want 0" % (topic, tp.partition, tp.offset, tp.error))
        future = int(time.time() * 1000) + 3600 * 1000
        res = consumer.offsets_for_times([TopicPartition(topic, p, future) for p in range(PARTITIONS)], timeout=10)
        for tp in res:
            check(tp.error is None and tp.offset in (-1, len(per_part[tp.partition])),
                  "%s: offsets_for_times(future) partition %d = %d (error %s), want -1"
                  % (topic, tp.partition, tp.offset, tp.error))
        check(no_eof is None, no_eof)
        return {p: len(o) for p, o in per_part.items()}
    finally:
        consumer.close()


def main():
    if len(sys.argv) != 2:
        print("usage: confluent_kafka.py <host:port>", file=sys.stderr)
        return 2
    bootstrap = sys.argv[1]
    import confluent_kafka
    log("confluent-kafka %s, librdkafka %s" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0]))
    names = ["compat-ck-%s" % c for c in CODECS]
    try:
        admin = create_topics(bootstrap, names)
        check_metadata(admin, bootstrap, names)
    except Exception as e:
        print("confluent-kafka: FAIL: %s: %s; librdkafka: %s" % (type(e).__name__, e, RDLOG.summary()), file=sys.stderr)
        return 1
    failures = []
    for codec, topic in zip(CODECS, names):
        RDLOG.clear()
        try:
            recs = records(codec)
            sent = produce(bootstrap, topic, codec, recs)
            counts = consume(bootstrap, topic, recs, sent)
            log("%s: %d records (per partition %s) round-tripped, codec %s, idempotent"
                % (topic, len(recs), counts, codec))
        except Exception as e:
            msg = str(e) if isinstance(e, Failure) else "%s: %s: %s; librdkafka: %s" % (
                topic, type(e).__name__, e, RDLOG.summary())
            failures.append(msg)
            log("FAIL %s" % msg)
    if failures:
        print("confluent-kafka: %d case(s) failed:" % len(failures), file=sys.stderr)
        for f in failures:
            print("  " + (f if len(f) <= 200 else f[:200] + "..."), file=sys.stderr)
        return 1
    log("all %d cases passed" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
