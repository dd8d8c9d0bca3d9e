package duckcolumnar

import (
	"fmt"
	"strings"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// A catalog query is parsed by DuckDB's parser and its tree rewritten
// before it runs in the scratch database (catalog.go): DuckDB's own
// pg_catalog and information_schema cannot be replaced (it refuses objects
// in those schemas), and their rows are DuckDB's (type ids that are not
// Postgres oids, its internal views), so references to them are pointed
// at the schemas the engine fills, pgSchema and infoSchema; the functions
// that must answer as Postgres does at fnSchema. The rewritten tree is
// turned back into SQL by json_deserialize_sql.

const (
	pgSchema   = "chronik_pg_catalog"
	infoSchema = "chronik_information_schema"
	fnSchema   = "chronik_functions"
)

// catalogRelations are the relations the scratch database emulates, by
// the schema a client names them in.
var catalogRelations = map[string]map[string]bool{
	"pg_catalog": set("pg_namespace", "pg_class", "pg_attribute", "pg_type", "pg_description", "pg_attrdef",
		"pg_index", "pg_constraint", "pg_database", "pg_roles", "pg_user", "pg_authid", "pg_tables", "pg_views",
		"pg_matviews", "pg_stat_user_tables", "pg_statio_user_tables", "pg_settings", "pg_extension", "pg_proc",
		"pg_inherits", "pg_am", "pg_collation", "pg_enum", "pg_depend", "pg_sequence", "pg_trigger",
		"pg_rewrite", "pg_partitioned_table", "pg_foreign_table", "pg_tablespace", "pg_indexes", "pg_range",
		"pg_shdescription", "pg_stat_activity", "pg_locks", "pg_language", "pg_event_trigger", "pg_policy",
		"pg_publication", "pg_opclass", "pg_operator", "pg_cast", "pg_aggregate", "pg_auth_members",
		"pg_stat_all_tables", "pg_available_extensions"),
	"information_schema": set("tables", "columns", "schemata", "views", "table_constraints", "key_column_usage",
		"referential_constraints", "constraint_column_usage", "routines", "parameters", "table_privileges",
		"column_privileges", "triggers", "sequences", "character_sets", "check_constraints", "element_types",
		"domains", "role_table_grants", "applicable_roles", "enabled_roles"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// catalogFunctions are the functions answered by the scratch database's
// macros (fnSchema, named f_<name>), whatever schema the client names.
var catalogFunctions = set("version", "current_database", "current_catalog", "current_schema", "current_schemas",
	"current_user", "session_user", "current_role", "user", "current_setting", "format_type", "pg_get_userbyid",
	"obj_description", "col_description", "shobj_description", "pg_get_expr", "has_table_privilege",
	"has_schema_privilege", "has_any_column_privilege", "has_column_privilege", "has_database_privilege",
	"has_type_privilege", "has_function_privilege", "has_sequence_privilege", "pg_has_role",
	"pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible", "pg_encoding_to_char",
	"array_lower", "array_upper", "parse_ident", "quote_ident", "_pg_expandarray", "to_regclass",
	"pg_get_indexdef", "pg_get_constraintdef", "pg_get_viewdef", "pg_total_relation_size", "pg_relation_size",
	"pg_table_size", "pg_size_pretty", "pg_postmaster_start_time", "pg_is_in_recovery",
	"pg_get_partkeydef", "pg_get_statisticsobjdef_columns", "pg_tablespace_location", "pg_get_serial_sequence", "format",
	"pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments", "pg_get_triggerdef",
	"pg_get_ruledef", "pg_get_statisticsobjdef")

// sessionWords are the SQL keywords that read the session (a column
// reference in DuckDB's tree).
var sessionWords = set("current_user", "session_user", "user", "current_role", "current_catalog", "current_schema")

// castFunctions turn a cast to a Postgres object-reference type into a
// lookup; castTypes map other Postgres-only types to DuckDB ones.
var (
	castFunctions = map[string]string{"regclass": "to_regclass", "regtype": "to_regtype", "regnamespace": "to_regnamespace"}
	castTypes     = map[string]string{"regproc": "VARCHAR", "regprocedure": "VARCHAR", "regrole": "VARCHAR", "name": "VARCHAR",
		"sql_identifier": "VARCHAR", "character_data": "VARCHAR", "yes_or_no": "VARCHAR", "cardinal_number": "INTEGER",
		"time_stamp": "TIMESTAMPTZ", "int2vector": "SMALLINT[]", "oidvector": "BIGINT[]", "regoper": "VARCHAR", "bpchar": "VARCHAR",
		"xid": "BIGINT", "cid": "BIGINT", "tid": "VARCHAR", "pg_node_tree": "VARCHAR", "aclitem": "VARCHAR"}
	// catalogTableFunctions are the table functions a catalog query may
	// call: they compute rows, they read nothing.
	catalogTableFunctions = set("generate_series", "range", "unnest")
)

// readsOutside says whether a table function of that name reads files,
// URLs, the engine's own objects or other databases.
func readsOutside(name string) bool {
	for _, p := range []string{"read_", "glob", "query", "duckdb_", "pragma_", "parquet_", "sniff_", "json_", "arrow_",
		"iceberg_", "delta_", "sqlite_", "postgres_", "mysql_", "which_secret", "checkpoint", "force_checkpoint", "test_", "summary"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// catalogWalker rewrites a catalog query's tree and refuses what must not
// run.
type catalogWalker struct {
	topics map[string]bool // lower-cased names of the topics' tables
}

func (w *catalogWalker) walk(v any, ctes []string) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := w.walk(e, ctes); err != nil {
				return err
			}
		}
	case map[string]any:
		return w.walkObject(x, ctes)
	}
	return nil
}

func (w *catalogWalker) walkObject(m map[string]any, ctes []string) error {
	if cm, ok := m["cte_map"].(map[string]any); ok {
		entries, _ := cm["map"].([]any)
		scope := ctes
		for _, e := range entries {
			em, _ := e.(map[string]any)
			inner := append(scope[:len(scope):len(scope)], strings.ToLower(str(em, "key")))
			if err := w.walk(em["value"], inner); err != nil {
				return err
			}
			scope = inner
		}
		ctes = scope
	}
	if str(m, "type") == "SELECT_NODE" {
		namePostgresStyle(m)
	}
	switch str(m, "type") {
	case "TABLE_FUNCTION":
		fn, _ := m["function"].(map[string]any)
		name := strings.ToLower(str(fn, "function_name"))
		if fs := strings.ToLower(str(fn, "schema")); fs != "" && fs != "pg_catalog" || readsOutside(name) {
			return fmt.Errorf("%w: table function %s does not run in a catalog query", columnar.ErrRefused, name)
		}
		if catalogTableFunctions[name] {
			setQualified(fn, "function_name", "schema", "", name)
			args, _ := fn["arguments"].([]any)
			return w.walk(args, ctes)
		}
		// Postgres reads a scalar function in FROM as one row whose one
		// column is named as the alias: FROM string_to_array(x, ',') s.
		// DuckDB's equivalent is unnest([f(...)]).
		if err := w.walk(fn, ctes); err != nil {
			return err
		}
		list := functionNode("list_value", fn)
		list["schema"], list["qualified_name"] = "", map[string]any{"path": []any{"list_value"}}
		un := functionNode("unnest", list)
		un["schema"], un["qualified_name"] = "", map[string]any{"path": []any{"unnest"}}
		m["function"] = un
		if aliases, _ := m["column_name_alias"].([]any); len(aliases) == 0 && str(m, "alias") != "" {
			m["column_name_alias"] = []any{str(m, "alias")}
		}
		return nil
	case "BASE_TABLE":
		return w.table(m, ctes)
	case "SHOW_REF":
		return fmt.Errorf("%w: SHOW and DESCRIBE read the topics, not the catalogs", columnar.ErrInvalid)
	}
	switch str(m, "class") {
	case "FUNCTION":
		// Postgres folds unquoted names to lower case; the tree keeps them.
		name := strings.ToLower(str(m, "function_name"))
		schema := strings.ToLower(str(m, "schema"))
		switch {
		case catalogFunctions[name] && (schema == "" || schema == "pg_catalog" || schema == "information_schema"):
			setQualified(m, "function_name", "schema", fnSchema, "f_"+name)
		case schema != "" && schema != "pg_catalog":
			return fmt.Errorf("%w: function %s.%s does not exist", columnar.ErrInvalid, schema, name)
		case deniedFunctions[name] || strings.HasPrefix(name, "duckdb_") || strings.HasPrefix(name, "pragma_"):
			return fmt.Errorf("%w: function %s is not allowed here", columnar.ErrRefused, name)
		case schema == "pg_catalog":
			// Postgres's built-ins are DuckDB's, unqualified (DuckDB's
			// own pg_catalog has other macros of some of those names).
			setQualified(m, "function_name", "schema", "", name)
		}
	case "COLUMN_REF":
		names, _ := m["column_names"].([]any)
		if len(names) == 1 {
			if n, _ := names[0].(string); sessionWords[strings.ToLower(n)] {
				word, alias := strings.ToLower(n), str(m, "alias")
				clear(m)
				for k, v := range functionNode("f_"+word, nil) {
					m[k] = v
				}
				m["alias"] = alias
				return nil
			}
		}
	case "CAST":
		te, _ := m["type_expr"].(map[string]any)
		typ := strings.ToLower(str(te, "type_name"))
		if fn, ok := castFunctions[typ]; ok {
			child := m["child"]
			if err := w.walk(child, ctes); err != nil {
				return err
			}
			alias := str(m, "alias")
			clear(m)
			for k, v := range functionNode("f_"+fn, child) {
				m[k] = v
			}
			m["alias"] = alias
			return nil
		}
		if to, ok := castTypes[typ]; ok {
			list := strings.HasSuffix(to, "[]")
			base := strings.TrimSuffix(to, "[]")
			te["type_name"], te["schema"], te["catalog"] = base, "", ""
			te["qualified_name"] = map[string]any{"path": []any{base}}
			if list {
				// DuckDB spells a list type as LIST(child) in the tree.
				te["type_name"] = "LIST"
				te["qualified_name"] = map[string]any{"path": []any{"LIST"}}
				te["children"] = []any{map[string]any{"alias": "", "class": "TYPE", "type": "TYPE", "type_name": base,
					"schema": "", "catalog": "", "children": []any{}, "qualified_name": map[string]any{"path": []any{base}},
					"query_location": te["query_location"], "query_location_length": te["query_location_length"]}}
			}
		} else if s := str(te, "schema"); s != "" {
			return fmt.Errorf("%w: type %s.%s does not exist", columnar.ErrInvalid, s, typ)
		}
	}
	for k, v := range m {
		if k == "cte_map" {
			continue
		}
		if err := w.walk(v, ctes); err != nil {
			return err
		}
	}
	return nil
}

// table points a catalog relation at the scratch schema that emulates it.
func (w *catalogWalker) table(m map[string]any, ctes []string) error {
	name, schema, cat := str(m, "table_name"), strings.ToLower(str(m, "schema_name")), str(m, "catalog_name")
	lower := strings.ToLower(name)
	if cat != "" && !strings.EqualFold(cat, catalogDatabase) {
		return fmt.Errorf("%w: cross-database references are not implemented: %s", columnar.ErrInvalid, qualified(m))
	}
	switch schema {
	case "":
		for _, c := range ctes {
			if c == lower {
				return nil
			}
		}
		if w.topics[lower] {
			break
		}
		if catalogRelations["pg_catalog"][lower] {
			setQualified(m, "table_name", "schema_name", pgSchema, lower)
			delete(m, "catalog_name")
			m["catalog_name"] = ""
			return nil
		}
		return fmt.Errorf("%w: relation %q does not exist", columnar.ErrInvalid, name)
	case "pg_catalog", "information_schema":
		if !catalogRelations[schema][lower] {
			return fmt.Errorf("%w: relation \"%s.%s\" does not exist (not emulated here)", columnar.ErrInvalid, schema, name)
		}
		target := pgSchema
		if schema == "information_schema" {
			target = infoSchema
		}
		setQualified(m, "table_name", "schema_name", target, lower)
		m["catalog_name"] = ""
		return nil
	case "public":
		if !w.topics[lower] {
			return fmt.Errorf("%w: relation \"public.%s\" does not exist", columnar.ErrInvalid, name)
		}
	default:
		return fmt.Errorf("%w: relation \"%s.%s\" does not exist", columnar.ErrInvalid, schema, name)
	}
	return fmt.Errorf("%w: this statement reads the catalogs and the table %q at once; a query reads either topics or catalogs", columnar.ErrInvalid, name)
}

// setQualified sets a node's name and schema, and the qualified path the
// tree also carries.
func setQualified(m map[string]any, nameKey, schemaKey, schema, name string) {
	m[nameKey], m[schemaKey] = name, schema
	path := []any{name}
	if schema != "" {
		path = []any{schema, name}
	}
	m["qualified_name"] = map[string]any{"path": path}
}

// functionNode is a call of the scratch macro name (in fnSchema) with
// arg, or with no argument when arg is nil.
func functionNode(name string, arg any) map[string]any {
	args := []any{}
	if arg != nil {
		args = append(args, map[string]any{"expression": arg, "name": ""})
	}
	return map[string]any{
		"alias": "", "class": "FUNCTION", "type": "FUNCTION", "function_name": name, "schema": fnSchema, "catalog": "",
		"qualified_name": map[string]any{"path": []any{fnSchema, name}}, "arguments": args, "distinct": false,
		"export_state": false, "filter": nil, "is_operator": false,
		"order_bys":      map[string]any{"orders": []any{}, "type": "ORDER_MODIFIER"},
		"query_location": uint64(1<<64 - 1), "query_location_length": 0,
	}
}

// namePostgresStyle gives the select items without an alias the name
// Postgres gives them (a function's name, a column's, "?column?"), before
// the rewrite changes what DuckDB would call them.
func namePostgresStyle(sel map[string]any) {
	items, _ := sel["select_list"].([]any)
	for _, it := range items {
		e, _ := it.(map[string]any)
		if e == nil || str(e, "alias") != "" || str(e, "class") == "STAR" {
			continue
		}
		if n := postgresName(e); n != "" {
			e["alias"] = n
		}
	}
}

func postgresName(e map[string]any) string {
	switch str(e, "class") {
	case "COLUMN_REF":
		names, _ := e["column_names"].([]any)
		if len(names) > 0 {
			n, _ := names[len(names)-1].(string)
			return n
		}
	case "FUNCTION":
		if op, _ := e["is_operator"].(bool); op {
			return "?column?"
		}
		return str(e, "function_name")
	case "CAST":
		child, _ := e["child"].(map[string]any)
		if n := postgresName(child); n != "" && n != "?column?" {
			return n
		}
		te, _ := e["type_expr"].(map[string]any)
		return strings.ToLower(str(te, "type_name"))
	case "OPERATOR":
		if str(e, "type") == "ARRAY_EXTRACT" {
			kids, _ := e["children"].([]any)
			if len(kids) > 0 {
				k, _ := kids[0].(map[string]any)
				return postgresName(k)
			}
		}
		return "?column?"
	case "CASE":
		return "case"
	case "WINDOW":
		return str(e, "function_name")
	case "SUBQUERY":
		switch str(e, "subquery_type") {
		case "EXISTS":
			return "exists"
		case "SCALAR":
			// The subquery's one column's name.
			sub, _ := e["subquery"].(map[string]any)
			node, _ := sub["node"].(map[string]any)
			items, _ := node["select_list"].([]any)
			if len(items) > 0 {
				if it, _ := items[0].(map[string]any); it != nil {
					if a := str(it, "alias"); a != "" {
						return a
					}
					return postgresName(it)
				}
			}
		}
	case "STAR":
		return ""
	}
	return "?column?"
}
