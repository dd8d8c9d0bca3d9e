package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// localParquet counts the node's local Parquet files.
func localParquet(t *testing.T, n *node) int {
	t.Helper()
	count := 0
	err := filepath.WalkDir(filepath.Join(n.dir, "columnar"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".parquet") {
			count++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return count
}

// A topic sealed into many small files is compacted into a few while it
// is queried; its answers stay the same, and so do those of a node
// restored from the bucket after the merges.
func TestSQLCompactionThenRestore(t *testing.T) {
	s3 := newS3(t)
	env := with(fastTiering, with(s3.env(), map[string]string{
		"CHRONIK_HOT_BUFFER_MAX_RECORDS":       "100",
		"CHRONIK_HOT_BUFFER_REFRESH_MS":        "50",
		"CHRONIK_COLUMNAR_COMPACT_MIN_FILES":   "4",
		"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS": "100",
		"CHRONIK_COLUMNAR_COMPACT_QUIET_MS":    "500",
	}))
	n := startNode(t, "", env)
	// Tiered, so that the restored node's log keeps the records (its
	// closed segments are in the bucket).
	createTopic(t, n, "events", 1, map[string]*string{
		"columnar.enabled":      kadm.StringPtr("true"),
		"segment.bytes":         kadm.StringPtr(strconv.Itoa(16 << 10)),
		"local.retention.bytes": kadm.StringPtr(strconv.Itoa(64 << 10)),
	})
	cl := n.client(kgo.DefaultProduceTopic("events"), kgo.ProducerLinger(0), kgo.ProducerBatchMaxBytes(4<<10))
	const total = 3000
	var sum int64
	for batch := 0; batch < total; batch += 100 {
		var recs []*kgo.Record
		for i := batch; i < batch+100; i++ {
			recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: fmt.Appendf(nil, `{"id":%d,"part":"p%d"}`, i, i%7)})
			sum += int64(i)
		}
		if err := cl.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(m *node, what string) {
		t.Helper()
		a := m.sqlOK("SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), COUNT(DISTINCT (_partition, _offset)) FROM events")
		want := []any{float64(total), float64(total), float64(sum), float64(total)}
		if fmt.Sprint(a.Rows[0]) != fmt.Sprint(want) {
			t.Fatalf("%s: %v, want %v", what, a.Rows[0], want)
		}
	}
	n.waitForCount("events", total)
	check(n, "before compaction")
	waitUploaded(t, n, "events")
	// 30 files sealed; merged down to a few.
	waitUntil(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		check(n, "during compaction")
		files := localParquet(t, n)
		st := n.nd.SQL.CompactionStats()
		return files <= 3 && st.Merges > 0 && st.Rows >= total/2, fmt.Sprintf("%d local Parquet files, compaction %+v", files, st)
	})
	if st := n.nd.SQL.CompactionStats(); st.Merges == 0 || st.Rows < total/2 {
		t.Fatalf("compaction %+v", st)
	}
	check(n, "after compaction")
	// The merges and the queries show on /metrics.
	_, body := httpGet(t, n.unifiedURL()+"/metrics")
	for _, series := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^chronik_columnar_merges_total [1-9]`),
		regexp.MustCompile(`(?m)^chronik_columnar_merged_rows_total [1-9]`),
		regexp.MustCompile(`(?m)^chronik_sql_queries_total\{result="ok"\} [1-9]`),
		regexp.MustCompile(`(?m)^chronik_columnar_cache_bytes [1-9]`),
	} {
		if !series.Match(body) {
			t.Errorf("/metrics has no %s", series)
		}
	}

	n.close()
	if err := os.RemoveAll(n.dir); err != nil {
		t.Fatal(err)
	}
	m := startNode(t, t.TempDir(), env)
	m.waitForCount("events", total)
	check(m, "restored")
}
