package pgwire

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// result is one statement's answer.
type result struct {
	cols      []columnar.Column // nil: a command without rows
	rows      [][]any
	truncated bool
	tag       string   // "SELECT" gets its row count appended
	empty     bool     // the statement was empty (EmptyQueryResponse)
	pg        []pgType // the columns' wire types; from cols when nil
}

func (r *result) types() []pgType {
	if r.pg != nil {
		return r.pg
	}
	out := make([]pgType, len(r.cols))
	for i, c := range r.cols {
		out[i] = typeOf(c.Type)
	}
	return out
}

func (r *result) rowDescription(formats []int16) *pgproto3.RowDescription {
	types := r.types()
	fields := make([]pgproto3.FieldDescription, len(r.cols))
	for i, c := range r.cols {
		fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), DataTypeOID: types[i].oid,
			DataTypeSize: types[i].size, TypeModifier: -1, Format: formatOf(formats, i)}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

func (r *result) commandTag() string {
	if r.tag == "SELECT" {
		return "SELECT " + strconv.Itoa(len(r.rows))
	}
	return r.tag
}

func command(tag string) *result { return &result{tag: tag} }

// rowsOf builds a result of VARCHAR columns.
func rowsOf(tag string, names []string, rows ...[]any) *result {
	cols := make([]columnar.Column, len(names))
	for i, n := range names {
		cols[i] = columnar.Column{Name: n, Type: "VARCHAR"}
	}
	return &result{cols: cols, rows: rows, tag: tag}
}

// setting is a session setting a client may read (SHOW) and, when
// settable, change (SET); fixed ones accept only their one value.
type setting struct {
	name     string // as ParameterStatus spells it
	def      string
	reported bool // sent as ParameterStatus at startup and when SET
	fixed    bool // only its default is accepted
	check    func(string) (string, error)
}

var settings = map[string]setting{}

// reported lists, in order, the settings sent at startup.
var reported []string

func init() {
	for _, s := range []setting{
		{name: "server_version", def: DefaultServerVersion, reported: true, fixed: true},
		{name: "server_encoding", def: "UTF8", reported: true, fixed: true},
		{name: "client_encoding", def: "UTF8", reported: true, check: oneOf("UTF8", "UTF8", "UTF-8", "UNICODE")},
		{name: "DateStyle", def: "ISO, MDY", reported: true, check: dateStyle},
		{name: "IntervalStyle", def: "postgres", reported: true, fixed: true},
		{name: "TimeZone", def: "UTC", reported: true, check: oneOf("UTC", "UTC", "GMT", "Etc/UTC", "Z", "+00", "+00:00", "0")},
		{name: "integer_datetimes", def: "on", reported: true, fixed: true},
		{name: "standard_conforming_strings", def: "on", reported: true, fixed: true},
		{name: "is_superuser", def: "off", reported: true, fixed: true},
		{name: "session_authorization", def: "", reported: true, fixed: true},
		{name: "application_name", def: "", reported: true},
		{name: "default_transaction_read_only", def: "on", reported: true, fixed: true},
		{name: "in_hot_standby", def: "off", reported: true, fixed: true},
		{name: "extra_float_digits", def: "1", check: integer},
		{name: "search_path", def: `"$user", public`},
		{name: "statement_timeout", def: "0", check: duration},
		{name: "lock_timeout", def: "0", check: duration},
		{name: "idle_in_transaction_session_timeout", def: "0", check: duration},
		{name: "client_min_messages", def: "notice"},
		{name: "bytea_output", def: "hex", fixed: true},
		{name: "transaction_isolation", def: "read committed", fixed: true},
		{name: "default_transaction_isolation", def: "read committed", fixed: true},
		{name: "transaction_read_only", def: "on", fixed: true},
		{name: "max_identifier_length", def: "63", fixed: true},
		{name: "lc_collate", def: "C", fixed: true},
		{name: "lc_ctype", def: "C", fixed: true},
		{name: "lc_messages", def: "C"},
		{name: "lc_monetary", def: "C"},
		{name: "lc_numeric", def: "C"},
		{name: "lc_time", def: "C"},
		{name: "jit", def: "off"},
		{name: "row_security", def: "on"},
	} {
		settings[strings.ToLower(s.name)] = s
		if s.reported {
			reported = append(reported, s.name)
		}
	}
}

func defaultSettings(version string) map[string]string {
	m := make(map[string]string, len(settings))
	for k, s := range settings {
		m[k] = s.def
	}
	m["server_version"] = version
	return m
}

func oneOf(canonical string, accepted ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, a := range accepted {
			if strings.EqualFold(v, a) {
				return canonical, nil
			}
		}
		return "", fmt.Errorf("only %s is supported", canonical)
	}
}

func dateStyle(v string) (string, error) {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v)), "ISO") {
		return "ISO, MDY", nil
	}
	return "", fmt.Errorf("only ISO dates are supported")
}

func integer(v string) (string, error) {
	if _, err := strconv.Atoi(v); err != nil {
		return "", fmt.Errorf("%q is not an integer", v)
	}
	return v, nil
}

// duration reads a Postgres time setting (milliseconds, or with a unit)
// into milliseconds.
func duration(v string) (string, error) {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil || n < 0 || n > 1<<31 {
		return "", fmt.Errorf("%q is not a duration", v)
	}
	units := map[string]int64{"": 1, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
	u, ok := units[strings.ToLower(strings.TrimSpace(v[i:]))]
	if !ok {
		return "", fmt.Errorf("%q is not a duration (units: ms, s, min, h, d)", v)
	}
	return strconv.FormatInt(n*u, 10), nil
}

// run answers one statement: the session's own statements (transactions,
// SET, SHOW of a setting, the probes drivers send, the catalog queries of
// psql's \d) here, the rest through the Querier. With dry, it only says
// what the statement returns (Describe): no side effect, and queries run
// under LIMIT 0.
func (c *conn) run(sql string, params []any, dry bool) (*result, error) {
	n := strings.TrimRight(normalize(sql), "; ")
	if n == "" {
		return &result{empty: true}, nil
	}
	word := firstWord(sql)
	if c.tx == 'E' && word != "commit" && word != "rollback" && word != "abort" && word != "end" {
		return nil, errorf(codeInFailedTx, "current transaction is aborted, commands ignored until end of transaction block")
	}
	switch word {
	case "begin", "start":
		if !dry {
			c.tx = 'T'
		}
		if word == "start" {
			return command("START TRANSACTION"), nil
		}
		return command("BEGIN"), nil
	case "commit", "end":
		tag := "COMMIT"
		if c.tx == 'E' {
			tag = "ROLLBACK"
		}
		if !dry {
			c.tx = 'I'
		}
		return command(tag), nil
	case "rollback", "abort":
		if strings.Contains(n, " to ") {
			if !dry && c.tx == 'E' {
				c.tx = 'T'
			}
			return command("ROLLBACK"), nil
		}
		if !dry {
			c.tx = 'I'
		}
		return command("ROLLBACK"), nil
	case "savepoint":
		return command("SAVEPOINT"), nil
	case "release":
		return command("RELEASE"), nil
	case "set":
		return c.set(n, dry)
	case "reset":
		return c.reset(n, dry)
	case "discard":
		if !dry && n == "discard all" {
			c.settings = defaultSettings(c.srv.cfg.ServerVersion)
			c.settings["session_authorization"] = c.user
		}
		return command(strings.ToUpper(n)), nil
	case "deallocate":
		name := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(n, "deallocate"), " prepare"))
		if !dry {
			if name == "all" {
				clear(c.stmts)
				c.stmtText = 0
			} else if st := c.stmts[strings.Trim(name, `"`)]; st != nil {
				c.stmtText -= len(st.sql)
				delete(c.stmts, strings.Trim(name, `"`))
			}
		}
		return command("DEALLOCATE"), nil
	case "show":
		if r := c.show(n); r != nil {
			return r, nil
		}
	case "select":
		if r := c.probe(n); r != nil {
			return r, nil
		}
	}
	if isCatalogQuery(n) {
		return c.catalog(sql, n, params)
	}
	if dry {
		return c.describeQuery(sql, word, len(params))
	}
	return c.query(sql, params)
}

// describeQuery learns a query's columns without reading its rows.
func (c *conn) describeQuery(sql, word string, nparams int) (*result, error) {
	params := make([]any, nparams)
	switch word {
	case "select", "with", "values", "from", "table", "":
		// The parameters are all NULL here: the columns' names and types
		// are what matters, and LIMIT 0 reads no row.
		res, err := c.query("SELECT * FROM (\n"+sql+"\n) AS chronik_describe LIMIT 0", params)
		if err != nil {
			return nil, err
		}
		res.rows = nil
		return res, nil
	}
	return c.query(sql, params)
}

// describe is Describe of a prepared statement.
func (c *conn) describe(st *statement) (*result, error) {
	if st.described != nil {
		return st.described, nil
	}
	res, err := c.run(st.sql, make([]any, len(st.paramOIDs)), true)
	if err != nil {
		return nil, err
	}
	st.described = &result{cols: res.cols, pg: res.pg, tag: res.tag, empty: res.empty}
	return st.described, nil
}

var setRE = regexp.MustCompile(`^set (?:session |local )?([a-z_][a-z0-9_.]*)(?: to | ?= ?)(.*)$`)

// set serves SET of a session setting; settings of the engine are refused.
func (c *conn) set(n string, dry bool) (*result, error) {
	var name, value string
	switch {
	case strings.HasPrefix(n, "set session characteristics as transaction"), strings.HasPrefix(n, "set transaction"):
		return command("SET"), nil
	case strings.HasPrefix(n, "set time zone "), strings.HasPrefix(n, "set session time zone "), strings.HasPrefix(n, "set local time zone "):
		name, value = "timezone", n[strings.Index(n, "time zone ")+len("time zone "):]
	case strings.HasPrefix(n, "set names "):
		name, value = "client_encoding", strings.TrimPrefix(n, "set names ")
	default:
		m := setRE.FindStringSubmatch(n)
		if m == nil {
			return nil, errorf(codeSyntax, "syntax error in SET: expected SET name TO value")
		}
		name, value = m[1], m[2]
	}
	s, ok := settings[name]
	if !ok || s.name == "server_version" || s.name == "server_encoding" || s.name == "session_authorization" || s.name == "is_superuser" {
		return nil, &sqlError{code: codeRefused, msg: fmt.Sprintf("SET %s is not allowed here: only session settings can be set (%s)", name, settableNames()),
			hint: "the SQL engine's settings (threads, memory, timeouts) are the server's"}
	}
	value = unquoteList(value)
	if strings.EqualFold(value, "default") || strings.EqualFold(value, "local") && name == "timezone" {
		value = s.def
	}
	if s.check != nil {
		v, err := s.check(value)
		if err != nil {
			return nil, errorf(codeInvalidParamValue, fmt.Sprintf("invalid value for parameter %q: %q: %v", s.name, value, err))
		}
		value = v
	} else if s.fixed && !strings.EqualFold(value, s.def) {
		return nil, errorf(codeInvalidParamValue, fmt.Sprintf("parameter %q can only be %q here", s.name, s.def))
	}
	if !dry {
		c.setSetting(name, value)
	}
	return command("SET"), nil
}

func (c *conn) setSetting(name, value string) {
	if c.settings[name] == value {
		return
	}
	c.settings[name] = value
	if s := settings[name]; s.reported {
		c.be.Send(&pgproto3.ParameterStatus{Name: s.name, Value: value})
	}
}

func (c *conn) reset(n string, dry bool) (*result, error) {
	name := strings.TrimPrefix(n, "reset ")
	if dry {
		return command("RESET"), nil
	}
	if name == "all" {
		for k, s := range settings {
			if !s.fixed {
				c.setSetting(k, s.def)
			}
		}
		return command("RESET"), nil
	}
	s, ok := settings[name]
	if !ok {
		return nil, errorf(codeUndefinedObject, fmt.Sprintf("unrecognized configuration parameter %q", name))
	}
	if !s.fixed {
		c.setSetting(name, s.def)
	}
	return command("RESET"), nil
}

func settableNames() string {
	var out []string
	for _, s := range settings {
		if !s.fixed {
			out = append(out, s.name)
		}
	}
	sortStrings(out)
	return strings.Join(out, ", ")
}

// unquoteList strips the quotes of a SET value ('a', "b", c).
func unquoteList(v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '\'' && p[len(p)-1] == '\'') {
			p = strings.ReplaceAll(p[1:len(p)-1], "''", "'")
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}

// show answers SHOW of a session setting, or nil to let the engine answer
// (SHOW TABLES, SHOW <topic>).
func (c *conn) show(n string) *result {
	name := strings.TrimPrefix(n, "show ")
	switch name {
	case "transaction isolation level":
		name = "transaction_isolation"
	case "time zone":
		name = "timezone"
	case "all":
		var rows [][]any
		keys := make([]string, 0, len(settings))
		for k := range settings {
			keys = append(keys, k)
		}
		sortStrings(keys)
		for _, k := range keys {
			rows = append(rows, []any{settings[k].name, c.showValue(k), ""})
		}
		r := rowsOf("SHOW", []string{"name", "setting", "description"}, rows...)
		return r
	}
	s, ok := settings[name]
	if !ok {
		return nil
	}
	return rowsOf("SHOW", []string{s.name}, []any{c.showValue(name)})
}

func (c *conn) showValue(name string) string {
	v := c.settings[name]
	switch name {
	case "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout":
		if v != "0" {
			return v + "ms"
		}
	}
	return v
}

// probe answers the one-line queries drivers and tools send to learn
// about the server.
func (c *conn) probe(n string) *result {
	one := func(col, typ string, v any) *result {
		return &result{cols: []columnar.Column{{Name: col, Type: typ}}, rows: [][]any{{v}}, tag: "SELECT"}
	}
	switch n {
	case "select version()":
		return one("version", "VARCHAR", "PostgreSQL "+c.settings["server_version"]+" (Chronik: SQL over topics, DuckDB engine)")
	case "select current_database()":
		return one("current_database", "VARCHAR", database)
	case "select current_schema()", "select current_schema":
		return one("current_schema", "VARCHAR", "public")
	case "select current_user", "select session_user", "select user", "select current_user()":
		return one(strings.TrimSuffix(strings.TrimPrefix(n, "select "), "()"), "VARCHAR", c.user)
	case "select pg_backend_pid()":
		return one("pg_backend_pid", "INTEGER", int64(c.pid))
	}
	if m := currentSettingRE.FindStringSubmatch(n); m != nil {
		if _, ok := settings[m[1]]; ok {
			return one("current_setting", "VARCHAR", c.showValue(m[1]))
		}
	}
	return nil
}

var currentSettingRE = regexp.MustCompile(`^select (?:pg_catalog\.)?current_setting\('([a-z_]+)'\)$`)

// catalogRE finds what makes a statement a catalog query: a relation of
// pg_catalog or information_schema, or a function that reads the session
// or the catalogs.
var catalogRE = regexp.MustCompile(`\b(pg_catalog\.|information_schema\.|pg_(class|namespace|attribute|type|proc|database|settings|roles|user|tables|views|matviews|index|indexes|description|am|extension|stat_activity|stat_user_tables|constraint|attrdef|inherits|depend|authid|tablespace)\b)|` +
	`\b(current_setting|current_schemas|current_database|current_schema|version|format_type|obj_description|col_description|has_[a-z_]+_privilege|pg_get_[a-z_]+|pg_table_is_visible|pg_has_role|to_regclass|pg_encoding_to_char)\s*\(|` +
	`::\s*(regclass|regtype|regproc|regnamespace)\b|\b(current_user|session_user|current_role|current_catalog)\b`)

func isCatalogQuery(n string) bool { return catalogRE.MatchString(n) }

// database is the one catalog this server shows.
const database = "chronik"

// catalog answers psql's \d and \dt (which list the tables) and \d
// <table> from SHOW TABLES and DESCRIBE, as psql reads them by position;
// every other catalog query goes to the engine's emulation of the
// catalogs (Querier.Catalog).
func (c *conn) catalog(sql, n string, params []any) (*result, error) {
	if strings.Contains(n, "from pg_catalog.pg_class c left join pg_catalog.pg_namespace n") && strings.Contains(n, `as "Name"`) {
		return c.listTables(n)
	}
	if r, ok, err := c.describeTable(sql, n); ok {
		return r, err
	}
	return c.catalogQuery(sql, params)
}

var (
	psqlPatternRE = regexp.MustCompile(`'\^\((.*?)\)\$'`)
	aliasRE       = regexp.MustCompile(`as "([^"]+)"`)
	relkindRE     = regexp.MustCompile(`relkind in \(([^)]*)\)`)
)

// listTables answers psql's \d and \dt (and \d+, \dt+ with a pattern):
// one row per topic table, in the columns the query names.
func (c *conn) listTables(n string) (*result, error) {
	sel := n
	if i := strings.Index(n, " from pg_catalog.pg_class"); i >= 0 {
		sel = n[:i]
	}
	var names []string
	for _, m := range aliasRE.FindAllStringSubmatch(sel, -1) {
		names = append(names, m[1])
	}
	// psql turns a pattern (\dt ord*) into a POSIX regular expression.
	var match *regexp.Regexp
	if m := psqlPatternRE.FindStringSubmatch(n); m != nil {
		re, err := regexp.Compile("^(" + m[1] + ")$")
		if err != nil {
			return nil, errorf(codeInvalidParamValue, "the pattern is not a regular expression this server reads")
		}
		match = re
	}
	// A listing of something else than tables (\dv, \di, \ds): none here.
	wantTables := true
	if m := relkindRE.FindStringSubmatch(n); m != nil {
		wantTables = strings.Contains(m[1], "'r'") || strings.Contains(m[1], "'p'")
	}
	tables, err := c.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, t := range tables {
		if !wantTables || match != nil && !match.MatchString(t) {
			continue
		}
		row := make([]any, len(names))
		for i, col := range names {
			switch col {
			case "Schema":
				row[i] = "public"
			case "Name":
				row[i] = t
			case "Type":
				row[i] = "table"
			case "Owner":
				row[i] = "chronik"
			case "Persistence":
				row[i] = "permanent"
			default:
				row[i] = ""
			}
		}
		rows = append(rows, row)
	}
	r := rowsOf("SELECT", names, rows...)
	return r, nil
}

// tables lists the topics' tables through the Querier's SHOW TABLES.
func (c *conn) tables() ([]string, error) {
	res, err := c.query("SHOW TABLES", nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, row := range res.rows {
		if len(row) > 0 {
			if s, ok := row[0].(string); ok {
				out = append(out, s)
			}
		}
	}
	sortStrings(out)
	return out, nil
}

func sortStrings(s []string) { slices.Sort(s) }
