package chaos

// Hostile connections against a real process: frames announced and never
// sent, requests that multiply in memory when decoded, a fetch that names
// one partition 1,000 times, and thousands of idle connections.

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawFrame encodes req as a request frame with the size prefix.
func rawFrame(req kmsg.Request, version int16) []byte {
	req.SetVersion(version)
	b := make([]byte, 4, 64)
	b = binary.BigEndian.AppendUint16(b, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint16(b, 7)
	b = append(b, "hostile"...)
	if req.IsFlexible() {
		b = append(b, 0)
	}
	b = req.AppendTo(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// readFrame reads one response frame within d and returns its length.
func readFrame(c net.Conn, d time.Duration) (int64, error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return 0, err
	}
	n := int64(binary.BigEndian.Uint32(size[:]))
	_, err := io.CopyN(io.Discard, c, n)
	return n, err
}

func dialServer(t *testing.T, s *server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedBy reports whether the server closed c within d.
func closedBy(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return err == nil || errors.Is(err, syscall.ECONNRESET)
}

// Four connections that announce 64 MiB Produce frames (together the whole
// in-flight budget) and send only the two bytes of its key do not stop
// other clients, and are dropped once the request read timeout passes.
// Bound: peak RSS under 256 MiB.
func TestHostileSilentFrames(t *testing.T) {
	s := newServer(t, t.TempDir(), "64MB", "CHRONIK_REQUEST_READ_TIMEOUT_MS=3000")
	stop := s.watchRSS()
	var silent []net.Conn
	for _, mib := range []uint32{64, 64, 64, 64} {
		c := dialServer(t, s)
		if _, err := c.Write(append(binary.BigEndian.AppendUint32(nil, mib<<20), 0, 0)); err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("a normal client while connections announce frames as large as the budget: %v", err)
	}
	for _, c := range silent {
		if !closedBy(c, 10*time.Second) {
			t.Fatal("a connection that stopped sending its frame was not closed")
		}
	}
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("after: %v", err)
	}
	peak := stop()
	t.Logf("peak RSS %d MiB", peak>>20)
	if peak > 256<<20 {
		t.Fatalf("peak RSS %d MiB, bound 256 MiB", peak>>20)
	}
}

// metadataOfEmptyNames is a Metadata v9 request naming n topics "": two
// bytes each on the wire, a struct and a response entry each in memory.
func metadataOfEmptyNames(n int) []byte {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = make([]kmsg.MetadataRequestTopic, n)
	for i := range req.Topics {
		req.Topics[i] = kmsg.NewMetadataRequestTopic()
		req.Topics[i].Topic = kmsg.StringPtr("")
	}
	return rawFrame(req, 9)
}

// 16 MiB of Metadata requests made of empty topic names (eight 2 MiB
// frames, then eight 0.7 MiB ones) decode to gigabytes on a broker that
// counts wire bytes (4.3 GiB peak RSS before). The large ones are refused;
// the others are served one budget's worth at a time. Bound: peak RSS under
// 768 MiB.
func TestHostileAmplifyingRequests(t *testing.T) {
	s := newServer(t, t.TempDir(), "64MB")
	stop := s.watchRSS()
	big, medium := metadataOfEmptyNames(1<<20), metadataOfEmptyNames(350_000)
	var wg sync.WaitGroup
	answered := make(chan int64, 16)
	for i := range 16 {
		f := big
		if i >= 8 {
			f = medium
		}
		c := dialServer(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Write(f); err != nil {
				return
			}
			n, err := readFrame(c, 60*time.Second)
			if err == nil {
				answered <- int64(len(f))
			} else {
				answered <- -n - 1
			}
		}()
	}
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("during: %v", err)
	}
	wg.Wait()
	close(answered)
	var refusedBig, servedMedium int
	for n := range answered {
		switch {
		case n == int64(len(big)):
			t.Errorf("a 2 MiB Metadata of a million empty names was answered")
		case n == int64(len(medium)):
			servedMedium++
		default:
			refusedBig++
		}
	}
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("after: %v", err)
	}
	peak := stop()
	t.Logf("peak RSS %d MiB; %d large requests refused, %d medium ones served", peak>>20, refusedBig, servedMedium)
	if servedMedium != 8 {
		t.Errorf("%d of 8 medium Metadata requests served", servedMedium)
	}
	if peak > 768<<20 {
		t.Fatalf("peak RSS %d MiB, bound 768 MiB", peak>>20)
	}
}

// A fetch that names one partition 1,000 times with max_bytes 2^31-1 is
// answered with the partition once, under fetch.max.bytes (before: an
// 880 MiB response, 4.5 GiB peak RSS). Bound: the response under 55 MiB
// and peak RSS under 512 MiB.
func TestHostileRepeatedFetch(t *testing.T) {
	s := newServer(t, t.TempDir(), "64MB")
	cl := newClient(t, s.addr(), kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic("fat"),
		kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10 {
		v := make([]byte, 90<<10)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	stop := s.watchRSS()
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.MaxBytes, req.MinBytes = -1, 1<<31-1, 1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "fat"
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1<<31 - 1
	for range 1000 {
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	c := dialServer(t, s)
	if _, err := c.Write(rawFrame(req, 11)); err != nil {
		t.Fatal(err)
	}
	size, err := readFrame(c, 60*time.Second)
	if err != nil {
		t.Fatalf("no answer to the fetch: %v", err)
	}
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("after: %v", err)
	}
	peak := stop()
	t.Logf("response %d KiB, peak RSS %d MiB", size>>10, peak>>20)
	if size > 55<<20 {
		t.Fatalf("a %d MiB fetch response, bound 55 MiB", size>>20)
	}
	if size > 2<<20 {
		t.Fatalf("a %d KiB response for one partition of about 900 KiB: repeats were not collapsed", size>>10)
	}
	if peak > 512<<20 {
		t.Fatalf("peak RSS %d MiB, bound 512 MiB", peak>>20)
	}
}

// Two thousand connections that each made one request and then idle cost
// little memory each, and are closed after connections.max.idle.ms.
// Bound: under 16 KiB of RSS per idle connection (22 KiB before buffers
// were taken only while a request is read or answered).
func TestHostileIdleConnections(t *testing.T) {
	const conns = 2000
	s := newServer(t, t.TempDir(), "64MB", "CHRONIK_CONNECTIONS_MAX_IDLE_MS=15000", "CHRONIK_MAX_CONNECTIONS_PER_IP=5000")
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	before := s.rssBytes()
	ask := rawFrame(kmsg.NewPtrApiVersionsRequest(), 3)
	idle := make([]net.Conn, 0, conns)
	start := time.Now()
	for range conns {
		c := dialServer(t, s)
		if _, err := c.Write(ask); err != nil {
			t.Fatal(err)
		}
		if _, err := readFrame(c, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	time.Sleep(2 * time.Second)
	after := s.rssBytes()
	per := (after - before) / conns
	t.Logf("RSS %d MiB before, %d MiB with %d idle connections: %d bytes each (opened in %v)", before>>20, after>>20, conns, per, time.Since(start).Round(time.Millisecond))
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatalf("with %d idle connections: %v", conns, err)
	}
	if per > 16<<10 {
		t.Errorf("%d bytes of RSS per idle connection, bound 16 KiB", per)
	}
	closed := 0
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range idle {
		if closedBy(c, max(time.Until(deadline), time.Millisecond)) {
			closed++
		}
	}
	if closed != conns {
		t.Fatalf("%d of %d idle connections closed after the idle timeout", closed, conns)
	}
}
