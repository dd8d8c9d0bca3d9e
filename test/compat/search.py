#!/usr/bin/python3
"""Elasticsearch's Python client (Debian python3-elasticsearch, 7.x) searching
a topic that kafka-python produced to.

usage: /usr/bin/python3 search.py <host:port>
The search API is http://127.0.0.1:$CHRONIK_COMPAT_HTTP_PORT (exported by run.sh).

A 3-partition topic with search.enabled=true gets 600 JSON log lines from
kafka-python. The client's info() must accept the node as Elasticsearch; then
count() reaches 600 within 30 s, and the test checks against what it
produced: a bool query (match + term filter + range), a query_string query,
terms, avg and date_histogram aggregations, search_after paging through every
hit exactly once, a document by id, cat.indices(format="json"), and that an
unknown query type is refused with RequestError 400 parsing_exception. Exits
non-zero with a message naming what was expected and what came back.
"""
import json
import os
import sys
import time

import compatlib
from compatlib import Failure, check

from elasticsearch import Elasticsearch  # noqa: E402
from elasticsearch.exceptions import RequestError  # noqa: E402
from kafka import KafkaProducer  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

log = compatlib.logger("search")
TOPIC = "compat-search"
COUNT = 600
LEVELS = ["info", "warn", "error"]


def line(i):
    return {
        "msg": "GET /page/%d from host%d" % (i % 40, i % 7),
        "level": LEVELS[i % 3],
        "status": [200, 200, 404, 500][i % 4],
        "ms": i,
        "at": "2026-12-0%dT10:00:00Z" % (1 + i % 4),
    }


def main():
    if len(sys.argv) != 2 or not os.environ.get("CHRONIK_COMPAT_HTTP_PORT"):
        print("usage: CHRONIK_COMPAT_HTTP_PORT=<port> %s <host:port>" % sys.argv[0], file=sys.stderr)
        return 2
    bootstrap = sys.argv[1]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    admin.create_topics([NewTopic(TOPIC, 3, 1, topic_configs={"search.enabled": "true"})])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i in range(COUNT):
        producer.send(TOPIC, json.dumps(line(i)).encode(), key=str(i).encode())
    producer.flush(30)
    producer.close()
    log("produced %d records" % COUNT)

    es = Elasticsearch("http://127.0.0.1:%s" % os.environ["CHRONIK_COMPAT_HTTP_PORT"], request_timeout=30)
    info = es.info()
    check(info["version"]["number"].startswith("8."), "info: %s" % info)
    deadline = time.time() + 30
    while True:
        n = es.count(index=TOPIC)["count"]
        if n == COUNT:
            break
        check(time.time() < deadline, "count is %d after 30 s, want %d" % (n, COUNT))
        time.sleep(0.1)

    lines = [line(i) for i in range(COUNT)]
    want = sum(1 for d in lines if "host3" in d["msg"] and d["level"] == "error" and 100 <= d["ms"] < 400)
    r = es.search(index=TOPIC, query={"bool": {
        "must": [{"match": {"msg": "host3"}}],
        "filter": [{"term": {"level.keyword": "error"}}, {"range": {"ms": {"gte": 100, "lt": 400}}}]}})
    check(r["hits"]["total"]["value"] == want, "bool query: %s hits, want %d" % (r["hits"]["total"], want))
    hit = r["hits"]["hits"][0]
    check(hit["_index"] == TOPIC and "_partition" in hit and "_offset" in hit, "hit: %s" % hit)

    want = sum(1 for d in lines if d["status"] == 500 and "host1" in d["msg"])
    r = es.search(index=TOPIC, q="status:500 AND msg:host1", size=0)
    check(r["hits"]["total"]["value"] == want, "query_string: %s, want %d" % (r["hits"]["total"], want))

    r = es.search(index=TOPIC, size=0, aggs={
        "levels": {"terms": {"field": "level.keyword"}},
        "avg_ms": {"avg": {"field": "ms"}},
        "days": {"date_histogram": {"field": "at", "calendar_interval": "day"}}})
    aggs = r["aggregations"]
    got = {b["key"]: b["doc_count"] for b in aggs["levels"]["buckets"]}
    check(got == {lv: COUNT // 3 for lv in LEVELS}, "terms: %s" % got)
    check(abs(aggs["avg_ms"]["value"] - (COUNT - 1) / 2) < 1e-9, "avg: %s" % aggs["avg_ms"])
    days = [b["doc_count"] for b in aggs["days"]["buckets"]]
    check(days == [COUNT // 4] * 4, "date_histogram: %s" % aggs["days"])

    seen = set()
    after = None
    for _ in range(100):
        kw = {"search_after": after} if after else {}
        r = es.search(index=TOPIC, size=70, sort=[{"status": "asc"}, {"ms": "desc"}], **kw)
        hits = r["hits"]["hits"]
        if not hits:
            break
        for h in hits:
            check(h["_id"] not in seen, "%s on two pages" % h["_id"])
            seen.add(h["_id"])
        after = hits[-1]["sort"]
    check(len(seen) == COUNT, "search_after paged %d hits, want %d" % (len(seen), COUNT))

    doc = es.get(index=TOPIC, id=hit["_id"])
    check(doc["found"] and doc["_source"]["level"] == "error", "get: %s" % doc)
    cat = es.cat.indices(format="json")
    row = [c for c in cat if c["index"] == TOPIC]
    check(len(row) == 1 and row[0]["docs.count"] == str(COUNT), "cat.indices: %s" % cat)
    try:
        es.search(index=TOPIC, query={"no_such_query": {}})
        raise Failure("an unknown query type was accepted")
    except RequestError as e:
        check(e.status_code == 400 and e.error == "parsing_exception", "unknown query: %s" % e)
    log("ok: queries, aggregations, %d hits paged once, get, cat" % len(seen))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("search: FAIL: %s" % e, flush=True)
        sys.exit(1)
