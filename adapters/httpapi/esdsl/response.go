package esdsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

// ordered is a JSON object written in the order of its members (the
// order Elasticsearch writes them in).
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := encode(&b, o); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encode appends v's JSON to b, walking the containers this package
// builds itself (json.Marshal would re-validate and compact every
// nested level, costing the depth times the size).
func encode(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case ordered:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, e.k)
			b.WriteByte(':')
			if err := encode(b, e.v); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encode(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case json.RawMessage:
		if !json.Valid(x) {
			return errors.New("esdsl: a document's _source is not valid JSON")
		}
		b.Write(x)
	case string:
		encodeString(b, x)
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	default:
		out, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(out)
	}
	return nil
}

func encodeString(b *bytes.Buffer, s string) {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			simple = false
			break
		}
	}
	if simple {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	out, _ := json.Marshal(s)
	b.Write(out)
}

// num is a float for JSON: null when NaN or infinite.
func num(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

func numPtr(f *float64) any {
	if f == nil {
		return nil
	}
	return num(*f)
}

// jsonScalar makes a sort value or key writable (NaN floats as null).
func jsonScalar(s search.Scalar) any {
	if f, ok := s.(float64); ok {
		return num(f)
	}
	return s
}

// ShardInfo is the "_shards" section: Chronik counts one shard per
// partition searched.
type ShardInfo struct {
	Total, Successful, Skipped, Failed int
}

func (s ShardInfo) json() ordered {
	return ordered{{"total", s.Total}, {"successful", s.Successful}, {"skipped", s.Skipped}, {"failed", s.Failed}}
}

// shardsOf counts the partitions an answer covers.
func shardsOf(res *search.Result) ShardInfo {
	n := 0
	for _, ps := range res.Watermarks {
		n += len(ps)
	}
	return ShardInfo{Total: n, Successful: n}
}

// ResponseOptions are what a search answer needs besides its result.
type ResponseOptions struct {
	Took time.Duration
	// Shards overrides the "_shards" section (one shard per partition in
	// Result.Watermarks when nil).
	Shards *ShardInfo
}

// WriteSearch writes a search answer in Elasticsearch's shape:
//
//	{"took","timed_out","_shards","hits":{"total","max_score","hits"},"aggregations","_kafka"}
//
// Each hit has "_index" (the topic), "_id" ("<partition>-<offset>"),
// "_score", "_source", "sort" and "highlight" as Elasticsearch's, and
// the record's coordinates as "_partition" and "_offset" beside them.
// "_kafka": {"watermarks": {"<topic>/<partition>": next offset}} says
// what the answer covers: every offset below a partition's watermark was
// searchable. Its keys hold a "/", which no Elasticsearch response key
// and no topic name has, so clients that walk the response's tokens
// (the Go client's typed API) cannot mistake them for their own keys.
func WriteSearch(res *search.Result, req *SearchRequest, opt ResponseOptions) ([]byte, error) {
	o := searchBody(res, req, opt)
	return finish(o, req.Pretty)
}

func finish(v any, pretty bool) ([]byte, error) {
	var buf bytes.Buffer
	if err := encode(&buf, v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if !pretty {
		return b, nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func searchBody(res *search.Result, req *SearchRequest, opt ResponseOptions) ordered {
	shards := shardsOf(res)
	if opt.Shards != nil {
		shards = *opt.Shards
	}
	o := ordered{
		{"took", opt.Took.Milliseconds()},
		{"timed_out", res.TimedOut},
		{"_shards", shards.json()},
		{"hits", hitsBody(res.Hits, res.Total, res.MaxScore, req.TrackTotalHits != 0, req.RestTotalHitsAsInt)},
	}
	if req.Aggs != nil {
		o = append(o, kv{"aggregations", aggsBody(req.Aggs, res.Aggs, req, "")})
	}
	if len(res.Watermarks) > 0 {
		wm := make(map[string]int64)
		for topic, ps := range res.Watermarks {
			for p, off := range ps {
				wm[topic+"/"+strconv.Itoa(int(p))] = off
			}
		}
		o = append(o, kv{"_kafka", ordered{{"watermarks", wm}}})
	}
	return o
}

func totalBody(t search.Total, asInt bool) any {
	if asInt {
		return t.Value
	}
	rel := t.Relation
	if rel == "" {
		rel = search.Exact
	}
	return ordered{{"value", t.Value}, {"relation", string(rel)}}
}

func hitsBody(hits []search.Hit, total search.Total, maxScore float64, withTotal, asInt bool) ordered {
	o := ordered{}
	if withTotal {
		o = append(o, kv{"total", totalBody(total, asInt)})
	}
	list := make([]any, 0, len(hits))
	for i := range hits {
		list = append(list, hitBody(&hits[i]))
	}
	if len(hits) == 0 {
		maxScore = math.NaN()
	}
	o = append(o, kv{"max_score", num(maxScore)}, kv{"hits", list})
	return o
}

func hitBody(h *search.Hit) ordered {
	o := ordered{{"_index", h.Index}, {"_id", h.ID()}, {"_score", num(h.Score)}}
	if h.Source != nil {
		o = append(o, kv{"_source", json.RawMessage(h.Source)})
	}
	o = append(o, kv{"_partition", h.Partition}, kv{"_offset", h.Offset})
	if h.Sort != nil {
		vs := make([]any, len(h.Sort))
		for i, s := range h.Sort {
			vs[i] = jsonScalar(s)
		}
		o = append(o, kv{"sort", vs})
	}
	if len(h.Highlight) > 0 {
		o = append(o, kv{"highlight", h.Highlight})
	}
	return o
}

// aggsBody writes the results of specs (matched by name) as an object.
func aggsBody(specs []search.Aggregation, results []search.AggResult, req *SearchRequest, path string) ordered {
	o := ordered{}
	for i := range specs {
		spec := &specs[i]
		r := findResult(results, i, spec.Name)
		if r == nil {
			r = &search.AggResult{Name: spec.Name, Kind: spec.Kind}
		}
		name := spec.Name
		if req.TypedKeys {
			name = typedName(spec, r) + "#" + name
		}
		o = append(o, kv{name, aggBody(spec, r, req, path+">"+spec.Name)})
	}
	return o
}

func findResult(rs []search.AggResult, i int, name string) *search.AggResult {
	if i < len(rs) && rs[i].Name == name {
		return &rs[i]
	}
	for j := range rs {
		if rs[j].Name == name {
			return &rs[j]
		}
	}
	return nil
}

// typedName is the type prefix typed_keys writes.
func typedName(spec *search.Aggregation, r *search.AggResult) string {
	switch spec.Kind {
	case search.AggTerms:
		if len(r.Buckets) > 0 {
			switch r.Buckets[0].Key.(type) {
			case int64, int, int32, bool:
				return "lterms"
			case float64:
				return "dterms"
			}
		}
		return "sterms"
	case search.AggPercentiles:
		return "tdigest_percentiles"
	}
	return string(spec.Kind)
}

func aggBody(spec *search.Aggregation, r *search.AggResult, req *SearchRequest, path string) ordered {
	switch spec.Kind {
	case search.AggAvg, search.AggMin, search.AggMax:
		o := ordered{{"value", numPtr(r.Value)}}
		if r.ValueAsString != "" {
			o = append(o, kv{"value_as_string", r.ValueAsString})
		}
		return o
	case search.AggSum, search.AggValueCount, search.AggCardinality:
		v := any(0)
		if r.Value != nil {
			v = num(*r.Value)
			if spec.Kind != search.AggSum && !math.IsNaN(*r.Value) && !math.IsInf(*r.Value, 0) {
				v = int64(*r.Value)
			}
		}
		o := ordered{{"value", v}}
		if r.ValueAsString != "" {
			o = append(o, kv{"value_as_string", r.ValueAsString})
		}
		return o
	case search.AggStats:
		s := r.Stats
		if s == nil || s.Count == 0 {
			return ordered{{"count", 0}, {"min", nil}, {"max", nil}, {"avg", nil}, {"sum", 0.0}}
		}
		return ordered{{"count", s.Count}, {"min", num(s.Min)}, {"max", num(s.Max)}, {"avg", num(s.Sum / float64(s.Count))}, {"sum", num(s.Sum)}}
	case search.AggPercentiles:
		if spec.Keyed {
			vals := ordered{}
			for _, p := range r.Percentiles {
				vals = append(vals, kv{percentKey(p.Percent), numPtr(p.Value)})
			}
			return ordered{{"values", vals}}
		}
		vals := make([]any, 0, len(r.Percentiles))
		for _, p := range r.Percentiles {
			vals = append(vals, ordered{{"key", p.Percent}, {"value", numPtr(p.Value)}})
		}
		return ordered{{"values", vals}}
	case search.AggTopHits:
		maxScore := math.NaN()
		for _, h := range r.Hits {
			if !math.IsNaN(h.Score) && (math.IsNaN(maxScore) || h.Score > maxScore) {
				maxScore = h.Score
			}
		}
		return ordered{{"hits", hitsBody(r.Hits, r.Total, maxScore, true, req.RestTotalHitsAsInt)}}
	case search.AggFilter:
		o := ordered{{"doc_count", r.DocCount}}
		return append(o, aggsBody(spec.Subs, r.Subs, req, path)...)
	case search.AggFilters:
		return filtersBody(spec, r, req, path)
	case search.AggTerms:
		list := make([]any, 0, len(r.Buckets))
		for i := range r.Buckets {
			list = append(list, bucketBody(spec, &r.Buckets[i], i, req, path, true))
		}
		return ordered{{"doc_count_error_upper_bound", r.DocCountErrorUpperBound}, {"sum_other_doc_count", r.SumOtherDocCount}, {"buckets", list}}
	}
	// histogram, date_histogram, range, date_range
	if spec.Keyed {
		keyed := ordered{}
		for i := range r.Buckets {
			b := &r.Buckets[i]
			keyed = append(keyed, kv{bucketKeyString(spec, b, i), bucketBody(spec, b, i, req, path, false)})
		}
		return ordered{{"buckets", keyed}}
	}
	list := make([]any, 0, len(r.Buckets))
	for i := range r.Buckets {
		list = append(list, bucketBody(spec, &r.Buckets[i], i, req, path, true))
	}
	return ordered{{"buckets", list}}
}

func filtersBody(spec *search.Aggregation, r *search.AggResult, req *SearchRequest, path string) ordered {
	anonymous := req.anonymous[path]
	if spec.Keyed && !anonymous {
		keyed := ordered{}
		for i := range r.Buckets {
			b := &r.Buckets[i]
			o := append(ordered{{"doc_count", b.DocCount}}, aggsBody(spec.Subs, b.Subs, req, path)...)
			keyed = append(keyed, kv{filterName(spec, b, i), o})
		}
		return ordered{{"buckets", keyed}}
	}
	list := make([]any, 0, len(r.Buckets))
	for i := range r.Buckets {
		b := &r.Buckets[i]
		o := ordered{}
		if !anonymous {
			o = append(o, kv{"key", filterName(spec, b, i)})
		}
		o = append(o, kv{"doc_count", b.DocCount})
		list = append(list, append(o, aggsBody(spec.Subs, b.Subs, req, path)...))
	}
	return ordered{{"buckets", list}}
}

func filterName(spec *search.Aggregation, b *search.Bucket, i int) string {
	if s, ok := b.Key.(string); ok && s != "" {
		return s
	}
	if i < len(spec.Filters) {
		return spec.Filters[i].Name
	}
	return strconv.Itoa(i)
}

// bucketBody writes one bucket of terms, histograms and ranges; withKey
// false leaves a range's key out (a keyed answer names it outside).
func bucketBody(spec *search.Aggregation, b *search.Bucket, i int, req *SearchRequest, path string, withKey bool) ordered {
	o := ordered{}
	switch spec.Kind {
	case search.AggTerms:
		if v, ok := b.Key.(bool); ok {
			k := int64(0)
			if v {
				k = 1
			}
			o = append(o, kv{"key", k}, kv{"key_as_string", strconv.FormatBool(v)})
		} else {
			o = append(o, kv{"key", jsonScalar(b.Key)})
			if b.KeyAsString != "" {
				o = append(o, kv{"key_as_string", b.KeyAsString})
			}
		}
	case search.AggHistogram, search.AggDateHistogram:
		if b.KeyAsString != "" {
			o = append(o, kv{"key_as_string", b.KeyAsString})
		} else if spec.Kind == search.AggDateHistogram {
			if ms, ok := asMillis(b.Key); ok {
				o = append(o, kv{"key_as_string", isoMillis(ms)})
			}
		}
		o = append(o, kv{"key", jsonScalar(b.Key)})
	case search.AggRange, search.AggDateRange:
		if withKey {
			o = append(o, kv{"key", bucketKeyString(spec, b, i)})
		}
		if b.From != nil {
			o = append(o, kv{"from", num(*b.From)})
			if spec.Kind == search.AggDateRange {
				o = append(o, kv{"from_as_string", formatDate(int64(*b.From), spec.Format)})
			}
		}
		if b.To != nil {
			o = append(o, kv{"to", num(*b.To)})
			if spec.Kind == search.AggDateRange {
				o = append(o, kv{"to_as_string", formatDate(int64(*b.To), spec.Format)})
			}
		}
	}
	o = append(o, kv{"doc_count", b.DocCount})
	return append(o, aggsBody(spec.Subs, b.Subs, req, path)...)
}

// bucketKeyString is a bucket's key as text: a range's key (given, or
// "from-to" with * for an open end), a histogram's key.
func bucketKeyString(spec *search.Aggregation, b *search.Bucket, i int) string {
	switch spec.Kind {
	case search.AggRange, search.AggDateRange:
		if s, ok := b.Key.(string); ok && s != "" {
			return s
		}
		if i < len(spec.Ranges) && spec.Ranges[i].Key != "" {
			return spec.Ranges[i].Key
		}
		end := func(f *float64) string {
			if f == nil {
				return "*"
			}
			if spec.Kind == search.AggDateRange {
				return formatDate(int64(*f), spec.Format)
			}
			return javaDouble(*f)
		}
		return end(b.From) + "-" + end(b.To)
	case search.AggDateHistogram:
		if b.KeyAsString != "" {
			return b.KeyAsString
		}
		if ms, ok := asMillis(b.Key); ok {
			return isoMillis(ms)
		}
	}
	switch k := b.Key.(type) {
	case float64:
		return javaDouble(k)
	case int64:
		return javaDouble(float64(k))
	case string:
		return k
	}
	return ""
}

func asMillis(k search.Scalar) (int64, bool) {
	switch v := k.(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

// isoMillis writes epoch milliseconds as Elasticsearch's default date
// format does (strict_date_optional_time, UTC).
func isoMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// formatDate writes epoch milliseconds in a date format: Elasticsearch's
// default (strict_date_optional_time) when format is empty or names
// it, epoch_millis, or a Java pattern of the letters y M d H m s S (and
// 'quoted' text). A pattern with other letters falls back to the
// default.
func formatDate(ms int64, format string) string {
	f, _, _ := strings.Cut(format, "||")
	switch f {
	case "", "strict_date_optional_time", "date_optional_time", "strict_date_time", "date_time":
		return isoMillis(ms)
	case "epoch_millis":
		return strconv.FormatInt(ms, 10)
	case "epoch_second":
		return strconv.FormatInt(ms/1000, 10)
	}
	t := time.UnixMilli(ms).UTC()
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		if c == '\'' {
			j := strings.IndexByte(f[i+1:], '\'')
			if j < 0 {
				return isoMillis(ms)
			}
			b.WriteString(f[i+1 : i+1+j])
			i += j + 2
			continue
		}
		n := 1
		for i+n < len(f) && f[i+n] == c {
			n++
		}
		pad := func(v, width int) {
			s := strconv.Itoa(v)
			for len(s) < width {
				s = "0" + s
			}
			b.WriteString(s)
		}
		switch c {
		case 'y', 'u':
			if n == 2 {
				pad(t.Year()%100, 2)
			} else {
				pad(t.Year(), n)
			}
		case 'M':
			pad(int(t.Month()), n)
		case 'd':
			pad(t.Day(), n)
		case 'H':
			pad(t.Hour(), n)
		case 'm':
			pad(t.Minute(), n)
		case 's':
			pad(t.Second(), n)
		case 'S':
			pad(t.Nanosecond()/1e6, 3)
		default:
			if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
				return isoMillis(ms)
			}
			b.WriteString(f[i : i+n])
		}
		i += n
	}
	return b.String()
}

// javaDouble writes f as Java's Double.toString does (how Elasticsearch
// writes range keys and percentile names): "100.0", "0.5", "1.0E7".
func javaDouble(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Infinity"
		}
		return "-Infinity"
	}
	a := math.Abs(f)
	if f == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1E+07, 1.5E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func percentKey(p float64) string { return javaDouble(p) }

// WriteCount writes a _count answer: {"count": n, "_shards": {...}}.
func WriteCount(count int64, shards ShardInfo, pretty bool) ([]byte, error) {
	return finish(ordered{{"count", count}, {"_shards", shards.json()}}, pretty)
}

// MsearchAnswer is the answer of one search of an _msearch: its result,
// or the error that refused it.
type MsearchAnswer struct {
	Result  *search.Result
	Options ResponseOptions
	Err     *Error
}

// WriteMsearch writes an _msearch answer: {"took", "responses": [...]},
// each response a search answer with "status": 200, or {"error": {...},
// "status": N}; answers are in the order of req.Items.
func WriteMsearch(answers []MsearchAnswer, req *MsearchRequest, took time.Duration) ([]byte, error) {
	list := make([]any, 0, len(answers))
	for i, a := range answers {
		if a.Err != nil || a.Result == nil {
			e := a.Err
			if e == nil {
				e = &Error{Status: 500, Type: "exception", Reason: "the search has no answer"}
			}
			list = append(list, ordered{{"error", e.Object()}, {"status", e.Status}})
			continue
		}
		var sr *SearchRequest
		if i < len(req.Items) && req.Items[i].Request != nil {
			sr = req.Items[i].Request
		} else {
			sr = &SearchRequest{}
			sr.TrackTotalHits = search.DefaultTrackTotalHits
		}
		o := searchBody(a.Result, sr, a.Options)
		list = append(list, append(o, kv{"status", 200}))
	}
	return finish(ordered{{"took", took.Milliseconds()}, {"responses", list}}, req.Pretty)
}
