package httpapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

const testKey = "test-admin-key-0123456789abcdef"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fixture is a Server over the in-memory adapters, served by httptest.
type fixture struct {
	srv      *httpapi.Server
	unified  *httptest.Server
	admin    *httptest.Server
	topics   *topics.Service
	logs     *tiering.Store
	groups   *groups.Service
	registry *registry.Service
}

func newFixture(t *testing.T, configure func(*httpapi.Config, *httpapi.Services)) *fixture {
	t.Helper()
	ctx := context.Background()
	meta := tiering.Track(memmeta.New())
	tier, err := tiering.New(ctx, tiering.Config{Interval: time.Hour}, memlog.New(), meta, memstore.New(), clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	tp, err := topics.New(ctx, topics.Config{DefaultPartitions: 1}, meta, tier, quiet())
	if err != nil {
		t.Fatal(err)
	}
	gs, err := groups.New(ctx, groups.Config{}, tp, meta, tier, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Close)
	reg, err := registry.New(ctx, meta, []schemaformat.Parser{schemaformattest.Fields{}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	prom := prometheus.NewRegistry()
	prom.MustRegister(collectors.NewGoCollector())
	cfg := httpapi.Config{
		AdminKey:     testKey,
		MaxBodyBytes: 4096,
		Node: httpapi.NodeInfo{ID: 7, Version: "1.2.3", DataDir: "/var/lib/chronik", Advertised: "broker:9092",
			KafkaAddr: func() string { return "127.0.0.1:9092" }},
	}
	svc := httpapi.Services{Topics: tp, Fetch: fetch.New(tier, tier), Groups: gs, Tiering: tier, Registry: reg,
		Metrics: promhttp.HandlerFor(prom, promhttp.HandlerOpts{})}
	if configure != nil {
		configure(&cfg, &svc)
	}
	srv, err := httpapi.New(cfg, svc, quiet())
	if err != nil {
		t.Fatal(err)
	}
	srv.SetReady(true)
	f := &fixture{srv: srv, topics: tp, logs: tier, groups: gs, registry: reg,
		unified: httptest.NewServer(srv.UnifiedHandler()), admin: httptest.NewServer(srv.AdminHandler())}
	t.Cleanup(f.unified.Close)
	t.Cleanup(f.admin.Close)
	return f
}

// response is an HTTP answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body is JSON-encoded unless it is a string. A
// request other than GET and HEAD that gives neither X-API-Key nor
// Authorization carries the admin key, as registry writes on the unified
// port need; doAnon sends none.
func do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	if method != http.MethodGet && method != http.MethodHead {
		given := false
		for i := 0; i+1 < len(headers); i += 2 {
			given = given || http.CanonicalHeaderKey(headers[i]) == "Authorization" || http.CanonicalHeaderKey(headers[i]) == http.CanonicalHeaderKey(httpapi.HeaderAPIKey)
		}
		if !given {
			headers = append(headers, httpapi.HeaderAPIKey, testKey)
		}
	}
	return doAnon(t, method, url, body, headers...)
}

// doAnon sends a request with only the headers given.
func doAnon(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// decode unmarshals the body, failing the test when the status is not want.
func (r response) decode(t *testing.T, want int, into any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("HTTP %d, want %d: %s", r.status, want, r.body)
	}
	if into != nil {
		if err := json.Unmarshal(r.body, into); err != nil {
			t.Fatalf("decoding %s: %v", r.body, err)
		}
	}
}

type apiErr struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// isError checks an error answer: its status, its code and that its body
// has exactly the one error shape.
func (r response) isError(t *testing.T, status, code int) apiErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.status, status, r.body)
	}
	var fields map[string]any
	if err := json.Unmarshal(r.body, &fields); err != nil {
		t.Fatalf("error body is not JSON: %q", r.body)
	}
	if len(fields) != 2 || fields["error_code"] == nil || fields["message"] == nil {
		t.Fatalf("error body %s is not {error_code, message}", r.body)
	}
	var e apiErr
	_ = json.Unmarshal(r.body, &e)
	if e.ErrorCode != code || e.Message == "" {
		t.Fatalf("error %+v, want code %d and a message", e, code)
	}
	return e
}

// appendRecords appends a batch of n records to a partition.
func (f *fixture) appendRecords(t *testing.T, topicName string, partition int32, n int) {
	t.Helper()
	b := make([]byte, record.HeaderSize+16)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12)) // batch length
	b[16] = 2                                            // magic
	binary.BigEndian.PutUint32(b[23:], uint32(n-1))      // last offset delta
	ts := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint64(b[27:], ts)
	binary.BigEndian.PutUint64(b[35:], ts)
	binary.BigEndian.PutUint64(b[43:], ^uint64(0)) // producer id -1
	binary.BigEndian.PutUint16(b[51:], 0xffff)
	binary.BigEndian.PutUint32(b[53:], 0xffffffff)
	binary.BigEndian.PutUint32(b[57:], uint32(n))
	binary.BigEndian.PutUint32(b[17:], record.Checksum(b[21:]))
	p := topicPartition(topicName, partition)
	if _, d, err := f.logs.Append(context.Background(), p, b); err != nil {
		t.Fatal(err)
	} else if err := d.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func topicPartition(name string, i int32) topic.Partition {
	return topic.Partition{Topic: name, Index: i}
}
