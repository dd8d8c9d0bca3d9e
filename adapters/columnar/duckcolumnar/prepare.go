package duckcolumnar

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// deniedFunctions are scalar functions a query may not call: the first
// ones build a value whose size an argument chooses (DuckDB allocates such
// strings and lists outside its memory limit, so SELECT repeat('x', 1e12)
// could take the process down), the last ones read the engine's settings
// and variables.
var deniedFunctions = map[string]bool{
	"repeat": true, "lpad": true, "rpad": true, "printf": true, "format": true,
	"bar": true, "range": true, "generate_series": true, "list_resize": true,
	"array_resize":    true,
	"current_setting": true, "getvariable": true,
}

// parsed is one statement as DuckDB's parser sees it.
type parsed struct {
	plan columnar.Plan
	// inner is the SELECT an EXPLAIN explains ("" otherwise).
	inner string
	// rewritten is the statement to run in place of the text given, when
	// it names tables as Postgres clients do, public.<table> or
	// chronik.public.<table> (the tables are the connection's temporary
	// views, which have no schema public): the names without the schema,
	// as DuckDB turns its tree back into SQL. Empty: run the text given.
	rewritten string
}

// serialized is json_serialize_sql's answer.
type serialized struct {
	Error      bool              `json:"error"`
	ErrorType  string            `json:"error_type"`
	Message    string            `json:"error_message"`
	Statements []json.RawMessage `json:"statements"`
}

// prepare parses sql with DuckDB's parser (json_serialize_sql, which
// parses without binding, so tables need not exist) and checks it.
func prepare(ctx context.Context, conn *sql.Conn, query string, maxBytes int) (parsed, error) {
	if err := checkText(query, maxBytes); err != nil {
		return parsed{}, err
	}
	ser, err := serialize(ctx, conn, query)
	if err != nil {
		return parsed{}, err
	}
	if ser.Error {
		if ser.ErrorType != "not implemented" {
			return parsed{}, fmt.Errorf("%w: %s", columnar.ErrInvalid, ser.Message)
		}
		// It parsed but is not a SELECT. The only such kind that runs is
		// EXPLAIN [ANALYZE] <select>: peel the keyword and parse the rest.
		rest, ok := peelExplain(query)
		if !ok {
			return parsed{}, fmt.Errorf("%w: only SELECT, WITH, EXPLAIN, DESCRIBE and SHOW statements run here", columnar.ErrRefused)
		}
		p, err := prepare(ctx, conn, rest, maxBytes)
		if err != nil {
			return parsed{}, err
		}
		if p.inner != "" || p.plan.Kind != columnar.KindSelect {
			return parsed{}, fmt.Errorf("%w: EXPLAIN runs only over a SELECT", columnar.ErrRefused)
		}
		if p.rewritten != "" {
			return parsed{}, fmt.Errorf("%w: EXPLAIN takes a table named alone (orders, not public.orders)", columnar.ErrInvalid)
		}
		p.plan.Kind = columnar.KindExplain
		p.inner = rest
		return p, nil
	}
	switch len(ser.Statements) {
	case 0:
		return parsed{}, fmt.Errorf("%w: no statement", columnar.ErrInvalid)
	case 1:
	default:
		return parsed{}, fmt.Errorf("%w: %d statements; one runs at a time", columnar.ErrRefused, len(ser.Statements))
	}
	dec := json.NewDecoder(bytes.NewReader(ser.Statements[0]))
	dec.UseNumber()
	var stmt map[string]any
	if err := dec.Decode(&stmt); err != nil {
		return parsed{}, fmt.Errorf("%w: the parser's tree: %v", columnar.ErrInvalid, err)
	}
	node, _ := stmt["node"].(map[string]any)
	w := walker{seen: make(map[string]bool)}
	if err := w.walk(node, nil); err != nil {
		return parsed{}, err
	}
	// The tables in the order the statement names them.
	order := make([]int, len(w.tables))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(w.at[a], w.at[b]) })
	var tables []string
	for _, i := range order {
		tables = append(tables, w.tables[i])
	}
	kind := columnar.KindSelect
	if from, ok := node["from_table"].(map[string]any); ok && str(node, "type") == "SELECT_NODE" && str(from, "type") == "SHOW_REF" {
		switch str(from, "show_type") {
		case "DESCRIBE":
			kind = columnar.KindDescribe
		case "SHOW", "SHOW_SPECIAL":
			kind = columnar.KindShow
		}
	}
	p := parsed{plan: columnar.Plan{Kind: kind, Tables: tables}}
	if w.qualified {
		if kind != columnar.KindSelect {
			return parsed{}, fmt.Errorf("%w: DESCRIBE and SHOW take a table named alone (orders, not public.orders)", columnar.ErrInvalid)
		}
		tree, err := json.Marshal(map[string]any{"error": false, "statements": []any{stmt}})
		if err != nil {
			return parsed{}, fmt.Errorf("duckcolumnar: statement tree: %w", err)
		}
		if err := conn.QueryRowContext(ctx, "SELECT json_deserialize_sql($1::JSON)", string(tree)).Scan(&p.rewritten); err != nil {
			if ctx.Err() != nil {
				return parsed{}, ctx.Err()
			}
			return parsed{}, fmt.Errorf("%w: name the tables without their schema (orders, not public.orders): %v", columnar.ErrInvalid, err)
		}
	}
	return p, nil
}

// planCache keeps the parses of recent statement texts. A parse runs
// DuckDB's parser through a query of its own (json_serialize_sql), most of
// a short query's fixed cost, and the service prepares a statement before
// the engine runs it; dashboards and BI tools send the same texts again
// and again. A parse depends on the text alone: only successful ones of
// texts up to maxCachedText bytes are kept, at most maxCachedPlans of
// them (an arbitrary one leaves when full).
type planCache struct {
	mu sync.Mutex
	m  map[string]parsed
}

const (
	maxCachedText  = 8 << 10
	maxCachedPlans = 256
)

func (c *planCache) get(query string) (parsed, bool) {
	c.mu.Lock()
	p, ok := c.m[query]
	c.mu.Unlock()
	p.plan.Tables = slices.Clone(p.plan.Tables) // the caller's to change
	return p, ok
}

func (c *planCache) put(query string, p parsed) {
	if len(query) > maxCachedText {
		return
	}
	p.plan.Tables = slices.Clone(p.plan.Tables)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]parsed)
	}
	if len(c.m) >= maxCachedPlans {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[query] = p
}

// prepare is prepare through the engine's plan cache; conn is opened only
// when the text is not there.
func (e *Engine) prepare(ctx context.Context, conn func() (*sql.Conn, error), query string) (parsed, error) {
	if p, ok := e.plans.get(query); ok {
		return p, nil
	}
	c, err := conn()
	if err != nil {
		return parsed{}, err
	}
	p, err := prepare(ctx, c, query, e.cfg.MaxSQLBytes)
	if err == nil {
		e.plans.put(query, p)
	}
	return p, err
}

// checkText refuses a statement too long, not UTF-8 or with a NUL byte.
func checkText(query string, maxBytes int) error {
	if len(query) > maxBytes {
		return fmt.Errorf("%w: the statement is %d bytes; at most %d run here", columnar.ErrInvalid, len(query), maxBytes)
	}
	if !utf8.ValidString(query) {
		return fmt.Errorf("%w: the statement is not valid UTF-8", columnar.ErrInvalid)
	}
	if strings.IndexByte(query, 0) >= 0 {
		return fmt.Errorf("%w: the statement contains a NUL byte", columnar.ErrInvalid)
	}
	return nil
}

func serialize(ctx context.Context, conn *sql.Conn, query string) (serialized, error) {
	var out string
	if err := conn.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql($1::VARCHAR) AS VARCHAR)", query).Scan(&out); err != nil {
		if ctx.Err() != nil {
			return serialized{}, ctx.Err()
		}
		return serialized{}, fmt.Errorf("duckcolumnar: parse: %w", err)
	}
	var ser serialized
	if err := json.Unmarshal([]byte(out), &ser); err != nil {
		return serialized{}, fmt.Errorf("%w: the parser's tree: %v", columnar.ErrInvalid, err)
	}
	return ser, nil
}

// peelExplain returns what follows a leading EXPLAIN [ANALYZE] (or
// EXPLAIN (options)) keyword, skipping white space and comments. The rest
// is then parsed by DuckDB; Query checks the statement type DuckDB gives
// the whole statement too.
func peelExplain(q string) (string, bool) {
	q = skipSpace(q)
	if !hasWord(q, "explain") {
		return "", false
	}
	q = skipSpace(q[len("explain"):])
	if hasWord(q, "analyze") {
		q = skipSpace(q[len("analyze"):])
	} else if strings.HasPrefix(q, "(") {
		end := strings.IndexByte(q, ')')
		if end < 0 {
			return "", false
		}
		q = skipSpace(q[end+1:])
	}
	return q, q != ""
}

func hasWord(q, w string) bool {
	if len(q) < len(w) || !strings.EqualFold(q[:len(w)], w) {
		return false
	}
	if len(q) == len(w) {
		return true
	}
	c := q[len(w)]
	return !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

func skipSpace(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return ""
			}
			q = q[i+1:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return ""
			}
			q = q[i+2:]
		default:
			return q
		}
	}
}

// walker collects the tables a parsed statement reads and refuses what
// must not run.
type walker struct {
	qualified bool // a name was given with the schema public; see parsed.rewritten
	tables    []string
	at        []uint64 // where each table is named in the statement
	seen      map[string]bool
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// walk visits v; ctes are the common table expressions in scope
// (lower-cased), which are not tables.
func (w *walker) walk(v any, ctes []string) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := w.walk(e, ctes); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		return w.walkObject(x, ctes)
	}
	return nil
}

func (w *walker) walkObject(m map[string]any, ctes []string) error {
	// A node with common table expressions: each sees those before it
	// (and itself when recursive); the rest of the node sees all.
	if cm, ok := m["cte_map"].(map[string]any); ok {
		entries, _ := cm["map"].([]any)
		scope := ctes
		for _, e := range entries {
			em, _ := e.(map[string]any)
			name := strings.ToLower(str(em, "key"))
			inner := append(scope[:len(scope):len(scope)], name)
			if err := w.walk(em["value"], inner); err != nil {
				return err
			}
			scope = inner
		}
		ctes = scope
	}
	switch str(m, "type") {
	case "TABLE_FUNCTION":
		name := "a table function"
		if fn, ok := m["function"].(map[string]any); ok && str(fn, "function_name") != "" {
			name = "table function " + str(fn, "function_name")
		}
		return fmt.Errorf("%w: %s reads outside the topics' tables", columnar.ErrRefused, name)
	case "BASE_TABLE":
		if publicSchema(str(m, "catalog_name"), str(m, "schema_name")) {
			name := str(m, "table_name")
			m["schema_name"], m["catalog_name"] = "", ""
			m["qualified_name"] = map[string]any{"path": []any{name}}
			w.qualified = true
		}
		if str(m, "schema_name") != "" || str(m, "catalog_name") != "" {
			return fmt.Errorf("%w: %q is a qualified name; a topic is a table named as the topic (quote a name with a dot: \"my.topic\")",
				columnar.ErrInvalid, qualified(m))
		}
		w.addTable(str(m, "table_name"), location(m), ctes)
	case "SHOW_REF":
		name := str(m, "table_name")
		switch {
		case name == "":
		case str(m, "show_type") == "SHOW_SPECIAL":
			if strings.ToLower(strings.Trim(name, `"`)) != "tables" {
				return fmt.Errorf("%w: SHOW %s", columnar.ErrRefused, strings.Trim(name, `"`))
			}
		default:
			if str(m, "schema_name") != "" || str(m, "catalog_name") != "" {
				return fmt.Errorf("%w: %q is a qualified name; a topic is a table named as the topic", columnar.ErrInvalid, qualified(m))
			}
			w.addTable(name, location(m), ctes)
		}
	}
	if str(m, "class") == "COLUMN_REF" {
		// public.orders.amount, chronik.public.orders.amount: the column
		// of a table named with its schema.
		names, _ := m["column_names"].([]any)
		if len(names) >= 3 {
			a, _ := names[0].(string)
			b, _ := names[1].(string)
			switch {
			case len(names) >= 4 && publicSchema(a, b):
				m["column_names"] = names[2:]
				w.qualified = true
			case publicSchema("", a):
				m["column_names"] = names[1:]
				w.qualified = true
			}
		}
	}
	if str(m, "class") == "FUNCTION" {
		name := strings.ToLower(str(m, "function_name"))
		if deniedFunctions[name] {
			return fmt.Errorf("%w: function %s is not allowed here", columnar.ErrRefused, name)
		}
	}
	// Sorted, so the tables come out in a stable order.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "cte_map" {
			continue
		}
		if err := w.walk(m[k], ctes); err != nil {
			return err
		}
	}
	return nil
}

// publicSchema says whether catalog.schema is where Postgres clients see
// the topics' tables: public, in the one database chronik.
func publicSchema(catalog, schema string) bool {
	return strings.EqualFold(schema, "public") && (catalog == "" || strings.EqualFold(catalog, catalogDatabase))
}

func qualified(m map[string]any) string {
	var parts []string
	for _, k := range []string{"catalog_name", "schema_name", "table_name"} {
		if s := str(m, k); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}

// location is where node m starts in the statement (MaxUint64 unknown).
func location(m map[string]any) uint64 {
	n, _ := m["query_location"].(json.Number)
	u, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		return math.MaxUint64
	}
	return u
}

func (w *walker) addTable(name string, at uint64, ctes []string) {
	lower := strings.ToLower(name)
	for _, c := range ctes {
		if c == lower {
			return
		}
	}
	if !w.seen[name] {
		w.seen[name] = true
		w.tables = append(w.tables, name)
		w.at = append(w.at, at)
		return
	}
	i := slices.Index(w.tables, name)
	w.at[i] = min(w.at[i], at)
}
