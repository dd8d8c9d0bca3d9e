package e2e

// Connection and fetch limits seen by clients of a whole node: a fetch
// response never exceeds fetch.max.bytes and names each partition once,
// long polls are capped and end with their connection, idle connections
// are closed, and connections past a limit are refused at once.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawRequest sends req on c as one frame and reads its response.
func rawRequest(t *testing.T, c net.Conn, req kmsg.Request, version int16, wait time.Duration) (kmsg.Response, int) {
	t.Helper()
	req.SetVersion(version)
	body := req.AppendTo(nil)
	if req.IsFlexible() {
		body = append([]byte{0}, body...)
	}
	f := frame(req.Key(), version, body)
	if _, err := c.Write(f); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		t.Fatalf("%s v%d: no response: %v", kmsg.NameForKey(req.Key()), version, err)
	}
	resp := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, resp); err != nil {
		t.Fatal(err)
	}
	kr := req.ResponseKind()
	kr.SetVersion(version)
	resp = resp[4:]
	if kr.IsFlexible() {
		resp = resp[1:]
	}
	if err := kr.ReadFrom(resp); err != nil {
		t.Fatal(err)
	}
	return kr, len(resp)
}

func dialNode(t *testing.T, n *node) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the node closes c within d without
// sending anything.
func closedByServer(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	n, err := c.Read(make([]byte, 1))
	return n == 0 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET))
}

func oneFetch(topic string, partition int32, maxWaitMs, maxBytes int32) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes = maxWaitMs, 1, maxBytes
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.PartitionMaxBytes = partition, maxBytes
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// A fetch naming one partition 1,000 times with max_bytes 2^31-1 is
// answered with that partition once and at most fetch.max.bytes (plus one
// batch, KIP-74).
func TestFetchResponsesAreCappedAndPartitionsAnsweredOnce(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_FETCH_MAX_BYTES": "1MB"})
	createTopic(t, n, "capped", 1, nil)
	p := n.client(kgo.DefaultProduceTopic("capped"), kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1))
	for range 40 {
		if err := p.ProduceSync(ctx(t), &kgo.Record{Value: bytes.Repeat([]byte("x"), 100<<10)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	req := oneFetch("capped", 0, 0, 1<<31-1)
	for range 999 {
		req.Topics[0].Partitions = append(req.Topics[0].Partitions, req.Topics[0].Partitions[0])
	}
	resp, size := rawRequest(t, dialNode(t, n), req, 11, 30*time.Second)
	fr := resp.(*kmsg.FetchResponse)
	if len(fr.Topics) != 1 || len(fr.Topics[0].Partitions) != 1 {
		count := 0
		for _, rt := range fr.Topics {
			count += len(rt.Partitions)
		}
		t.Fatalf("a partition named 1,000 times was answered %d times", count)
	}
	if size > 1<<20+110<<10 {
		t.Fatalf("a %d-byte response, fetch.max.bytes is 1 MiB", size)
	}
	if got := len(fr.Topics[0].Partitions[0].RecordBatches); got < 100<<10 {
		t.Fatalf("%d bytes of records, want at least the first batch", got)
	}
}

// A fetch that asks to wait 24 days for data is answered after the
// broker's longest wait; one whose client leaves ends with the connection.
func TestLongPollsAreCappedAndEndWithTheirConnection(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_FETCH_MAX_WAIT_MS": "500"})
	createTopic(t, n, "quiet", 1, nil)
	start := time.Now()
	rawRequest(t, dialNode(t, n), oneFetch("quiet", 0, 1<<31-1, 1<<20), 11, 10*time.Second)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("a long poll took %v, the cap is 500 ms", took)
	}

	// The default cap is 30 s: a client that leaves during a 25 s poll
	// takes its connection with it at once.
	n = startNode(t, "", nil)
	createTopic(t, n, "quiet", 1, nil)
	before := openConnections(t, n) // the admin client's
	c := dialNode(t, n)
	req := oneFetch("quiet", 0, 25000, 1<<20)
	req.SetVersion(11)
	if _, err := c.Write(frame(1, 11, req.AppendTo(nil))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if open := openConnections(t, n); open != before+1 {
		t.Fatalf("%d connections open during the poll, want %d", open, before+1)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for openConnections(t, n) != before {
		if time.Now().After(deadline) {
			t.Fatal("the node still holds the connection of a client that left during a 25 s long poll")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Connections past the per-address limit are closed at once, idle ones
// after connections.max.idle.ms, and normal clients keep working.
func TestConnectionLimitsAndIdleTimeout(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_MAX_CONNECTIONS_PER_IP":  "4",
		"CHRONIK_CONNECTIONS_MAX_IDLE_MS": "1000",
	})
	var held []net.Conn
	for range 4 {
		held = append(held, dialNode(t, n))
	}
	if !closedByServer(dialNode(t, n), 2*time.Second) {
		t.Fatal("a fifth connection from one address was not closed")
	}
	start := time.Now()
	for _, c := range held {
		if !closedByServer(c, 5*time.Second) {
			t.Fatal("an idle connection was not closed")
		}
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Fatalf("idle connections closed after %v, idle timeout is 1 s", took)
	}
	time.Sleep(100 * time.Millisecond) // the node counts them closed
	if err := n.client().Ping(ctx(t)); err != nil {
		t.Fatalf("a normal client after the limits: %v", err)
	}
}

// openConnections reads the node's chronik_kafka_connections gauge.
func openConnections(t *testing.T, n *node) int {
	t.Helper()
	_, body := httpGet(t, n.unifiedURL()+"/metrics")
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, "chronik_kafka_connections "); ok {
			c, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("gauge %q", l)
			}
			return c
		}
	}
	t.Fatal("no chronik_kafka_connections in /metrics")
	return 0
}
