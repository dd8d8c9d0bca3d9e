package esdsl

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// FuzzParseSearch: any body and parameters are read or refused with an
// Elasticsearch error (400, serializable) in bounded time, never a
// panic; what is read writes an answer.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{
		`{"query":{"match":{"msg":"disk full"}},"size":5,"sort":["_score",{"ts":"desc"}]}`,
		`{"query":{"bool":{"must":[{"term":{"a":1}}],"should":{"range":{"t":{"gte":"now-1d"}}}}}}`,
		`{"query":{"query_string":{"query":"a AND (b OR c:[1 TO 5])"}}}`,
		`{"query":{"simple_query_string":{"query":"\"a b\" -c","flags":"ALL"}}}`,
		`{"aggs":{"x":{"terms":{"field":"f"},"aggs":{"y":{"avg":{"field":"g"}}}}}}`,
		`{"aggs":{"h":{"date_histogram":{"field":"t","calendar_interval":"day"}},"r":{"range":{"field":"n","ranges":[{"to":1}]}}}}`,
		`{"_source":{"includes":["a"]},"highlight":{"fields":{"a":{}}},"track_total_hits":true,"timeout":"1s"}`,
		`{"query":{"foo":{}}}`, `[[[[`, `{"a":`, `{"query":{"match":{"a":"x","b":"y"}}}`,
	} {
		f.Add(s, "size=3&sort=a:desc")
	}
	f.Add("", "q=title:(a OR b)&df=x")
	f.Fuzz(func(t *testing.T, body, params string) {
		start := time.Now()
		p, _ := url.ParseQuery(params)
		req, err := ParseSearch([]byte(body), p, Options{})
		if err != nil {
			if err.Status != 400 || err.Type == "" || err.Reason == "" {
				t.Fatalf("bad error %+v", err)
			}
			if _, merr := json.Marshal(err); merr != nil {
				t.Fatalf("error does not marshal: %v", merr)
			}
		} else if req.Query == nil || req.Size < 0 || req.From < 0 || req.From+req.Size > 10_000 {
			t.Fatalf("read an invalid request: %+v", req.Request)
		}
		if _, err := ParseMsearch([]byte(body+"\n"), nil, Options{}); err != nil && err.Status != 400 {
			t.Fatalf("msearch error %+v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%d bytes took %v", len(body), d)
		}
	})
}
