#!/usr/bin/python3
"""confluent-kafka's schema_registry package against a Chronik node and the
schema registry of its unified HTTP API.

usage: /usr/bin/python3 schema_registry.py <host:port>
The registry is http://127.0.0.1:$CHRONIK_COMPAT_HTTP_PORT (exported by run.sh).

Debian's python3-confluent-kafka is 1.7.0: its schema_registry package needs
python3-requests and python3-jsonschema (install.sh installs them); there is no
Avro here (fastavro is not packaged), so this is a JSON Schema round trip.

A JSON Schema round trip: a SerializingProducer with JSONSerializer (which
registers version 1 under "<topic>-value" itself) produces 30 records to a
2-partition topic; SchemaRegistryClient.get_subjects lists the subject,
get_latest_version, get_version, get_versions, get_schema and lookup_schema
give back version 1 with its id and the schema as registered (compared as
JSON), and the same schema under two more subjects gets the same id.

Compatibility: get_compatibility() is BACKWARD globally, and the subject has no
level of its own (404, error code 40408). set_compatibility /
get_compatibility on the subject, and test_compatibility of version 2 (an
optional property added; the content model is closed) and of version 3 (a
required property without a default added): BACKWARD says 2 yes, 3 no;
FORWARD says 2 no (the old closed schema cannot read the new property); NONE
says 3 yes; an unknown level is refused (422, 42203). Back at BACKWARD, a
second SerializingProducer with version 2 registers it (new id, version 2)
and produces 10 more records; register_schema of version 3 fails with 409.

Reading back: a DeserializingConsumer with JSONDeserializer(version 2) reads
all 40 records (the version 1 ones are valid under version 2) and they must
equal what was sent; a plain Consumer checks each value starts with the magic
byte 0 and the id of the version it was produced with, and get_schema of that
id is that version. delete_subject of one extra subject (soft: a second soft
delete is refused, 404/40404) and of the other (permanent=True: then
get_latest_version is 404/40401) removes them from get_subjects.

Broker-side validation through librdkafka: a topic created with
confluent.value.schema.validation=true takes a SerializingProducer record,
while a plain value's delivery report fails with INVALID_RECORD, and the
topic then holds only the accepted record.

Every call is bounded (registry requests by a requests timeout, Kafka calls by
their own timeouts); exits non-zero with a message naming what was expected
and what came back.
"""
import sys

# test/compat holds confluent_kafka.py: compatlib.unshadow keeps this directory
# off the import path so "import confluent_kafka" finds the real package.
import compatlib

compatlib.unshadow()

import collections  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError,  # noqa: E402
                             Producer, TopicPartition)
from confluent_kafka import DeserializingConsumer, SerializingProducer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from confluent_kafka.error import ConsumeError  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.schema_registry.json_schema import (JSONDeserializer,  # noqa: E402
                                                         JSONSerializer)
from confluent_kafka.serialization import (StringDeserializer,  # noqa: E402
                                           StringSerializer)

from compatlib import Failure, check  # noqa: E402

HTTP_TIMEOUT = 10  # seconds, every registry request
N1, N2 = 30, 10  # records of version 1 and version 2
TOPIC = "compat-sr-py-json"
SUBJECT = TOPIC + "-value"
SCRATCH, SCRATCH2 = "compat-sr-py-scratch", "compat-sr-py-scratch2"
VALIDATED = "compat-sr-py-validated"
PARTITIONS = 2

V1 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Shipment",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "destination": {"type": "string", "minLength": 1},
        "weight_kg": {"type": "number", "minimum": 0},
        "fragile": {"type": "boolean"},
        "items": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["id", "destination", "weight_kg"],
    "additionalProperties": False,
}
V2 = dict(V1, properties=dict(V1["properties"], carrier={"type": "string", "default": "post"}))
V3 = dict(V2, properties=dict(V2["properties"], priority={"type": "integer"}),
          required=V2["required"] + ["priority"])
S1, S2, S3 = (json.dumps(v, indent=2) for v in (V1, V2, V3))


RDLOG, LOGGER = compatlib.librdkafka_log()
log = compatlib.logger("schema-registry-confluent-kafka")


def call(what, fn, *args, **kwargs):
    """A registry call that must succeed; its error becomes a Failure naming it."""
    try:
        return fn(*args, **kwargs)
    except Failure:
        raise
    except SchemaRegistryError as e:
        raise Failure("%s: SchemaRegistryError HTTP %s, error code %s: %s"
                      % (what, e.http_status_code, e.error_code, e.error_message))
    except requests.RequestException as e:
        raise Failure("%s: %s: %s" % (what, type(e).__name__, e))


def refused(what, status, code, fn, *args, **kwargs):
    """A registry call that must fail with HTTP status and error code."""
    try:
        res = fn(*args, **kwargs)
    except SchemaRegistryError as e:
        check(e.http_status_code == status and e.error_code == code,
              "%s: SchemaRegistryError HTTP %s, error code %s (%s), want HTTP %d, error code %d"
              % (what, e.http_status_code, e.error_code, e.error_message, status, code))
        return e
    except requests.RequestException as e:
        raise Failure("%s: %s: %s, want HTTP %d" % (what, type(e).__name__, e, status))
    raise Failure("%s: succeeded (%r), want HTTP %d, error code %d" % (what, res, status, code))


def new_client(url, anonymous=False):
    """A registry client; it writes with the admin key as its Basic password
    (registry writes on the unified port need it), unless anonymous."""
    conf = {"url": url}
    if not anonymous:
        conf["basic.auth.user.info"] = "compat:" + os.environ["CHRONIK_COMPAT_ADMIN_KEY"]
    client = SchemaRegistryClient(conf)
    # 1.7.0 takes no timeout setting: give every request of its session one.
    session = client._rest_client.session
    plain = session.request

    def request(method, url, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return plain(method, url, **kwargs)

    session.request = request
    return client


def wait_ready(url):
    deadline = time.monotonic() + 20
    last = None
    while True:
        try:
            r = requests.get(url + "/health", timeout=3)
            last = "HTTP %d %s" % (r.status_code, r.text)
            if r.status_code == 200:
                return
        except requests.RequestException as e:
            last = "%s: %s" % (type(e).__name__, e)
        check(time.monotonic() < deadline, "GET %s/health: not 200 within 20s (last: %s)" % (url, last))
        time.sleep(0.2)


def create_topic(bootstrap, name, partitions, config=None):
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOGGER})
    fs = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
                             operation_timeout=30, request_timeout=30)
    try:
        fs[name].result(timeout=30)
    except Exception as e:
        raise Failure("create_topics %s: %s" % (name, e))


def shipment(i, v2=False):
    s = {"id": i, "destination": "city-%d" % i, "weight_kg": 0.5 * i}
    if i % 2:
        s["fragile"] = i % 3 == 0
    if i % 4:
        s["items"] = ["item-%d" % j for j in range(i % 5)]
    if v2:
        s["carrier"] = "carrier-%d" % (i % 3)
    return s


def produce(bootstrap, client, schema_str, recs):
    """recs: [(key, value)]; a SerializingProducer with JSONSerializer(schema_str)."""
    errors, done = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append("key %s: %s" % (msg.key(), err))
        else:
            done.append((msg.key(), msg.partition(), msg.offset()))

    producer = SerializingProducer({
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "message.timeout.ms": 30000,
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(schema_str, client),
        "logger": LOGGER,
    })
    for key, value in recs:
        producer.produce(TOPIC, key=key, value=value, on_delivery=on_delivery)
        producer.poll(0)
    left = producer.flush(30)
    check(left == 0, "%s: %d records undelivered after flush(30); librdkafka: %s" % (TOPIC, left, RDLOG.summary()))
    check(not errors, "%s: delivery failed: %s" % (TOPIC, "; ".join(errors[:5])))
    check(len(done) == len(recs), "%s: %d of %d delivery reports" % (TOPIC, len(done), len(recs)))


def read_all(consumer, topic, want, what):
    """Assign every partition from the beginning and poll until want records (30s)."""
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    got = []
    deadline = time.monotonic() + 30
    try:
        while len(got) < want:
            check(time.monotonic() < deadline, "%s: %d of %d records within 30s; librdkafka: %s"
                  % (what, len(got), want, RDLOG.summary()))
            try:
                msg = consumer.poll(0.5)
            except ConsumeError as e:
                raise Failure("%s: %s" % (what, e))
            if msg is None:
                continue
            if msg.error() is not None:
                check(msg.error().code() == KafkaError._PARTITION_EOF, "%s: %s" % (what, msg.error()))
                continue
            got.append(msg)
        # A little longer: nothing more may come.
        end = time.monotonic() + 1
        while time.monotonic() < end:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error() is None:
                got.append(msg)
    finally:
        consumer.close()
    check(len(got) == want, "%s: %d records, want %d" % (what, len(got), want))
    return got


def sql_over_serialized(url, sent):
    """The topic is columnar: its JSONSerializer values, framed with two
    schema ids, are queried with SQL as typed columns."""
    query = ("SELECT COUNT(*), COUNT(carrier), SUM(weight_kg), COUNT(*) FILTER (WHERE fragile) "
             "FROM \"%s\"" % TOPIC)
    want = [len(sent), sum(1 for _, (version, _) in sent.items() if version == 2),
            sum(v["weight_kg"] for _, (_, v) in sent.items()),
            sum(1 for _, (_, v) in sent.items() if v.get("fragile"))]
    deadline = time.time() + 30
    while True:
        r = requests.post(url + "/_sql", json={"query": query}, timeout=10)
        check(r.status_code == 200, "POST /_sql: HTTP %d %s" % (r.status_code, r.text))
        row = r.json()["rows"][0]
        if row[0] == want[0] or time.time() > deadline:
            break
        time.sleep(0.1)
    check(row[:2] == want[:2] and abs(row[2] - want[2]) < 1e-9 and row[3] == want[3],
          "SQL over the serialized topic: %s, want %s" % (row, want))
    log("SQL: %d records of two schema versions as typed columns (COUNT(carrier) %d, SUM(weight_kg) %s, "
        "fragile %d), watermarks %s" % (row[0], row[1], row[2], row[3], r.json()["watermarks"]))


def round_trip(bootstrap, url):
    client = new_client(url)
    create_topic(bootstrap, TOPIC, PARTITIONS, {"columnar.enabled": "true"})
    sent = collections.OrderedDict()
    for i in range(1, N1 + 1):
        sent["v1-%d" % i] = (1, shipment(i))
    produce(bootstrap, client, S1, list((k, v) for k, (_, v) in sent.items()))

    subjects = call("get_subjects", client.get_subjects)
    check(SUBJECT in subjects, "get_subjects: %s missing from %s" % (SUBJECT, subjects))
    latest = call("get_latest_version(%s)" % SUBJECT, client.get_latest_version, SUBJECT)
    id1 = latest.schema_id
    check(latest.version == 1 and latest.subject == SUBJECT and isinstance(id1, int) and id1 > 0,
          "get_latest_version(%s): subject %s version %s id %s, want version 1 with a positive id"
          % (SUBJECT, latest.subject, latest.version, id1))
    check(latest.schema.schema_type == "JSON", "get_latest_version: schema type %s, want JSON" % latest.schema.schema_type)
    check(json.loads(latest.schema.schema_str) == V1,
          "get_latest_version: schema %s, want (as JSON) %s" % (latest.schema.schema_str, S1))
    v1 = call("get_version(%s, 1)" % SUBJECT, client.get_version, SUBJECT, 1)
    check(v1.schema_id == id1, "get_version(%s, 1): id %s, want %s" % (SUBJECT, v1.schema_id, id1))
    by_id = call("get_schema(%d)" % id1, new_client(url).get_schema, id1)
    # Without the admin key a client reads but does not write.
    anon = new_client(url, anonymous=True)
    anon_by_id = call("get_schema(%d) without credentials" % id1, anon.get_schema, id1)
    check(anon_by_id.schema_str == by_id.schema_str, "get_schema(%d) without credentials: %s" % (id1, anon_by_id.schema_str))
    refused("register_schema(%s) without credentials" % SUBJECT, 401, 401, anon.register_schema, SUBJECT, Schema(S1, "JSON"))
    refused("set_compatibility without credentials", 401, 401, anon.set_compatibility, SUBJECT, "NONE")
    check(by_id.schema_type == "JSON" and json.loads(by_id.schema_str) == V1,
          "get_schema(%d): type %s schema %s, want JSON %s" % (id1, by_id.schema_type, by_id.schema_str, S1))
    found = call("lookup_schema(%s)" % SUBJECT, client.lookup_schema, SUBJECT, Schema(S1, "JSON"))
    check(found.schema_id == id1 and found.version == 1,
          "lookup_schema(%s): id %s version %s, want id %s version 1" % (SUBJECT, found.schema_id, found.version, id1))
    for scratch in (SCRATCH, SCRATCH2):
        other = call("register_schema(%s)" % scratch, new_client(url).register_schema, scratch, Schema(S1, "JSON"))
        check(other == id1, "register_schema of version 1 under %s: id %s, want %s (the same schema)"
              % (scratch, other, id1))
    log("JSONSerializer registered %s version 1 (id %d) and produced %d records; get_subjects, get_latest_version, "
        "get_version, get_schema, lookup_schema agree" % (SUBJECT, id1, N1))

    # Compatibility levels.
    glob = call("get_compatibility()", client.get_compatibility)
    check(glob == "BACKWARD", "get_compatibility(): %s, want BACKWARD" % glob)
    refused("get_compatibility(%s) before a subject level is set" % SUBJECT, 404, 40408,
            client.get_compatibility, SUBJECT)
    verdicts = []
    for level, schema, name, want in (("BACKWARD", S2, "version 2", True), ("BACKWARD", S3, "version 3", False),
                                      ("FORWARD", S2, "version 2", False), ("NONE", S3, "version 3", True)):
        res = call("set_compatibility(%s, %s)" % (SUBJECT, level), client.set_compatibility, SUBJECT, level)
        check(res == {"compatibility": level}, "set_compatibility(%s, %s): %r, want {'compatibility': '%s'}"
              % (SUBJECT, level, res, level))
        got = call("get_compatibility(%s)" % SUBJECT, client.get_compatibility, SUBJECT)
        check(got == level, "get_compatibility(%s) after set_compatibility %s: %s" % (SUBJECT, level, got))
        ok = call("test_compatibility(%s, %s) under %s" % (SUBJECT, name, level),
                  client.test_compatibility, SUBJECT, Schema(schema, "JSON"))
        check(ok is want, "test_compatibility(%s, %s) under %s: %r, want %r" % (SUBJECT, name, level, ok, want))
        verdicts.append("%s %s %s" % (level, name, "yes" if ok else "no"))
    refused("set_compatibility(%s, SIDEWAYS)" % SUBJECT, 422, 42203, client.set_compatibility, SUBJECT, "SIDEWAYS")
    call("set_compatibility(%s, BACKWARD)" % SUBJECT, client.set_compatibility, SUBJECT, "BACKWARD")
    log("compatibility: global BACKWARD, no subject level (40408); test_compatibility: %s; SIDEWAYS refused (42203)"
        % ", ".join(verdicts))

    # Version 2 through a serializer, version 3 refused.
    v2recs = [("v2-%d" % i, shipment(i, v2=True)) for i in range(N1 + 1, N1 + N2 + 1)]
    for k, v in v2recs:
        sent[k] = (2, v)
    produce(bootstrap, client, S2, v2recs)
    latest = call("get_latest_version(%s)" % SUBJECT, client.get_latest_version, SUBJECT)
    id2 = latest.schema_id
    check(latest.version == 2 and id2 != id1 and json.loads(latest.schema.schema_str) == V2,
          "get_latest_version(%s) after version 2: version %s id %s schema %s, want version 2, a new id, %s"
          % (SUBJECT, latest.version, id2, latest.schema.schema_str, S2))
    e = refused("register_schema(%s, version 3) under BACKWARD" % SUBJECT, 409, 409,
                new_client(url).register_schema, SUBJECT, Schema(S3, "JSON"))
    versions = call("get_versions(%s)" % SUBJECT, client.get_versions, SUBJECT)
    check(versions == [1, 2], "get_versions(%s): %s, want [1, 2]" % (SUBJECT, versions))
    log("JSONSerializer registered version 2 (id %d) and produced %d records; version 3 refused: %s"
        % (id2, N2, e.error_message))

    # Read back: values through DeserializingConsumer, framing through a plain Consumer.
    conf = {"bootstrap.servers": bootstrap, "group.id": "compat-sr-py-%s" % uuid.uuid4().hex,
            "enable.auto.commit": False, "auto.offset.reset": "earliest", "logger": LOGGER}
    dc = DeserializingConsumer(dict(conf, **{"key.deserializer": StringDeserializer("utf_8"),
                                             "value.deserializer": JSONDeserializer(S2)}))
    got = read_all(dc, TOPIC, len(sent), "DeserializingConsumer(JSONDeserializer(version 2))")
    keys = collections.Counter(m.key() for m in got)
    check(set(keys) == set(sent) and max(keys.values()) == 1,
          "DeserializingConsumer: keys %s, want each of %d sent keys once" % (sorted(keys), len(sent)))
    for m in got:
        want = sent[m.key()][1]
        check(m.value() == want, "DeserializingConsumer: %s decoded as %s, want %s" % (m.key(), m.value(), want))
    raw = read_all(Consumer(dict(conf, **{"group.id": "compat-sr-py-%s" % uuid.uuid4().hex})), TOPIC, len(sent),
                   "plain Consumer")
    fetched = {}
    reader = new_client(url)
    for m in raw:
        key, value = m.key().decode(), m.value()
        version = sent[key][0]
        want_id = id1 if version == 1 else id2
        check(len(value) > 5 and value[0] == 0, "%s: value %r does not start with the magic byte 0" % (key, value[:8]))
        sid = struct.unpack(">I", value[1:5])[0]
        check(sid == want_id, "%s: schema id %d in the value, want %d (version %d)" % (key, sid, want_id, version))
        if sid not in fetched:
            fetched[sid] = call("get_schema(%d)" % sid, reader.get_schema, sid)
        check(json.loads(fetched[sid].schema_str) == (V1 if version == 1 else V2),
              "%s: get_schema(%d) is not version %d: %s" % (key, sid, version, fetched[sid].schema_str))
    log("DeserializingConsumer read all %d records back equal (version 1 ones valid under version 2); "
        "each carries magic byte 0 and its version's id" % len(got))
    sql_over_serialized(url, sent)

    # Deleting subjects: SCRATCH soft (a second soft delete is refused), SCRATCH2
    # permanently (1.7.0's permanent=True deletes softly, then permanently).
    deleted = call("delete_subject(%s)" % SCRATCH, client.delete_subject, SCRATCH)
    check(deleted == [1], "delete_subject(%s): %s, want [1]" % (SCRATCH, deleted))
    refused("delete_subject(%s) again" % SCRATCH, 404, 40404, client.delete_subject, SCRATCH)
    deleted = call("delete_subject(%s, permanent=True)" % SCRATCH2, client.delete_subject, SCRATCH2, permanent=True)
    check(deleted == [1], "delete_subject(%s, permanent=True): %s, want [1]" % (SCRATCH2, deleted))
    subjects = call("get_subjects", client.get_subjects)
    check(SCRATCH not in subjects and SCRATCH2 not in subjects and SUBJECT in subjects,
          "get_subjects after deleting %s and %s: %s" % (SCRATCH, SCRATCH2, subjects))
    refused("get_latest_version(%s) after a permanent delete" % SCRATCH2, 404, 40401,
            client.get_latest_version, SCRATCH2)
    log("delete_subject: %s soft (again: 40404), %s permanently (then 40401); get_subjects lists neither"
        % (SCRATCH, SCRATCH2))
    return id1


def broker_validation(bootstrap, url):
    client = new_client(url)
    cfg = "confluent.value.schema.validation"
    create_topic(bootstrap, VALIDATED, 1, {cfg: "true"})
    results = []

    def on_delivery(err, msg):
        results.append((msg.key(), err, msg.offset()))

    sp = SerializingProducer({
        "bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 30000, "logger": LOGGER,
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(S1, client, conf={"auto.register.schemas": False,
                                                            "subject.name.strategy": lambda ctx, name: SUBJECT}),
    })
    sp.produce(VALIDATED, key="good", value=shipment(7), on_delivery=on_delivery)
    check(sp.flush(30) == 0, "%s: the serialized record undelivered after flush(30)" % VALIDATED)
    check(results == [(b"good", None, 0)], "%s: delivery of the serialized record: %s, want offset 0" % (VALIDATED, results))

    results.clear()
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 30000, "logger": LOGGER})
    p.produce(VALIDATED, key=b"plain", value=b'{"id": 7}', on_delivery=on_delivery)
    check(p.flush(30) == 0, "%s: the plain record undelivered after flush(30)" % VALIDATED)
    check(len(results) == 1 and results[0][1] is not None and results[0][1].code() == KafkaError.INVALID_RECORD,
          "%s: delivery of a plain value: %s, want the error INVALID_RECORD"
          % (VALIDATED, [(k, str(e), o) for k, e, o in results]))
    log("validation: %s (%s=true): a JSONSerializer record delivered; a plain value refused: %s"
        % (VALIDATED, cfg, results[0][1].str()))

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compat-sr-py-%s" % uuid.uuid4().hex, "logger": LOGGER})
    low, high = c.get_watermark_offsets(TopicPartition(VALIDATED, 0), timeout=10)
    c.close()
    check((low, high) == (0, 1), "%s: watermarks (%d, %d), want (0, 1): only the serialized record" % (VALIDATED, low, high))
    dc = DeserializingConsumer({"bootstrap.servers": bootstrap, "group.id": "compat-sr-py-%s" % uuid.uuid4().hex,
                                "logger": LOGGER, "key.deserializer": StringDeserializer("utf_8"),
                                "value.deserializer": JSONDeserializer(S1)})
    dc.assign([TopicPartition(VALIDATED, 0, OFFSET_BEGINNING)])
    msg = None
    deadline = time.monotonic() + 20
    try:
        while msg is None:
            check(time.monotonic() < deadline, "%s: no record read within 20s" % VALIDATED)
            try:
                msg = dc.poll(0.5)
            except ConsumeError as e:
                raise Failure("%s: %s" % (VALIDATED, e))
    finally:
        dc.close()
    check(msg.key() == "good" and msg.value() == shipment(7) and msg.offset() == 0,
          "%s: read %s@%d = %s, want good@0 = %s" % (VALIDATED, msg.key(), msg.offset(), msg.value(), shipment(7)))


def main():
    if len(sys.argv) != 2 or not os.environ.get("CHRONIK_COMPAT_HTTP_PORT") or not os.environ.get("CHRONIK_COMPAT_ADMIN_KEY"):
        print("usage: CHRONIK_COMPAT_HTTP_PORT=<port> CHRONIK_COMPAT_ADMIN_KEY=<key> %s <host:port>" % sys.argv[0], file=sys.stderr)
        return 2
    bootstrap = sys.argv[1]
    url = "http://127.0.0.1:%s" % os.environ["CHRONIK_COMPAT_HTTP_PORT"]
    try:
        wait_ready(url)
        round_trip(bootstrap, url)
        broker_validation(bootstrap, url)
    except Failure as e:
        print("schema-registry-confluent-kafka: FAIL: %s" % e, file=sys.stderr, flush=True)
        return 1
    log("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
