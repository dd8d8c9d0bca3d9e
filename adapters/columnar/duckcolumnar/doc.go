// Package duckcolumnar is the columnar.Engine of DuckDB
// (github.com/duckdb/duckdb-go/v2) and Arrow (arrow-go v18): it writes a
// partition's documents as Parquet files (pqarrow) and runs read-only SQL
// over tables made of such files and of hot documents.
//
// It needs the duckdb_arrow build tag (go build -tags duckdb_arrow): without
// it duckdb-go has no Arrow interface and New returns an error saying so.
//
// # Documents as rows
//
// A file's (or a query's hot rows') schema is inferred from its own
// documents, in the order fields first appear:
//
//	_partition  INTEGER
//	_offset     BIGINT
//	_timestamp  TIMESTAMP (ms, no time zone)
//	_key        VARCHAR when every key of the file is valid UTF-8, else BLOB
//	_headers    STRUCT(key VARCHAR, value BLOB)[]: in order, duplicates kept
//	<field>...  one column per top-level field of JSON and Schema documents
//	value       the value of a Raw document: VARCHAR when valid UTF-8, else BLOB
//
// A file written by WriteParquet:
//
//	PAR1
//	row group 0   rows [0, 65536) of the documents, in the order given:
//	              one column chunk per column above (STRUCTs and LISTs as
//	              Parquet groups), pages compressed with FileOptions.Compression
//	              (zstd, snappy, lz4 = LZ4_RAW, none)
//	row group 1   the next 65536 rows (a group also ends after 128 MiB of
//	              keys and values) ...
//	footer        the Parquet schema and the row groups' statistics;
//	              created_by "chronik"
//	PAR1
//
// A Raw document counts as an object with one field, value: a JSON field
// named value and Raw values share that column.
//
// Field types: bool BOOLEAN, integer BIGINT, other number DOUBLE, string
// VARCHAR, bytes BLOB, list LIST of its elements' type, object STRUCT of
// its fields (the same rules inside). Conflicts widen: nulls take the
// other type; BIGINT and DOUBLE give DOUBLE; BLOB and anything give BLOB
// (strings as their bytes, other values as JSON text); any other mix
// (a scalar and an object, a list and a string, ...) gives VARCHAR holding
// strings as they are and other values as JSON text (fields in their
// order, bytes base64). A column of nulls only, or an object without
// fields, is VARCHAR. Lists and objects nested deeper than 32 levels are
// VARCHAR (JSON text). Strings that are not valid UTF-8 have each bad
// byte replaced by U+FFFD.
//
// Names: DuckDB resolves names ignoring case, so names are unique ignoring
// case. A field whose name equals, ignoring case, one of the five _
// columns or a field that came before it in the file (or in its object)
// is renamed <name>_2 (or _3, ... the first free): {"_offset": 1} gives a
// column _offset_2, {"Name":1,"name":2} gives Name and name_2. The empty
// name becomes "_". Which field keeps the name follows the file's order,
// so two files may disagree; columns are matched by name.
//
// # Files and hot rows read together
//
// A table is a temporary view, per query, over
//
//	read_parquet([files], union_by_name = true) UNION ALL BY NAME <hot rows>
//
// (without union_by_name when every file has the same columns in the same
// order: DuckDB then binds and scans faster), so columns are matched by
// name, a column missing in a file is NULL
// there, and DuckDB widens types across files the same way as inside one
// (BIGINT and DOUBLE to DOUBLE, anything and VARCHAR to VARCHAR, VARCHAR
// and BLOB to BLOB: a _key or value that is text in one file and bytes in
// another is BLOB; STRUCTs are merged by field name). DuckDB cannot put
// every pair together (a STRUCT in one file and a VARCHAR or a LIST in
// another, a BLOB and a number): the engine reads each file's schema
// (the footer, cached by path, size and time) and a top-level column
// whose shapes conflict anywhere inside is read as VARCHAR from every
// source, JSON text (to_json) where it is not VARCHAR already; such files
// are read one by one, the others together. The hot documents
// go to DuckDB as an Arrow stream, copied into a temporary table (an
// Arrow view scans once; a query may read its table twice).
//
// # Merging files
//
// MergeParquet is one COPY (SELECT * FROM read_parquet([sources],
// union_by_name = true)) TO <dst> (FORMAT parquet, COMPRESSION <c>,
// ROW_GROUP_SIZE 122880): rows in the sources' order
// (preserve_insertion_order), columns by name (NULL where a source lacks
// one), conflicting shapes as text as a query reads them (those sources
// one by one, UNION ALL BY NAME, then ORDER BY _partition, _offset: UNION
// ALL keeps no order, so this rare case sorts, in memory). Both ends must lie in Config.Dirs, as
// for queries. It runs in a second in-memory database of the engine, on
// one thread and within Config.MergeMemoryBytes (default 256 MiB), so that
// a merge takes neither the queries' memory nor both cores, and nothing
// waits in memory to be put back in order: it streams, and needs a share
// that grows with the rows' width, not their number (rows of ~190 bytes:
// 64 to 128 MiB; on two threads the same merge needed more than 160 MiB,
// and a 4.2M-row merge of the bench's rows failed within 512 MiB). Past
// the limit it fails with ErrResources. A merged file's _timestamp is
// TIMESTAMP in microseconds (DuckDB's), a file written by WriteParquet's is
// milliseconds: both read as TIMESTAMP.
//
// # Read only
//
// Prepare parses with DuckDB's parser (json_serialize_sql, which parses
// without binding) and walks the tree: one statement; SELECT (WITH,
// VALUES, set operations, SUMMARIZE), DESCRIBE, SHOW <table> or SHOW
// TABLES; EXPLAIN [ANALYZE] of such a SELECT. Refused (ErrRefused): every
// other statement kind, any table function (read_csv, read_parquet,
// glob, query, duckdb_settings, ...), and the scalar functions that
// build a value of a size an argument chooses (repeat, lpad, rpad, printf,
// format, bar, range, generate_series, list_resize, array_resize: DuckDB
// allocates those outside its memory limit) or read settings
// (current_setting, getvariable). Qualified names (schema.table) are
// ErrInvalid: a topic is a table named as the topic, quoted when it has a
// dot. Query prepares again, names only the tables it was given, and
// checks DuckDB's own statement type (SELECT or EXPLAIN) before running.
// The parses of recent texts are cached (256 texts of up to 8 KiB): a
// parse is a query of its own, and the service prepares each statement
// before the engine runs it.
//
// The database is in memory; extensions are neither installed nor loaded
// automatically, external access is off, and only Config.Dirs may be read
// (allowed_directories); nothing spills to disk.
//
// # Limits
//
// Each query runs on a fresh connection (closed after, with its views)
// under a context with Limits.Timeout: DuckDB is interrupted (ErrTimeout).
// A SELECT runs as SELECT * FROM (<query>) LIMIT MaxRows+1, so DuckDB
// stops early; Result.Truncated says there were more. MemoryBytes and
// Threads are DuckDB's memory_limit and threads, which are per database:
// the engine sets them when a query asks for values other than those in
// force (callers pass the same settings every time). A query past the
// memory limit fails with ErrResources and its memory is freed. Zero
// limits take DefaultTimeout (30 s), DefaultMaxRows (10,000) and Config's
// memory (DefaultMemoryBytes, 512 MiB) and threads (DefaultThreads, 2);
// a statement is at most Config.MaxSQLBytes (DefaultMaxSQLBytes, 1 MiB).
// Params are nil, bool, int, int32, int64, float64, string, []byte or
// time.Time, as many as the statement has placeholders ($1 or ?).
// Close interrupts running queries (ErrClosed).
//
// The memory limit bounds DuckDB's buffer manager (hash tables, sorts,
// materialized results, the hot rows' temporary tables), not every
// string a function builds inside one vector: that is why the functions
// above that build values of any size are refused. Hot rows cost about
// 1.3 s of CPU per million documents on every query (Arrow conversion
// and the copy), and their temporary table counts against the limit.
//
// SHOW TABLES answers the names of the tables Query was given.
//
// Errors carry DuckDB's message with the machine's paths replaced by
// <file n of table t> and <dir>; so do the rows of EXPLAIN (ANALYZE), which
// name the files (QueryArrow refuses EXPLAIN).
//
// # Catalogs (catalog.go, catalog_rewrite.go)
//
// Catalog answers a Postgres client's catalog query in a second DuckDB
// database of the engine, made on first use, that holds nothing of the
// first (no file, no hot row, no setting it could read). Its fixed part:
// the schemas chronik_pg_catalog and chronik_information_schema with the
// relations Postgres clients read (pg_namespace, pg_class, pg_attribute,
// pg_type with Postgres's oids, pg_settings, pg_database, pg_roles,
// pg_tables, pg_stat_user_tables, information_schema.tables, columns,
// schemata, table_privileges, ...; the ones for objects Chronik has none
// of — indexes, constraints, descriptions, defaults, views, functions,
// extensions, ... — empty with their columns), and the functions as
// macros in chronik_functions. Each query runs on a fresh connection
// that first fills its temporary tables (the tables given, their
// columns, the session's settings) and variables (user, database,
// version): queries at once see only their own. DuckDB's own pg_catalog
// and information_schema cannot be replaced and list DuckDB's objects
// with DuckDB's type ids, so the statement is parsed (json_serialize_sql),
// its tree rewritten and turned back into SQL (json_deserialize_sql):
//
//   - pg_catalog.X, a bare pg_X and information_schema.X point at the
//     emulated relations (a relation not emulated is ErrInvalid, "does
//     not exist"); a statement that also reads a topic's table, or any
//     other schema, is ErrInvalid;
//   - the session and catalog functions (version, current_database,
//     current_schema(s), current_user and the other session keywords,
//     current_setting, format_type, pg_get_userbyid, obj_description,
//     col_description, pg_get_expr, has_*_privilege (true for SELECT,
//     USAGE, CONNECT, EXECUTE, MEMBER; false for writes), pg_*_is_visible,
//     array_lower, array_upper, parse_ident, quote_ident,
//     information_schema._pg_expandarray, to_regclass, pg_get_*def and
//     pg_get_function_* (NULL), sizes (NULL), Postgres's format with %s,
//     %I and %L and up to three arguments, ...) call the macros; another
//     pg_catalog.f(...) is DuckDB's own f (Postgres's built-ins);
//   - casts to regclass, regtype and regnamespace become lookups by name;
//     casts to regproc, name, oidvector, int2vector and the
//     information_schema domains become VARCHAR, INTEGER or lists;
//   - a scalar function in FROM (Postgres's one-row table: Grafana's
//     string_to_array(...) s) becomes unnest([f(...)]) with the alias as
//     its column;
//   - unaliased select items get the names Postgres gives them (a
//     function's or window's name, a column's, a scalar subquery's
//     column's, exists, case, ?column?), and repeated names stay
//     repeated.
//
// The rest is as for Query: one read-only SELECT, table functions only
// generate_series, range and unnest (none that read files, URLs or
// DuckDB's own objects), the denied scalar functions, getvariable and
// duckdb_* refused; Limits.Timeout and MaxRows apply; the catalog
// database has Config's memory limit and threads (the Limits' memory and
// threads are not applied per query there). A catalog query costs about
// 40-80 ms (BenchmarkCatalog), most of it the connection's set-up; over
// 1,000 tables of 20 columns about 100 ms (BenchmarkCatalogManyTables:
// the rows go in through DuckDB's Appender, as INSERT ... VALUES took
// 4.4 s).
//
// Query also takes tables named as Postgres clients name them, public.t
// and chronik.public.t (Metabase's "public"."orders"."amount"): the names
// are taken out of the tree, which is turned back into SQL to run.
//
// # Files
//
// A Table's Files must be absolute paths inside Config.Dirs, without glob
// characters (* ? [ {), each a whole Parquet file. DuckDB caches footers
// (parquet_metadata_cache, checked against the file's modification time)
// and so does the engine (by path, size and time): a file is written once
// under its name; a file with other contents goes under another name.
package duckcolumnar
