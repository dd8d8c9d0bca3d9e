package textsearch

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/search"
)

// pending is a document's values before the mapping types them.
type pending struct {
	paths  []string
	values []search.Scalar
	fixed  []search.FieldType // "" when the mapping decides
}

func (p *pending) add(path string, v search.Scalar, fixed search.FieldType) {
	p.paths = append(p.paths, path)
	p.values = append(p.values, v)
	p.fixed = append(p.fixed, fixed)
}

// collect walks d into p: the metadata fields, the headers, and the
// value's fields under the paths fields selects (all when nil).
func collect(p *pending, d *document.Document, fields []string) {
	p.add(search.FieldPartition, int64(d.Partition), search.Long)
	p.add(search.FieldOffset, d.Offset, search.Long)
	p.add(search.FieldTimestamp, d.Timestamp, search.Date)
	if d.Key != nil && utf8.Valid(d.Key) {
		p.add(search.FieldKey, string(d.Key), search.Keyword)
	}
	for _, h := range d.Headers {
		if h.Value != nil && utf8.Valid(h.Value) && h.Key != "" {
			p.add(search.FieldHeaders+"."+h.Key, string(h.Value), search.Keyword)
		}
	}
	switch d.Kind {
	case document.JSON, document.Schema:
		walkObject(p, "", d.Fields, fields)
	default:
		if d.Value != nil && utf8.Valid(d.Value) {
			p.add(search.FieldRaw, string(d.Value), search.Text)
		}
	}
}

func walkObject(p *pending, prefix string, o document.Object, fields []string) {
	for _, f := range o {
		path := f.Name
		if prefix != "" {
			path = prefix + "." + f.Name
		}
		walkValue(p, path, f.Value, fields)
	}
}

func walkValue(p *pending, path string, v any, fields []string) {
	if !selected(path, fields) {
		return
	}
	switch v := v.(type) {
	case nil, []byte:
		// nothing to search: a null, or bytes (only in _source)
	case document.Object:
		walkObject(p, path, v, fields)
	case []any:
		for _, e := range v {
			walkValue(p, path, e, fields)
		}
	case float64:
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			p.add(path, v, "")
		}
	default:
		p.add(path, v, "")
	}
}

// selected reports whether path is one search.fields names, lies under
// one, or leads to one.
func selected(path string, fields []string) bool {
	if fields == nil {
		return true
	}
	for _, f := range fields {
		if path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(f, path+".") {
			return true
		}
	}
	return false
}

// typed turns p into d's fields by mapping m: a value that does not fit
// its field's type is left out and counted.
func typed(p *pending, m search.Mapping, out []search.FieldValue) (_ []search.FieldValue, malformed int) {
	for i, path := range p.paths {
		fm, ok := m.Field(path)
		if !ok || !fm.Index {
			continue
		}
		fv, ok := search.Coerce(path, fm.Type, p.values[i])
		if !ok {
			malformed++
			continue
		}
		out = append(out, fv)
		if fm.Type != search.Text {
			continue
		}
		if km, ok := m.Field(path + search.KeywordSuffix); ok && km.Type == search.Keyword {
			if kv, ok := search.Coerce(path+search.KeywordSuffix, search.Keyword, p.values[i]); ok {
				out = append(out, kv)
			}
		}
	}
	return out, malformed
}

// source is d's value as JSON, what hits return as _source: a JSON value
// as produced, a registry-decoded value encoded, another value as
// {"value": text or base64}.
func source(d *document.Document) []byte {
	switch d.Kind {
	case document.JSON:
		return d.Value
	case document.Schema:
		return appendJSON(nil, d.Fields)
	}
	b := []byte(`{"value":`)
	switch {
	case d.Value == nil:
		b = append(b, "null"...)
	case utf8.Valid(d.Value):
		b = appendJSON(b, string(d.Value))
	default:
		b = appendJSON(b, base64.StdEncoding.EncodeToString(d.Value))
	}
	return append(b, '}')
}

// appendJSON encodes a decoded value (document's kinds) as JSON, keeping
// the order of objects' fields.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case string:
		q, _ := json.Marshal(v)
		return append(b, q...)
	case []byte:
		return appendJSON(b, base64.StdEncoding.EncodeToString(v))
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case document.Object:
		b = append(b, '{')
		for i, f := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, f.Name)
			b = append(b, ':')
			b = appendJSON(b, f.Value)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}
