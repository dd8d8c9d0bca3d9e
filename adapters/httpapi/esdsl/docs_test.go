package esdsl

import (
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
)

func TestWriteDoc(t *testing.T) {
	out, err := WriteDoc("logs", 2, 41, []byte(`{"msg":"x"}`), true, false)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"_index":"logs","_id":"2-41","_version":1,"_seq_no":41,"_primary_term":1,"found":true,"_source":{"msg":"x"},"_partition":2,"_offset":41}`)
	out, _ = WriteDoc("logs", 2, 41, nil, false, false)
	sameJSON(t, out, `{"_index":"logs","_id":"2-41","found":false}`)
}

// TestWriteMapping checks the shape of Elasticsearch's dynamic mapping
// of {"name": "x", "user": {"id": 1, "tags": ["a"]}, "ok": true}.
func TestWriteMapping(t *testing.T) {
	m := search.Mapping{Fields: map[string]search.FieldMapping{
		"name":         {Type: search.Text, Index: true},
		"name.keyword": {Type: search.Keyword, Index: true},
		"user.id":      {Type: search.Long, Index: true},
		"user.tags":    {Type: search.Text, Index: true, Analyzer: "english"},
		"ok":           {Type: search.Boolean, Index: true},
		"raw":          {Type: search.Keyword},
		"_timestamp":   {Type: search.Date, Index: true},
	}}
	out, err := WriteMapping(map[string]search.Mapping{"logs": m, "empty": {}}, false)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, out, `{"empty":{"mappings":{"properties":{}}},"logs":{"mappings":{"properties":{
		"_timestamp":{"type":"date"},
		"name":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},
		"ok":{"type":"boolean"},
		"raw":{"type":"keyword","index":false},
		"user":{"properties":{"id":{"type":"long"},"tags":{"type":"text","analyzer":"english"}}}}}}}`)
}
