package esdsl

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
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

// asGo turns a node into what encoding/json (with UseNumber) decodes.
func asGo(n *node) any {
	switch n.kind {
	case kObject:
		m := make(map[string]any, len(n.obj))
		for _, e := range n.obj {
			m[e.key] = asGo(e.val)
		}
		return m
	case kArray:
		a := make([]any, 0, len(n.arr))
		for _, e := range n.arr {
			a = append(a, asGo(e))
		}
		return a
	case kString:
		return n.s
	case kNumber:
		return json.Number(n.s)
	case kBool:
		return n.b
	}
	return nil
}

// FuzzJSONReader: the reader accepts what encoding/json accepts (but
// nesting past MaxJSONDepth and duplicate keys) and reads the same
// values.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,true,null,"x\u00e9\ud83d\ude00\n"]}`, `"\ud800"`, `"\xff\xfe"`, `[]`, `{}`, ` 0 `,
		`{"a":1,"a":2}`, `[1,]`, `{"a" 1}`, `01`, `1.`, `"\u12"`, `tru`, "\"a\tb\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON(data)
		valid := json.Valid(data)
		if err == nil && !valid {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if err != nil {
			if valid && !strings.Contains(err.Reason, "Duplicate field") && !strings.Contains(err.Reason, "nesting depth") {
				t.Fatalf("refused valid JSON %q: %v", data, err)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if got := asGo(n); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q read as %#v, encoding/json reads %#v", data, got, want)
		}
	})
}
