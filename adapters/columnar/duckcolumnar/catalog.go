package duckcolumnar

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// catalogDatabase is the name the scratch database is attached under.
const catalogDatabase = "chronik"

// Catalog implements columnar.Engine. The statement is parsed with
// DuckDB's parser and rewritten (catalog_rewrite.go), then run in a
// scratch DuckDB database of its own, opened for this query and closed
// after it, whose schemas hold the Postgres catalogs of tables as rows:
// nothing of the engine's database (files, hot rows, settings) is
// reachable from it, and queries running at once share nothing.
func (e *Engine) Catalog(ctx context.Context, query string, params []any, tables []columnar.TableSchema, sess columnar.Session, lim columnar.Limits) (columnar.Result, error) {
	if err := e.enter(); err != nil {
		return columnar.Result{}, err
	}
	defer e.leave()
	if err := checkParams(params); err != nil {
		return columnar.Result{}, err
	}
	if lim.Timeout <= 0 {
		lim.Timeout = DefaultTimeout
	}
	if lim.MaxRows <= 0 {
		lim.MaxRows = DefaultMaxRows
	}
	if lim.MemoryBytes <= 0 {
		lim.MemoryBytes = e.cfg.MemoryBytes
	}
	if lim.Threads <= 0 {
		lim.Threads = e.cfg.Threads
	}
	qctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	defer context.AfterFunc(e.stop, cancel)()
	res, err := e.catalog(qctx, query, params, tables, sess, lim)
	if err == nil {
		return res, nil
	}
	switch {
	case e.stop.Err() != nil:
		return columnar.Result{}, columnar.ErrClosed
	case ctx.Err() != nil:
		return columnar.Result{}, ctx.Err()
	case qctx.Err() != nil:
		return columnar.Result{}, fmt.Errorf("%w after %v", columnar.ErrTimeout, lim.Timeout)
	}
	return columnar.Result{}, translate(err, strings.NewReplacer())
}

func (e *Engine) catalog(ctx context.Context, query string, params []any, tables []columnar.TableSchema, sess columnar.Session, lim columnar.Limits) (columnar.Result, error) {
	text, err := e.rewriteCatalog(ctx, query, tables)
	if err != nil {
		return columnar.Result{}, err
	}
	db, err := e.catalogDatabase()
	if err != nil {
		return columnar.Result{}, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return columnar.Result{}, err
	}
	defer conn.Close()
	stmts, rows := catalogSession(tables, sess)
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return columnar.Result{}, fmt.Errorf("duckcolumnar: set up the catalogs: %w", err)
		}
	}
	if err := appendRows(conn, rows); err != nil {
		return columnar.Result{}, fmt.Errorf("duckcolumnar: set up the catalogs: %w", err)
	}
	wrapped := "SELECT * FROM (\n" + text + "\n) LIMIT " + strconv.Itoa(lim.MaxRows+1)
	var res columnar.Result
	read := collect(params, &res)
	err = runChecked(ctx, conn, []string{wrapped}, len(params), lim, nil,
		func(ctx context.Context, dc driver.Conn, st *duckdb.Stmt, wtext string, lim columnar.Limits, scrub *strings.Replacer) error {
			if err := read(ctx, dc, st, wtext, lim, scrub); err != nil {
				return err
			}
			// The LIMIT wrapper makes repeated names unique (name_1);
			// Postgres keeps them as the statement gives them.
			inner, err := prepareChecked(ctx, dc, text)
			if err != nil {
				return err
			}
			defer inner.Close()
			for i := range res.Columns {
				if n, err := inner.ColumnName(i); err == nil {
					res.Columns[i].Name = n
				}
			}
			return nil
		})
	return res, err
}

// rewriteCatalog parses query with the engine's parser and returns it with
// the catalogs and session functions pointed at the scratch database's.
func (e *Engine) rewriteCatalog(ctx context.Context, query string, tables []columnar.TableSchema) (string, error) {
	if err := checkText(query, e.cfg.MaxSQLBytes); err != nil {
		return "", err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("duckcolumnar: connect: %w", err)
	}
	defer conn.Close()
	ser, err := serialize(ctx, conn, query)
	if err != nil {
		return "", err
	}
	if ser.Error {
		if ser.ErrorType == "not implemented" {
			return "", fmt.Errorf("%w: only a SELECT reads the catalogs", columnar.ErrRefused)
		}
		return "", fmt.Errorf("%w: %s", columnar.ErrInvalid, ser.Message)
	}
	switch len(ser.Statements) {
	case 0:
		return "", fmt.Errorf("%w: no statement", columnar.ErrInvalid)
	case 1:
	default:
		return "", fmt.Errorf("%w: %d statements; one runs at a time", columnar.ErrRefused, len(ser.Statements))
	}
	dec := json.NewDecoder(bytes.NewReader(ser.Statements[0]))
	dec.UseNumber()
	var stmt map[string]any
	if err := dec.Decode(&stmt); err != nil {
		return "", fmt.Errorf("%w: the parser's tree: %v", columnar.ErrInvalid, err)
	}
	w := catalogWalker{topics: map[string]bool{}}
	for _, t := range tables {
		w.topics[strings.ToLower(t.Name)] = true
	}
	if err := w.walk(stmt["node"], nil); err != nil {
		return "", err
	}
	tree, err := json.Marshal(map[string]any{"error": false, "statements": []any{stmt}})
	if err != nil {
		return "", fmt.Errorf("duckcolumnar: catalog tree: %w", err)
	}
	var text string
	if err := conn.QueryRowContext(ctx, "SELECT json_deserialize_sql($1::JSON)", string(tree)).Scan(&text); err != nil {
		return "", fmt.Errorf("%w: this catalog query cannot be rewritten: %v", columnar.ErrInvalid, err)
	}
	return text, nil
}

// catalogType is one row of pg_type.
type catalogType struct {
	oid      int64
	typname  string
	fmt      string // format_type's name
	len      int
	category string
	align    string
}

var catalogTypes = []catalogType{
	{16, "bool", "boolean", 1, "B", "c"}, {17, "bytea", "bytea", -1, "U", "i"}, {18, "char", "\"char\"", 1, "Z", "c"},
	{19, "name", "name", 64, "S", "c"}, {20, "int8", "bigint", 8, "N", "d"}, {21, "int2", "smallint", 2, "N", "s"},
	{22, "int2vector", "int2vector", -1, "A", "i"}, {23, "int4", "integer", 4, "N", "i"}, {24, "regproc", "regproc", 4, "N", "i"},
	{25, "text", "text", -1, "S", "i"}, {26, "oid", "oid", 4, "N", "i"}, {30, "oidvector", "oidvector", -1, "A", "i"},
	{114, "json", "json", -1, "U", "i"}, {700, "float4", "real", 4, "N", "i"}, {701, "float8", "double precision", 8, "N", "d"},
	{705, "unknown", "unknown", -2, "X", "c"}, {1042, "bpchar", "character", -1, "S", "i"}, {1043, "varchar", "character varying", -1, "S", "i"},
	{1082, "date", "date", 4, "D", "i"}, {1083, "time", "time without time zone", 8, "D", "d"},
	{1114, "timestamp", "timestamp without time zone", 8, "D", "d"}, {1184, "timestamptz", "timestamp with time zone", 8, "D", "d"},
	{1186, "interval", "interval", 16, "T", "d"}, {1700, "numeric", "numeric", -1, "N", "i"}, {2205, "regclass", "regclass", 4, "N", "i"},
	{2206, "regtype", "regtype", 4, "N", "i"}, {2950, "uuid", "uuid", 16, "U", "c"}, {3802, "jsonb", "jsonb", -1, "U", "i"},
}

// Oids of the catalogs' own relations in pg_class: Postgres's where they
// are well known, made up above them otherwise.
var catalogOIDs = map[string]int64{"pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_class": 1259,
	"pg_authid": 1260, "pg_database": 1262, "pg_attrdef": 2604, "pg_constraint": 2606, "pg_description": 2609,
	"pg_index": 2610, "pg_namespace": 2615, "pg_am": 2601, "pg_settings": 12000}

// emptyRelations are the catalog relations that have no row here, with
// their columns as Postgres has them (the ones clients read).
var emptyRelations = map[string]string{
	pgSchema + ".pg_description":            "objoid BIGINT, classoid BIGINT, objsubid INTEGER, description VARCHAR",
	pgSchema + ".pg_shdescription":          "objoid BIGINT, classoid BIGINT, description VARCHAR",
	pgSchema + ".pg_attrdef":                "oid BIGINT, adrelid BIGINT, adnum SMALLINT, adbin VARCHAR",
	pgSchema + ".pg_index":                  "indexrelid BIGINT, indrelid BIGINT, indnatts SMALLINT, indnkeyatts SMALLINT, indisunique BOOLEAN, indnullsnotdistinct BOOLEAN, indisprimary BOOLEAN, indisexclusion BOOLEAN, indimmediate BOOLEAN, indisclustered BOOLEAN, indisvalid BOOLEAN, indcheckxmin BOOLEAN, indisready BOOLEAN, indislive BOOLEAN, indisreplident BOOLEAN, indkey SMALLINT[], indcollation BIGINT[], indclass BIGINT[], indoption SMALLINT[], indexprs VARCHAR, indpred VARCHAR",
	pgSchema + ".pg_constraint":             "oid BIGINT, conname VARCHAR, connamespace BIGINT, contype VARCHAR, condeferrable BOOLEAN, condeferred BOOLEAN, convalidated BOOLEAN, conrelid BIGINT, contypid BIGINT, conindid BIGINT, conparentid BIGINT, confrelid BIGINT, confupdtype VARCHAR, confdeltype VARCHAR, confmatchtype VARCHAR, conislocal BOOLEAN, coninhcount INTEGER, connoinherit BOOLEAN, conkey SMALLINT[], confkey SMALLINT[], conpfeqop BIGINT[], conppeqop BIGINT[], conffeqop BIGINT[], conexclop BIGINT[], conbin VARCHAR",
	pgSchema + ".pg_views":                  "schemaname VARCHAR, viewname VARCHAR, viewowner VARCHAR, definition VARCHAR",
	pgSchema + ".pg_matviews":               "schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, tablespace VARCHAR, hasindexes BOOLEAN, ispopulated BOOLEAN, definition VARCHAR",
	pgSchema + ".pg_extension":              "oid BIGINT, extname VARCHAR, extowner BIGINT, extnamespace BIGINT, extrelocatable BOOLEAN, extversion VARCHAR, extconfig BIGINT[], extcondition VARCHAR[]",
	pgSchema + ".pg_available_extensions":   "name VARCHAR, default_version VARCHAR, installed_version VARCHAR, comment VARCHAR",
	pgSchema + ".pg_proc":                   "oid BIGINT, proname VARCHAR, pronamespace BIGINT, proowner BIGINT, prolang BIGINT, procost REAL, prorows REAL, provariadic BIGINT, prosupport VARCHAR, prokind VARCHAR, prosecdef BOOLEAN, proleakproof BOOLEAN, proisstrict BOOLEAN, proretset BOOLEAN, provolatile VARCHAR, proparallel VARCHAR, pronargs SMALLINT, pronargdefaults SMALLINT, prorettype BIGINT, proargtypes BIGINT[], proallargtypes BIGINT[], proargmodes VARCHAR[], proargnames VARCHAR[], proargdefaults VARCHAR, protrftypes BIGINT[], prosrc VARCHAR, probin VARCHAR, prosqlbody VARCHAR, proconfig VARCHAR[], proacl VARCHAR[]",
	pgSchema + ".pg_inherits":               "inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN",
	pgSchema + ".pg_collation":              "oid BIGINT, collname VARCHAR, collnamespace BIGINT, collowner BIGINT, collprovider VARCHAR, collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR, collctype VARCHAR",
	pgSchema + ".pg_enum":                   "oid BIGINT, enumtypid BIGINT, enumsortorder REAL, enumlabel VARCHAR",
	pgSchema + ".pg_depend":                 "classid BIGINT, objid BIGINT, objsubid INTEGER, refclassid BIGINT, refobjid BIGINT, refobjsubid INTEGER, deptype VARCHAR",
	pgSchema + ".pg_sequence":               "seqrelid BIGINT, seqtypid BIGINT, seqstart BIGINT, seqincrement BIGINT, seqmax BIGINT, seqmin BIGINT, seqcache BIGINT, seqcycle BOOLEAN",
	pgSchema + ".pg_trigger":                "oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR, tgfoid BIGINT, tgtype SMALLINT, tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid BIGINT, tgconstrindid BIGINT, tgconstraint BIGINT, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs SMALLINT, tgattr SMALLINT[], tgargs BLOB, tgqual VARCHAR, tgoldtable VARCHAR, tgnewtable VARCHAR",
	pgSchema + ".pg_rewrite":                "oid BIGINT, rulename VARCHAR, ev_class BIGINT, ev_type VARCHAR, ev_enabled VARCHAR, is_instead BOOLEAN, ev_qual VARCHAR, ev_action VARCHAR",
	pgSchema + ".pg_partitioned_table":      "partrelid BIGINT, partstrat VARCHAR, partnatts SMALLINT, partdefid BIGINT, partattrs SMALLINT[], partclass BIGINT[], partcollation BIGINT[], partexprs VARCHAR",
	pgSchema + ".pg_foreign_table":          "ftrelid BIGINT, ftserver BIGINT, ftoptions VARCHAR[]",
	pgSchema + ".pg_indexes":                "schemaname VARCHAR, tablename VARCHAR, indexname VARCHAR, tablespace VARCHAR, indexdef VARCHAR",
	pgSchema + ".pg_range":                  "rngtypid BIGINT, rngsubtype BIGINT, rngmultitypid BIGINT, rngcollation BIGINT, rngsubopc BIGINT, rngcanonical VARCHAR, rngsubdiff VARCHAR",
	pgSchema + ".pg_stat_activity":          "datid BIGINT, datname VARCHAR, pid INTEGER, usesysid BIGINT, usename VARCHAR, application_name VARCHAR, client_addr VARCHAR, client_port INTEGER, backend_start TIMESTAMPTZ, xact_start TIMESTAMPTZ, query_start TIMESTAMPTZ, state_change TIMESTAMPTZ, wait_event_type VARCHAR, wait_event VARCHAR, state VARCHAR, backend_type VARCHAR, query VARCHAR",
	pgSchema + ".pg_locks":                  "locktype VARCHAR, database BIGINT, relation BIGINT, pid INTEGER, mode VARCHAR, granted BOOLEAN",
	pgSchema + ".pg_language":               "oid BIGINT, lanname VARCHAR, lanowner BIGINT, lanispl BOOLEAN, lanpltrusted BOOLEAN",
	pgSchema + ".pg_event_trigger":          "oid BIGINT, evtname VARCHAR, evtevent VARCHAR, evtowner BIGINT, evtfoid BIGINT, evtenabled VARCHAR, evttags VARCHAR[]",
	pgSchema + ".pg_policy":                 "oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR, polpermissive BOOLEAN, polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR",
	pgSchema + ".pg_publication":            "oid BIGINT, pubname VARCHAR, pubowner BIGINT, puballtables BOOLEAN, pubinsert BOOLEAN, pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN",
	pgSchema + ".pg_opclass":                "oid BIGINT, opcmethod BIGINT, opcname VARCHAR, opcnamespace BIGINT, opcowner BIGINT, opcfamily BIGINT, opcintype BIGINT, opcdefault BOOLEAN, opckeytype BIGINT",
	pgSchema + ".pg_operator":               "oid BIGINT, oprname VARCHAR, oprnamespace BIGINT, oprowner BIGINT, oprkind VARCHAR, oprcanmerge BOOLEAN, oprcanhash BOOLEAN, oprleft BIGINT, oprright BIGINT, oprresult BIGINT, oprcom BIGINT, oprnegate BIGINT, oprcode VARCHAR, oprrest VARCHAR, oprjoin VARCHAR",
	pgSchema + ".pg_cast":                   "oid BIGINT, castsource BIGINT, casttarget BIGINT, castfunc BIGINT, castcontext VARCHAR, castmethod VARCHAR",
	pgSchema + ".pg_aggregate":              "aggfnoid VARCHAR, aggkind VARCHAR, aggnumdirectargs SMALLINT, aggtransfn VARCHAR, aggfinalfn VARCHAR, aggtranstype BIGINT",
	pgSchema + ".pg_auth_members":           "oid BIGINT, roleid BIGINT, member BIGINT, grantor BIGINT, admin_option BOOLEAN",
	infoSchema + ".views":                   "table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, view_definition VARCHAR, check_option VARCHAR, is_updatable VARCHAR, is_insertable_into VARCHAR, is_trigger_updatable VARCHAR, is_trigger_deletable VARCHAR, is_trigger_insertable_into VARCHAR",
	infoSchema + ".table_constraints":       "constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, constraint_type VARCHAR, is_deferrable VARCHAR, initially_deferred VARCHAR, enforced VARCHAR, nulls_distinct VARCHAR",
	infoSchema + ".key_column_usage":        "constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, ordinal_position INTEGER, position_in_unique_constraint INTEGER",
	infoSchema + ".referential_constraints": "constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, unique_constraint_catalog VARCHAR, unique_constraint_schema VARCHAR, unique_constraint_name VARCHAR, match_option VARCHAR, update_rule VARCHAR, delete_rule VARCHAR",
	infoSchema + ".constraint_column_usage": "table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR",
	infoSchema + ".routines":                "specific_catalog VARCHAR, specific_schema VARCHAR, specific_name VARCHAR, routine_catalog VARCHAR, routine_schema VARCHAR, routine_name VARCHAR, routine_type VARCHAR, data_type VARCHAR, type_udt_name VARCHAR, external_language VARCHAR, routine_definition VARCHAR",
	infoSchema + ".parameters":              "specific_catalog VARCHAR, specific_schema VARCHAR, specific_name VARCHAR, ordinal_position INTEGER, parameter_mode VARCHAR, parameter_name VARCHAR, data_type VARCHAR, udt_name VARCHAR",
	infoSchema + ".column_privileges":       "grantor VARCHAR, grantee VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR, privilege_type VARCHAR, is_grantable VARCHAR",
	infoSchema + ".triggers":                "trigger_catalog VARCHAR, trigger_schema VARCHAR, trigger_name VARCHAR, event_manipulation VARCHAR, event_object_catalog VARCHAR, event_object_schema VARCHAR, event_object_table VARCHAR, action_order INTEGER, action_condition VARCHAR, action_statement VARCHAR, action_orientation VARCHAR, action_timing VARCHAR",
	infoSchema + ".sequences":               "sequence_catalog VARCHAR, sequence_schema VARCHAR, sequence_name VARCHAR, data_type VARCHAR, numeric_precision INTEGER, numeric_precision_radix INTEGER, numeric_scale INTEGER, start_value VARCHAR, minimum_value VARCHAR, maximum_value VARCHAR, increment VARCHAR, cycle_option VARCHAR",
	infoSchema + ".check_constraints":       "constraint_catalog VARCHAR, constraint_schema VARCHAR, constraint_name VARCHAR, check_clause VARCHAR",
	infoSchema + ".element_types":           "object_catalog VARCHAR, object_schema VARCHAR, object_name VARCHAR, object_type VARCHAR, collection_type_identifier VARCHAR, data_type VARCHAR",
	infoSchema + ".domains":                 "domain_catalog VARCHAR, domain_schema VARCHAR, domain_name VARCHAR, data_type VARCHAR",
}

// catalogDatabase returns the database catalog queries run in, made on
// first use: the catalogs' fixed parts (types, the empty relations, the
// views and functions) are made once; what a query's session and tables
// add (catalogSession) lives in its own connection's temporary tables and
// variables, dropped with the connection, so queries running at once see
// only their own.
func (e *Engine) catalogDatabase() (*sql.DB, error) {
	e.catalogOnce.Do(func() {
		connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false", nil)
		if err != nil {
			e.catalogErr = fmt.Errorf("duckcolumnar: open the catalog database: %w", err)
			return
		}
		db := sql.OpenDB(connector)
		db.SetMaxIdleConns(0) // a connection's temporary tables go with it
		if err := setUp(db, catalogStatic(e.cfg)); err != nil {
			db.Close()
			e.catalogErr = err
			return
		}
		e.catalogDB = db
	})
	return e.catalogDB, e.catalogErr
}

// setUp runs stmts on one connection (the views need its temporary
// tables).
func setUp(db *sql.DB, stmts []string) error {
	conn, err := db.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("duckcolumnar: open the catalog database: %w", err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			return fmt.Errorf("duckcolumnar: set up the catalog database (%.60s): %w", s, err)
		}
	}
	return nil
}

// The per-connection parts the fixed views read: temporary tables of the
// topics' tables, their columns and the session's settings, and variables
// for the session's user, database and version.
const (
	topicsTable   = "temp.main.chronik_topics"
	columnsTable  = "temp.main.chronik_columns"
	settingsTable = "temp.main.chronik_settings"
	userVar       = "getvariable('chronik_user')"
	databaseVar   = "getvariable('chronik_database')"
)

var sessionTables = []string{
	"CREATE TEMP TABLE chronik_topics (oid BIGINT, relname VARCHAR, relnamespace BIGINT, relkind VARCHAR, relnatts INTEGER, nspname VARCHAR, table_type VARCHAR)",
	"CREATE TEMP TABLE chronik_columns (attrelid BIGINT, relname VARCHAR, attnum INTEGER, attname VARCHAR, atttypid BIGINT, attlen INTEGER, atttypmod INTEGER, typname VARCHAR, fmt VARCHAR, prec INTEGER, scale INTEGER)",
	"CREATE TEMP TABLE chronik_settings (name VARCHAR, setting VARCHAR)",
}

// sessionRows are the rows of a connection's temporary tables, by table,
// appended (the Appender is much faster than INSERT ... VALUES for the
// columns of thousands of tables).
type sessionRows map[string][][]driver.Value

// catalogSession is what one query adds on its connection: its tables,
// their columns, the session's settings and who it runs as.
func catalogSession(tables []columnar.TableSchema, sess columnar.Session) ([]string, sessionRows) {
	q := quoteString
	user, db := sess.User, sess.Database
	if user == "" {
		user = "chronik"
	}
	if db == "" {
		db = catalogDatabase
	}
	version := sess.ServerVersion
	if version == "" {
		version = "15.0"
	}
	out := append([]string{"USE " + catalogDatabase + ".public"}, sessionTables...)
	rows := sessionRows{}
	names := make([]string, 0, len(tables))
	byName := map[string]columnar.TableSchema{}
	for _, t := range tables {
		names = append(names, t.Name)
		byName[t.Name] = t
	}
	sort.Strings(names)
	for _, n := range names {
		t := byName[n]
		oid := columnar.TableOID(t.Name)
		rows["chronik_topics"] = append(rows["chronik_topics"], []driver.Value{oid, t.Name, int64(2200), "r", int32(len(t.Columns)), "public", "BASE TABLE"})
		for i, c := range t.Columns {
			p := columnar.PostgresType(c.Type)
			typmod := int32(-1)
			var prec, scale driver.Value
			if p.OID == columnar.OIDNumeric {
				if ps, ss, ok := decimalArgs(c.Type); ok {
					typmod = int32(ps<<16|ss) + 4
					prec, scale = int32(ps), int32(ss)
				}
			}
			rows["chronik_columns"] = append(rows["chronik_columns"], []driver.Value{oid, t.Name, int32(i + 1), c.Name,
				int64(p.OID), int32(p.Len), typmod, p.TypName, p.Name, prec, scale})
		}
	}
	// Settings: the fixed ones, then the session's.
	settings := map[string]string{"server_version": version, "server_version_num": versionNum(version), "max_index_keys": "32",
		"max_identifier_length": "63", "block_size": "8192", "integer_datetimes": "on", "server_encoding": "UTF8",
		"client_encoding": "UTF8", "standard_conforming_strings": "on", "search_path": `"$user", public`,
		"default_transaction_isolation": "read committed", "transaction_isolation": "read committed",
		"default_transaction_read_only": "on", "transaction_read_only": "on", "timezone": "UTC", "datestyle": "ISO, MDY"}
	for k, v := range sess.Settings {
		settings[strings.ToLower(k)] = v
	}
	var entries []string
	for _, k := range sortedKeys(settings) {
		rows["chronik_settings"] = append(rows["chronik_settings"], []driver.Value{k, settings[k]})
		entries = append(entries, q(k)+": "+q(settings[k]))
	}
	return append(out,
		"SET VARIABLE chronik_user = "+q(user),
		"SET VARIABLE chronik_database = "+q(db),
		"SET VARIABLE chronik_version = "+q("PostgreSQL "+version+" (Chronik: SQL over topics, DuckDB engine)"),
		// current_setting reads a map, not a table: it is called inside
		// table functions' arguments (Grafana's generate_series), where
		// DuckDB allows no subquery.
		"SET VARIABLE chronik_settings = MAP {"+strings.Join(entries, ", ")+"}",
	), rows
}

// appendRows appends rows to the connection's temporary tables.
func appendRows(conn *sql.Conn, rows sessionRows) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("duckcolumnar: not a driver connection")
		}
		for _, table := range sortedKeys(rows) {
			a, err := duckdb.NewAppender(c, "temp", "main", table)
			if err != nil {
				return err
			}
			for _, r := range rows[table] {
				if err := a.AppendRow(r...); err != nil {
					a.Close()
					return err
				}
			}
			if err := a.Close(); err != nil {
				return err
			}
		}
		return nil
	})
}

// catalogStatic makes the catalog database's fixed parts, then turns
// external access off and locks the configuration.
func catalogStatic(cfg Config) []string {
	q := quoteString
	out := []string{
		"SET threads = " + strconv.Itoa(cfg.Threads),
		"SET memory_limit = '" + strconv.FormatInt(cfg.MemoryBytes, 10) + "B'",
		"SET temp_directory = ''",
		"ATTACH ':memory:' AS " + catalogDatabase,
		"USE " + catalogDatabase,
		"CREATE SCHEMA public",
		"CREATE SCHEMA " + pgSchema,
		"CREATE SCHEMA " + infoSchema,
		"CREATE SCHEMA " + fnSchema,
	}
	// The views below read the session's temporary tables: they must
	// exist where the views are made.
	out = append(out, sessionTables...)
	var rels []string
	pgRels := sortedKeys(catalogRelations["pg_catalog"])
	for i, n := range pgRels {
		oid, ok := catalogOIDs[n]
		if !ok {
			oid = int64(12100 + i)
		}
		rels = append(rels, fmt.Sprintf("(%d, %s, 11, 'r', 0, 'pg_catalog', 'BASE TABLE')", oid, q(n)))
	}
	for i, n := range sortedKeys(catalogRelations["information_schema"]) {
		rels = append(rels, fmt.Sprintf("(%d, %s, 13000, 'v', 0, 'information_schema', 'VIEW')", 13100+i, q(n)))
	}
	fn := fnSchema + "."
	out = append(out,
		"CREATE TABLE "+fn+"catalog_rels (oid BIGINT, relname VARCHAR, relnamespace BIGINT, relkind VARCHAR, relnatts INTEGER, nspname VARCHAR, table_type VARCHAR)",
		"INSERT INTO "+fn+"catalog_rels VALUES "+strings.Join(rels, ", "),
		"CREATE VIEW "+fn+"rels AS SELECT * FROM "+topicsTable+" UNION ALL SELECT * FROM "+fn+"catalog_rels",
		"CREATE VIEW "+fn+"cols AS SELECT * FROM "+columnsTable,
	)
	var types []string
	for _, t := range catalogTypes {
		types = append(types, fmt.Sprintf("(%d, %s, %s, %d, %s, %s)", t.oid, q(t.typname), q(t.fmt), t.len, q(t.category), q(t.align)))
	}
	out = append(out,
		"CREATE TABLE "+fn+"types (oid BIGINT, typname VARCHAR, fmt VARCHAR, typlen INTEGER, typcategory VARCHAR, typalign VARCHAR)",
		"INSERT INTO "+fn+"types VALUES "+strings.Join(types, ", "),
		"CREATE VIEW "+pgSchema+".pg_settings AS SELECT name, setting, NULL::VARCHAR AS unit, 'Chronik' AS category, '' AS short_desc, NULL::VARCHAR AS extra_desc, 'user' AS context, 'string' AS vartype, 'default' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val, NULL::VARCHAR[] AS enumvals, setting AS boot_val, setting AS reset_val, NULL::VARCHAR AS sourcefile, NULL::INTEGER AS sourceline, false AS pending_restart FROM "+settingsTable,
	)
	for _, name := range sortedKeys(emptyRelations) {
		out = append(out, "CREATE TABLE "+name+" ("+emptyRelations[name]+")")
	}
	out = append(out,
		"CREATE TABLE "+pgSchema+".pg_namespace AS SELECT * FROM (VALUES (11::BIGINT, 'pg_catalog', 10::BIGINT, NULL::VARCHAR[]), (2200, 'public', 10, NULL), (13000, 'information_schema', 10, NULL)) AS n(oid, nspname, nspowner, nspacl)",
		"CREATE VIEW "+pgSchema+".pg_class AS SELECT oid, relname, relnamespace, 0::BIGINT AS reltype, 0::BIGINT AS reloftype, 10::BIGINT AS relowner, CASE WHEN relkind = 'r' THEN 2 ELSE 0 END::BIGINT AS relam, oid AS relfilenode, 0::BIGINT AS reltablespace, 0 AS relpages, -1::REAL AS reltuples, 0 AS relallvisible, 0::BIGINT AS reltoastrelid, false AS relhasindex, false AS relisshared, 'p' AS relpersistence, relkind, relnatts::SMALLINT AS relnatts, 0::SMALLINT AS relchecks, false AS relhasrules, false AS relhastriggers, false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated, 'd' AS relreplident, false AS relispartition, 0::BIGINT AS relrewrite, 0::BIGINT AS relfrozenxid, 0::BIGINT AS relminmxid, NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound, false AS relhasoids FROM "+fn+"rels",
		"CREATE VIEW "+pgSchema+".pg_attribute AS SELECT attrelid, attname, atttypid, -1 AS attstattarget, attlen::SMALLINT AS attlen, attnum::SMALLINT AS attnum, 0 AS attndims, -1 AS attcacheoff, atttypmod, attlen > 0 AS attbyval, CASE WHEN attlen = 8 THEN 'd' WHEN attlen = 2 THEN 's' WHEN attlen = 1 THEN 'c' ELSE 'i' END AS attalign, CASE WHEN attlen > 0 THEN 'p' ELSE 'x' END AS attstorage, '' AS attcompression, false AS attnotnull, false AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount, CASE WHEN atttypid = 25 THEN 100 ELSE 0 END::BIGINT AS attcollation, NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions, NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval FROM "+fn+"cols",
		"CREATE VIEW "+pgSchema+".pg_type AS SELECT oid, typname, 11::BIGINT AS typnamespace, 10::BIGINT AS typowner, typlen::SMALLINT AS typlen, typlen > 0 AS typbyval, 'b' AS typtype, typcategory, false AS typispreferred, true AS typisdefined, ',' AS typdelim, 0::BIGINT AS typrelid, NULL::VARCHAR AS typsubscript, 0::BIGINT AS typelem, 0::BIGINT AS typarray, typname || 'in' AS typinput, typname || 'out' AS typoutput, typname || 'recv' AS typreceive, typname || 'send' AS typsend, '-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, typalign, CASE WHEN typlen > 0 THEN 'p' ELSE 'x' END AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype, -1 AS typtypmod, 0 AS typndims, CASE WHEN oid IN (25, 1043, 1042, 19) THEN 100 ELSE 0 END::BIGINT AS typcollation, NULL::VARCHAR AS typdefaultbin, NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl FROM "+fn+"types",
		"CREATE VIEW "+pgSchema+".pg_database AS SELECT 16383::BIGINT AS oid, "+databaseVar+" AS datname, 10::BIGINT AS datdba, 6 AS encoding, 'c' AS datlocprovider, NULL::VARCHAR AS daticulocale, NULL::VARCHAR AS daticurules, NULL::VARCHAR AS datcollversion, false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, 0::BIGINT AS datfrozenxid, 0::BIGINT AS datminmxid, 1663::BIGINT AS dattablespace, 'C' AS datcollate, 'C' AS datctype, NULL::VARCHAR[] AS datacl",
		"CREATE VIEW "+pgSchema+".pg_roles AS SELECT "+userVar+" AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole, false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, '********' AS rolpassword, NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolbypassrls, NULL::VARCHAR[] AS rolconfig, 10::BIGINT AS oid",
		"CREATE VIEW "+pgSchema+".pg_authid AS SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, NULL::VARCHAR AS rolpassword, rolvaliduntil FROM "+pgSchema+".pg_roles",
		"CREATE VIEW "+pgSchema+".pg_user AS SELECT "+userVar+" AS usename, 10::BIGINT AS usesysid, false AS usecreatedb, false AS usesuper, false AS userepl, false AS usebypassrls, '********' AS passwd, NULL::TIMESTAMPTZ AS valuntil, NULL::VARCHAR[] AS useconfig",
		"CREATE VIEW "+pgSchema+".pg_tables AS SELECT nspname AS schemaname, relname AS tablename, "+userVar+" AS tableowner, NULL::VARCHAR AS tablespace, false AS hasindexes, false AS hasrules, false AS hastriggers, false AS rowsecurity FROM "+fn+"rels WHERE relkind = 'r'",
		"CREATE VIEW "+pgSchema+".pg_stat_user_tables AS SELECT oid AS relid, nspname AS schemaname, relname, NULL::BIGINT AS seq_scan, NULL::BIGINT AS seq_tup_read, NULL::BIGINT AS idx_scan, NULL::BIGINT AS idx_tup_fetch, NULL::BIGINT AS n_tup_ins, NULL::BIGINT AS n_tup_upd, NULL::BIGINT AS n_tup_del, NULL::BIGINT AS n_tup_hot_upd, NULL::BIGINT AS n_live_tup, NULL::BIGINT AS n_dead_tup, NULL::BIGINT AS n_mod_since_analyze, NULL::TIMESTAMPTZ AS last_vacuum, NULL::TIMESTAMPTZ AS last_autovacuum, NULL::TIMESTAMPTZ AS last_analyze, NULL::TIMESTAMPTZ AS last_autoanalyze, 0::BIGINT AS vacuum_count, 0::BIGINT AS autovacuum_count, 0::BIGINT AS analyze_count, 0::BIGINT AS autoanalyze_count FROM "+fn+"rels WHERE nspname = 'public'",
		"CREATE VIEW "+pgSchema+".pg_stat_all_tables AS SELECT * FROM "+pgSchema+".pg_stat_user_tables",
		"CREATE VIEW "+pgSchema+".pg_statio_user_tables AS SELECT oid AS relid, nspname AS schemaname, relname, NULL::BIGINT AS heap_blks_read, NULL::BIGINT AS heap_blks_hit, NULL::BIGINT AS idx_blks_read, NULL::BIGINT AS idx_blks_hit FROM "+fn+"rels WHERE nspname = 'public'",
		"CREATE VIEW "+pgSchema+".pg_am AS SELECT * FROM (VALUES (2::BIGINT, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i')) AS a(oid, amname, amhandler, amtype)",
		"CREATE VIEW "+pgSchema+".pg_tablespace AS SELECT * FROM (VALUES (1663::BIGINT, 'pg_default', 10::BIGINT, NULL::VARCHAR[], NULL::VARCHAR[]), (1664, 'pg_global', 10, NULL, NULL)) AS t(oid, spcname, spcowner, spcacl, spcoptions)",
		"CREATE VIEW "+infoSchema+".schemata AS SELECT "+databaseVar+" AS catalog_name, nspname AS schema_name, "+userVar+" AS schema_owner, NULL::VARCHAR AS default_character_set_catalog, NULL::VARCHAR AS default_character_set_schema, NULL::VARCHAR AS default_character_set_name, NULL::VARCHAR AS sql_path FROM "+pgSchema+".pg_namespace",
		"CREATE VIEW "+infoSchema+".tables AS SELECT "+databaseVar+" AS table_catalog, nspname AS table_schema, relname AS table_name, table_type, NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation, NULL::VARCHAR AS user_defined_type_catalog, NULL::VARCHAR AS user_defined_type_schema, NULL::VARCHAR AS user_defined_type_name, 'NO' AS is_insertable_into, 'NO' AS is_typed, NULL::VARCHAR AS commit_action FROM "+fn+"rels",
		"CREATE VIEW "+infoSchema+".columns AS SELECT "+databaseVar+" AS table_catalog, 'public' AS table_schema, relname AS table_name, attname AS column_name, attnum AS ordinal_position, NULL::VARCHAR AS column_default, 'YES' AS is_nullable, fmt AS data_type, NULL::INTEGER AS character_maximum_length, CASE WHEN atttypid = 25 THEN 1073741824 END AS character_octet_length, CASE WHEN atttypid = 1700 THEN prec WHEN atttypid = 20 THEN 64 WHEN atttypid = 23 THEN 32 WHEN atttypid = 21 THEN 16 WHEN atttypid = 700 THEN 24 WHEN atttypid = 701 THEN 53 END AS numeric_precision, CASE WHEN atttypid IN (20, 21, 23, 700, 701) THEN 2 WHEN atttypid = 1700 THEN 10 END AS numeric_precision_radix, CASE WHEN atttypid = 1700 THEN scale WHEN atttypid IN (20, 21, 23) THEN 0 END AS numeric_scale, CASE WHEN atttypid IN (1082, 1083, 1114, 1184) THEN 6 END AS datetime_precision, NULL::VARCHAR AS interval_type, NULL::INTEGER AS interval_precision, NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, NULL::VARCHAR AS character_set_name, NULL::VARCHAR AS collation_catalog, NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name, NULL::VARCHAR AS domain_catalog, NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name, "+databaseVar+" AS udt_catalog, 'pg_catalog' AS udt_schema, typname AS udt_name, NULL::VARCHAR AS scope_catalog, NULL::VARCHAR AS scope_schema, NULL::VARCHAR AS scope_name, NULL::INTEGER AS maximum_cardinality, attnum::VARCHAR AS dtd_identifier, 'NO' AS is_self_referencing, 'NO' AS is_identity, NULL::VARCHAR AS identity_generation, NULL::VARCHAR AS identity_start, NULL::VARCHAR AS identity_increment, NULL::VARCHAR AS identity_maximum, NULL::VARCHAR AS identity_minimum, NULL::VARCHAR AS identity_cycle, 'NEVER' AS is_generated, NULL::VARCHAR AS generation_expression, 'NO' AS is_updatable FROM "+fn+"cols",
		"CREATE VIEW "+infoSchema+".table_privileges AS SELECT "+userVar+" AS grantor, "+userVar+" AS grantee, "+databaseVar+" AS table_catalog, nspname AS table_schema, relname AS table_name, 'SELECT' AS privilege_type, 'NO' AS is_grantable, 'YES' AS with_hierarchy FROM "+fn+"rels WHERE nspname = 'public'",
		"CREATE VIEW "+infoSchema+".role_table_grants AS SELECT * FROM "+infoSchema+".table_privileges",
		"CREATE VIEW "+infoSchema+".character_sets AS SELECT NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, 'UTF8' AS character_set_name, 'UCS' AS character_repertoire, 'UTF8' AS form_of_use, "+databaseVar+" AS default_collate_catalog, 'pg_catalog' AS default_collate_schema, 'C' AS default_collate_name",
		"CREATE VIEW "+infoSchema+".applicable_roles AS SELECT "+userVar+" AS grantee, "+userVar+" AS role_name, 'NO' AS is_grantable WHERE false",
		"CREATE VIEW "+infoSchema+".enabled_roles AS SELECT "+userVar+" AS role_name",
	)
	// The functions, as macros named f_<name>.
	f := "CREATE MACRO " + fn + "f_"
	priv := "regexp_matches(lower(CAST(p AS VARCHAR)), 'select|usage|connect|execute|member')"
	out = append(out,
		f+"version() AS getvariable('chronik_version')",
		f+"current_database() AS "+databaseVar,
		f+"current_catalog() AS "+databaseVar,
		f+"current_schema() AS 'public'",
		f+"current_schemas(implicit) AS CASE WHEN implicit THEN ['pg_catalog', 'public'] ELSE ['public'] END",
		f+"current_user() AS "+userVar,
		f+"session_user() AS "+userVar,
		f+"user() AS "+userVar,
		f+"current_role() AS "+userVar,
		f+"pg_get_userbyid(o) AS "+userVar,
		f+"current_setting(n) AS map_extract(getvariable('chronik_settings'), lower(n))[1], (n, missing_ok) AS map_extract(getvariable('chronik_settings'), lower(n))[1]",
		f+"format_type(t, m) AS (SELECT CASE WHEN x.oid = 1700 AND m >= 4 THEN 'numeric(' || ((m - 4) // 65536) || ',' || ((m - 4) % 65536) || ')' ELSE x.fmt END FROM "+fn+"types x WHERE x.oid = t)",
		f+"obj_description(o) AS NULL::VARCHAR, (o, c) AS NULL::VARCHAR",
		f+"col_description(o, n) AS NULL::VARCHAR",
		f+"shobj_description(o, c) AS NULL::VARCHAR",
		f+"pg_get_expr(e, r) AS NULL::VARCHAR, (e, r, pretty) AS NULL::VARCHAR",
		f+"has_table_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_schema_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_any_column_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_column_privilege(t, c, p) AS "+priv+", (u, t, c, p) AS "+priv,
		f+"has_database_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_type_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_function_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"has_sequence_privilege(t, p) AS "+priv+", (u, t, p) AS "+priv,
		f+"pg_has_role(r, p) AS "+priv+", (u, r, p) AS "+priv,
		f+"pg_table_is_visible(o) AS true",
		f+"pg_type_is_visible(o) AS true",
		f+"pg_function_is_visible(o) AS true",
		f+"pg_encoding_to_char(e) AS 'UTF8'",
		f+"array_lower(a, d) AS CASE WHEN len(a) > 0 AND d = 1 THEN 1 END",
		f+"array_upper(a, d) AS CASE WHEN len(a) > 0 AND d = 1 THEN len(a) END",
		f+"parse_ident(s) AS "+parseIdent+", (s, strict) AS "+parseIdent,
		f+"quote_ident(s) AS CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_$]*') THEN s ELSE '\"' || replace(s, '\"', '\"\"') || '\"' END",
		f+"_pg_expandarray(a) AS unnest(list_transform(range(1, len(a) + 1), lambda i: {'x': a[i], 'n': i}))",
		f+"to_regclass(x) AS CASE WHEN TRY_CAST(x AS BIGINT) IS NOT NULL THEN TRY_CAST(x AS BIGINT) ELSE (SELECT c.oid FROM "+fn+"rels c WHERE c.relname = "+fn+"f_parse_ident(CAST(x AS VARCHAR))[-1] ORDER BY c.relnamespace DESC LIMIT 1) END",
		f+"to_regtype(x) AS CASE WHEN TRY_CAST(x AS BIGINT) IS NOT NULL THEN TRY_CAST(x AS BIGINT) ELSE (SELECT t.oid FROM "+fn+"types t WHERE t.typname = lower(CAST(x AS VARCHAR)) OR t.fmt = lower(CAST(x AS VARCHAR)) LIMIT 1) END",
		f+"to_regnamespace(x) AS CASE WHEN TRY_CAST(x AS BIGINT) IS NOT NULL THEN TRY_CAST(x AS BIGINT) ELSE (SELECT n.oid FROM "+pgSchema+".pg_namespace n WHERE n.nspname = CAST(x AS VARCHAR)) END",
		f+"pg_get_indexdef(o) AS NULL::VARCHAR, (o, c, p) AS NULL::VARCHAR",
		f+"pg_get_constraintdef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR",
		f+"pg_get_viewdef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR",
		f+"pg_get_partkeydef(o) AS NULL::VARCHAR",
		f+"pg_get_function_result(o) AS NULL::VARCHAR",
		f+"pg_get_function_arguments(o) AS NULL::VARCHAR",
		f+"pg_get_function_identity_arguments(o) AS NULL::VARCHAR",
		f+"pg_get_triggerdef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR",
		f+"pg_get_ruledef(o) AS NULL::VARCHAR, (o, p) AS NULL::VARCHAR",
		f+"pg_get_statisticsobjdef(o) AS NULL::VARCHAR",
		f+"pg_get_statisticsobjdef_columns(o) AS NULL::VARCHAR",
		f+"pg_get_serial_sequence(t, c) AS NULL::VARCHAR",
		f+"pg_tablespace_location(o) AS ''",
		f+"pg_total_relation_size(o) AS NULL::BIGINT",
		f+"pg_relation_size(o) AS NULL::BIGINT, (o, fork) AS NULL::BIGINT",
		f+"pg_table_size(o) AS NULL::BIGINT",
		f+"pg_size_pretty(b) AS format_bytes(CAST(b AS BIGINT))",
		f+"pg_postmaster_start_time() AS NULL::TIMESTAMPTZ",
		f+"pg_is_in_recovery() AS false",
		// Postgres's format with %s, %I and %L, up to three arguments
		// (DuckDB's format is another function, refused in queries).
		f+"format_step(s, a) AS CASE WHEN regexp_extract(s, '%[sIL]') = '' THEN s ELSE s[1:strpos(s, regexp_extract(s, '%[sIL]')) - 1] || CASE regexp_extract(s, '%[sIL]') WHEN '%I' THEN "+fn+"f_quote_ident(CAST(a AS VARCHAR)) WHEN '%L' THEN coalesce('''' || replace(CAST(a AS VARCHAR), '''', '''''') || '''', 'NULL') ELSE coalesce(CAST(a AS VARCHAR), '') END || s[strpos(s, regexp_extract(s, '%[sIL]')) + 2:] END",
		f+"format(s) AS s, (s, a) AS "+fn+"f_format_step(s, a), (s, a, b) AS "+fn+"f_format_step("+fn+"f_format_step(s, a), b), (s, a, b, c) AS "+fn+"f_format_step("+fn+"f_format_step("+fn+"f_format_step(s, a), b), c)",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	return out
}

// parseIdent splits a dotted name as Postgres's parse_ident does: quoted
// parts as they are, others lower-cased (a dot inside quotes splits too).
const parseIdent = `list_transform(string_split(s, '.'), lambda x: CASE WHEN trim(x) LIKE '"%"' THEN replace(trim(x)[2:-2], '""', '"') ELSE lower(trim(x)) END)`

// decimalArgs reads DECIMAL(p,s).
func decimalArgs(t string) (int, int, bool) {
	i, j := strings.IndexByte(t, '('), strings.IndexByte(t, ')')
	if i < 0 || j < i {
		return 0, 0, false
	}
	ps := strings.Split(t[i+1:j], ",")
	if len(ps) != 2 {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
	s, err2 := strconv.Atoi(strings.TrimSpace(ps[1]))
	if err1 != nil || err2 != nil || p < 1 || p > 1000 || s < 0 || s > p {
		return 0, 0, false
	}
	return p, s, true
}

// versionNum turns "15.0" into server_version_num's "150000".
func versionNum(v string) string {
	parts := strings.SplitN(v, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return strconv.Itoa(major*10000 + minor)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
