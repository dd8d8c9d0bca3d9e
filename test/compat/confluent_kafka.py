#!/usr/bin/python3
"""confluent-kafka (librdkafka) against a Chronik node.

usage: /usr/bin/python3 confluent_kafka.py <host:port>

Creates one 2-partition topic per codec (none, gzip, snappy, lz4, zstd) with
AdminClient.create_topics, checks them in list_topics metadata, produces 200
keyed records with headers through an idempotent producer (acks=all,
enable.idempotence=True) whose delivery reports must all succeed, then reads
them back with a Consumer that assign()s both partitions at OFFSET_BEGINNING
(a group.id is mandatory in librdkafka, but this read neither joins the group
nor commits; the group scenario below does), and checks every record came back
exactly once with the right key, value and headers at the offset its delivery
report gave. ListOffsets is checked through get_watermark_offsets and
offsets_for_times.

Last, a consumer group scenario: 300 records in a 3-partition topic; a
Consumer subscribe()s in a group (enable.auto.commit=False), reads about 100,
commit(asynchronous=False)s, reads about 60 more without committing (the
uncommitted tail) and closes. AdminClient.list_groups (ListGroups +
DescribeGroups; this confluent-kafka has no list_consumer_groups /
describe_consumer_groups, which came in 2.0) must show the group Stable with
one member owning every partition, then Empty after close. The server is
restarted ($CHRONIK_COMPAT_RESTART, exported by run.sh: SIGTERM, start again
on the same data dir and port); Consumer.committed must still return the
committed offsets, and a new consumer in the same group reads to the end:
every record at least once, no gap, and the records read twice are exactly
the uncommitted tail.

Exits non-zero with a message naming the first mismatch.
"""
import sys

# This file is named like the library it tests: compatlib.unshadow keeps its
# own directory off the import path so "import confluent_kafka" finds the real package.
import compatlib

compatlib.unshadow()

import os  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError,  # noqa: E402
                             Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from compatlib import Failure, check  # noqa: E402

N = 200
PARTITIONS = 2
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


RDLOG, LOGGER = compatlib.librdkafka_log()
log = compatlib.logger("confluent-kafka")


def records(codec):
    return compatlib.keyed_records(codec, N, "codec")


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


def produce(bootstrap, topic, codec, recs, partitions=PARTITIONS, **extra):
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
        **extra,
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
        check(0 <= p < partitions and off >= 0, "%s: key %s delivered to partition %d offset %d" % (topic, key, p, off))
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


GROUP_PARTITIONS = 3


def decode_assignment(b):
    """ConsumerProtocolAssignment: version int16, [topic string, [partition int32]], user data."""
    (_, n), pos = struct.unpack_from(">hi", b, 0), 6
    out = {}
    for _ in range(n):
        (ln,) = struct.unpack_from(">h", b, pos)
        t = b[pos + 2:pos + 2 + ln].decode()
        pos += 2 + ln
        (np_,) = struct.unpack_from(">i", b, pos)
        out[t] = sorted(struct.unpack_from(">%di" % np_, b, pos + 4))
        pos += 4 + 4 * np_
    return out


def get_group(admin, group, what):
    gs = admin.list_groups(group, timeout=15)
    check(len(gs) == 1 and gs[0].id == group, "%s: list_groups(%s) returned %s" % (what, group, [g.id for g in gs]))
    g = gs[0]
    check(g.error is None, "%s: list_groups(%s): error %s" % (what, group, g.error))
    return g


def group_consumer(bootstrap, group, topic, assigned):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": "compat-ck-group",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 1000,
        "max.partition.fetch.bytes": 1024,  # small fetches: reads interleave the partitions
        "fetch.wait.max.ms": 100,
    }, logger=LOGGER)
    c.subscribe([topic], on_assign=lambda _c, tps: assigned.append(sorted(tp.partition for tp in tps)))
    return c


def read_group(consumer, got, want, what, timeout=30):
    deadline = time.time() + timeout
    while len(got) < want:
        check(time.time() < deadline, "%s: read %d of %d records within %ds; librdkafka: %s"
              % (what, len(got), want, timeout, RDLOG.summary()))
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        check(not msg.error(), "%s: consumer error: %s; librdkafka: %s" % (what, msg.error(), RDLOG.summary()))
        got.append((msg.partition(), msg.offset(), msg.key(), msg.value()))


def group_resume(bootstrap):
    topic, group = "compat-ck-group", "compat-ck-g-%d" % os.getpid()
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOGGER})
    for name, f in admin.create_topics([NewTopic(topic, num_partitions=GROUP_PARTITIONS, replication_factor=1)],
                                       operation_timeout=30, request_timeout=30).items():
        f.result(timeout=30)
    recs = records("group") + [(b"extra-%03d" % i, b"extra value %d" % i, []) for i in range(100)]
    sent = produce(bootstrap, topic, "none", recs, GROUP_PARTITIONS, **{"batch.num.messages": 8, "linger.ms": 5})
    by_pos = {pos: key for key, pos in sent.items()}
    values = {k: v for k, v, _ in recs}
    ends = {p: 0 for p in range(GROUP_PARTITIONS)}
    for p, off in sent.values():
        ends[p] = max(ends[p], off + 1)
    check(all(ends.values()), "%s: records landed only in some partitions: %s" % (topic, ends))
    tps = [TopicPartition(topic, p) for p in range(GROUP_PARTITIONS)]

    # Session 1: read ~100, commit, read ~60 more (the uncommitted tail), close without committing.
    s1, assigned = [], []
    c1 = group_consumer(bootstrap, group, topic, assigned)
    try:
        read_group(c1, s1, 100, "group session 1")
        check(assigned == [list(range(GROUP_PARTITIONS))],
              "group session 1: the only member of %s got the assignments %s" % (group, assigned))
        res = c1.commit(asynchronous=False)
        got = {tp.partition: tp.offset for tp in res or []}
        for tp in res or []:
            check(tp.error is None, "group session 1: commit: %s error %s" % (tp, tp.error))
        last = {}
        for p, o, _, _ in s1:
            last[p] = o + 1
        check(got == last, "group session 1: commit(asynchronous=False) returned %s, want the consumed positions %s" % (got, last))
        committed = {p: last.get(p, 0) for p in range(GROUP_PARTITIONS)}
        # committed(): OFFSET_INVALID (-1001) where nothing was committed.
        want_committed = {p: last.get(p, -1001) for p in range(GROUP_PARTITIONS)}
        fetched = {tp.partition: tp.offset for tp in c1.committed(tps, timeout=15)}
        check(fetched == want_committed, "group session 1: committed() = %s after committing %s" % (fetched, last))
        n_committed = len(s1)
        read_group(c1, s1, n_committed + 60, "group session 1 (uncommitted tail)")
        tail_end = dict(committed)
        for p, o, _, _ in s1:
            tail_end[p] = o + 1

        listed = [g.id for g in admin.list_groups(timeout=15)]
        check(group in listed, "list_groups(): %s not listed: %s" % (group, listed))
        g = get_group(admin, group, "with one consuming member")
        check(g.state == "Stable" and g.protocol_type == "consumer" and g.protocol in ("range", "roundrobin"),
              "list_groups(%s) with one consuming member: state %s, protocol %s/%s, want Stable consumer/range"
              % (group, g.state, g.protocol_type, g.protocol))
        check(len(g.members) == 1, "list_groups(%s): %d members, want 1" % (group, len(g.members)))
        m = g.members[0]
        check(m.client_id == "compat-ck-group" and m.client_host and m.id,
              "list_groups(%s): member id %r client_id %r host %r" % (group, m.id, m.client_id, m.client_host))
        check(topic.encode() in (m.metadata or b""), "list_groups(%s): member metadata %r lacks the subscription" % (group, m.metadata))
        a = decode_assignment(m.assignment)
        check(a == {topic: list(range(GROUP_PARTITIONS))}, "list_groups(%s): member assignment %s" % (group, a))
        log("group: session 1 read %d records, committed %s after %d, read %d more (uncommitted tail to %s); group Stable, 1 member"
            % (len(s1), committed, n_committed, len(s1) - n_committed, tail_end))
    finally:
        c1.close()

    g = get_group(admin, group, "after its only member closed")
    check(g.state == "Empty" and not g.members, "list_groups(%s) after its only member closed: state %s, %d members, want Empty, 0"
          % (group, g.state, len(g.members)))

    compatlib.restart_server(log)

    g = get_group(admin, group, "after the restart")
    check(g.state == "Empty" and not g.members, "after the restart, list_groups(%s): state %s, %d members, want Empty, 0"
          % (group, g.state, len(g.members)))
    # OffsetFetch without joining: the commits survived the restart.
    probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}, logger=LOGGER)
    try:
        fetched = {tp.partition: tp.offset for tp in probe.committed(tps, timeout=15)}
    finally:
        probe.close()
    check(fetched == want_committed, "after the restart, committed() = %s, but %s was committed" % (fetched, last))

    # Session 2: the same group reads to the end, then commits.
    want2 = sum(ends[p] - committed[p] for p in ends)
    s2, assigned2 = [], []
    c2 = group_consumer(bootstrap, group, topic, assigned2)
    try:
        read_group(c2, s2, want2, "group session 2 (after the restart)")
        end = time.time() + 1  # must bring nothing more: all read
        while time.time() < end:
            msg = c2.poll(0.2)
            if msg is not None and not msg.error():
                s2.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
        res = c2.commit(asynchronous=False)
        final = {tp.partition: tp.offset for tp in c2.committed(tps, timeout=15)}
    finally:
        c2.close()

    seen = {}
    for sess, msgs in (("session 1", s1), ("session 2", s2)):
        per = {}
        for p, o, k, v in msgs:
            key = by_pos.get((p, o))
            check(key is not None and k == key,
                  "group %s: partition %d offset %d has key %r, the producer put %r there" % (sess, p, o, k, key))
            check(v == values[key], "group %s: key %s: wrong value" % (sess, key))
            seen.setdefault((p, o), []).append(sess)
            per.setdefault(p, []).append(o)
        for p, offs in per.items():
            start = 0 if sess == "session 1" else committed[p]
            check(offs == list(range(start, start + len(offs))),
                  "group %s: partition %d offsets are not contiguous from %d (%s): %s"
                  % (sess, p, start, "the committed offset" if sess != "session 1" else "the beginning", offs[:20]))
    compatlib.check_resumed(GROUP_PARTITIONS, ends, committed, tail_end, seen)
    check(final == ends, "group session 2: committed %s at the end, want the end offsets %s" % (final, ends))
    log("group: after the restart session 2 resumed at %s and read %d: all %d records, %d duplicates = the uncommitted tail, no gap"
        % (committed, len(s2), len(recs), sum(tail_end[p] - committed[p] for p in ends)))


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
    # Consumer group, commit, restart, resume (restarts the server: last).
    RDLOG.clear()
    try:
        group_resume(bootstrap)
    except Exception as e:
        msg = "group: " + (str(e) if isinstance(e, Failure) else "%s: %s; librdkafka: %s" % (
            type(e).__name__, e, RDLOG.summary()))
        failures.append(msg)
        log("FAIL %s" % msg)
    if failures:
        print("confluent-kafka: %d case(s) failed:" % len(failures), file=sys.stderr)
        for f in failures:
            print("  " + (f if len(f) <= 200 else f[:200] + "..."), file=sys.stderr)
        return 1
    log("all %d cases passed" % (len(names) + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
