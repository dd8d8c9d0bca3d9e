package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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
