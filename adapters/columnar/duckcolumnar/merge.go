package duckcolumnar

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// mergeRowGroupRows is the row group size of merged files: DuckDB's own
// (122,880 rows, 60 of its 2,048-row vectors). A scan hands row groups to
// its threads, so groups of this size keep both threads busy on any file
// of more than two groups, and each group's statistics (min and max
// _offset, _timestamp) still let a filter skip a slice of the file.
const mergeRowGroupRows = 122_880

// copyCodec maps columnar.FileOptions.Compression to COPY's COMPRESSION.
func copyCodec(name string) (string, error) {
	switch name {
	case "zstd", "snappy":
		return name, nil
	case "lz4":
		return "lz4_raw", nil
	case "none", "":
		return "uncompressed", nil
	}
	return "", fmt.Errorf("duckcolumnar: compression %q is not one of zstd, snappy, lz4, none", name)
}

// MergeParquet implements columnar.Engine with DuckDB's
//
//	COPY (SELECT * FROM read_parquet([srcs], union_by_name = true))
//	TO dst (FORMAT parquet, COMPRESSION c, ROW_GROUP_SIZE 122880)
//
// run in the engine's second database (one thread, memory_limit
// Config.MergeMemoryBytes): DuckDB keeps the sources' order
// (preserve_insertion_order, on; with one thread nothing waits in memory
// to be put back in order), reads only srcs and writes only dst (both must
// lie in Config.Dirs: external access is off). Columns whose shapes conflict between
// sources are written as VARCHAR (JSON text), as a query reads them: such
// sources are read one by one and put together with UNION ALL BY NAME,
// then sorted by _partition and _offset (UNION ALL keeps no order): that
// case holds every row in memory.
func (e *Engine) MergeParquet(ctx context.Context, dst string, srcs []string, opt columnar.FileOptions) (columnar.FileInfo, error) {
	if err := e.enter(); err != nil {
		return columnar.FileInfo{}, err
	}
	defer e.leave()
	if len(srcs) == 0 {
		return columnar.FileInfo{}, errors.New("duckcolumnar: a merge needs at least one file")
	}
	codec, err := copyCodec(opt.Compression)
	if err != nil {
		return columnar.FileInfo{}, err
	}
	out, err := e.allowed(dst)
	if err != nil {
		return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: merge destination: %w", err)
	}
	paths := make([]string, len(srcs))
	schemas := make([]*arrow.Schema, len(srcs))
	for j, f := range srcs {
		if paths[j], err = e.allowed(f); err != nil {
			return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: merge source %d: %w", j, err)
		}
		if schemas[j], err = e.schemas.schema(paths[j]); err != nil {
			return columnar.FileInfo{}, fmt.Errorf("duckcolumnar: merge source %d: %w", j, err)
		}
	}
	conflict := conflicts(schemas)
	var src string
	if len(conflict) == 0 {
		src = "SELECT * FROM read_parquet(" + listLiteral(paths) + ", union_by_name = true)"
	} else {
		parts := make([]string, len(paths))
		for j, p := range paths {
			parts[j] = "SELECT *" + replaceText(schemas[j], conflict) + " FROM read_parquet(" + listLiteral([]string{p}) + ")"
		}
		// UNION ALL keeps no order (on one thread DuckDB ran the second
		// source first): the rows are sorted back, which holds them all
		// in memory (they are a partition's: _offset orders them).
		src = "SELECT * FROM (" + strings.Join(parts, " UNION ALL BY NAME ") + ") ORDER BY _partition, _offset"
	}
	stmt := "COPY (" + src + ") TO " + quoteString(out) + " (FORMAT parquet, COMPRESSION " + codec +
		", ROW_GROUP_SIZE " + strconv.Itoa(mergeRowGroupRows) + ")"

	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.stop, cancel)()
	rows, err := e.copy(qctx, stmt)
	if err != nil {
		switch {
		case e.stop.Err() != nil:
			return columnar.FileInfo{}, columnar.ErrClosed
		case ctx.Err() != nil:
			return columnar.FileInfo{}, ctx.Err()
		}
		return columnar.FileInfo{}, translate(err, e.mergeScrubber(out, paths))
	}
	st, err := os.Stat(out)
	if err != nil {
		return columnar.FileInfo{}, errors.New("duckcolumnar: the merged file cannot be read back")
	}
	// DuckDB creates files as the umask allows; the cache's are private.
	if err := os.Chmod(out, 0o600); err != nil {
		return columnar.FileInfo{}, errors.New("duckcolumnar: the merged file's mode cannot be set")
	}
	return columnar.FileInfo{Rows: rows, Bytes: st.Size()}, nil
}

// copy runs a COPY statement on a fresh connection and returns the rows
// it wrote.
func (e *Engine) copy(ctx context.Context, stmt string) (int64, error) {
	conn, err := e.merges.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// DuckDB's default, said here: the merged rows keep the sources'
	// order (a test fails without it).
	if _, err := conn.ExecContext(ctx, "SET preserve_insertion_order = true"); err != nil {
		return 0, err
	}
	res, err := conn.ExecContext(ctx, stmt)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// mergeScrubber replaces a merge's paths in DuckDB's messages.
func (e *Engine) mergeScrubber(dst string, srcs []string) *strings.Replacer {
	pairs := []string{dst, "<merged file>"}
	for j, p := range srcs {
		pairs = append(pairs, p, fmt.Sprintf("<merge source %d>", j))
	}
	for _, d := range e.dirs {
		pairs = append(pairs, d, "<dir>/", strings.TrimSuffix(d, string(filepath.Separator)), "<dir>")
	}
	return strings.NewReplacer(pairs...)
}
