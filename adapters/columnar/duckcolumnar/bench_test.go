//go:build duckdb_arrow

package duckcolumnar

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// benchDocs are n documents of about 200 bytes of JSON each.
func benchDocs(n int) []document.Document {
	docs := make([]document.Document, n)
	countries := []string{"fr", "de", "es", "it", "pl"}
	for i := range docs {
		docs[i] = document.Document{
			Partition: int32(i % 6), Offset: int64(i / 6), Timestamp: 1_700_000_000_000 + int64(i),
			Key: []byte(fmt.Sprintf("user-%d", i%1000)), Kind: document.JSON,
			Fields: obj("id", int64(i), "user", fmt.Sprintf("user-%d", i%1000), "amount", float64(i%997)/10,
				"country", countries[i%5], "status", "shipped", "tags", []any{"a", "b"},
				"meta", obj("source", "web", "version", int64(3), "note", "about two hundred bytes of json")),
		}
	}
	return docs
}

func BenchmarkWriteParquet(b *testing.B) {
	docs := benchDocs(100_000)
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	cpu := cpuTime()
	var info columnar.FileInfo
	for b.Loop() {
		if info, err = e.WriteParquet(context.Background(), io.Discard, docs, columnar.FileOptions{Compression: "zstd"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(info.Bytes)/float64(len(docs)), "file-bytes/doc")
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(len(docs)*b.N), "cpu-ns/doc")
}

// cpuTime is the CPU time the process has used (user and system), which
// a shared machine disturbs less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHotCount: a COUNT(*) over 100,000 hot documents, which go to
// DuckDB through Arrow on every query.
func BenchmarkHotCount(b *testing.B) {
	docs := benchDocs(100_000)
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	tables := []columnar.Table{{Name: "t", Hot: docs}}
	for b.Loop() {
		if _, err := e.Query(context.Background(), "SELECT count(*) FROM t", nil, tables, columnar.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileQueries: queries over one Parquet file of 2,000,000 rows
// through the engine and through DuckDB reading the file directly.
func BenchmarkFileQueries(b *testing.B) {
	dir := b.TempDir()
	e, err := New(Config{Dirs: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var files []string
	for i := 0; i < 4; i++ {
		docs := benchDocs(500_000)
		for j := range docs {
			docs[j].Offset += int64(i * 500_000)
		}
		files = append(files, writeFile(&testing.T{}, e, dir, fmt.Sprintf("%d.parquet", i), docs, "zstd"))
	}
	tables := []columnar.Table{{Name: "t", Files: files}}
	direct, err := sql.Open("duckdb", "?threads=2")
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	queries := map[string]string{
		"count":          "SELECT count(*) FROM %s",
		"group_by":       "SELECT country, count(*), sum(amount) FROM %s GROUP BY country",
		"group_by_order": "SELECT user, count(*), sum(amount) FROM %s GROUP BY user ORDER BY user",
		"filter":         "SELECT id, amount FROM %s WHERE amount > 99.5 AND country = 'fr'",
	}
	list := listLiteral(files)
	for name, q := range queries {
		b.Run(name+"/engine", func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Query(context.Background(), fmt.Sprintf(q, "t"), nil, tables, columnar.Limits{MaxRows: 1 << 20, Timeout: time.Minute}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/direct", func(b *testing.B) {
			for b.Loop() {
				rows, err := direct.Query(fmt.Sprintf(q, "read_parquet("+list+")"))
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
}

// BenchmarkSelectOne: the engine's fixed cost per query.
func BenchmarkSelectOne(b *testing.B) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for b.Loop() {
		if _, err := e.Query(context.Background(), "SELECT 1", nil, nil, columnar.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
