package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/chronik-stream/chronik/domain/schema"
)

// httpGet fetches url with optional headers and returns the status and body.
func httpGet(t *testing.T, url string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func (n *node) unifiedURL() string { return "http://" + n.nd.HTTP.UnifiedAddr().String() }
func (n *node) adminURL() string   { return "http://" + n.nd.HTTP.AdminAddr().String() }

// A whole node: /health once started, /metrics after Kafka traffic, the
// admin API behind the generated key (kept across a restart), and the
// broker's state over HTTP.
func TestHTTPHealthMetricsAndAdmin(t *testing.T) {
	n := startNode(t, "", nil)
	code, body := httpGet(t, n.unifiedURL()+"/health")
	if code != http.StatusOK || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Fatalf("/health: HTTP %d %s", code, body)
	}

	// Kafka traffic, then the metrics.
	createTopic(t, n, "http-orders", 2, nil)
	_, before := httpGet(t, n.unifiedURL()+"/metrics")
	cl := n.client(kgo.DefaultProduceTopic("http-orders"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := range 10 {
		if err := cl.ProduceSync(ctx(t), &kgo.Record{Partition: 0, Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	consumeAll(t, n, "http-orders", 10)
	code, body = httpGet(t, n.unifiedURL()+"/metrics")
	if code != http.StatusOK || !strings.Contains(string(body), "go_goroutines") || !strings.Contains(string(body), "process_") {
		t.Fatalf("/metrics: HTTP %d without the Go runtime and process series:\n%.1000s", code, body)
	}
	// The series the traffic moves.
	for _, series := range []string{
		`chronik_kafka_requests_total{api="Produce"`,
		`chronik_kafka_requests_total{api="Fetch"`,
		`chronik_kafka_request_duration_seconds_count{api="Produce"}`,
		`chronik_topic_bytes_in_total{topic="http-orders"}`,
		`chronik_topic_bytes_out_total{topic="http-orders"}`,
		`chronik_wal_commits_total`,
		`chronik_wal_commit_duration_seconds_count`,
		`chronik_wal_bytes_total`,
	} {
		was, now := metricSum(string(before), series), metricSum(string(body), series)
		if now <= was {
			t.Errorf("%s did not move with traffic: %v before, %v after", series, was, now)
		}
	}

	// The admin key was generated into the data directory, private.
	keyFile := filepath.Join(n.dir, "admin-api-key")
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no generated admin key: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin key file mode %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(keyFile)
	key := strings.TrimSpace(string(raw))

	var e struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	for _, headers := range [][]string{nil, {"X-API-Key", "not-the-key"}} {
		code, body = httpGet(t, n.adminURL()+"/admin/status", headers...)
		if err := json.Unmarshal(body, &e); code != http.StatusUnauthorized || err != nil || e.ErrorCode != 401 || e.Message == "" {
			t.Fatalf("admin status with headers %v: HTTP %d %s", headers, code, body)
		}
	}
	if code, body = httpGet(t, n.adminURL()+"/admin/health"); code != http.StatusOK {
		t.Fatalf("/admin/health without a key: HTTP %d %s", code, body)
	}
	var st struct {
		NodeID     int    `json:"node_id"`
		Kafka      string `json:"kafka_address"`
		DataDir    string `json:"data_dir"`
		Topics     int    `json:"topics"`
		Partitions int    `json:"partitions"`
		Ready      bool   `json:"ready"`
		Tiering    *struct {
			Snapshots int64 `json:"snapshots"`
		} `json:"tiering"`
	}
	code, body = httpGet(t, n.adminURL()+"/admin/status", "X-API-Key", key)
	if err := json.Unmarshal(body, &st); code != http.StatusOK || err != nil {
		t.Fatalf("admin status: HTTP %d %s", code, body)
	}
	if st.NodeID != 1 || st.Kafka != n.addr || st.DataDir != n.dir || st.Topics != 1 || st.Partitions != 2 || !st.Ready || st.Tiering == nil {
		t.Fatalf("admin status %s", body)
	}
	var topic struct {
		Parts []struct {
			HighWatermark int64 `json:"high_watermark"`
			SizeBytes     int64 `json:"size_bytes"`
		} `json:"partition_info"`
	}
	code, body = httpGet(t, n.unifiedURL()+"/admin/topics/http-orders")
	if err := json.Unmarshal(body, &topic); code != http.StatusOK || err != nil || len(topic.Parts) != 2 ||
		topic.Parts[0].HighWatermark != 10 || topic.Parts[0].SizeBytes == 0 {
		t.Fatalf("topic: HTTP %d %s", code, body)
	}

	// A restart keeps the key and serves again.
	n.restart()
	if code, body = httpGet(t, n.adminURL()+"/admin/topics", "X-API-Key", key); code != http.StatusOK || !strings.Contains(string(body), "http-orders") {
		t.Fatalf("after restart: HTTP %d %s", code, body)
	}
}

// The schema registry through franz-go's client. It needs the Avro parser,
// which bootstrap's provideSchemaFormats does not list yet.
func TestSchemaRegistryWithClient(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_ADMIN_API_KEY": "e2e-admin-key-0123456789"})
	if types := n.nd.Registry.Types(); !slices.Contains(types, schema.Avro) {
		t.Skipf("the registry parses %v, not AVRO: the schema parsers are not wired yet (bootstrap.provideSchemaFormats)", types)
	}
	c := ctx(t)
	cl := registryClient(t, n)
	v1 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}`
	v2 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""}]}`
	bad := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"total","type":"double"}]}`

	// Without the admin key, writes on the unified port are refused with
	// Confluent's error shape; reads are open.
	anon, _ := sr.NewClient(sr.URLs(n.unifiedURL()))
	var unauth *sr.ResponseError
	if _, err := anon.CreateSchema(c, "orders-value", sr.Schema{Schema: v1}); !errors.As(err, &unauth) || unauth.StatusCode != 401 || unauth.ErrorCode != 401 {
		t.Fatalf("an anonymous registration: %v", err)
	}
	if modes := anon.SetMode(c, sr.ModeReadOnly); modes[0].Err == nil {
		t.Fatal("an anonymous client set the global mode")
	}
	s1, err := cl.CreateSchema(c, "orders-value", sr.Schema{Schema: v1})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := anon.SchemaByID(c, s1.ID); err != nil || got.Schema == "" {
		t.Fatalf("an anonymous read: %+v %v", got, err)
	}
	if again, err := cl.RegisterSchema(c, "orders-value", sr.Schema{Schema: v1}, -1, -1); err != nil || again != s1.ID {
		t.Fatalf("registering the same schema again: id %d (want %d), %v", again, s1.ID, err)
	}
	s2, err := cl.CreateSchema(c, "orders-value", sr.Schema{Schema: v2})
	if err != nil || s2.Version != 2 || s2.ID == s1.ID {
		t.Fatalf("a compatible evolution: %+v %v", s2, err)
	}
	var re *sr.ResponseError
	if _, err := cl.CreateSchema(c, "orders-value", sr.Schema{Schema: bad}); !errors.As(err, &re) || re.ErrorCode != 409 {
		t.Fatalf("a new field without a default under BACKWARD: %v", err)
	}
	got, err := cl.SchemaByID(c, s1.ID)
	if err != nil || !strings.Contains(got.Schema, "Order") || got.Type != sr.TypeAvro {
		t.Fatalf("schema by id: %+v %v", got, err)
	}
	if subjects, err := cl.Subjects(c); err != nil || !slices.Equal(subjects, []string{"orders-value"}) {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	if versions, err := cl.SubjectVersions(c, "orders-value"); err != nil || !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("versions %v %v", versions, err)
	}
	if res := cl.SetCompatibility(c, sr.SetCompatibility{Level: sr.CompatNone}, "orders-value"); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if res := cl.Compatibility(c, "orders-value"); res[0].Err != nil || res[0].Level != sr.CompatNone {
		t.Fatalf("compatibility %+v", res[0])
	}
	if _, err := cl.CreateSchema(c, "orders-value", sr.Schema{Schema: bad}); err != nil {
		t.Fatalf("NONE lets anything in: %v", err)
	}
	if err := cl.DeleteSchema(c, "orders-value", 3, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if deleted, err := cl.DeleteSubject(c, "orders-value", sr.SoftDelete); err != nil || !slices.Equal(deleted, []int{1, 2}) {
		t.Fatalf("delete subject: %v %v", deleted, err)
	}
	if _, err := cl.DeleteSubject(c, "orders-value", sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if subjects, err := cl.Subjects(sr.WithParams(c, sr.ShowDeleted)); err != nil || len(subjects) != 0 {
		t.Fatalf("subjects after a permanent delete: %v %v", subjects, err)
	}
	// Re-registering after the delete reuses the id; schemas survive a restart.
	if id, err := cl.RegisterSchema(c, "orders-value", sr.Schema{Schema: v1}, -1, -1); err != nil || id != s1.ID {
		t.Fatalf("re-register: id %d (want %d) %v", id, s1.ID, err)
	}
	n.restart()
	cl = registryClient(t, n)
	if got, err := cl.SchemaByVersion(context.Background(), "orders-value", -1); err != nil || got.ID != s1.ID {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	// The admin port serves the registry too, behind the key.
	admin, _ := sr.NewClient(sr.URLs(n.adminURL()), sr.PreReq(func(r *http.Request) error {
		r.Header.Set("X-API-Key", "e2e-admin-key-0123456789")
		return nil
	}))
	if subjects, err := admin.Subjects(c); err != nil || !slices.Equal(subjects, []string{"orders-value"}) {
		t.Fatalf("subjects on the admin port: %v %v", subjects, err)
	}
}

// metricSum adds up the values of every sample line of a Prometheus text
// exposition that starts with prefix.
func metricSum(text, prefix string) float64 {
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		fields := strings.Fields(line)
		if v, err := strconv.ParseFloat(fields[len(fields)-1], 64); err == nil {
			sum += v
		}
	}
	return sum
}
