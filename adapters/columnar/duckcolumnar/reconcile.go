package duckcolumnar

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Files of one table may disagree on a column's shape: a field that was an
// object in older records and a string in newer ones is a STRUCT in one
// file and VARCHAR in another, which DuckDB's union_by_name cannot put
// together (it fails to cast VARCHAR to the STRUCT). The engine reads each
// file's schema (its footer, cached) and, for a top-level column whose
// shapes conflict anywhere inside, reads it as VARCHAR from every source:
// the JSON text (to_json) where it is not already VARCHAR, the same rule
// as inside one file.

// schemaCacheMax bounds the footer cache; past it the cache starts over.
const schemaCacheMax = 10_000

type schemaKey struct {
	path  string
	size  int64
	mtime time.Time
}

type schemaCache struct {
	mu sync.Mutex
	m  map[schemaKey]*arrow.Schema
}

// schema returns the Arrow schema of the Parquet file at path.
func (c *schemaCache) schema(path string) (*arrow.Schema, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("duckcolumnar: a file of the table cannot be read")
	}
	key := schemaKey{path, st.Size(), st.ModTime()}
	c.mu.Lock()
	s, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("duckcolumnar: a file of the table is not Parquet: %v", err)
	}
	defer r.Close()
	s, err = pqarrow.FromParquet(r.MetaData().Schema, nil, r.MetaData().KeyValueMetadata())
	if err != nil {
		return nil, fmt.Errorf("duckcolumnar: a file of the table has a schema the engine cannot read: %v", err)
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= schemaCacheMax {
		c.m = make(map[schemaKey]*arrow.Schema)
	}
	c.m[key] = s
	c.mu.Unlock()
	return s, nil
}

// shape classes of Arrow types, as DuckDB can put them together.
const (
	shNull = iota
	shScalar
	shBlob
	shTime
	shList
	shStruct
)

func shape(t arrow.DataType) int {
	switch t.ID() {
	case arrow.NULL:
		return shNull
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return shBlob
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64:
		return shTime
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		return shList
	case arrow.STRUCT:
		return shStruct
	}
	return shScalar // booleans, numbers, strings: DuckDB widens them
}

func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// compatible reports whether DuckDB reads a and b as one column by name.
func compatible(a, b arrow.DataType) bool {
	sa, sb := shape(a), shape(b)
	switch {
	case sa == shNull || sb == shNull:
		return true
	case sa == shBlob || sb == shBlob:
		// BLOB goes with BLOB and VARCHAR only.
		return (sa == shBlob || isString(a)) && (sb == shBlob || isString(b))
	case sa != sb:
		return false
	case sa == shList:
		return compatible(a.(arrow.ListLikeType).Elem(), b.(arrow.ListLikeType).Elem())
	case sa == shStruct:
		bf := map[string]arrow.DataType{}
		for _, f := range b.(*arrow.StructType).Fields() {
			bf[strings.ToLower(f.Name)] = f.Type
		}
		for _, f := range a.(*arrow.StructType).Fields() {
			if t, ok := bf[strings.ToLower(f.Name)]; ok && !compatible(f.Type, t) {
				return false
			}
		}
	}
	return true
}

// conflicts returns the top-level columns (lower-cased) whose types in
// schemas do not go together.
func conflicts(schemas []*arrow.Schema) map[string]bool {
	seen := map[string][]arrow.DataType{}
	out := map[string]bool{}
	for _, s := range schemas {
		for _, f := range s.Fields() {
			name := strings.ToLower(f.Name)
			for _, t := range seen[name] {
				if !compatible(t, f.Type) {
					out[name] = true
				}
			}
			seen[name] = append(seen[name], f.Type)
		}
	}
	return out
}

// replaceText is a SELECT * REPLACE clause that reads the conflicting
// columns of s as VARCHAR (JSON text where they are not VARCHAR), or ""
// when s has none to replace.
func replaceText(s *arrow.Schema, conflict map[string]bool) string {
	var items []string
	for _, f := range s.Fields() {
		if conflict[strings.ToLower(f.Name)] && !isString(f.Type) {
			items = append(items, "CAST(to_json("+quoteIdent(f.Name)+") AS VARCHAR) AS "+quoteIdent(f.Name))
		}
	}
	if len(items) == 0 {
		return ""
	}
	return " REPLACE (" + strings.Join(items, ", ") + ")"
}
