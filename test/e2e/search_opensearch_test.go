package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
)

// TestSearchWithOpenSearchClient searches the records of a search.enabled
// topic with OpenSearch's Go client and its typed API: the queries, counts
// and aggregations of TestSearchWithElasticsearchClient, search_after
// paging through every hit once, a document by id, _cat/indices, and an
// unknown index refused as OpenSearch's client expects.
func TestSearchWithOpenSearchClient(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_SEARCH_SEAL_DOCS":      "300",
		"CHRONIK_HOT_BUFFER_REFRESH_MS": "100",
	})
	const count = 1500
	produceWebLogs(t, n, "weblogs", 3, count)
	osc, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{Addresses: []string{n.unifiedURL()}}})
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	info, err := osc.Info(c, nil)
	if err != nil || info.Version.Number == "" {
		t.Fatalf("info: %+v %v", info, err)
	}
	index := []string{"weblogs"}
	waitUntil(t, 30*time.Second, 50*time.Millisecond, func() (bool, string) {
		resp, err := osc.Indices.Count(c, &opensearchapi.IndicesCountReq{Indices: index})
		return err == nil && resp.Count == count, fmt.Sprint(resp, err)
	})

	want := wantWebLogs(count)
	search := func(body string) *opensearchapi.SearchResp {
		t.Helper()
		resp, err := osc.Search(c, &opensearchapi.SearchReq{Indices: index, Body: strings.NewReader(body)})
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return resp
	}
	for _, q := range want.queries {
		if got := search(q.body).Hits.Total.Value; got != q.hits {
			t.Fatalf("%s: %d hits, want %d", q.body, got, q.hits)
		}
		resp, err := osc.Indices.Count(c, &opensearchapi.IndicesCountReq{Indices: index, Body: strings.NewReader(q.body)})
		if err != nil || resp.Count != q.hits {
			t.Fatalf("_count %s: %+v %v, want %d", q.body, resp, err, q.hits)
		}
	}
	want.checkAggs(t, "opensearch", search(webLogAggs).Aggregations)
	pageAll(t, "opensearch", count, func(body string) []pagedHit {
		var hits []pagedHit
		for _, h := range search(body).Hits.Hits {
			hits = append(hits, pagedHit{id: h.ID, sort: h.Sort})
		}
		return hits
	})

	doc, err := osc.Document.Get(c, opensearchapi.DocumentGetReq{Index: "weblogs", DocumentID: "1-0"})
	if err != nil || !doc.Found || len(doc.Source) == 0 {
		t.Fatalf("GET _doc: %+v %v", doc, err)
	}
	cat, err := osc.Cat.Indices(c, &opensearchapi.CatIndicesReq{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Indices) != 1 || cat.Indices[0].Index != "weblogs" || cat.Indices[0].DocsCount == nil || *cat.Indices[0].DocsCount != count ||
		cat.Indices[0].Primary == nil || *cat.Indices[0].Primary != 3 {
		t.Fatalf("_cat/indices: %+v", cat.Indices)
	}

	// Errors reach the client as OpenSearch's, typed.
	_, err = osc.Search(c, &opensearchapi.SearchReq{Indices: []string{"nosuch"}})
	var se *opensearch.StructError
	if !errors.As(err, &se) || se.Status != 404 || se.Err.Type != "index_not_found_exception" {
		t.Fatalf("unknown index: %v", err)
	}
	_, err = osc.Search(context.Background(), &opensearchapi.SearchReq{Indices: index, Body: strings.NewReader(`{"query":{"nope":{}}}`)})
	if !errors.As(err, &se) || se.Status != 400 || se.Err.Type != "parsing_exception" {
		t.Fatalf("unknown query: %v", err)
	}
}
