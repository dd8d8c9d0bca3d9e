package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestBIToolsOverPostgres runs, over the Postgres listener of a node, the
// statements pgjdbc's DatabaseMetaData (what Metabase syncs with),
// Metabase itself and Grafana's PostgreSQL data source send, as they send
// them, in the extended protocol (as pgjdbc and pgx do) and the simple one,
// and checks that they list the topic's table and its columns with their
// Postgres types, and that the tools' queries of the data answer what was
// produced.
func TestBIToolsOverPostgres(t *testing.T) {
	port := freeTCPPort(t)
	n := startNode(t, "", map[string]string{"CHRONIK_PG_PORT": strconv.Itoa(port), "CHRONIK_HOT_BUFFER_REFRESH_MS": "100"})
	c := ctx(t)
	createTopic(t, n, "orders", 2, map[string]*string{"columnar.enabled": kadm.StringPtr("true")})
	createTopic(t, n, "plain", 1, nil) // not queryable: never listed
	cl := n.client(kgo.DefaultProduceTopic("orders"))
	var total float64
	for i := range 10 {
		amount := float64(i) + 0.5
		total += amount
		v := fmt.Sprintf(`{"customer":"c%d","amount":%g,"paid":%t}`, i, amount, i%2 == 0)
		if err := cl.ProduceSync(c, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	n.waitForCount("orders", 10)
	conn, err := pgx.Connect(c, fmt.Sprintf("postgres://metabase@127.0.0.1:%d/chronik", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	// Metabase's session set-up (v0.55.1, captured in datafusion-postgres's
	// tests/metabase.rs) and pgjdbc's (PgConnection).
	for _, s := range []string{"SET extra_float_digits = 3", "SET application_name = 'Metabase v0.55.1'", "SHOW TRANSACTION ISOLATION LEVEL",
		"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", "show timezone"} {
		if _, err := conn.Exec(c, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		rows := func(sql string, args ...any) [][]string {
			t.Helper()
			r, err := conn.Query(c, sql, append([]any{mode}, args...)...)
			if err != nil {
				t.Fatalf("%.60s (%v): %v", sql, mode, err)
			}
			var out [][]string
			for r.Next() {
				vals, err := r.Values()
				if err != nil {
					t.Fatal(err)
				}
				row := make([]string, len(vals))
				for i, v := range vals {
					if v != nil {
						row[i] = fmt.Sprint(v)
					}
				}
				out = append(out, row)
			}
			if err := r.Err(); err != nil {
				t.Fatalf("%.60s (%v): %v", sql, mode, err)
			}
			return out
		}
		// pgjdbc getTables("chronik", "public", "%", {"TABLE", "VIEW"}).
		if got := rows(pgjdbcGetTables, "public", "%"); fmt.Sprint(got) != "[[chronik public orders TABLE      ]]" {
			t.Errorf("getTables (%v): %q", mode, got)
		}
		// pgjdbc getColumns("chronik", "public", "orders", "%"): name,
		// type oid (what the driver maps to java.sql.Types), position.
		var cols []string
		for _, r := range rows(pgjdbcGetColumns, "public", "orders") {
			cols = append(cols, r[3]+":"+r[4]+":"+r[9])
		}
		want := "_partition:23:1 _offset:20:2 _timestamp:1114:3 _key:25:4 _headers:114:5 customer:25:6 amount:701:7 paid:16:8"
		if strings.Join(cols, " ") != want {
			t.Errorf("getColumns (%v):\n %s\nwant\n %s", mode, strings.Join(cols, " "), want)
		}
		// Metabase's describe-database and a question over the table.
		if got := rows(metabaseDescribeDatabase); fmt.Sprint(got) != "[[public orders TABLE  ]]" {
			t.Errorf("Metabase describe-database (%v): %q", mode, got)
		}
		got := rows(`SELECT SUM("public"."orders"."amount") AS "sum", COUNT(*) AS "count" FROM "public"."orders" WHERE "public"."orders"."paid" = TRUE`)
		if len(got) != 1 || got[0][0] != "22.5" || got[0][1] != "5" {
			t.Errorf("Metabase question (%v): %q", mode, got)
		}
		// Grafana: the version, the tables of the search path, a table's
		// columns with the types its query builder reads.
		if got := rows(grafanaVersion); fmt.Sprint(got) != "[[1500]]" {
			t.Errorf("Grafana version (%v): %q", mode, got)
		}
		if got := rows(grafanaShowTables); fmt.Sprint(got) != "[[orders]]" {
			t.Errorf("Grafana tables (%v): %q", mode, got)
		}
		var types []string
		for _, r := range rows(grafanaGetSchema("orders")) {
			types = append(types, r[0]+":"+r[1])
		}
		if w := "_partition:integer _offset:bigint _timestamp:timestamp without time zone _key:text _headers:json customer:text amount:double precision paid:boolean"; strings.Join(types, " ") != w {
			t.Errorf("Grafana columns (%v): %s", mode, strings.Join(types, " "))
		}
		// A Grafana time series panel, its macros expanded as the data
		// source expands $__timeGroupAlias(_timestamp, '1m').
		got = rows(`SELECT floor(extract(epoch from _timestamp)/60)*60 AS "time", sum(amount) AS "amount" FROM orders GROUP BY 1 ORDER BY 1`)
		var sum float64
		for _, r := range got {
			v, _ := strconv.ParseFloat(r[1], 64)
			sum += v
		}
		if sum != total {
			t.Errorf("Grafana time series (%v): %q, sum %v, want %v", mode, got, sum, total)
		}
	}
}

// The texts below are the tools' own, as in
// adapters/columnar/duckcolumnar/catalog_tools_test.go, which cites them.
const (
	pgjdbcGetTables = `SELECT current_database() AS "TABLE_CAT", n.nspname AS "TABLE_SCHEM", c.relname AS "TABLE_NAME",  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS "TABLE_TYPE", d.description AS "REMARKS",  '' as "TYPE_CAT", '' as "TYPE_SCHEM", '' as "TYPE_NAME", '' AS "SELF_REFERENCING_COL_NAME", '' AS "REF_GENERATION"  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND n.nspname LIKE $1 AND c.relname LIKE $2 AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY "TABLE_TYPE","TABLE_SCHEM","TABLE_NAME" `

	pgjdbcGetColumns = `SELECT * FROM (SELECT current_database() AS current_database, n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull  OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE $1 AND c.relname LIKE $2) c WHERE true  ORDER BY nspname,c.relname,attnum `

	metabaseDescribeDatabase = `SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", "stat"."n_live_tup" AS "estimated_row_count" FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid" LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = '0') AND ("d"."classoid" = 'pg_class'::regclass) LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname") WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ '^pg_') AND ("n"."nspname" <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" IN ('public')) ORDER BY "type" ASC, "schema" ASC, "name" ASC`

	grafanaVersion     = `SELECT current_setting('server_version_num')::int/100 as version`
	grafanaSchemaMatch = `
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )`
	grafanaShowTables = `SELECT
    CASE WHEN ` + grafanaSchemaMatch + `
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN ` + grafanaSchemaMatch + ` THEN 0 ELSE 1 END, 1`
)

func grafanaGetSchema(table string) string {
	part := "'" + strings.ReplaceAll(table, "'", "''") + "'"
	return `SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident(` + part + `),1) = 2
        THEN quote_ident(table_schema) = (parse_ident(` + part + `))[1]
          AND quote_ident(table_name) = (parse_ident(` + part + `))[2]
        ELSE quote_ident(table_name) = ` + part + `
          AND ` + grafanaSchemaMatch + `
      END`
}

// TestPsqlCatalogCommands: psql's backslash commands beyond \d, answered
// by the engine's catalogs over a node: schemas, databases, roles, and
// the empty lists of what Chronik has none of.
func TestPsqlCatalogCommands(t *testing.T) {
	port := freeTCPPort(t)
	n := startNode(t, "", map[string]string{"CHRONIK_PG_PORT": strconv.Itoa(port), "CHRONIK_HOT_BUFFER_REFRESH_MS": "100"})
	createTopic(t, n, "orders", 1, map[string]*string{"columnar.enabled": kadm.StringPtr("true")})
	if err := n.client(kgo.DefaultProduceTopic("orders")).ProduceSync(ctx(t), &kgo.Record{Value: []byte(`{"a":1}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	n.waitForCount("orders", 1)
	for _, tc := range []struct{ cmd, want string }{
		{`\dn`, "public|analyst\n"},
		{`\dn+`, "public|analyst||\n"},
		{`\l`, "chronik|analyst|UTF8|C|C||libc|\n"},
		{`\du`, "analyst||[]\n"},
		{`\df`, ""},
		{`\dT`, ""},
		{`\dx`, ""},
		{`\di`, "Did not find any relations.\n"},
		{`\dt`, "public|orders|table|chronik\n"},
	} {
		out, err := exec.Command("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "analyst", "-d", "chronik", "-X", "-At", "-c", tc.cmd).CombinedOutput()
		if err != nil || string(out) != tc.want {
			t.Errorf("psql %s: %v\n%q\nwant\n%q", tc.cmd, err, out, tc.want)
		}
	}
}
