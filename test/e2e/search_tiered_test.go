package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSearchOverTieredAndRestoredTopics turns search on for a topic whose
// old segments are only in the object store (the pipeline indexes it from
// offset 0, reading the bucket), checks that searches find the old
// records, then loses the node's disk and restores a new node from the
// bucket, which answers the same searches the same way from the sealed
// indexes there.
func TestSearchOverTieredAndRestoredTopics(t *testing.T) {
	s3 := newS3(t)
	env := with(fastTiering, with(s3.env(), map[string]string{
		"CHRONIK_SEARCH_SEAL_DOCS":      "100",
		"CHRONIK_SEARCH_SEAL_AGE_MS":    "500", // the tail of the backfill seals too
		"CHRONIK_HOT_BUFFER_REFRESH_MS": "100",
	}))
	start := time.Now()
	n := startNode(t, "", env)
	tieredTopic(t, n, "tiered")
	const count = 600
	produceTieredDocs(t, n, "tiered", count)
	waitUploaded(t, n, "tiered")
	for deadline := time.Now().Add(15 * time.Second); localBytes(t, n, "tiered") > 64<<10+2*(32<<10); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("local segments were not dropped")
		}
	}
	if _, err := n.admin().AlterTopicConfigs(ctx(t), []kadm.AlterConfig{{Name: "search.enabled", Value: kadm.StringPtr("true")}}, "tiered"); err != nil {
		t.Fatal(err)
	}
	es := esClientOf(t, n)
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		status, ans := esDo(t, es, "GET", "/tiered/_count", "")
		return status == 200 && ans["count"] == float64(count), fmt.Sprint(status, ans)
	})
	if st := n.nd.Tiering.Stats(); st.RemoteReads == 0 {
		t.Fatal("indexing read nothing from the object store")
	}
	t.Logf("%v: %d records indexed from the bucket", time.Since(start), count)

	// What the searches must find, worked out from what was produced.
	queries := []struct {
		body  string
		total int
		first int64 // the first hit's offset; -1: no hits asked for
	}{
		{`{"size":0,"query":{"match_all":{}}}`, count, -1},
		{`{"query":{"term":{"n":123}}}`, 1, 123},
		{`{"size":5,"sort":["_doc"]}`, count, 0},
		{`{"size":200,"sort":["_doc"],"query":{"match":{"kind":"k3"}}}`, count / 5, 3},
		{`{"size":0,"aggs":{"kinds":{"terms":{"field":"kind.keyword"}},"n":{"stats":{"field":"n"}}}}`, count, -1},
	}
	answers := func(label string, es *elasticsearch.Client) []string {
		t.Helper()
		var out []string
		for _, q := range queries {
			status, ans := esDo(t, es, "POST", "/tiered/_search", q.body)
			if status != 200 {
				t.Fatalf("%s: %s: HTTP %d %v", label, q.body, status, ans)
			}
			hits := ans["hits"].(map[string]any)
			if got := total(t, ans); got != q.total {
				t.Fatalf("%s: %s: %d hits, want %d", label, q.body, got, q.total)
			}
			list := hits["hits"].([]any)
			if q.first >= 0 && (len(list) == 0 || list[0].(map[string]any)["_offset"] != float64(q.first)) {
				t.Fatalf("%s: %s: first hit %v, want offset %d", label, q.body, list[:min(1, len(list))], q.first)
			}
			// The answer without what may differ between nodes: time
			// taken, scores, watermarks.
			var kept []any
			for _, h := range list {
				h := h.(map[string]any)
				kept = append(kept, []any{h["_id"], h["_source"]})
			}
			b, _ := json.Marshal([]any{hits["total"], kept, ans["aggregations"]})
			out = append(out, string(b))
			if ans["aggregations"] != nil {
				raw, _ := json.Marshal(ans["aggregations"])
				checkTieredAggs(t, label, raw, count)
			}
		}
		return out
	}
	before := answers("indexed from the bucket", es)

	// The bucket must hold the sealed indexes and a metadata snapshot
	// naming them before the disk is lost: wait until the search's
	// watermark is saved (after the seal and the manifest), then until
	// snapshots are quiet for a second (each changes the metastore, and a
	// change is snapshotted within the 100 ms interval).
	waitUntil(t, 30*time.Second, 20*time.Millisecond, func() (bool, string) {
		for _, st := range n.nd.Indexing.Stats() {
			if st.Sink == "search" && st.Partition.Topic == "tiered" {
				return st.Durable == count, fmt.Sprintf("search's durable watermark %d, want %d", st.Durable, count)
			}
		}
		return false, "no search progress for tiered"
	})
	snaps, quiet := n.nd.Tiering.Stats().Snapshots, time.Now()
	waitUntil(t, 30*time.Second, 20*time.Millisecond, func() (bool, string) {
		if now := n.nd.Tiering.Stats().Snapshots; now != snaps {
			snaps, quiet = now, time.Now()
		}
		return time.Since(quiet) > time.Second, "metadata snapshots went on"
	})
	t.Logf("%v: snapshots taken", time.Since(start))
	n.close()
	t.Logf("%v: stopped", time.Since(start))
	if err := os.RemoveAll(n.dir); err != nil {
		t.Fatal(err)
	}
	m := startNode(t, t.TempDir(), env)
	es = esClientOf(t, m)
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		status, ans := esDo(t, es, "GET", "/tiered/_count", "")
		return status == 200 && ans["count"] == float64(count), fmt.Sprint(status, ans)
	})
	t.Logf("%v: the restored node counts %d documents", time.Since(start), count)
	after := answers("restored", es)
	if !reflect.DeepEqual(before, after) {
		for i := range before {
			if before[i] != after[i] {
				t.Errorf("%s:\nbefore the restore %.300s\nafter            %.300s", queries[i].body, before[i], after[i])
			}
		}
	}
}

// produceTieredDocs produces count JSON records of about 900 bytes, mostly
// random (so that segments fill): {"n": i, "kind": "k<i%5>", "noise": hex}.
func produceTieredDocs(t *testing.T, n *node, topicName string, count int) {
	t.Helper()
	cl := n.client(kgo.DefaultProduceTopic(topicName), kgo.ProducerLinger(0), kgo.ProducerBatchMaxBytes(8<<10))
	for i := 0; i < count; i += 50 {
		var recs []*kgo.Record
		for j := i; j < min(i+50, count); j++ {
			noise := make([]byte, 420)
			_, _ = rand.Read(noise)
			recs = append(recs, &kgo.Record{Value: fmt.Appendf(nil, `{"n":%d,"kind":"k%d","noise":"%x"}`, j, j%5, noise)})
		}
		if err := cl.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// checkTieredAggs checks the aggregations of the last query of
// TestSearchOverTieredAndRestoredTopics over count records.
func checkTieredAggs(t *testing.T, label string, raw []byte, count int) {
	t.Helper()
	var aggs struct {
		Kinds struct {
			Buckets []struct {
				Key      string `json:"key"`
				DocCount int    `json:"doc_count"`
			} `json:"buckets"`
		} `json:"kinds"`
		N struct{ Min, Max, Count float64 } `json:"n"`
	}
	if err := json.Unmarshal(raw, &aggs); err != nil {
		t.Fatalf("%s: aggregations: %v: %s", label, err, raw)
	}
	if len(aggs.Kinds.Buckets) != 5 || aggs.N.Min != 0 || aggs.N.Max != float64(count-1) || aggs.N.Count != float64(count) {
		t.Fatalf("%s: aggregations %s", label, raw)
	}
	for _, b := range aggs.Kinds.Buckets {
		if b.DocCount != count/5 {
			t.Fatalf("%s: bucket %+v, want %d documents", label, b, count/5)
		}
	}
}

func esClientOf(t *testing.T, n *node) *elasticsearch.Client {
	t.Helper()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{n.unifiedURL()}})
	if err != nil {
		t.Fatal(err)
	}
	return es
}
