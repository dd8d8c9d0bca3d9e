package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// sqlAnswer is a /_sql answer.
type sqlAnswer struct {
	Columns    []struct{ Name, Type string } `json:"columns"`
	Rows       [][]any                       `json:"rows"`
	Watermarks map[string]map[string]int64   `json:"watermarks"`
	Truncated  bool                          `json:"truncated"`
}

// sql posts a query to the node's unified API and returns the status and
// the answer (or the error body).
func (n *node) sql(query string, params ...any) (int, sqlAnswer, string) {
	n.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "params": params})
	resp, err := http.Post("http://"+n.nd.HTTP.UnifiedAddr().String()+"/_sql", "application/json", bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a sqlAnswer
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &a); err != nil {
			n.t.Fatalf("%s: %v: %s", query, err, raw)
		}
	}
	return resp.StatusCode, a, string(raw)
}

// sqlOK runs a query that must succeed.
func (n *node) sqlOK(query string, params ...any) sqlAnswer {
	n.t.Helper()
	status, a, raw := n.sql(query, params...)
	if status != http.StatusOK {
		n.t.Fatalf("%s: HTTP %d %s", query, status, raw)
	}
	return a
}

// waitForCount polls COUNT(*) of a table until it is want.
func (n *node) waitForCount(table string, want int64) time.Duration {
	n.t.Helper()
	start := time.Now()
	var got any
	for time.Since(start) < 30*time.Second {
		status, a, _ := n.sql("SELECT COUNT(*) FROM " + table)
		if status == http.StatusOK && len(a.Rows) == 1 {
			if got = a.Rows[0][0]; got == float64(want) {
				return time.Since(start)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.t.Fatalf("COUNT(*) of %s is %v, want %d", table, got, want)
	return 0
}

type sqlOrder struct {
	ID       int     `json:"id"`
	Customer int     `json:"customer"`
	Amount   float64 `json:"amount"`
	Status   string  `json:"status"`
	Coupon   string  `json:"coupon,omitempty"`
}

func TestSQLOverTopics(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_HOT_BUFFER_MAX_RECORDS": "400",
		"CHRONIK_HOT_BUFFER_REFRESH_MS":  "100",
	})
	ctx := context.Background()
	adm := kadm.NewClient(n.client())
	enabled := map[string]*string{"columnar.enabled": kadm.StringPtr("true")}
	if _, err := adm.CreateTopic(ctx, 3, 1, enabled, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, enabled, "customers"); err != nil {
		t.Fatal(err)
	}
	cl := n.client(kgo.DefaultProduceTopic("orders"))
	var recs []*kgo.Record
	sums := map[string]float64{}
	perCustomer := map[int]int{}
	statuses := []string{"new", "paid", "shipped"}
	for i := range 2000 {
		o := sqlOrder{ID: i, Customer: i % 10, Amount: float64(i%97) + 0.25, Status: statuses[i%3]}
		if i >= 1700 {
			o.Coupon = "C" + fmt.Sprint(i%5) // a field added later: NULL in older rows
		}
		v, _ := json.Marshal(o)
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: v})
		sums[o.Status] += o.Amount
		perCustomer[o.Customer]++
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var custs []*kgo.Record
	for c := range 10 {
		custs = append(custs, &kgo.Record{Topic: "customers", Value: fmt.Appendf(nil, `{"id":%d,"name":"customer-%02d"}`, c, c)})
	}
	if err := cl.ProduceSync(ctx, custs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	took := n.waitForCount("orders", 2000)
	n.waitForCount("customers", 10)
	t.Logf("2000 records visible in SQL %v after the produce was acknowledged", took)

	// Aggregates against what the test produced.
	a := n.sqlOK("SELECT status, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
	if len(a.Rows) != 3 {
		t.Fatalf("GROUP BY: %v", a.Rows)
	}
	for _, r := range a.Rows {
		if got, want := r[1].(float64), sums[r[0].(string)]; math.Abs(got-want) > 1e-6 {
			t.Errorf("SUM(amount) of %v = %v, want %v", r[0], got, want)
		}
	}
	// A join of two topics.
	a = n.sqlOK(`SELECT c.name, COUNT(*) FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.name ORDER BY c.name`)
	if len(a.Rows) != 10 {
		t.Fatalf("join: %v", a.Rows)
	}
	for i, r := range a.Rows {
		if r[0] != fmt.Sprintf("customer-%02d", i) || r[1] != float64(perCustomer[i]) {
			t.Errorf("join row %d: %v, want customer-%02d %d", i, r, i, perCustomer[i])
		}
	}
	// Schema evolution: the later field is NULL in older rows.
	a = n.sqlOK("SELECT COUNT(coupon), COUNT(*) FILTER (WHERE coupon IS NULL) FROM orders")
	if a.Rows[0][0] != float64(300) || a.Rows[0][1] != float64(1700) {
		t.Fatalf("coupon counts: %v", a.Rows)
	}
	// Parameters, keys and Kafka coordinates.
	a = n.sqlOK("SELECT _partition, _offset, _key FROM orders WHERE id = $1", 1234)
	if len(a.Rows) != 1 || a.Rows[0][2] != "1234" {
		t.Fatalf("by id: %v", a.Rows)
	}

	// Watermarks: what the answer covers is exactly the log.
	offs, err := adm.ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	a = n.sqlOK("SELECT COUNT(*) FROM orders")
	var covered int64
	offs.Each(func(o kadm.ListedOffset) {
		got := a.Watermarks["orders"][fmt.Sprint(o.Partition)]
		if got != o.Offset {
			t.Errorf("watermark of orders-%d = %d, high watermark %d", o.Partition, got, o.Offset)
		}
		covered += got
	})
	if covered != 2000 {
		t.Errorf("watermarks cover %d records, want 2000", covered)
	}

	// Refusals and mistakes.
	for _, q := range []string{
		"DROP TABLE orders",
		"SELECT * FROM read_csv('/etc/passwd')",
		"COPY orders TO '/tmp/x.csv'",
		"ATTACH '/tmp/x.db'",
		"INSTALL httpfs",
		"SET threads = 64",
		"SELECT 1; SELECT 2",
	} {
		if status, _, raw := n.sql(q); status != http.StatusForbidden && status != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d %s, want 403 (or 400)", q, status, raw)
		} else if strings.Contains(raw, n.dir) {
			t.Errorf("%s: the error names the data directory: %s", q, raw)
		}
	}
	if status, _, raw := n.sql("SELEC nonsense"); status != http.StatusBadRequest {
		t.Errorf("bad SQL: HTTP %d %s, want 400", status, raw)
	}
	if status, _, raw := n.sql("SELECT * FROM nosuchtopic"); status != http.StatusBadRequest || !strings.Contains(raw, "nosuchtopic") {
		t.Errorf("unknown table: HTTP %d %s, want 400 naming it", status, raw)
	}

	// The other routes and formats.
	base := n.unifiedURL()
	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if body := get("/_sql/tables"); !strings.Contains(body, `{"name":"customers","partitions":1}`) || !strings.Contains(body, `{"name":"orders","partitions":3}`) {
		t.Errorf("/_sql/tables: %s", body)
	}
	if body := get("/_sql/describe/orders"); !strings.Contains(body, `"coupon"`) || !strings.Contains(body, `"_offset"`) {
		t.Errorf("/_sql/describe/orders: %s", body)
	}
	post := func(path, accept, query string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(`{"query": "`+query+`"}`))
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s %s: HTTP %d %s", path, query, resp.StatusCode, b)
		}
		return resp, b
	}
	if _, b := post("/_sql/explain", "", "SELECT COUNT(*) FROM orders"); !strings.Contains(string(b), "rows") || strings.Contains(string(b), n.dir) {
		t.Errorf("explain: %.300s", b)
	}
	if resp, b := post("/_sql?format=csv", "", "SELECT id, status FROM orders WHERE id < 3 ORDER BY id"); string(b) != "id,status\n0,new\n1,paid\n2,shipped\n" || resp.Header.Get("X-Chronik-Watermarks") == "" {
		t.Errorf("CSV: %q, watermarks %q", b, resp.Header.Get("X-Chronik-Watermarks"))
	}
	resp, b := post("/_sql", "application/vnd.apache.arrow.stream", "SELECT id FROM orders")
	rd, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Arrow stream (%s): %v", resp.Header.Get("Content-Type"), err)
	}
	arrowRows := 0
	for rd.Next() {
		arrowRows += int(rd.RecordBatch().NumRows())
	}
	rd.Release()
	if arrowRows != 2000 {
		t.Errorf("Arrow stream: %d rows, want 2000", arrowRows)
	}

	// The same answers after a restart (from the Parquet files).
	n.restart()
	n.waitForCount("orders", 2000)
	a = n.sqlOK("SELECT status, SUM(amount) FROM orders GROUP BY status ORDER BY status")
	var statusesAfter []string
	for _, r := range a.Rows {
		statusesAfter = append(statusesAfter, r[0].(string))
		if got, want := r[1].(float64), sums[r[0].(string)]; math.Abs(got-want) > 1e-6 {
			t.Errorf("after restart, SUM(amount) of %v = %v, want %v", r[0], got, want)
		}
	}
	if !sort.StringsAreSorted(statusesAfter) || len(statusesAfter) != 3 {
		t.Errorf("after restart: %v", statusesAfter)
	}
}

// TestSQLOverTieredAndRestoredTopics turns columnar storage on for a topic
// whose old segments are only in the object store (the pipeline backfills
// it from the bucket), then loses the node's disk and restores a new node
// from the bucket, which answers from the Parquet files there.
func TestSQLOverTieredAndRestoredTopics(t *testing.T) {
	s3 := newS3(t)
	env := with(fastTiering, with(s3.env(), map[string]string{
		"CHRONIK_HOT_BUFFER_MAX_RECORDS": "100",
		"CHRONIK_HOT_BUFFER_REFRESH_MS":  "100",
	}))
	n := startNode(t, "", env)
	tieredTopic(t, n, "tiered")
	values := produceValues(t, n, "tiered", 600)
	waitUploaded(t, n, "tiered")
	for deadline := time.Now().Add(15 * time.Second); localBytes(t, n, "tiered") > 64<<10+2*(32<<10); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("local segments were not dropped")
		}
	}
	adm := n.admin()
	if _, err := adm.AlterTopicConfigs(ctx(t), []kadm.AlterConfig{{Name: "columnar.enabled", Value: kadm.StringPtr("true")}}, "tiered"); err != nil {
		t.Fatal(err)
	}
	n.waitForCount("tiered", int64(len(values)))
	a := n.sqlOK("SELECT MIN(_offset), MAX(_offset), COUNT(DISTINCT value) FROM tiered")
	if a.Rows[0][0] != float64(0) || a.Rows[0][1] != float64(len(values)-1) || a.Rows[0][2] != float64(len(values)) {
		t.Fatalf("backfilled from the bucket: %v", a.Rows)
	}
	a = n.sqlOK("SELECT value FROM tiered WHERE _offset = 123")
	if a.Rows[0][0] != string(values[123]) {
		t.Fatalf("offset 123: %.20v", a.Rows[0][0])
	}
	if st := n.nd.Tiering.Stats(); st.RemoteReads == 0 {
		t.Fatal("the backfill read nothing from the object store")
	}

	// Everything sealed and in the bucket, with a snapshot of the manifests
	// and watermarks taken after: stop, lose the disk, restore.
	n.close()
	if err := os.RemoveAll(n.dir); err != nil {
		t.Fatal(err)
	}
	// The node's last seals and watermarks are in the last metadata
	// snapshot (the pipeline stops before it is taken), so the restored
	// node answers from the bucket exactly as the lost one did, including
	// records of the active segment that the restored log itself lost.
	m := startNode(t, t.TempDir(), env)
	m.waitForCount("tiered", int64(len(values)))
	a = m.sqlOK("SELECT value FROM tiered WHERE _offset = 123")
	if a.Rows[0][0] != string(values[123]) {
		t.Fatalf("restored offset 123: %.20v", a.Rows[0][0])
	}
}

// TestSQLOverRegistryTopicsAndPostgres produces Avro records framed by
// franz-go's serde with two versions of a schema, queries their typed
// columns, and runs the same queries through the Postgres listener with
// psql and pgx.
func TestSQLOverRegistryTopicsAndPostgres(t *testing.T) {
	port := freeTCPPort(t)
	n := startNode(t, "", map[string]string{"CHRONIK_PG_PORT": strconv.Itoa(port), "CHRONIK_HOT_BUFFER_REFRESH_MS": "100"})
	c := ctx(t)
	reg := registryClient(t, n)
	v1 := `{"type":"record","name":"Payment","fields":[{"name":"id","type":"long"},{"name":"note","type":"string"}]}`
	v2 := `{"type":"record","name":"Payment","fields":[{"name":"id","type":"long"},{"name":"note","type":"string"},{"name":"amount","type":"double","default":0}]}`
	var serde sr.Serde
	type p1 struct {
		ID   int64  `avro:"id"`
		Note string `avro:"note"`
	}
	type p2 struct {
		ID     int64   `avro:"id"`
		Note   string  `avro:"note"`
		Amount float64 `avro:"amount"`
	}
	for _, s := range []struct {
		text string
		v    any
	}{{v1, p1{}}, {v2, p2{}}} {
		registered, err := reg.CreateSchema(c, "payments-value", sr.Schema{Schema: s.text})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := avro.Parse(s.text)
		if err != nil {
			t.Fatal(err)
		}
		serde.Register(registered.ID, s.v, sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(parsed, v) }))
	}
	createTopic(t, n, "payments", 2, map[string]*string{"columnar.enabled": kadm.StringPtr("true")})
	cl := n.client(kgo.DefaultProduceTopic("payments"))
	var total float64
	for i := range 30 {
		var v any = p1{ID: int64(i), Note: fmt.Sprint("n", i)}
		if i >= 20 {
			v = p2{ID: int64(i), Note: fmt.Sprint("n", i), Amount: float64(i) / 2}
			total += float64(i) / 2
		}
		b, err := serde.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(c, &kgo.Record{Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	n.waitForCount("payments", 30)
	a := n.sqlOK("SELECT COUNT(amount), SUM(amount), SUM(id), MAX(note) FROM payments")
	// SUM of a BIGINT is a HUGEINT, a number in JSON answers when it fits 64 bits.
	if a.Rows[0][0] != float64(10) || a.Rows[0][1] != total || a.Rows[0][2] != float64(435) || a.Rows[0][3] != "n9" {
		t.Fatalf("typed columns across two schema versions: %#v %v", a.Rows, a.Columns)
	}

	// psql, as a user would run it.
	out, err := exec.Command("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "analyst", "-d", "chronik", "-At",
		"-c", "SELECT COUNT(*), SUM(id) FROM payments").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "30|435" {
		t.Fatalf("psql printed %q, want 30|435", got)
	}
	out, err = exec.Command("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "analyst", "-d", "chronik", "-At",
		"-c", "SELECT * FROM read_csv('/etc/passwd')").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "ERROR") {
		t.Fatalf("psql ran a file read: %s", out)
	}

	// pgx with a parameter, over the extended protocol.
	conn, err := pgx.Connect(c, fmt.Sprintf("postgres://analyst@127.0.0.1:%d/chronik", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(c)
	var note string
	var amount *float64
	if err := conn.QueryRow(c, "SELECT note, amount FROM payments WHERE id = $1", 25).Scan(&note, &amount); err != nil {
		t.Fatal(err)
	}
	if note != "n25" || amount == nil || *amount != 12.5 {
		t.Fatalf("pgx: %q %v", note, amount)
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSQLBadInputKeepsKafkaServing: a query past its timeout, one past the
// row limit and a value that is not what its schema says each get their
// answer, while the node keeps serving Kafka.
func TestSQLBadInputKeepsKafkaServing(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_SQL_TIMEOUT_MS":        "300",
		"CHRONIK_SQL_MAX_ROWS":          "100",
		"CHRONIK_HOT_BUFFER_REFRESH_MS": "100",
	})
	c := ctx(t)
	createTopic(t, n, "events", 1, map[string]*string{"columnar.enabled": kadm.StringPtr("true")})
	cl := n.client(kgo.DefaultProduceTopic("events"))
	var recs []*kgo.Record
	for i := range 3000 {
		recs = append(recs, &kgo.Record{Value: fmt.Appendf(nil, `{"i":%d}`, i)})
	}
	// A value framed with a registered Avro schema's id whose payload is
	// not Avro of that schema.
	registered, err := registryClient(t, n).CreateSchema(c, "events-value", sr.Schema{Schema: `{"type":"record","name":"E","fields":[{"name":"s","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte{0, 0, 0, 0, byte(registered.ID)}, 0x7f, 0xff, 0xff)
	recs = append(recs, &kgo.Record{Value: bad})
	if err := cl.ProduceSync(c, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	n.waitForCount("events", 3001)

	a := n.sqlOK("SELECT i FROM events")
	if len(a.Rows) != 100 || !a.Truncated {
		t.Errorf("row limit: %d rows, truncated %v", len(a.Rows), a.Truncated)
	}
	start := time.Now()
	status, _, raw := n.sql("SELECT COUNT(*) FROM events a, events b, events c WHERE (a.i * 7 + b.i * 13 + c.i) % 1000003 = 17")
	if status != http.StatusRequestTimeout || time.Since(start) > 10*time.Second {
		t.Errorf("runaway query: HTTP %d after %v: %s", status, time.Since(start), raw)
	}
	a = n.sqlOK("SELECT COUNT(*) FROM events WHERE i IS NULL")
	if a.Rows[0][0] != float64(1) {
		t.Errorf("the undecodable value is not indexed whole: %v", a.Rows)
	}
	resp, err := http.Get(n.unifiedURL() + "/admin/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Indexing []struct {
			Topic       string `json:"topic"`
			Undecodable int64  `json:"undecodable_records"`
			LagRecords  int64  `json:"lag_records"`
		} `json:"indexing"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Indexing) != 1 || st.Indexing[0].Undecodable != 1 || st.Indexing[0].LagRecords != 0 {
		t.Errorf("/admin/status indexing: %+v", st.Indexing)
	}
	// Bodies: too large, not JSON, no query, a parameter of no SQL type.
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"query": "SELECT 1 -- ` + strings.Repeat("x", 2<<20) + `"}`, http.StatusRequestEntityTooLarge},
		{strings.Repeat("[", 100000), http.StatusBadRequest},
		{`{"params": [1]}`, http.StatusBadRequest},
		{`{"query": "SELECT $1", "params": [{"a": 1}]}`, http.StatusBadRequest},
	} {
		resp, err := http.Post(n.unifiedURL()+"/_sql", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("body %.40q: HTTP %d %s, want %d", tc.body, resp.StatusCode, b, tc.status)
		}
	}

	// Kafka still serves: a round trip after all of it.
	if err := cl.ProduceSync(c, &kgo.Record{Value: []byte(`{"i":-5}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	consumeFromValue(t, n, "events", 3001, []byte(`{"i":-5}`))
}

// consumeFromValue reads the record at offset of partition 0 and checks its value.
func consumeFromValue(t *testing.T, n *node, topicName string, offset int64, want []byte) {
	t.Helper()
	cl := n.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topicName: {0: kgo.NewOffset().At(offset)}}))
	fs := cl.PollFetches(ctx(t))
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	if recs := fs.Records(); len(recs) == 0 || !bytes.Equal(recs[0].Value, want) {
		t.Fatalf("record %d: %v", offset, recs)
	}
}
