package duckcolumnar

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// codec maps columnar.FileOptions.Compression to Parquet's codec; lz4 is
// Parquet's LZ4_RAW (the codec the format recommends, which DuckDB, Spark
// and pyarrow read).
func codec(name string) (compress.Compression, error) {
	switch name {
	case "zstd":
		return compress.Codecs.Zstd, nil
	case "snappy":
		return compress.Codecs.Snappy, nil
	case "lz4":
		return compress.Codecs.Lz4Raw, nil
	case "none", "":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("duckcolumnar: compression %q is not one of zstd, snappy, lz4, none", name)
}

// writerProps are the Parquet writer's settings for a file of schema s.
//
// Numeric columns (BIGINT, DOUBLE, TIMESTAMP) are written without a
// dictionary: a column of mostly distinct numbers (offsets, timestamps,
// ids, measures) never reaches the dictionary page limit within a row
// group, so the writer hashed every value into a dictionary as large as
// the column, which was a third of the pipeline's CPU (issue 10's
// profile), for pages that compress no better than plain ones under
// zstd. Text columns keep a dictionary (few distinct values compress very
// well; many fall back to plain at the dictionary page limit).
func writerProps(s *arrow.Schema, c compress.Compression, mem memory.Allocator) []parquet.WriterProperty {
	props := []parquet.WriterProperty{
		parquet.WithCompression(c),
		parquet.WithMaxRowGroupLength(batchRows),
		parquet.WithAllocator(mem),
		parquet.WithCreatedBy("chronik"),
	}
	for _, f := range s.Fields() {
		switch f.Type.ID() {
		case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
			props = append(props, parquet.WithDictionaryFor(f.Name, false))
		}
	}
	return props
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeParquet writes docs as one Parquet file: one row group per batch
// of at most batchRows rows, each converted and written in turn.
func writeParquet(ctx context.Context, w io.Writer, docs []document.Document, opt columnar.FileOptions) (columnar.FileInfo, error) {
	if len(docs) == 0 {
		return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: a Parquet file needs at least one document")
	}
	c, err := codec(opt.Compression)
	if err != nil {
		return columnar.FileInfo{}, err
	}
	s, err := inferSchema(docs)
	if err != nil {
		return columnar.FileInfo{}, err
	}
	mem := memory.NewGoAllocator()
	cw := &countingWriter{w: w}
	props := parquet.NewWriterProperties(writerProps(s.arrow, c, mem)...)
	fw, err := pqarrow.NewFileWriter(s.arrow, cw, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: parquet writer: %w", err)
	}
	err = s.eachBatch(mem, docs, func(r arrow.RecordBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fw.Write(r); err != nil {
			return fmt.Errorf("duckcolumnar: write parquet: %w", err)
		}
		return nil
	})
	if err != nil {
		fw.Close()
		return columnar.FileInfo{}, err
	}
	if err := fw.Close(); err != nil {
		return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: write parquet: %w", err)
	}
	return columnar.FileInfo{Rows: int64(len(docs)), Bytes: cw.n}, nil
}
