package kafkawire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startServer starts a server over in-memory stores on a free loopback
// port; cfg's zero fields take their defaults.
func startServer(t testing.TB, cfg Config, logger *slog.Logger) *Server {
	t.Helper()
	cfg.Addr, cfg.AdvertisedHost, cfg.NodeID = "127.0.0.1:0", "127.0.0.1", 1
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := testServerWith(t, cfg, logger)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func dial(t testing.TB, srv *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send writes req as one frame.
func send(t testing.TB, c net.Conn, req kmsg.Request, version int16) {
	t.Helper()
	f := requestFrame(req, version)
	if _, err := c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f)))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(f); err != nil {
		t.Fatal(err)
	}
}

// receive reads one response frame for req within d.
func receive(c net.Conn, req kmsg.Request, d time.Duration) (kmsg.Response, int, error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil, 0, err
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, 0, err
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	body = body[4:] // correlation id
	if resp.IsFlexible() && req.Key() != apiVersionsKey {
		body = body[1:] // empty header tags
	}
	return resp, len(body) + 4, resp.ReadFrom(body)
}

// apiVersionsWorks reports whether a fresh connection is answered at once.
func apiVersionsWorks(t *testing.T, srv *Server) error {
	t.Helper()
	c := dial(t, srv)
	req := kmsg.NewPtrApiVersionsRequest()
	send(t, c, req, 3)
	_, _, err := receive(c, req, 3*time.Second)
	return err
}

// closedWithin reports whether the server closes c within d without
// answering anything.
func closedWithin(c net.Conn, d time.Duration) error {
	_ = c.SetReadDeadline(time.Now().Add(d))
	n, err := c.Read(make([]byte, 1))
	switch {
	case n > 0:
		return errors.New("the server answered instead of closing")
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("the connection is still open")
	}
	return err
}

// Three clients that send a 100 MB frame length and two bytes must not take
// the in-flight budget from everyone else, and are cut off once the
// request read timeout passes.
func TestSilentFramesCannotHoldTheBudget(t *testing.T) {
	srv := startServer(t, Config{InFlightBytes: 1 << 20, RequestReadTimeout: 500 * time.Millisecond}, nil)
	var silent []net.Conn
	for range 3 {
		c := dial(t, srv)
		if _, err := c.Write([]byte{0x06, 0x40, 0x00, 0x00, 0, 0}); err != nil { // a 100 MiB Produce, then its key
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	time.Sleep(100 * time.Millisecond)
	if err := apiVersionsWorks(t, srv); err != nil {
		t.Fatalf("a normal client is not served while three clients announce 100 MB frames: %v", err)
	}
	if used := srv.budget.inUse(); used > 3*firstChunk {
		t.Fatalf("three clients that sent 6 bytes each hold %d bytes of budget", used)
	}
	for _, c := range silent {
		if err := closedWithin(c, 3*time.Second); err != nil {
			t.Fatalf("a frame whose bytes stopped coming: %v", err)
		}
	}
	if used := srv.budget.inUse(); used != 0 {
		t.Fatalf("budget still holds %d bytes after the slow frames were dropped", used)
	}
}

// Frames that each hold part of the budget all complete: the oldest may go
// over the limit, so they never wait on one another forever.
func TestFramesLargerThanTheBudgetAllComplete(t *testing.T) {
	srv := startServer(t, Config{InFlightBytes: 256 << 10}, nil)
	payload := bytes.Repeat([]byte("x"), 600<<10)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		c := dial(t, srv)
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName = "big"
		req.ClientSoftwareVersion = string(payload) // an ApiVersions inflated to 600 KiB
		f := requestFrame(req, 3)
		f = append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Send in slices so that all four frames are being read at once.
			for len(f) > 0 {
				n := min(len(f), 32<<10)
				if _, err := c.Write(f[:n]); err != nil {
					errs <- err
					return
				}
				f = f[n:]
				time.Sleep(time.Millisecond)
			}
			_, _, err := receive(c, req, 10*time.Second)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a large frame was not answered: %v", err)
		}
	}
}

// A connection that sends nothing is closed after the idle timeout, but
// not while a long poll of it is still waiting.
func TestIdleConnectionsAreClosed(t *testing.T) {
	srv := startServer(t, Config{IdleTimeout: 300 * time.Millisecond}, nil)
	idle := dial(t, srv)
	if err := closedWithin(idle, 3*time.Second); err != nil {
		t.Fatalf("idle connection: %v", err)
	}
	polling := dial(t, srv)
	req := fetchRequest("t", 0, 0, 1500, 1<<20, 1)
	send(t, polling, req, 11)
	start := time.Now()
	if _, _, err := receive(polling, req, 5*time.Second); err != nil {
		t.Fatalf("a long poll longer than the idle timeout was cut off after %v: %v", time.Since(start), err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("long poll answered after %v, want its 1.5 s wait", waited)
	}
}

// Past the per-address and total limits, a new connection is closed before
// anything is read; the others are served.
func TestConnectionLimits(t *testing.T) {
	t.Run("per_address", func(t *testing.T) {
		srv := startServer(t, Config{MaxConnectionsPerIP: 2}, nil)
		a, b, c := dial(t, srv), dial(t, srv), dial(t, srv)
		if err := closedWithin(c, 2*time.Second); err != nil {
			t.Fatalf("third connection from one address: %v", err)
		}
		for _, ok := range []net.Conn{a, b} {
			req := kmsg.NewPtrApiVersionsRequest()
			send(t, ok, req, 3)
			if _, _, err := receive(ok, req, 3*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()
		waitFor(t, func() bool { return openConns(srv) == 1 })
		if err := apiVersionsWorks(t, srv); err != nil {
			t.Fatalf("a connection after one closed: %v", err)
		}
	})
	t.Run("total", func(t *testing.T) {
		srv := startServer(t, Config{MaxConnections: 3}, nil)
		for range 3 {
			dial(t, srv)
		}
		if err := closedWithin(dial(t, srv), 2*time.Second); err != nil {
			t.Fatalf("fourth connection: %v", err)
		}
	})
}

func openConns(srv *Server) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.conns)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fetchRequest(topic string, partition int32, offset int64, maxWaitMs, maxBytes, minBytes int32) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = maxWaitMs
	req.MinBytes = minBytes
	req.MaxBytes = maxBytes
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition = partition
	rp.FetchOffset = offset
	rp.PartitionMaxBytes = maxBytes
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// A long poll whose client has gone away ends with its connection: the
// server notices the close while the poll waits.
func TestLongPollEndsWhenClientLeaves(t *testing.T) {
	srv := startServer(t, Config{FetchMaxWait: time.Minute}, nil)
	c := dial(t, srv)
	send(t, c, fetchRequest("t", 0, 0, 60000, 1<<20, 1), 11)
	waitFor(t, func() bool { return openConns(srv) == 1 })
	time.Sleep(100 * time.Millisecond)
	c.Close()
	start := time.Now()
	for openConns(srv) > 0 {
		if time.Since(start) > 3*time.Second {
			t.Fatal("the server still holds the connection of a client that left during a 60 s long poll")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The broker caps how long a fetch waits, whatever the client asks.
func TestFetchMaxWaitIsCapped(t *testing.T) {
	srv := startServer(t, Config{FetchMaxWait: 300 * time.Millisecond}, nil)
	c := dial(t, srv)
	req := fetchRequest("t", 0, 0, 1<<31-1, 1<<20, 1)
	start := time.Now()
	send(t, c, req, 11)
	if _, _, err := receive(c, req, 5*time.Second); err != nil {
		t.Fatalf("fetch asking for a 24-day wait: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("fetch waited %v, cap is 300 ms", took)
	}
}

// produceRecords writes n records of size bytes, one batch each, to t/partition.
func produceRecords(t testing.TB, srv *Server, partition int32, n, size int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(srv.Addr().String()), kgo.MaxBufferedRecords(1), kgo.ProducerLinger(0),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range n {
		r := &kgo.Record{Topic: "t", Partition: partition, Value: bytes.Repeat([]byte("v"), size)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// A fetch naming one partition 1,000 times with max_bytes 2^31-1 gets that
// partition once, and no response is larger than the broker's
// fetch.max.bytes (plus the first batch, KIP-74).
func TestFetchRepeatsCollapseAndResponsesAreCapped(t *testing.T) {
	srv := startServer(t, Config{FetchMaxBytes: 256 << 10}, nil)
	produceRecords(t, srv, 0, 20, 60<<10)
	produceRecords(t, srv, 1, 20, 60<<10)

	req := fetchRequest("t", 0, 0, 0, 1<<31-1, 1)
	for range 999 {
		req.Topics[0].Partitions = append(req.Topics[0].Partitions, req.Topics[0].Partitions[0])
	}
	other := kmsg.NewFetchRequestTopicPartition()
	other.Partition, other.PartitionMaxBytes = 1, 1<<31-1
	req.Topics[0].Partitions = append(req.Topics[0].Partitions, other)
	for _, v := range []int16{2, 4, 11} { // v2 has no max_bytes: the broker's cap alone bounds it
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			c := dial(t, srv)
			send(t, c, req, v)
			resp, size, err := receive(c, req, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			fr := resp.(*kmsg.FetchResponse)
			var parts []int32
			for _, rt := range fr.Topics {
				for _, rp := range rt.Partitions {
					parts = append(parts, rp.Partition)
				}
			}
			if len(parts) != 2 || parts[0] != 0 || parts[1] != 1 {
				t.Fatalf("answered partitions %v, want [0 1] once each", parts[:min(len(parts), 10)])
			}
			if size > 256<<10+64<<10+4<<10 {
				t.Fatalf("response of %d bytes, cap 256 KiB plus one 60 KiB batch", size)
			}
			if size < 60<<10 {
				t.Fatalf("response of %d bytes holds not even the first batch", size)
			}
		})
	}
	// KIP-74: a first batch larger than the cap is still returned whole.
	produceRecords(t, srv, 1, 1, 400<<10)
	c := dial(t, srv)
	big := fetchRequest("t", 1, 20, 0, 1<<31-1, 1)
	send(t, c, big, 11)
	resp, _, err := receive(c, big, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(resp.(*kmsg.FetchResponse).Topics[0].Partitions[0].RecordBatches); got < 400<<10 {
		t.Fatalf("a 400 KiB batch over a 256 KiB cap came back as %d bytes", got)
	}
}

// Decoding multiplies some requests' size (an empty topic name is 2 bytes
// on the wire and a struct and a response entry in memory). A request
// whose decoded size would exceed the in-flight budget is refused before
// it is decoded, and the budget counts decoded size.
func TestAmplifyingRequestIsRefused(t *testing.T) {
	srv := startServer(t, Config{}, nil)
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = make([]kmsg.MetadataRequestTopic, 1<<20) // 2 MiB of empty names
	for i := range req.Topics {
		req.Topics[i] = kmsg.NewMetadataRequestTopic()
		req.Topics[i].Topic = kmsg.StringPtr("")
	}
	c := dial(t, srv)
	f := requestFrame(req, 9)
	// The server may close before the client has written it all.
	_, _ = c.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...))
	if err := closedWithin(c, 20*time.Second); err != nil {
		t.Fatalf("2 MiB Metadata of 1M empty topic names: %v", err)
	}
	if err := apiVersionsWorks(t, srv); err != nil {
		t.Fatal(err)
	}

	// A smaller one is served.
	req.Topics = req.Topics[:10000]
	c = dial(t, srv)
	send(t, c, req, 9)
	if _, _, err := receive(c, req, 10*time.Second); err != nil {
		t.Fatalf("Metadata of 10,000 names: %v", err)
	}
}

// Request metrics are labelled only with registered keys and versions in
// range: 1,000 made-up versions add one series, not 1,000.
func TestMetricLabelsOnlyFromValidatedValues(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := startServer(t, Config{Metrics: reg}, nil)
	c := dial(t, srv)
	for v := int16(100); v < 1100; v++ {
		req := kmsg.NewPtrApiVersionsRequest()
		f := requestFrame(req, 0)
		binary.BigEndian.PutUint16(f[2:], uint16(v))
		if _, err := c.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...)); err != nil {
			t.Fatal(err)
		}
		resp := kmsg.NewPtrApiVersionsResponse()
		if _, _, err := receive(c, resp.RequestKind(), 3*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// Unsupported versions of other keys close the connection.
	for v := int16(100); v < 200; v++ {
		c := dial(t, srv)
		f := requestFrame(kmsg.NewPtrMetadataRequest(), 0)
		binary.BigEndian.PutUint16(f[2:], uint16(v))
		_, _ = c.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...))
		_ = closedWithin(c, 2*time.Second)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "chronik_kafka_requests_total" {
			if n := len(mf.GetMetric()); n > 4 {
				var labels []string
				for _, m := range mf.GetMetric()[:min(n, 5)] {
					labels = append(labels, m.String())
				}
				t.Fatalf("%d request series after made-up versions, e.g. %v", n, labels)
			}
		}
	}
}

// Bad frames are the client's problem: they are never logged one line each
// at INFO or above.
func TestRejectedFramesAreNotLoggedAtInfo(t *testing.T) {
	var buf lockedBuffer
	srv := startServer(t, Config{}, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	buf.Reset() // the listener's start line
	for i := range 50 {
		c := dial(t, srv)
		f := []byte{0, 0, 0, 12, 0x27, 0x0f, 0, 0, 0, 0, 0, byte(i), 0xff, 0xff, 0, 0} // unknown key 9999
		_, _ = c.Write(f)
		_ = closedWithin(c, 2*time.Second)
	}
	if out := buf.String(); out != "" {
		t.Fatalf("50 bad frames logged at INFO or above:\n%s", out[:min(len(out), 600)])
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

// A response ready before a long poll on the same connection goes out at
// once, not when the poll ends.
func TestResponseBeforeALongPollIsNotHeldBack(t *testing.T) {
	srv := startServer(t, Config{}, nil)
	c := dial(t, srv)
	first := kmsg.NewPtrApiVersionsRequest()
	f1 := requestFrame(first, 3)
	f2 := requestFrame(fetchRequest("t", 0, 0, 3000, 1<<20, 1), 11)
	var both []byte
	both = append(binary.BigEndian.AppendUint32(both, uint32(len(f1))), f1...)
	both = append(binary.BigEndian.AppendUint32(both, uint32(len(f2))), f2...)
	start := time.Now()
	if _, err := c.Write(both); err != nil {
		t.Fatal(err)
	}
	if _, _, err := receive(c, first, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the ApiVersions response came after %v, held back by the long poll behind it", took)
	}
}

// A request other than Produce whose decoded size would be too large is
// refused on its size and key, before its body is read.
func TestOversizedRequestRefusedOnItsKey(t *testing.T) {
	srv := startServer(t, Config{}, nil)
	c := dial(t, srv)
	// A 50 MiB Metadata request: its key and version, then nothing.
	if _, err := c.Write([]byte{0x03, 0x20, 0x00, 0x00, 0, 3, 0, 9}); err != nil {
		t.Fatal(err)
	}
	if err := closedWithin(c, 2*time.Second); err != nil {
		t.Fatalf("a 50 MiB Metadata announced: %v", err)
	}
	if used := srv.budget.inUse(); used != 0 {
		t.Fatalf("%d bytes of budget held after the refusal", used)
	}
}
