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

Part 3 (consumer group, commit, restart, resume): produce 300 records to a
3-partition topic; a KafkaConsumer in a group (enable_auto_commit=False) reads
about 100, commit()s, reads about 60 more without committing (the uncommitted
tail) and closes; meanwhile KafkaAdminClient list_consumer_groups,
describe_consumer_groups (Stable, one member owning all partitions) and
list_consumer_group_offsets (the committed offsets) are checked. The server is
restarted ($CHRONIK_COMPAT_RESTART, exported by run.sh: SIGTERM, start again
on the same data dir and port); the committed offsets must still be there and
the group listed and Empty. A new consumer in the same group reads to the end:
every record must come back at least once, with no gap, and the records read
twice must be exactly the uncommitted tail of the first session. Then
delete_consumer_groups must remove the group and its offsets.

Exits non-zero with a message naming the first mismatch.
"""
import os
import sys
import time
import traceback

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as Errors
from kafka.admin import NewTopic
from kafka.codec import has_gzip, has_lz4, has_snappy, has_zstd

import compatlib
from compatlib import Failure, check

N = 200
PARTITIONS = 2


log = compatlib.logger("kafka-python")


def records(label):
    """The records to send: (key, value, headers)."""
    return compatlib.keyed_records(label, N, "label")


def create_topics(bootstrap, names):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin",
                             request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic(name=n, num_partitions=PARTITIONS, replication_factor=1)
                             for n in names], timeout_ms=30000)
    finally:
        admin.close()


def produce(bootstrap, topic, codec, recs, api_version, with_headers, partitions=PARTITIONS, **kw):
    if api_version is not None:
        kw["api_version"] = api_version
    kw.setdefault("linger_ms", 20)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec,
                             retries=3, request_timeout_ms=30000,
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
                check(0 <= md.partition < partitions, "produce metadata partition %d" % md.partition)
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


GROUP_PARTITIONS = 3


def group_consumer(bootstrap, topic, group):
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id="compat-kp-group",
                      enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=10,
                      max_partition_fetch_bytes=1024,
                      session_timeout_ms=10000, heartbeat_interval_ms=1000, fetch_max_wait_ms=100,
                      request_timeout_ms=30000)
    return c


def poll_until(consumer, got, want, what, timeout=30):
    """Polls into got (list of records) until it holds at least want records."""
    deadline = time.time() + timeout
    while len(got) < want:
        check(time.time() < deadline, "%s: read %d of %d records within %ds" % (what, len(got), want, timeout))
        for msgs in consumer.poll(timeout_ms=500).values():
            got.extend(msgs)


def describe_group(admin, group):
    descs = admin.describe_consumer_groups([group])
    check(len(descs) == 1, "describe_consumer_groups(%s) returned %d groups" % (group, len(descs)))
    d = descs[0]
    check(d.error_code == 0 and d.group == group, "describe_consumer_groups(%s): %r" % (group, d))
    return d


def group_resume(bootstrap):
    topic, group = "compat-kp-group", "compat-kp-g-%d" % os.getpid()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin", request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=GROUP_PARTITIONS, replication_factor=1)],
                            timeout_ms=30000)
    finally:
        admin.close()
    recs = records("group") + [(b"extra-%03d" % i, b"extra value %d" % i, []) for i in range(100)]
    # Small batches, and small fetches below: reads interleave the partitions, so
    # the commit and the tail end fall inside each partition.
    sent = produce(bootstrap, topic, None, recs, None, True, GROUP_PARTITIONS, batch_size=1024, linger_ms=5)
    by_pos = {pos: key for key, pos in sent.items()}
    values = {k: v for k, v, _ in recs}
    ends = {}
    for p, off in sent.values():
        ends[p] = max(ends.get(p, 0), off + 1)
    check(sorted(ends) == list(range(GROUP_PARTITIONS)), "%s: records landed only in partitions %s" % (topic, sorted(ends)))
    tps = [TopicPartition(topic, p) for p in range(GROUP_PARTITIONS)]

    # Session 1: read ~100, commit, read ~60 more (the uncommitted tail), close without committing.
    s1 = []
    c1 = group_consumer(bootstrap, topic, group)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin", request_timeout_ms=30000)
    try:
        poll_until(c1, s1, 100, "group session 1")
        assigned = sorted(tp.partition for tp in c1.assignment())
        check(assigned == list(range(GROUP_PARTITIONS)),
              "group session 1: the only member of %s was assigned partitions %s" % (group, assigned))
        c1.commit()
        committed = {}
        for tp in tps:
            committed[tp.partition] = c1.committed(tp)
            pos = c1.position(tp)
            check(committed[tp.partition] == pos, "group session 1: %s committed() = %s after commit(), position %d"
                  % (tp, committed[tp.partition], pos))
        n_committed = len(s1)
        # The tail: read on, but never commit it.
        poll_until(c1, s1, n_committed + 60, "group session 1 (uncommitted tail)")
        tail_end = {tp.partition: c1.position(tp) for tp in tps}

        listed = admin.list_consumer_groups()
        check((group, "consumer") in listed, "list_consumer_groups: (%s, consumer) not in %s" % (group, listed))
        d = describe_group(admin, group)
        check(d.state == "Stable" and d.protocol_type == "consumer" and d.protocol in ("range", "roundrobin"),
              "describe_consumer_groups(%s) with one consuming member: state %s, protocol %s/%s, want Stable consumer/range"
              % (group, d.state, d.protocol_type, d.protocol))
        check(len(d.members) == 1, "describe_consumer_groups(%s): %d members, want 1: %s" % (group, len(d.members), d.members))
        m = d.members[0]
        check(m.client_id == "compat-kp-group" and m.client_host,
              "describe_consumer_groups(%s): member client_id %r host %r" % (group, m.client_id, m.client_host))
        check(list(m.member_metadata.subscription) == [topic],
              "describe_consumer_groups(%s): member subscription %r" % (group, m.member_metadata.subscription))
        got_assign = {t: sorted(ps) for t, ps in m.member_assignment.assignment}
        check(got_assign == {topic: list(range(GROUP_PARTITIONS))},
              "describe_consumer_groups(%s): member assignment %r" % (group, got_assign))
        offs = admin.list_consumer_group_offsets(group)
        got_offs = {tp.partition: om.offset for tp, om in offs.items() if tp.topic == topic}
        check(got_offs == committed, "list_consumer_group_offsets(%s) = %s, committed %s" % (group, got_offs, committed))
        log("group: session 1 read %d records, committed %s after %d, read %d more (uncommitted tail to %s); group Stable, 1 member"
            % (len(s1), committed, n_committed, len(s1) - n_committed, tail_end))
    finally:
        c1.close(autocommit=False)
        admin.close()

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin", request_timeout_ms=30000)
    try:
        d = describe_group(admin, group)
        check(d.state == "Empty" and not d.members,
              "describe_consumer_groups(%s) after its only member closed: state %s, %d members, want Empty, 0"
              % (group, d.state, len(d.members)))
    finally:
        admin.close()

    compatlib.restart_server(log)

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin", request_timeout_ms=30000)
    try:
        offs = admin.list_consumer_group_offsets(group)
        got_offs = {tp.partition: om.offset for tp, om in offs.items() if tp.topic == topic}
        check(got_offs == committed, "after the restart, list_consumer_group_offsets(%s) = %s, but %s was committed"
              % (group, got_offs, committed))
        listed = admin.list_consumer_groups()
        check(any(g == group for g, _ in listed), "after the restart, list_consumer_groups does not list %s: %s" % (group, listed))
        d = describe_group(admin, group)
        check(d.state == "Empty" and not d.members,
              "after the restart, describe_consumer_groups(%s): state %s, %d members, want Empty, 0" % (group, d.state, len(d.members)))
    finally:
        admin.close()

    # Session 2: the same group reads to the end, then commits.
    want2 = sum(ends[p] - committed[p] for p in ends)
    s2 = []
    c2 = group_consumer(bootstrap, topic, group)
    try:
        poll_until(c2, s2, want2, "group session 2 (after the restart)")
        for msgs in c2.poll(timeout_ms=1000).values():  # must be empty: all read
            s2.extend(msgs)
        c2.commit()
        final = {tp.partition: c2.committed(tp) for tp in tps}
    finally:
        c2.close(autocommit=False)

    # Checks: content, no gap, duplicates only within the uncommitted tail.
    seen = {}  # (partition, offset) -> sessions
    for sess, msgs in (("session 1", s1), ("session 2", s2)):
        per = {}
        for m in msgs:
            key = by_pos.get((m.partition, m.offset))
            check(key is not None and m.key == key,
                  "group %s: partition %d offset %d has key %r, the producer put %r there" % (sess, m.partition, m.offset, m.key, key))
            check(m.value == values[key], "group %s: key %s: wrong value" % (sess, key))
            seen.setdefault((m.partition, m.offset), []).append(sess)
            per.setdefault(m.partition, []).append(m.offset)
        for p, offs in per.items():
            start = 0 if sess == "session 1" else committed[p]
            check(offs == list(range(start, start + len(offs))),
                  "group %s: partition %d offsets are not contiguous from %d (%s): %s"
                  % (sess, p, start, "the committed offset" if start else "the beginning", offs[:20]))
    compatlib.check_resumed(GROUP_PARTITIONS, ends, committed, tail_end, seen)
    check(final == ends, "group session 2: committed %s at the end, want the end offsets %s" % (final, ends))

    # The group is empty again: delete it (DeleteGroups); its offsets go with it.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="compat-kp-admin", request_timeout_ms=30000)
    try:
        res = admin.delete_consumer_groups([group])
        check(len(res) == 1 and res[0][0] == group and res[0][1] is Errors.NoError,
              "delete_consumer_groups([%s]) = %s, want [(%s, NoError)]" % (group, res, group))
        listed = admin.list_consumer_groups()
        check(all(g != group for g, _ in listed), "after delete_consumer_groups, %s is still listed: %s" % (group, listed))
        offs = admin.list_consumer_group_offsets(group)
        left = {tp.partition: om.offset for tp, om in offs.items() if tp.topic == topic and om.offset >= 0}
        check(not left, "after delete_consumer_groups, %s still has committed offsets %s" % (group, left))
    finally:
        admin.close()
    dups = sum(tail_end[p] - committed[p] for p in ends)
    log("group: after the restart session 2 resumed at %s and read %d: all %d records, %d duplicates = the uncommitted tail, no gap; group deleted"
        % (committed, len(s2), len(recs), dups))


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

    # Part 3: consumer group, commit, restart, resume (restarts the server: last).
    try:
        group_resume(bootstrap)
    except Exception as e:
        failures.append("group: " + describe(e))
        log("FAIL " + failures[-1])

    if failures:
        print("kafka-python: %d case(s) failed:" % len(failures), file=sys.stderr)
        for f in failures:
            print("  " + (f if len(f) <= 200 else f[:200] + "..."), file=sys.stderr)
        return 1
    log("all %d cases passed" % (len(modern) + len(legacy) + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
