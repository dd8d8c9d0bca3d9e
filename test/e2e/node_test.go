// Package e2e drives a whole Chronik node, in process, with real Kafka
// clients (franz-go kgo and kadm, sarama).
package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chronik-stream/chronik/bootstrap"
)

// node is a running in-process broker.
type node struct {
	t       *testing.T
	dir     string
	env     map[string]string
	addr    string
	stop    func()
	stopped bool
	nd      *bootstrap.Node
}

// startNode starts a broker on a free loopback port with its data in dir
// (a fresh temporary directory when empty).
func startNode(t *testing.T, dir string, env map[string]string) *node {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	n := &node{t: t, dir: dir, env: env}
	n.start()
	t.Cleanup(n.close)
	return n
}

func (n *node) start() {
	n.t.Helper()
	vars := map[string]string{
		"CHRONIK_BIND_ADDR":   "127.0.0.1",
		"CHRONIK_KAFKA_PORT":  "0",
		"CHRONIK_WAL_PROFILE": "low",
		"CHRONIK_LOG_LEVEL":   "warn",
		// HTTP APIs on free ports, so that nodes run side by side.
		"CHRONIK_UNIFIED_API_PORT": "0",
		"CHRONIK_ADMIN_API_PORT":   "0",
		"CHRONIK_PG_PORT":          "0",
	}
	for k, v := range n.env {
		vars[k] = v
	}
	cfg, err := bootstrap.LoadConfig([]string{"--data-dir", n.dir}, func(k string) string { return vars[k] })
	if err != nil {
		n.t.Fatal(err)
	}
	var w io.Writer = io.Discard
	if os.Getenv("CHRONIK_TEST_LOG") != "" {
		w = os.Stderr
	}
	logger := bootstrap.NewLogger(cfg, w)
	nd, cleanup, err := bootstrap.Open(context.Background(), cfg, logger)
	if err != nil {
		n.t.Fatalf("opening node: %v", err)
	}
	if err := nd.Start(); err != nil {
		cleanup()
		n.t.Fatalf("starting node: %v", err)
	}
	n.addr = nd.Kafka.Addr().String()
	n.nd = nd
	n.stopped = false
	n.stop = func() {
		if err := nd.Stop(); err != nil {
			n.t.Errorf("stopping node: %v", err)
		}
		cleanup()
	}
}

// adminKey is the node's admin API key: CHRONIK_ADMIN_API_KEY, or the one
// generated into its data directory.
func (n *node) adminKey() string {
	n.t.Helper()
	if k := n.env["CHRONIK_ADMIN_API_KEY"]; k != "" {
		return k
	}
	b, err := os.ReadFile(filepath.Join(n.dir, "admin-api-key"))
	if err != nil {
		n.t.Fatalf("reading the admin key: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// restart stops the node cleanly and starts it again on the same data.
func (n *node) restart() {
	n.t.Helper()
	n.close()
	n.start()
}

func (n *node) close() {
	if !n.stopped {
		n.stopped = true
		n.stop()
	}
}

// client returns a franz-go client for the node, closed at test end.
func (n *node) client(opts ...kgo.Opt) *kgo.Client {
	n.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(n.addr), kgo.MetadataMinAge(100 * time.Millisecond)}, opts...)...)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(cl.Close)
	return cl
}

func (n *node) admin() *kadm.Client {
	return kadm.NewClient(n.client())
}

// waitUntil asks cond every interval until it holds; after timeout it fails
// the test with cond's account of its last try.
func waitUntil(t *testing.T, timeout, interval time.Duration, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(state)
		}
		time.Sleep(interval)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// createTopic creates a topic and fails the test on error.
func createTopic(t *testing.T, n *node, name string, partitions int32, configs map[string]*string) {
	t.Helper()
	resp, err := n.admin().CreateTopics(ctx(t), partitions, 1, configs, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp[name].Err; err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
}

// consumeAll reads want records from the start of topic.
func consumeAll(t *testing.T, n *node, topic string, want int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl := n.client(append([]kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	c := ctx(t)
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(c)
		if err := c.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), want, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}
