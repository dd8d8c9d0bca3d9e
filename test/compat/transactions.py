#!/usr/bin/python3
"""confluent-kafka (librdkafka): a transactional producer fails fast.

usage: /usr/bin/python3 transactions.py <host:port>

Chronik has no transaction coordinator yet. A producer configured with
transactional.id must fail at once with a clear error from init_transactions,
not retry until its own timeout (60 s here): the broker answers
FindCoordinator for a transactional id with
TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which librdkafka treats as fatal.
Then an idempotent producer on the same node must still deliver.

Exits non-zero with a message naming the first mismatch.
"""
import sys
import time

import compatlib

compatlib.unshadow()

from confluent_kafka import KafkaException, Producer  # noqa: E402

FAST = 2.0  # seconds: a fast failure; a retriable answer makes librdkafka wait the whole 60 s


def fail(msg):
    print("transactions.py: FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        print("usage: transactions.py <host:port>")
        sys.exit(2)
    bootstrap = sys.argv[1]
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": "compat-txn-py",
                  "transaction.timeout.ms": 60000})
    start = time.monotonic()
    try:
        p.init_transactions(60)
    except KafkaException as e:
        took = time.monotonic() - start
        err = e.args[0]
        print("transactions.py: init_transactions failed after %.1fs: %s (fatal=%s, retriable=%s)"
              % (took, err.str(), err.fatal(), err.retriable()))
        if took > FAST:
            fail("the failure took %.1fs" % took)
        if "authorization" not in err.str().lower() and "not supported" not in err.str().lower():
            fail("unexpected error %s" % err.str())
    else:
        fail("init_transactions succeeded on a broker without transactions")

    ok = []
    q = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    q.produce("compat-txn-py", b"after", on_delivery=lambda err, msg: ok.append(err))
    q.flush(30)
    if ok != [None]:
        fail("idempotent produce after the refusal: %s" % ok)
    print("transactions.py: ok")


main()
