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

// TestSearchCrashKeepsEveryRecordOnce kills the node with SIGKILL while it
// produces to a search.enabled topic and the pipeline indexes it and seals
// its indexes (every 200 documents: pack, upload, manifest), restarts it,
// and in the end checks that search holds every record of the log once:
// _count per partition equals the log's records, and paging over all hits
// in index order with search_after meets each offset of the log once.
func TestSearchCrashKeepsEveryRecordOnce(t *testing.T) {
	httpPort := freePort(t)
	s := newServer(t, t.TempDir(), "1MB",
		"CHRONIK_UNIFIED_API_PORT="+strconv.Itoa(httpPort),
		"CHRONIK_HOT_BUFFER_REFRESH_MS=50",
		"CHRONIK_SEARCH_SEAL_DOCS=200")
	cl := newClient(t, s.addr())
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 3, 1, map[string]*string{"search.enabled": kadm.StringPtr("true")}, "logs"); err != nil {
		t.Fatal(err)
	}
	// Indexing costs far more than producing: produce at most 1,500
	// records a round, at most ~2,500 records/s, and kill the node each
	// round after it sealed an index, so that kills hit indexing and
	// sealing, not only start-up.
	sealed := 0
	armed := func() bool {
		n := sealedIndexes(s.dir)
		if n > sealed {
			sealed = n
			return true
		}
		return false
	}
	armed()
	sent := killWhileProducing(t, s, "logs", killPlan{Rounds: max(4, kills()/2), Burst: 50, Pause: 20 * time.Millisecond, Limit: 1500, Armed: armed})
	want := logRanges(t, s, "logs")
	var records int64
	for _, r := range want {
		records += r.End - r.Start
	}
	t.Logf("%d kills; the log holds %d records: %v", sent, records, want)
	if records == 0 {
		t.Fatal("nothing was produced; the test proves nothing")
	}

	// Wait until the answers cover the whole log (watermarks at its
	// ends); then each partition's _count is its number of records.
	es := esAt(t, httpPort)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ans := es.post(t, "/logs/_search", `{"size":0}`)
		marks, _ := ans["_kafka"].(map[string]any)["watermarks"].(map[string]any)
		covered := true
		for p, r := range want {
			if marks[fmt.Sprintf("logs/%d", p)] != float64(r.End) {
				covered = false
			}
		}
		if covered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search covers %v; the log is %v", marks, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for p, r := range want {
		ans := es.post(t, "/logs/_count", fmt.Sprintf(`{"query":{"term":{"_partition":%d}}}`, p))
		if got := ans["count"]; got != float64(r.End-r.Start) {
			t.Fatalf("partition %d: _count %v, the log holds %d records (%d-%d)", p, got, r.End-r.Start, r.Start, r.End-1)
		}
	}

	// Every offset of the log once, paging in index order (partition,
	// offset) with search_after.
	seen := map[int32]map[int64]bool{}
	after := ""
	pages := 0
	for ; pages < int(records/1000)+10; pages++ {
		ans := es.post(t, "/logs/_search", `{"size":1000,"_source":false,"sort":["_doc"]`+after+`}`)
		hits, _ := ans["hits"].(map[string]any)["hits"].([]any)
		if len(hits) == 0 {
			break
		}
		for _, h := range hits {
			h := h.(map[string]any)
			p, off := int32(h["_partition"].(float64)), int64(h["_offset"].(float64))
			if r, ok := want[p]; !ok || off < r.Start || off >= r.End {
				t.Fatalf("hit %d-%d is not in the log %v", p, off, want)
			}
			if seen[p] == nil {
				seen[p] = map[int64]bool{}
			}
			if seen[p][off] {
				t.Fatalf("offset %d of partition %d is found twice", off, p)
			}
			seen[p][off] = true
		}
		last, _ := json.Marshal(hits[len(hits)-1].(map[string]any)["sort"])
		after = `,"search_after":` + string(last)
	}
	for p, r := range want {
		if got := int64(len(seen[p])); got != r.End-r.Start {
			t.Fatalf("partition %d: paging met %d offsets, the log holds %d (%d-%d)", p, got, r.End-r.Start, r.Start, r.End-1)
		}
	}
	t.Logf("search holds the log once: %d records met on %d pages", records, pages)

	// The kills hit seals too: many sealed indexes were uploaded.
	packed := sealedIndexes(s.dir)
	t.Logf("%d sealed indexes in the bucket for %d records sealed 200 at a time", packed, records)
	if packed < sent {
		t.Fatalf("%d sealed indexes after %d kills: the node did not seal as it indexed", packed, sent)
	}
}

// sealedIndexes counts the sealed indexes in the local bucket of the node
// whose data is in dir (deleted ones included).
func sealedIndexes(dir string) int {
	n := 0
	_ = filepath.WalkDir(filepath.Join(dir, "objects", "search"), func(_ string, d fs.DirEntry, err error) error {
		// The local bucket's file names add a suffix to the object keys.
		if err == nil && strings.Contains(d.Name(), ".index") {
			n++
		}
		return nil
	})
	return n
}

// esClient speaks Elasticsearch's search API to a node's unified port.
type esClient struct{ base string }

func esAt(_ *testing.T, port int) esClient {
	return esClient{base: "http://127.0.0.1:" + strconv.Itoa(port)}
}

// post sends body to path and returns the decoded answer; any status
// but 200 fails the test.
func (c esClient) post(t *testing.T, path, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(c.base+path, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", path, body, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v: %s", path, err, raw)
	}
	return out
}
