package pgwire

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// psql's \d <table> runs a fixed series of catalog queries: find the
// table's oid by name, read the table's flags, read its columns, then a
// few footers (indexes, policies, publications, inheritance...). They are
// answered here from the engine's SHOW TABLES and DESCRIBE <table>: the
// table gets a stable made-up oid, the flags of a plain table without
// indexes, and the footers no rows.

// tableOID is the stable oid shown for a topic's table, the one the
// engine's catalogs show too.
func tableOID(name string) int64 { return columnar.TableOID(name) }

var oidLiteralRE = regexp.MustCompile(`(?:attrelid|c\.oid|inhrelid|inhparent|polrelid|stxrelid|indrelid|conrelid|tgrelid|pr\.prrelid|ev_class|objoid|classoid|partrelid|relid|oid) = '(\d+)'`)

// selectList splits the select list of a normalized query into its
// top-level items.
func selectList(n string) []string {
	s, ok := strings.CutPrefix(n, "select ")
	if !ok {
		return nil
	}
	s = strings.TrimPrefix(s, "distinct ")
	var items []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\'' || ch == '"':
			i = skipQuoted(s, i+1, ch, false) - 1
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case ch == ',' && depth == 0:
			items = append(items, strings.TrimSpace(s[start:i]))
			start = i + 1
		case depth == 0 && strings.HasPrefix(s[i:], " from ") || depth == 0 && strings.HasPrefix(s[i:], "\nfrom "):
			return append(items, strings.TrimSpace(s[start:i]))
		}
	}
	return append(items, strings.TrimSpace(s[start:]))
}

// describeTable answers psql's \d <table> queries, or says it does not
// know the query (ok false).
func (c *conn) describeTable(sql, n string) (*result, bool, error) {
	// 1. Find the table by name.
	if strings.Contains(n, "from pg_catalog.pg_class c left join pg_catalog.pg_namespace n") &&
		strings.HasPrefix(n, "select c.oid, n.nspname, c.relname") {
		tables, err := c.tables()
		if err != nil {
			return nil, true, err
		}
		var match *regexp.Regexp
		if m := psqlPatternRE.FindStringSubmatch(sql); m != nil {
			re, err := regexp.Compile("^(" + m[1] + ")$")
			if err != nil {
				return nil, true, errorf(codeInvalidParamValue, "the pattern is not a regular expression this server reads")
			}
			match = re
		}
		var rows [][]any
		for _, t := range tables {
			if match == nil || match.MatchString(t) {
				rows = append(rows, []any{strconv.FormatInt(tableOID(t), 10), "public", t})
			}
		}
		return rowsOf("SELECT", []string{"oid", "nspname", "relname"}, rows...), true, nil
	}
	m := oidLiteralRE.FindStringSubmatch(n)
	if m == nil {
		return nil, false, nil
	}
	oid, _ := strconv.ParseInt(m[1], 10, 64)
	tables, err := c.tables()
	if err != nil {
		return nil, true, err
	}
	table := ""
	for _, t := range tables {
		if tableOID(t) == oid {
			table = t
		}
	}
	if table == "" {
		return nil, false, nil
	}
	items := selectList(n)
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = itemName(it, i)
	}
	switch {
	// 2. The table's flags.
	case strings.Contains(n, "c.relchecks") && strings.Contains(n, "from pg_catalog.pg_class c"):
		row := make([]any, len(items))
		for i, it := range items {
			row[i] = relFlag(it)
		}
		return rowsOf("SELECT", names, row), true, nil
	// 3. Its columns.
	case strings.Contains(n, "from pg_catalog.pg_attribute a") && strings.HasPrefix(items[0], "a.attname"):
		desc, err := c.query(`DESCRIBE "`+strings.ReplaceAll(table, `"`, `""`)+`"`, nil)
		if err != nil {
			return nil, true, err
		}
		var rows [][]any
		for _, d := range desc.rows {
			if len(d) < 2 {
				continue
			}
			row := make([]any, len(items))
			for i, it := range items {
				switch {
				case i == 0:
					row[i] = scalarText(d[0])
				case strings.HasPrefix(it, "pg_catalog.format_type"):
					row[i] = pgTypeName(scalarText(d[1]))
				case strings.Contains(it, "attnotnull"):
					row[i] = "f"
					if len(d) > 2 && d[2] == "NO" { // DESCRIBE's "null" column
						row[i] = "t"
					}
				case strings.Contains(it, "attstorage"):
					row[i] = "p" // plain: fixed-size types
					if typeOf(scalarText(d[1])).size < 0 {
						row[i] = "x" // extended: variable-size ones
					}
				case strings.Contains(it, "pg_get_expr"), strings.Contains(it, "attcollation"), strings.Contains(it, "collname"):
					row[i] = nil
				default:
					row[i] = ""
				}
			}
			rows = append(rows, row)
		}
		return rowsOf("SELECT", names, rows...), true, nil
	}
	// 4. Footers: none of these objects exist.
	return rowsOf("SELECT", names), true, nil
}

// itemName is a select item's column name: its alias, else its last word.
func itemName(item string, i int) string {
	if j := strings.LastIndex(item, " as "); j >= 0 {
		return strings.Trim(item[j+4:], `"`)
	}
	f := strings.FieldsFunc(item, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	if len(f) > 0 {
		return f[len(f)-1]
	}
	return "column" + strconv.Itoa(i+1)
}

// relFlag is the value of one pg_class column for a plain table with no
// index, rule, trigger, policy or check.
func relFlag(item string) any {
	switch {
	case strings.Contains(item, "relchecks"):
		return "0"
	case strings.Contains(item, "relkind"):
		return "r"
	case strings.Contains(item, "relpersistence"):
		return "p"
	case strings.Contains(item, "relreplident"):
		return "d"
	case strings.Contains(item, "reltablespace"):
		return "0"
	case strings.Contains(item, "amname"):
		return nil // no access method line
	case strings.HasPrefix(item, "c.relhas"), strings.Contains(item, "relrowsecurity"), strings.Contains(item, "relforcerowsecurity"),
		strings.Contains(item, "relhasoids"), strings.Contains(item, "relispartition"):
		return "f"
	}
	return ""
}

// pgTypeName is how \d shows a DuckDB type: the Postgres name of the type
// it travels as.
func pgTypeName(duck string) string {
	switch typeOf(duck).oid {
	case oidBool:
		return "boolean"
	case oidInt2:
		return "smallint"
	case oidInt4:
		return "integer"
	case oidInt8:
		return "bigint"
	case oidFloat4:
		return "real"
	case oidFloat8:
		return "double precision"
	case oidNumeric:
		if strings.HasPrefix(strings.ToUpper(duck), "DECIMAL") {
			return "numeric" + strings.TrimPrefix(strings.ToUpper(duck), "DECIMAL")
		}
		return "numeric"
	case oidBytea:
		return "bytea"
	case oidDate:
		return "date"
	case oidTime:
		return "time without time zone"
	case oidTimestamp:
		return "timestamp without time zone"
	case oidTimestamptz:
		return "timestamp with time zone"
	case oidJSON:
		return fmt.Sprintf("json (%s)", strings.ToLower(duck))
	}
	if strings.EqualFold(duck, "VARCHAR") {
		return "text"
	}
	return "text (" + strings.ToLower(duck) + ")"
}
