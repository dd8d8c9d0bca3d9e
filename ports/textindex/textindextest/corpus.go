package textindextest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
)

// CorpusNow is the instant the golden cases resolve date math against.
var CorpusNow = time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)

// corpusStart is the timestamp of offset 0: documents are one minute
// apart, so the corpus spans about a day before CorpusNow.
var corpusStart = CorpusNow.Add(-26 * time.Hour)

// Vocabularies of the generated fields. They keep to what the oracle's
// analyzers render exactly (ASCII words; no colon or apostrophe inside words;
// English words whose Porter stems the oracle's stemmer knows).
var (
	msgWords = []string{"error", "warn", "connection", "refused", "timeout", "user", "login", "failed", "disk", "full",
		"request", "served", "cache", "miss", "hit", "retry", "payment", "declined", "order", "shipped", "quick", "brown",
		"fox", "jumps", "lazy", "dog", "errors", "erro", "eror", "connections", "the", "of", "a", "node", "shard", "v1.2", "3.14", "42", "user_17", "GET", "POST"}
	msgSeps      = []string{" ", " ", " ", ", ", " - ", ": ", " / ", ". "}
	englishWords = []string{"connect", "connected", "connecting", "connection", "connections", "request", "requests",
		"requested", "requesting", "start", "started", "starting", "starts", "timeout", "timeouts", "the", "a", "of", "to", "and", "for"}
	levels = []string{"INFO", "WARN", "ERROR", "DEBUG", "info"}
	tags   = []string{"a", "b", "c", "prod", "canary", "Prod"}
)

// CorpusMapping is the mapping of the generated documents.
func CorpusMapping() search.Mapping {
	f := func(t search.FieldType) search.FieldMapping { return search.FieldMapping{Type: t, Index: true} }
	text := func(a string) search.FieldMapping {
		return search.FieldMapping{Type: search.Text, Analyzer: a, Index: true}
	}
	return search.Mapping{Fields: map[string]search.FieldMapping{
		"msg":                 f(search.Text),
		"msg.keyword":         f(search.Keyword),
		"title":               text("english"),
		"code":                text("simple"),
		"raw":                 text("whitespace"),
		"level":               f(search.Keyword),
		"host":                f(search.Keyword),
		"tags":                f(search.Keyword),
		"status":              f(search.Long),
		"latency":             f(search.Double),
		"ts":                  f(search.Date),
		"ok":                  f(search.Boolean),
		"counts":              f(search.Long),
		"user.name":           f(search.Keyword),
		"user.id":             f(search.Long),
		"secret":              {Type: search.Keyword, Index: false},
		search.FieldPartition: f(search.Long),
		search.FieldOffset:    f(search.Long),
		search.FieldTimestamp: f(search.Date),
		search.FieldKey:       f(search.Keyword),
	}}
}

// Corpus generates n log-line documents of partition, deterministic in
// seed: words from small vocabularies, numbers, dates, keywords, bools,
// multi-valued and missing fields.
func Corpus(seed uint64, partition int32, n int) []search.Doc {
	r := rand.New(rand.NewPCG(seed, uint64(partition)))
	docs := make([]search.Doc, 0, n)
	for i := 0; i < n; i++ {
		off := int64(i)
		src := map[string]any{}
		var fs []search.FieldValue
		add := func(path string, fv search.FieldValue) {
			fv.Path = path
			fs = append(fs, fv)
		}
		words := 3 + r.IntN(10)
		var b strings.Builder
		for w := 0; w < words; w++ {
			if w > 0 {
				b.WriteString(msgSeps[r.IntN(len(msgSeps))])
			}
			b.WriteString(msgWords[r.IntN(len(msgWords))])
		}
		if r.IntN(10) == 0 {
			b.WriteString(" quick brown fox jumps")
		}
		msg := b.String()
		src["msg"] = msg
		add("msg", search.FieldValue{Type: search.Text, Str: msg})
		add("msg.keyword", search.FieldValue{Type: search.Keyword, Str: msg})
		if r.IntN(4) > 0 {
			var t strings.Builder
			for w := 0; w < 2+r.IntN(6); w++ {
				if w > 0 {
					t.WriteByte(' ')
				}
				t.WriteString(englishWords[r.IntN(len(englishWords))])
			}
			src["title"] = t.String()
			add("title", search.FieldValue{Type: search.Text, Str: t.String()})
		}
		code := fmt.Sprintf("abc%ddef%c", r.IntN(5), 'x'+rune(r.IntN(3)))
		src["code"] = code
		add("code", search.FieldValue{Type: search.Text, Str: code})
		rawv := []string{"Foo-Bar", "baz.QUX", "foo-bar", "Hello World"}[r.IntN(4)]
		src["raw"] = rawv
		add("raw", search.FieldValue{Type: search.Text, Str: rawv})
		if r.IntN(10) > 0 {
			lv := levels[r.IntN(len(levels))]
			src["level"] = lv
			add("level", search.FieldValue{Type: search.Keyword, Str: lv})
		}
		host := fmt.Sprintf("host-%02d", 1+r.IntN(20))
		src["host"] = host
		add("host", search.FieldValue{Type: search.Keyword, Str: host})
		var tg []string
		for k := r.IntN(4); k > 0; k-- {
			t := tags[r.IntN(len(tags))]
			tg = append(tg, t)
			add("tags", search.FieldValue{Type: search.Keyword, Str: t})
		}
		if tg != nil {
			src["tags"] = tg
		}
		if r.IntN(8) > 0 {
			st := []int64{200, 201, 204, 301, 404, 500, 503}[r.IntN(7)]
			src["status"] = st
			add("status", search.FieldValue{Type: search.Long, Int: st})
		}
		if r.IntN(6) > 0 {
			lat := float64(r.IntN(100000)) / 100
			if i%50 == 0 {
				lat = 12.5
			}
			src["latency"] = lat
			add("latency", search.FieldValue{Type: search.Double, Float: lat})
		}
		ts := corpusStart.Add(time.Duration(i)*time.Minute + time.Duration(r.IntN(60000))*time.Millisecond).UnixMilli()
		src["ts"] = time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z")
		add("ts", search.FieldValue{Type: search.Date, Int: ts})
		if r.IntN(5) > 0 {
			ok := r.IntN(2) == 0
			src["ok"] = ok
			add("ok", search.FieldValue{Type: search.Boolean, Bool: ok})
		}
		var cs []int64
		for k := r.IntN(3); k > 0; k-- {
			c := int64(r.IntN(50) - 10)
			cs = append(cs, c)
			add("counts", search.FieldValue{Type: search.Long, Int: c})
		}
		if cs != nil {
			src["counts"] = cs
		}
		if r.IntN(3) > 0 {
			u := map[string]any{"name": fmt.Sprintf("user%d", r.IntN(30))}
			add("user.name", search.FieldValue{Type: search.Keyword, Str: u["name"].(string)})
			if r.IntN(2) == 0 {
				u["id"] = int64(r.IntN(1000))
				add("user.id", search.FieldValue{Type: search.Long, Int: u["id"].(int64)})
			}
			src["user"] = u
		}
		src["secret"] = "s3cr3t"
		add("secret", search.FieldValue{Type: search.Keyword, Str: "s3cr3t"})
		add(search.FieldPartition, search.FieldValue{Type: search.Long, Int: int64(partition)})
		add(search.FieldOffset, search.FieldValue{Type: search.Long, Int: off})
		add(search.FieldTimestamp, search.FieldValue{Type: search.Date, Int: ts})
		add(search.FieldKey, search.FieldValue{Type: search.Keyword, Str: fmt.Sprintf("key-%d", r.IntN(100))})
		raw, _ := json.Marshal(src)
		docs = append(docs, search.Doc{Partition: partition, Offset: off, Fields: fs, Source: raw})
	}
	return docs
}
