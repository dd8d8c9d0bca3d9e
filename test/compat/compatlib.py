"""What the Python compatibility scripts of test/compat share.

Each script imports this module first (its own directory is on the import
path, so "import compatlib" finds it) and, if it uses confluent-kafka, calls
unshadow() before importing it: this directory holds confluent_kafka.py, which
would otherwise shadow the real package.

    import compatlib
    compatlib.unshadow()
    from compatlib import Failure, check
    log = compatlib.logger("confluent-kafka")
"""
import collections
import logging
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def unshadow():
    """Drops test/compat from the import path so that "import confluent_kafka"
    finds the real package, not test/compat/confluent_kafka.py."""
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]


class Failure(Exception):
    """A check that did not hold; its message names the first mismatch."""


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def logger(prefix):
    """A log function that prints "<prefix>: <msg>" to stdout at once."""
    def log(msg):
        print(prefix + ": " + msg, flush=True)
    return log


def keyed_records(label, n, label_header):
    """n records (key, value, headers): key "key-<i>", a compressible value long
    enough that compression matters, and the headers idx=<i> and
    <label_header>=<label>."""
    out = []
    for i in range(n):
        key = ("key-%03d" % i).encode()
        value = ("%s value %d " % (label, i) + "payload " * (i % 17 + 1)).encode()
        headers = [("idx", str(i).encode()), (label_header, label.encode())]
        out.append((key, value, headers))
    return out


def restart_server(log):
    """Restarts the node through $CHRONIK_COMPAT_RESTART (exported by run.sh:
    SIGTERM, start again on the same data dir and port)."""
    cmd = os.environ.get("CHRONIK_COMPAT_RESTART")
    check(cmd, "CHRONIK_COMPAT_RESTART is not set (run through run.sh): cannot restart the server")
    t0 = time.time()
    r = subprocess.run([cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = r.stdout.decode(errors="replace").strip().replace("\n", " | ")
    check(r.returncode == 0, "restarting the server failed (exit %d): %s" % (r.returncode, out))
    log("group: server restarted in %.1fs (%s)" % (time.time() - t0, out))


def check_resumed(partitions, ends, committed, tail_end, seen):
    """The group scenario's verdict after a restart: every offset of every
    partition below ends[p] was consumed (seen: (partition, offset) -> the
    sessions that read it) once, and twice exactly where it lies in the
    uncommitted tail [committed[p], tail_end[p]) that session 1 read without
    committing."""
    for p in range(partitions):
        for o in range(ends[p]):
            n = len(seen.get((p, o), []))
            check(n > 0, "GAP: partition %d offset %d was never consumed (committed %d, session 1 read to %d)"
                  % (p, o, committed[p], tail_end[p]))
            in_tail = committed[p] <= o < tail_end[p]
            check(n == 1 or in_tail,
                  "DUPLICATE: partition %d offset %d consumed %d times, but it is not in the uncommitted tail [%d, %d)"
                  % (p, o, n, committed[p], tail_end[p]))
            check(n == 2 or not in_tail,
                  "partition %d offset %d is in the uncommitted tail [%d, %d) but was consumed %d time(s)"
                  % (p, o, committed[p], tail_end[p], n))


class RdLog(logging.Handler):
    """Collects librdkafka log lines (instead of printing them to stderr) so a
    failure can quote them once each, with a count."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.counts = collections.OrderedDict()

    def emit(self, record):
        # Drop the client instance name (rdkafka#consumer-3) and the thread so repeats collapse.
        msg = re.sub(r"#(producer|consumer)-\d+", "", record.getMessage())
        msg = re.sub(r"\[thrd:[^\]]*\]: ", "", msg)
        self.counts[msg] = self.counts.get(msg, 0) + 1

    def summary(self, limit=8):
        lines = ["%dx %s" % (n, m) for m, n in list(self.counts.items())[:limit]]
        return "; ".join(lines) if lines else "(librdkafka logged nothing)"

    def clear(self):
        self.counts.clear()


def librdkafka_log():
    """Routes the "librdkafka" logger (pass it to clients as "logger") into a
    new RdLog; returns (the RdLog, the logger)."""
    rdlog = RdLog()
    lg = logging.getLogger("librdkafka")
    lg.addHandler(rdlog)
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    return rdlog, lg
