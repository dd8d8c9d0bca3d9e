// Package pgwire is the inbound adapter that speaks the PostgreSQL
// frontend/backend protocol (version 3.0) so that psql, Postgres drivers
// and BI tools can run SQL over topics. It decodes and encodes messages
// with pgx's pgproto3 (which never leaves this package) and runs queries
// through a Querier, which bootstrap binds to the columnar query service.
//
// # Sessions
//
//	accept ──> conn.serve (one goroutine per session, owned by Server.wg)
//	             │ startup:  SSLRequest / GSSENCRequest → 'N', then
//	             │           StartupMessage (3.2 or _pq_ options → NegotiateProtocolVersion 3.0)
//	             │           or CancelRequest (→ Server.cancelQuery, then close)
//	             │ auth:     SCRAM-SHA-256 (default), md5 or cleartext against Config.Users;
//	             │           no users: loopback clients only, any user, no password
//	             │ ParameterStatus..., BackendKeyData, ReadyForQuery
//	             └ loop:     Query | Parse Bind Describe Execute Close Sync Flush | Terminate
//
// A session reads one message at a time and answers it before reading the
// next, so its state (statements, portals, settings, transaction status)
// has one owner, its goroutine. The only shared state is the running
// query's cancel function (conn.mu), reached by a CancelRequest that came
// on another connection, and the server's session table (Server.mu).
// Close stops accepting, closes every connection, cancels running queries
// and waits for every goroutine.
//
// # Limits
//
// Every message is bounded (Config.MaxMessageBytes, checked from its
// header before its body is read; the startup packet by pgproto3 at
// 10,000 bytes). The startup and authentication must end within
// StartupTimeout; a session waiting for a message is closed after
// IdleTimeout (57P05), and a message must arrive whole within ReadTimeout
// once its first bytes came. Writes have WriteTimeout. At most
// MaxConnections sessions are open; more are told 53300 after their
// startup packet (at most 16 at a time, the rest closed at once). A
// session holds at most MaxStatements prepared statements, of at most
// 4 × MaxMessageBytes of SQL in all, and MaxPortals open portals, each
// holding its result; results are bounded by the engine's row limit
// (columnar.Limits.MaxRows), and rows are flushed every 64 KiB as they
// are encoded.
//
// # What is answered here, and what goes to the engine
//
// Statements that are about the session, not the topics, are answered by
// the session itself (session.go), in the simple and extended protocol:
//
//   - BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT,
//     RELEASE: transaction status only (every statement is read-only);
//     after an error in a transaction, statements fail with 25P02 until
//     it ends, as in Postgres.
//   - Startup: settings in the startup packet, or in its options as
//     -c name=value (PGOPTIONS), apply when they are session settings with
//     an accepted value and are ignored otherwise (the ParameterStatus
//     messages tell the client what is in force); the database name is
//     not checked (there is one catalog); replication connections are
//     refused.
//   - SET and RESET of session settings (application_name,
//     extra_float_digits, search_path, statement_timeout, lock_timeout,
//     client_min_messages, DateStyle ISO, TimeZone UTC, client_encoding
//     UTF8, ...): they are kept and shown, and only statement_timeout
//     changes what happens (57014 past it); floats are always sent in
//     their shortest exact form, as with extra_float_digits > 0. SET of
//     anything else — the engine's settings — is refused with 42501.
//   - SHOW of those settings (and SHOW ALL); other SHOWs (SHOW TABLES,
//     SHOW <topic>) go to the engine.
//   - DISCARD ALL, DEALLOCATE.
//   - The probes drivers send: version(), current_database(),
//     current_schema(), current_user, session_user, pg_backend_pid(),
//     current_setting('name').
//   - psql's \d, \dt, \d+ (with or without a pattern) and \d <table>
//     (catalog.go): answered from the engine's SHOW TABLES and DESCRIBE
//     <table> in the columns psql reads by position, the table having
//     columnar.TableOID as its oid and no index, policy, publication or
//     inheritance.
//
// Every other statement that reads pg_catalog or information_schema (or
// a bare pg_class, pg_namespace, ...), casts to regclass or regtype, or
// calls a session or catalog function (current_setting, current_schemas,
// current_user, version(), format_type, has_*_privilege, pg_get_*, ...;
// catalogRE) goes to Querier.Catalog with the session (its user, the
// database chronik, server_version and every session setting): the
// engine answers it as Postgres would over catalogs that list the
// topics' tables in schema public with their columns, typed as they
// travel (columnar.PostgresType). That is what pgjdbc's DatabaseMetaData
// (and so Metabase), Metabase's own sync and Grafana's PostgreSQL data
// source send. Such a statement reads no topic data.
//
// Everything else goes to the Querier, whose read-only rules apply.
//
// # Types
//
// Result columns come typed as DuckDB spells them and travel as Postgres
// types (types.go): BOOLEAN bool, TINYINT/SMALLINT int2, INTEGER int4,
// BIGINT int8, FLOAT float4, DOUBLE float8, DECIMAL/UBIGINT/HUGEINT
// numeric, VARCHAR text, BLOB bytea, DATE date, TIME time, TIMESTAMP
// timestamp, TIMESTAMPTZ timestamptz (UTC), LIST/STRUCT/MAP/arrays json;
// anything else as text. Text and binary formats are both served, per
// column as the client asks in Bind.
//
// Parameters declared with a type in Parse (or in Bind's binary form) are
// decoded to int64, float64, bool, []byte, time.Time or, for numeric, a
// decimal string; untyped ones ($1 with OID 0, as pgx sends them) reach
// the Querier as the client's text. DuckDB casts such a string where the
// statement fixes the parameter's type (_offset = $1, price > $1, LIMIT
// $1) and refuses it where it cannot tell ($1 + 1 needs $1::BIGINT).
//
// Describe of a prepared statement must give the result's columns before
// any parameter is bound: the statement is run as SELECT * FROM (...)
// LIMIT 0 with NULL parameters, which reads no rows (DuckDB accepts the
// wrapper around SELECT, WITH, FROM-first, VALUES and set operations),
// and the types it gives are then used for every execution of the
// statement; a column of parameters alone is untyped there (SQLNULL) and
// travels as text. Other statements (SHOW, DESCRIBE, EXPLAIN) are run. Describe of a
// portal runs the query and keeps its result for Execute, which may page
// through it (PortalSuspended).
package pgwire
