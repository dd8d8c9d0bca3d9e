// Package chaos kills a real chronik-server process while clients produce,
// restarts it, and checks that no acknowledged record was lost or duplicated:
// on local segments alone (crash_test.go), and while tiering uploads sealed
// segments to an object folder and drops their local copies
// (tiered_crash_test.go).
package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var serverBin string

func TestMain(m *testing.M) {
	serverBin = os.Getenv("CHRONIK_BIN")
	if serverBin == "" {
		dir, err := os.MkdirTemp("", "chronik-chaos-bin")
		if err != nil {
			panic(err)
		}
		serverBin = filepath.Join(dir, "chronik-server")
		out, err := exec.Command("go", "build", "-o", serverBin, "github.com/chronik-stream/chronik/cmd/chronik-server").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "building chronik-server: %v\n%s", err, out)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
	}
	os.Exit(m.Run())
}

// server is a chronik-server process that the test kills and restarts.
type server struct {
	t           *testing.T
	dir         string
	port        int
	walRotation string
	env         []string // more environment, after the defaults
	// wrap is argv put before the binary, such as prlimit(1) and its
	// options; set before start. The wrapper must exec the server in place,
	// for the process watched and killed is the one started.
	wrap []string
	cmd  *exec.Cmd
	log  *os.File
}

// newServer starts a node on <dir>/data that logs to <dir>/server.log. When
// the test fails, the log's tail is printed; a node still running at the end
// is killed.
func newServer(t *testing.T, dir, walRotation string, env ...string) *server {
	t.Helper()
	s := prepareServer(t, dir, walRotation, env...)
	s.start()
	return s
}

// prepareServer is newServer without the start, for a test that sets more of
// the server (wrap) first.
func prepareServer(t *testing.T, dir, walRotation string, env ...string) *server {
	t.Helper()
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	s := &server{t: t, dir: filepath.Join(dir, "data"), port: freePort(t), walRotation: walRotation, env: env, log: logFile}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			lines := strings.Split(string(out), "\n")
			var warnings []string
			for _, l := range lines {
				if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
					warnings = append(warnings, l)
				}
			}
			if len(warnings) > 0 {
				t.Logf("server log warnings and errors (first 40):\n%s", strings.Join(warnings[:min(len(warnings), 40)], "\n"))
			}
			t.Logf("server log tail:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	t.Cleanup(func() {
		if s.cmd != nil && s.cmd.ProcessState == nil {
			s.kill()
		}
	})
	return s
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// newClient is a franz-go client of the server at addr (seed broker) with
// opts; the caller closes it.
func newClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// listOffsets is list's answer (kadm's ListStartOffsets or ListEndOffsets)
// for topic, asked through cl.
func listOffsets(t *testing.T, cl *kgo.Client, topic string, list func(*kadm.Client, context.Context, ...string) (kadm.ListedOffsets, error)) kadm.ListedOffsets {
	t.Helper()
	offsets, err := list(kadm.NewClient(cl), context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return offsets
}

func (s *server) start() {
	s.t.Helper()
	argv := append(slices.Clone(s.wrap), serverBin, "start", "--data-dir", s.dir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		"CHRONIK_BIND_ADDR=127.0.0.1",
		"CHRONIK_KAFKA_PORT="+strconv.Itoa(s.port),
		"CHRONIK_UNIFIED_API_PORT=0", "CHRONIK_ADMIN_API_PORT=0", "CHRONIK_PG_PORT=0", // no fixed ports to collide on
		"CHRONIK_ADVERTISED_ADDR=127.0.0.1",
		"CHRONIK_WAL_PROFILE=low",
		"CHRONIK_WAL_ROTATION_SIZE="+s.walRotation,
	)
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.addr(), 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		if s.exited() {
			s.t.Fatalf("server exited at start-up; log in %s", s.log.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("server did not open %s in 30s; log in %s", s.addr(), s.log.Name())
}

// exited reports whether the server process is gone (or a zombie).
func (s *server) exited() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

func (s *server) kill() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.t.Errorf("server did not stop within 20s of SIGTERM")
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// truncateWAL cuts up to max bytes off the newest WAL file, as a torn write would.
func (s *server) truncateWAL(max int64) int64 {
	files, _ := filepath.Glob(filepath.Join(s.dir, "logs", "wal", "*"))
	sort.Strings(files)
	if len(files) == 0 {
		return 0
	}
	last := files[len(files)-1]
	fi, err := os.Stat(last)
	if err != nil || fi.Size() == 0 {
		return 0
	}
	cut := min(fi.Size(), 1+rand.Int64N(max))
	if err := os.Truncate(last, fi.Size()-cut); err != nil {
		s.t.Fatal(err)
	}
	return cut
}

// acked records what the broker acknowledged, per producer.
type acked struct {
	mu     sync.Mutex
	values map[string]bool
	sent   int
	failed int
}

func (a *acked) add(v string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		a.values[v] = true
	} else {
		a.failed++
	}
}

func kills() int {
	if n, err := strconv.Atoi(os.Getenv("CHAOS_KILLS")); err == nil && n > 0 {
		return n
	}
	return 5
}

func TestCrashLosesNoAcknowledgedRecord(t *testing.T) {
	for _, tornTail := range []bool{false, true} {
		name := "kill"
		if tornTail {
			name = "kill_and_tear_wal_tail"
		}
		t.Run(name, func(t *testing.T) { crashRun(t, tornTail) })
	}
}

func crashRun(t *testing.T, tornTail bool) {
	// Without tearing, rotate the WAL often so that recovery crosses WAL
	// files; when tearing, keep one file so that its tail holds fresh writes.
	rotation := "1MB"
	if tornTail {
		rotation = "256MB"
	}
	s := newServer(t, t.TempDir(), rotation)

	const topic = "crash"
	adm := newClient(t, s.addr())
	if _, err := kadm.NewClient(adm).CreateTopic(context.Background(), 3, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	adm.Close()

	p := startProducers(t, s.addr(), topic)
	n := kills()
	for i := 0; i < n; i++ {
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		s.kill()
		if tornTail {
			t.Logf("kill %d: cut %d bytes off the WAL", i+1, s.truncateWAL(200))
		}
		s.start()
	}
	time.Sleep(500 * time.Millisecond)
	p.finish(t)

	// One clean restart more, then read everything back.
	s.stop()
	s.start()
	defer s.stop()
	p.report(t)
	verify(t, s.addr(), topic, p.results)
}

// producers are the two clients of a crash run: idempotent (retries until
// acknowledged) and plain acks=all with a single try per record, so that an
// acknowledged record was sent once. Each keeps up to 200 records in flight
// until finish.
type producers struct {
	results map[string]*acked
	clients map[string]*kgo.Client
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

func startProducers(t *testing.T, addr, topic string) *producers {
	t.Helper()
	idem := newClient(t, addr, kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(2*time.Millisecond), kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond }))
	t.Cleanup(idem.Close)
	plain := newClient(t, addr, kgo.DefaultProduceTopic(topic),
		kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordRetries(0),
		kgo.ProducerLinger(2*time.Millisecond))
	t.Cleanup(plain.Close)

	p := &producers{
		results: map[string]*acked{"idem": {values: map[string]bool{}}, "plain": {values: map[string]bool{}}},
		clients: map[string]*kgo.Client{"idem": idem, "plain": plain},
	}
	ctx, stop := context.WithCancel(context.Background())
	p.stop = stop
	for name, cl := range p.clients {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			a := p.results[name]
			inflight := make(chan struct{}, 200)
			for i := 0; ctx.Err() == nil; i++ {
				inflight <- struct{}{}
				v := fmt.Sprintf("%s-%07d", name, i)
				a.mu.Lock()
				a.sent++
				a.mu.Unlock()
				cl.Produce(context.Background(), &kgo.Record{Value: []byte(v)}, func(_ *kgo.Record, err error) {
					a.add(v, err)
					<-inflight
				})
			}
			for i := 0; i < cap(inflight); i++ {
				inflight <- struct{}{}
			}
		}()
	}
	return p
}

// finish stops producing and waits until every record sent has an answer;
// the idempotent producer must get its records acknowledged.
func (p *producers) finish(t *testing.T) {
	t.Helper()
	p.stop()
	flushCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.clients["idem"].Flush(flushCtx); err != nil {
		t.Fatalf("idempotent producer did not finish: %v", err)
	}
	_ = p.clients["plain"].Flush(flushCtx)
	p.wg.Wait()
}

// report logs the counts and fails when a producer had nothing acknowledged.
func (p *producers) report(t *testing.T) {
	t.Helper()
	for name, a := range p.results {
		t.Logf("%s: %d sent, %d acknowledged, %d failed", name, a.sent, len(a.values), a.failed)
		if len(a.values) == 0 {
			t.Fatalf("%s: nothing was acknowledged; the test proves nothing", name)
		}
	}
}

// verify reads every partition of topic from offset 0 to its high watermark
// and checks that each record acknowledged in results is there exactly once,
// idempotent records in order, and offsets contiguous from 0. It returns how
// many records each partition held.
func verify(t *testing.T, addr, topic string, results map[string]*acked) map[int32]int64 {
	t.Helper()
	cl := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().At(0)))
	defer cl.Close()
	total := int64(0)
	listOffsets(t, cl, topic, (*kadm.Client).ListEndOffsets).Each(func(o kadm.ListedOffset) { total += o.Offset })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seen := map[string]int{}
	next := map[int32]int64{}
	lastIdem := map[int32]string{}
	var consumed int64
	for consumed < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records before timing out", consumed, total)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("fetch: %v", errs[0].Err)
		}
		for _, r := range fs.Records() {
			if r.Offset != next[r.Partition] {
				t.Fatalf("partition %d: offset %d where %d was expected (gap or repeat)", r.Partition, r.Offset, next[r.Partition])
			}
			next[r.Partition]++
			v := string(r.Value)
			seen[v]++
			if strings.HasPrefix(v, "idem-") {
				if prev := lastIdem[r.Partition]; prev != "" && v <= prev {
					t.Errorf("partition %d: idempotent record %s after %s (reordered or duplicated)", r.Partition, v, prev)
				}
				lastIdem[r.Partition] = v
			}
			consumed++
		}
	}
	for name, a := range results {
		lost := 0
		for v := range a.values {
			switch seen[v] {
			case 0:
				lost++
				if lost <= 5 {
					t.Errorf("%s: acknowledged record %s is missing", name, v)
				}
			case 1:
			default:
				t.Errorf("%s: acknowledged record %s read %d times", name, v, seen[v])
			}
		}
		if lost > 0 {
			t.Errorf("%s: %d acknowledged records lost", name, lost)
		}
	}
	for v, c := range seen {
		if c > 1 && strings.HasPrefix(v, "idem-") {
			t.Errorf("idempotent record %s written %d times", v, c)
		}
	}
	return next
}
