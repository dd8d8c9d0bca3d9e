package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// TestSQLCrashKeepsEveryRecordOnce kills the node with SIGKILL while it
// produces to a columnar topic and the indexing pipeline seals Parquet
// files (small hot buffers seal every few hundred records) and merges them
// (compaction of every two similar files), restarts it,
// and in the end checks that SQL holds every record of the log once per
// partition: as many rows as offsets, no offset twice, none missing.
func TestSQLCrashKeepsEveryRecordOnce(t *testing.T) {
	httpPort := freePort(t)
	s := newServer(t, t.TempDir(), "1MB",
		"CHRONIK_UNIFIED_API_PORT="+strconv.Itoa(httpPort),
		"CHRONIK_HOT_BUFFER_MAX_RECORDS=250",
		"CHRONIK_HOT_BUFFER_REFRESH_MS=50",
		// Compaction merges while the node is killed: every pair of
		// similar files, at once.
		"CHRONIK_COLUMNAR_COMPACT_MIN_FILES=2",
		"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS=50",
		"CHRONIK_COLUMNAR_COMPACT_QUIET_MS=100")
	cl := newClient(t, s.addr())
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"columnar.enabled": kadm.StringPtr("true")}, "events"); err != nil {
		t.Fatal(err)
	}
	sent := killWhileProducing(t, s, "events", killPlan{Rounds: max(3, kills()/5), Burst: 200, Pause: 5 * time.Millisecond})
	t.Logf("%d kills", sent)

	// Every record the log holds, once, in SQL.
	want := map[string][2]int64{}
	for p, r := range logRanges(t, s, "events") {
		want[strconv.Itoa(int(p))] = [2]int64{r.Start, r.End}
	}
	query := `SELECT _partition, COUNT(*), COUNT(DISTINCT _offset), MIN(_offset), MAX(_offset) FROM events GROUP BY _partition ORDER BY _partition`
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, marks := sqlRows(t, httpPort, query)
		done := len(rows) == len(want)
		for _, r := range rows {
			p := fmt.Sprint(r[0])
			w := want[p]
			count, distinct := fmt.Sprint(r[1]), fmt.Sprint(r[2])
			if count != distinct {
				t.Fatalf("partition %s: %s rows but %s distinct offsets: a record is in SQL twice", p, count, distinct)
			}
			if marks[p] != w[1] || count != fmt.Sprint(w[1]-w[0]) {
				done = false
			}
		}
		if done {
			for _, r := range rows {
				w := want[fmt.Sprint(r[0])]
				if fmt.Sprint(r[3]) != fmt.Sprint(w[0]) || fmt.Sprint(r[4]) != fmt.Sprint(w[1]-1) {
					t.Fatalf("partition %v: offsets %v-%v, log %d-%d", r[0], r[3], r[4], w[0], w[1]-1)
				}
			}
			t.Logf("SQL holds the log once: %v", rows)
			// Compaction ran: far fewer files than seals.
			var records int64
			for _, w := range want {
				records += w[1] - w[0]
			}
			files := 0
			_ = filepath.WalkDir(filepath.Join(s.dir, "columnar"), func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".parquet") {
					files++
				}
				return nil
			})
			t.Logf("%d local Parquet files for %d records sealed 250 at a time", files, records)
			if int64(files) > records/250/2 {
				t.Fatalf("%d Parquet files for %d records: compaction did not merge", files, records)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SQL answers %v with watermarks %v; the log is %v", rows, marks, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sqlRows runs a query on the node's unified API and returns its rows and
// the watermarks of the table events.
func sqlRows(t *testing.T, port int, query string) ([][]any, map[string]int64) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post("http://127.0.0.1:"+strconv.Itoa(port)+"/_sql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", query, resp.StatusCode, raw)
	}
	var a struct {
		Rows       [][]any                     `json:"rows"`
		Watermarks map[string]map[string]int64 `json:"watermarks"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return a.Rows, a.Watermarks["events"]
}
