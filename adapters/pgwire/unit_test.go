package pgwire

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/ports/columnar"
)

func TestScanSQL(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		stmts []string
		max   []int
	}{
		{"one", "SELECT 1", []string{"SELECT 1"}, []int{0}},
		{"trailing_semicolons", "SELECT 1;;  ;", []string{"SELECT 1"}, []int{0}},
		{"two", "SELECT 1; SELECT $2 + $1", []string{"SELECT 1", "SELECT $2 + $1"}, []int{0, 2}},
		{"semicolon_in_string", "SELECT 'a;b', $1", []string{"SELECT 'a;b', $1"}, []int{1}},
		{"doubled_quote", "SELECT 'it''s; $9'", []string{"SELECT 'it''s; $9'"}, []int{0}},
		{"escape_string", `SELECT E'a\';b'; SELECT 2`, []string{`SELECT E'a\';b'`, "SELECT 2"}, []int{0, 0}},
		{"identifier", `SELECT "a;$3" FROM "order-events"`, []string{`SELECT "a;$3" FROM "order-events"`}, []int{0}},
		{"line_comment", "SELECT 1 -- ; $4\n; SELECT 2", []string{"SELECT 1 -- ; $4", "SELECT 2"}, []int{0, 0}},
		{"nested_block_comment", "SELECT /* a /* ; */ $5 */ 1", []string{"SELECT /* a /* ; */ $5 */ 1"}, []int{0}},
		{"dollar_quote", "SELECT $$a;$1$$, $tag$ ; $tag$, $3", []string{"SELECT $$a;$1$$, $tag$ ; $tag$, $3"}, []int{3}},
		{"only_comments", "-- nothing\n/* here */ ;", nil, nil},
		{"unterminated_string", "SELECT 'abc", []string{"SELECT 'abc"}, []int{0}},
		{"huge_placeholder", "SELECT $99999999999999999999", []string{"SELECT $99999999999999999999"}, []int{655359}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scanSQL(tc.in)
			if !reflect.DeepEqual(got.statements, tc.stmts) {
				t.Errorf("statements = %q, want %q", got.statements, tc.stmts)
			}
			if tc.name == "huge_placeholder" {
				if got.maxParam[0] <= maxParams {
					t.Errorf("huge placeholder read as %d", got.maxParam[0])
				}
				return
			}
			if !reflect.DeepEqual(got.maxParam, tc.max) {
				t.Errorf("maxParam = %v, want %v", got.maxParam, tc.max)
			}
		})
	}
}

func FuzzScanSQL(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT $2", "SELECT 'a;b' -- c\n", "$tag$ x $tag$;", "/* /* */", `E'\\'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc := scanSQL(s)
		if len(sc.statements) != len(sc.maxParam) {
			t.Fatal("statements and placeholders disagree")
		}
		total := 0
		for _, st := range sc.statements {
			if !strings.Contains(s, st) || st == "" {
				t.Fatalf("statement %q is not a part of the input", st)
			}
			total += len(st)
		}
		if total > len(s) {
			t.Fatal("statements longer than the input")
		}
		_ = normalize(s)
		_ = firstWord(s)
	})
}

func FuzzDecodeParam(f *testing.F) {
	f.Add(uint32(oidNumeric), int16(1), []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 7})
	f.Add(uint32(oidInt8), int16(0), []byte("42"))
	f.Add(uint32(oidTimestamp), int16(1), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, oid uint32, format int16, b []byte) {
		_, _ = decodeParam(oid, format, b)
	})
}

func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "1234.50", "-0.05", "0.0001", "10000", "100000000", "12345678901234567890.123456789", "0.00", "-99999.9999", "NaN"} {
		b, err := encodeNumericBinary(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		back, err := decodeNumericBinary(b)
		if err != nil {
			t.Fatalf("%s: decode: %v", s, err)
		}
		if back != s {
			t.Errorf("%s came back as %v", s, back)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "1e5", "--1"} {
		if _, err := encodeNumericBinary(bad); err == nil {
			t.Errorf("%q encoded", bad)
		}
	}
}

func TestTypeOf(t *testing.T) {
	for duck, oid := range map[string]uint32{
		"BOOLEAN": oidBool, "TINYINT": oidInt2, "SMALLINT": oidInt2, "INTEGER": oidInt4, "BIGINT": oidInt8,
		"UINTEGER": oidInt8, "UBIGINT": oidNumeric, "HUGEINT": oidNumeric, "FLOAT": oidFloat4, "DOUBLE": oidFloat8,
		"DECIMAL(18,3)": oidNumeric, "VARCHAR": oidText, "BLOB": oidBytea, "DATE": oidDate, "TIME": oidTime,
		"TIMESTAMP": oidTimestamp, "TIMESTAMP_MS": oidTimestamp, "TIMESTAMP WITH TIME ZONE": oidTimestamptz,
		"BIGINT[]": oidJSON, "STRUCT(a BIGINT, b VARCHAR)": oidJSON, "MAP(VARCHAR, BIGINT)": oidJSON,
		"JSON": oidJSON, "INTERVAL": oidText, "UUID": oidText, `"NULL"`: oidText,
		// As duckdb-go v2.20000.0 names them (DatabaseTypeName).
		"SQLNULL": oidText, `STRUCT("a" INTEGER)`: oidJSON, "INTEGER[]": oidJSON, "DECIMAL(10,2)": oidNumeric,
	} {
		if got := typeOf(duck).oid; got != oid {
			t.Errorf("%s → OID %d, want %d", duck, got, oid)
		}
	}
}

func TestDurationSetting(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "250": "250", "5s": "5000", "2 min": "120000", "1h": "3600000", "10ms": "10"} {
		if got, err := duration(in); err != nil || got != want {
			t.Errorf("duration(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "5 weeks", "-1", "99999999999"} {
		if _, err := duration(bad); err == nil {
			t.Errorf("duration(%q) accepted", bad)
		}
	}
}

// TestEveryColumnarErrorIsMapped reads ports/columnar's source and fails
// when one of its exported errors is not in errorCodes.
func TestEveryColumnarErrorIsMapped(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filepath.Join("..", "..", "ports", "columnar", "columnar.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]error{
		"ErrInvalid": columnar.ErrInvalid, "ErrRefused": columnar.ErrRefused, "ErrTimeout": columnar.ErrTimeout,
		"ErrResources": columnar.ErrResources, "ErrClosed": columnar.ErrClosed,
	}
	found := 0
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(name.Name, "Err") || !name.IsExported() {
					continue
				}
				found++
				e, known := exported[name.Name]
				if !known {
					t.Errorf("columnar.%s is new: add it to errorCodes and to this test", name.Name)
					continue
				}
				mapped := false
				for _, m := range errorCodes {
					mapped = mapped || m.err == e
				}
				if !mapped {
					t.Errorf("columnar.%s is not in errorCodes", name.Name)
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no exported errors found in ports/columnar: is the path right?")
	}
}

// FuzzRun feeds any statement to a session's own handlers (transactions,
// SET, SHOW, probes, the catalog answers) over the fake engine: no panic,
// and every answer is either an error or a result whose rows fit its
// columns.
func FuzzRun(f *testing.F) {
	for _, s := range []string{"SET a TO 'b'", "SHOW ALL", "select current_setting('x')", "BEGIN", "DEALLOCATE ALL",
		`SELECT c.relchecks FROM pg_catalog.pg_class c WHERE c.oid = '1'`,
		`SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = '16385'`,
		`SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) '^(o.*)$'`,
		"SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_name = 'orders'",
		"select x, (y, z) from information_schema.columns where table_schema = 'public'"} {
		f.Add(s, false)
	}
	srv, err := New(Config{}, catalogOnly{newFake()}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sql string, dry bool) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		c := newConn(srv, a)
		res, err := c.run(sql, nil, dry)
		if err != nil {
			return
		}
		for _, row := range res.rows {
			if len(row) > len(res.cols) {
				t.Fatalf("%q: a row of %d values for %d columns", sql, len(row), len(res.cols))
			}
		}
	})
}

// catalogOnly passes the fake engine only what the catalog answers ask.
type catalogOnly struct{ f *fakeQuerier }

func (q catalogOnly) Catalog(ctx context.Context, sql string, params []any, sess columnar.Session) (columnar.Result, error) {
	return q.f.Catalog(ctx, sql, params, sess)
}

func (q catalogOnly) Query(ctx context.Context, sql string, params []any) (columnar.Result, error) {
	if sql == "SHOW TABLES" || strings.HasPrefix(sql, "DESCRIBE ") {
		return q.f.Query(ctx, sql, params)
	}
	return columnar.Result{}, columnar.ErrInvalid
}
