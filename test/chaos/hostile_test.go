package chaos

// Process-level tests of hostile and buggy clients: each starts a real
// chronik-server, attacks it, and checks that the node stays up, answers the
// documented error, keeps serving a normal produce/consume round trip, and
// keeps its resident memory under a stated bound.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// rssBytes is the server process's resident set size, from /proc.
func (s *server) rssBytes() int64 {
	s.t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatalf("reading the server's memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				s.t.Fatalf("parsing VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	s.t.Fatalf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
	return 0
}

// watchRSS samples the server's RSS every 20 ms until the returned stop is
// called, which reports the peak seen.
func (s *server) watchRSS() (stop func() int64) {
	s.t.Helper()
	peak := s.rssBytes()
	done, out := make(chan struct{}), make(chan int64)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				out <- peak
				return
			case <-tick.C:
				b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
				if err != nil {
					continue
				}
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
						peak = max(peak, kb<<10)
					}
				}
			}
		}
	}()
	return func() int64 { close(done); return <-out }
}

// roundTrip produces one record to a fresh topic and reads it back: the
// node still serves normal clients.
func (s *server) roundTrip(ctx context.Context) error {
	topic := fmt.Sprintf("roundtrip-%d", time.Now().UnixNano())
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr()), kgo.AllowAutoTopicCreation(),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("still here")}).FirstErr(); err != nil {
		return fmt.Errorf("producing: %w", err)
	}
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("consuming: %w", err)
		}
		for _, r := range fs.Records() {
			if string(r.Value) == "still here" {
				return nil
			}
		}
	}
}

// TestHostileHarness checks the harness itself: a fresh node round-trips
// and reports a plausible RSS.
func TestHostileHarness(t *testing.T) {
	s := newServer(t, t.TempDir(), "64MB")
	stop := s.watchRSS()
	if err := s.roundTrip(context.Background()); err != nil {
		t.Fatal(err)
	}
	peak := stop()
	if peak <= 0 || peak > 2<<30 {
		t.Fatalf("implausible peak RSS %d", peak)
	}
	t.Logf("idle node peak RSS %d MiB", peak>>20)
	s.stop()
}

// watchAndKill samples the node's RSS every 10 ms and kills it past kill;
// peakOf stops the watch and reports the peak.
func (s *server) watchAndKill(kill int64) (peakOf func() int64, killed func() bool) {
	var (
		mu   sync.Mutex
		once sync.Once
		peak int64
		k    bool
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rss := procRSS(s.cmd.Process.Pid)
			mu.Lock()
			peak = max(peak, rss)
			if rss > kill && !k {
				k = true
				_ = s.cmd.Process.Kill()
			}
			mu.Unlock()
		}
	})
	return func() int64 {
		once.Do(func() { close(done) })
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}, func() bool { mu.Lock(); defer mu.Unlock(); return k }
}
