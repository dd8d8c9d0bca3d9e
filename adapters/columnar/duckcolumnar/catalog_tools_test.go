//go:build duckdb_arrow

package duckcolumnar

import (
	"strings"
	"testing"
)

// The catalog statements BI tools and drivers send, as they send them.
// pgjdbc's are built as PgDatabaseMetaData.java (pgjdbc REL42.7.13-13,
// commit 3a699d57) builds them for a server of version 15, with the
// driver's ? placeholders as $n (how it sends them on the wire).
const (
	pgjdbcGetSchemas = `SELECT nspname AS "TABLE_SCHEM", current_database() AS "TABLE_CATALOG" FROM pg_catalog.pg_namespace  WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_'  OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_'  OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))  AND nspname LIKE $1 ORDER BY "TABLE_SCHEM"`

	pgjdbcGetTables = `SELECT current_database() AS "TABLE_CAT", n.nspname AS "TABLE_SCHEM", c.relname AS "TABLE_NAME",  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS "TABLE_TYPE", d.description AS "REMARKS",  '' as "TYPE_CAT", '' as "TYPE_SCHEM", '' as "TYPE_NAME", '' AS "SELF_REFERENCING_COL_NAME", '' AS "REF_GENERATION"  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND n.nspname LIKE $1 AND c.relname LIKE $2 AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY "TABLE_TYPE","TABLE_SCHEM","TABLE_NAME" `

	pgjdbcGetColumns = `SELECT * FROM (SELECT current_database() AS current_database, n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull  OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE $1 AND c.relname LIKE $2) c WHERE true  ORDER BY nspname,c.relname,attnum `

	pgjdbcGetPrimaryKeys = `SELECT        result.TABLE_CAT AS "TABLE_CAT",        result.TABLE_SCHEM AS "TABLE_SCHEM",        result.TABLE_NAME AS "TABLE_NAME",        result.COLUMN_NAME AS "COLUMN_NAME",        result.KEY_SEQ AS "KEY_SEQ",        result.PK_NAME AS "PK_NAME"FROM      (SELECT current_database() AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(con.conkey)).n AS KEY_SEQ, con.conname AS PK_NAME,   information_schema._pg_expandarray(con.conkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_constraint con   JOIN pg_catalog.pg_class ct ON (con.conrelid = ct.oid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_attribute a ON (a.attrelid = ct.oid) WHERE con.contype = 'p'  AND n.nspname = $1 AND ct.relname = $2 ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq`

	pgjdbcMaxIndexKeys = `SELECT setting FROM pg_catalog.pg_settings WHERE name='max_index_keys'`

	pgjdbcGetImportedKeys = `SELECT current_database() AS "PKTABLE_CAT", pkn.nspname AS "PKTABLE_SCHEM", pkc.relname AS "PKTABLE_NAME", pka.attname AS "PKCOLUMN_NAME", current_database() AS "FKTABLE_CAT", fkn.nspname AS "FKTABLE_SCHEM", fkc.relname AS "FKTABLE_NAME", fka.attname AS "FKCOLUMN_NAME", pos.n AS "KEY_SEQ", CASE con.confupdtype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS "UPDATE_RULE", CASE con.confdeltype  WHEN 'c' THEN 0 WHEN 'n' THEN 2 WHEN 'd' THEN 4 WHEN 'r' THEN 1 WHEN 'p' THEN 1 WHEN 'a' THEN 3 ELSE NULL END AS "DELETE_RULE", con.conname AS "FK_NAME", pkic.relname AS "PK_NAME", CASE  WHEN con.condeferrable AND con.condeferred THEN 5 WHEN con.condeferrable THEN 6 ELSE 7 END AS "DEFERRABILITY"  FROM  pg_catalog.pg_namespace pkn, pg_catalog.pg_class pkc, pg_catalog.pg_attribute pka,  pg_catalog.pg_namespace fkn, pg_catalog.pg_class fkc, pg_catalog.pg_attribute fka,  pg_catalog.pg_constraint con,  pg_catalog.generate_series(1, 32) pos(n),  pg_catalog.pg_class pkic WHERE pkn.oid = pkc.relnamespace AND pkc.oid = pka.attrelid AND pka.attnum = con.confkey[pos.n] AND con.confrelid = pkc.oid  AND fkn.oid = fkc.relnamespace AND fkc.oid = fka.attrelid AND fka.attnum = con.conkey[pos.n] AND con.conrelid = fkc.oid  AND con.contype = 'f' AND (pkic.relkind = 'i' OR pkic.relkind = 'I') AND pkic.oid = con.conindid  AND fkn.nspname = $1 AND fkc.relname = $2 ORDER BY pkn.nspname,pkc.relname, con.conname,pos.n`

	pgjdbcGetTypeInfo = `SELECT t.typname,t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON (t.typnamespace = n.oid)  WHERE n.nspname  != 'pg_toast' AND  (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))`

	// Metabase v0.55.1's sync, as a real Metabase sent it (captured in
	// datafusion-postgres's tests/metabase.rs).
	metabaseTablePrivileges = `with table_privileges as (
         select
           NULL as role,
           t.schemaname as schema,
           t.objectname as table,
           pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'update') as update,
           pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'select') as select,
           pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'insert') as insert,
           pg_catalog.has_table_privilege(     current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'delete') as delete
         from (
           select schemaname, tablename as objectname from pg_catalog.pg_tables
           union
           select schemaname, viewname as objectname from pg_catalog.pg_views
           union
           select schemaname, matviewname as objectname from pg_catalog.pg_matviews
         ) t
         where t.schemaname !~ '^pg_'
           and t.schemaname <> 'information_schema'
           and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')
        )
        select t.*
        from table_privileges t`

	metabaseDescribeDatabase = `SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", "stat"."n_live_tup" AS "estimated_row_count" FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid" LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = '0') AND ("d"."classoid" = 'pg_class'::regclass) LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname") WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ '^pg_') AND ("n"."nspname" <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" IN ('public')) ORDER BY "type" ASC, "schema" ASC, "name" ASC`

	// Grafana's PostgreSQL data source (public/app/plugins/datasource/
	// grafana-postgresql-datasource/postgresMetaQuery.ts): the version,
	// the TimescaleDB probe, the tables of the search path, a table's
	// columns.
	grafanaVersion     = `SELECT current_setting('server_version_num')::int/100 as version`
	grafanaTimescale   = `SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`
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
	grafanaShowSchemas = `SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name`
)

// grafanaGetSchema is postgresMetaQuery.ts's getSchema(table).
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

func TestCatalogOfTools(t *testing.T) {
	e, _ := newEngine(t)
	for _, tc := range []struct {
		name, sql string
		params    []any
		cols      string // the answer's column names
		want      string // its rows
	}{
		{"pgjdbc_getSchemas", pgjdbcGetSchemas, []any{"%"}, "TABLE_SCHEM,TABLE_CATALOG",
			"information_schema|chronik\npg_catalog|chronik\npublic|chronik\n"},
		{"pgjdbc_getTables", pgjdbcGetTables, []any{"public", "%"},
			"TABLE_CAT,TABLE_SCHEM,TABLE_NAME,TABLE_TYPE,REMARKS,TYPE_CAT,TYPE_SCHEM,TYPE_NAME,SELF_REFERENCING_COL_NAME,REF_GENERATION",
			"chronik|public|order-events|TABLE||||||\nchronik|public|orders|TABLE||||||\n"},
		{"pgjdbc_getColumns", pgjdbcGetColumns, []any{"public", "order%"},
			"current_database,nspname,relname,attname,atttypid,attnotnull,atttypmod,attlen,typtypmod,attnum,attidentity,attgenerated,adsrc,description,typbasetype,typtype",
			"chronik|public|order-events|_offset|20|false|-1|8|-1|1|||||0|b\n" +
				"chronik|public|order-events|value|17|false|-1|-1|-1|2|||||0|b\n" +
				"chronik|public|orders|_partition|23|false|-1|4|-1|1|||||0|b\n" +
				"chronik|public|orders|_offset|20|false|-1|8|-1|2|||||0|b\n" +
				"chronik|public|orders|_timestamp|1114|false|-1|8|-1|3|||||0|b\n" +
				"chronik|public|orders|customer|25|false|-1|-1|-1|4|||||0|b\n" +
				"chronik|public|orders|price|1700|false|655366|-1|-1|5|||||0|b\n" +
				"chronik|public|orders|addr|114|false|-1|-1|-1|6|||||0|b\n"},
		{"pgjdbc_getPrimaryKeys", pgjdbcGetPrimaryKeys, []any{"public", "orders"}, "TABLE_CAT,TABLE_SCHEM,TABLE_NAME,COLUMN_NAME,KEY_SEQ,PK_NAME", ""},
		{"pgjdbc_maxIndexKeys", pgjdbcMaxIndexKeys, nil, "setting", "32\n"},
		{"pgjdbc_getImportedKeys", pgjdbcGetImportedKeys, []any{"public", "orders"},
			"PKTABLE_CAT,PKTABLE_SCHEM,PKTABLE_NAME,PKCOLUMN_NAME,FKTABLE_CAT,FKTABLE_SCHEM,FKTABLE_NAME,FKCOLUMN_NAME,KEY_SEQ,UPDATE_RULE,DELETE_RULE,FK_NAME,PK_NAME,DEFERRABILITY", ""},
		{"metabase_table_privileges", metabaseTablePrivileges, nil, "role,schema,table,update,select,insert,delete",
			"|public|order-events|false|true|false|false\n|public|orders|false|true|false|false\n"},
		{"metabase_describe_database", metabaseDescribeDatabase, nil, "schema,name,type,description,estimated_row_count",
			"public|order-events|TABLE||\npublic|orders|TABLE||\n"},
		{"grafana_version", grafanaVersion, nil, "version", "1500\n"},
		{"grafana_timescale", grafanaTimescale, nil, "extversion", ""},
		{"grafana_show_tables", grafanaShowTables, nil, "table", "\"order-events\"\norders\n"},
		{"grafana_show_schemas", grafanaShowSchemas, nil, "name", "public\n"},
		{"grafana_get_schema", grafanaGetSchema("orders"), nil, "column,type",
			"_partition|integer\n_offset|bigint\n_timestamp|timestamp without time zone\ncustomer|text\nprice|numeric\naddr|json\n"},
		{"grafana_get_schema_quoted", grafanaGetSchema(`"order-events"`), nil, "column,type", "_offset|bigint\nvalue|bytea\n"},
		{"grafana_get_schema_qualified", grafanaGetSchema(`public.orders`), nil, "column,type",
			"_partition|integer\n_offset|bigint\n_timestamp|timestamp without time zone\ncustomer|text\nprice|numeric\naddr|json\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := catalogQuery(t, e, tc.sql, tc.params...)
			var names []string
			for _, c := range r.Columns {
				names = append(names, c.Name)
			}
			if got := strings.Join(names, ","); got != tc.cols {
				t.Errorf("columns\n %s\nwant\n %s", got, tc.cols)
			}
			if rows := rowsText(r); rows != tc.want {
				t.Errorf("rows:\n%s\nwant:\n%s", rows, tc.want)
			}
		})
	}
	// getTypeInfo lists the types with their Postgres oids.
	r := catalogQuery(t, e, pgjdbcGetTypeInfo)
	types := map[string]any{}
	for _, row := range r.Rows {
		types[row[0].(string)] = row[1]
	}
	for name, oid := range map[string]int64{"int8": 20, "text": 25, "json": 114, "timestamp": 1114, "numeric": 1700, "bool": 16} {
		if types[name] != oid {
			t.Errorf("getTypeInfo: %s is %v, want %d (%v)", name, types[name], oid, types)
		}
	}
}

// Metabase's sync queries (src/metabase/driver/postgres.clj, master at
// commit 008fd667: describe-fields-sql, describe-fks-sql,
// describe-indexes-sql, enum-types), written out as HoneySQL renders
// them with ANSI quoting, for schema public and table orders.
const (
	metabaseDescribeFields = `SELECT "c"."column_name" AS "name", CASE WHEN "c"."udt_schema" IN ('public', 'pg_catalog') THEN FORMAT('%s', "c"."udt_name") ELSE FORMAT('"%s"."%s"', "c"."udt_schema", "c"."udt_name") END AS "database-type", "c"."ordinal_position" - 1 AS "database-position", "c"."table_schema" AS "table-schema", "c"."table_name" AS "table-name", "pk"."column_name" IS NOT NULL AS "pk?", COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST("c"."table_schema" AS TEXT), CAST("c"."table_name" AS TEXT)) AS REGCLASS) AS OID), "c"."ordinal_position") AS "field-comment", (("column_default" IS NULL) OR (LOWER("column_default") = 'null')) AND ("is_nullable" = 'NO') AND NOT ((("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO')) AS "database-required", (("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO') AS "database-is-auto-increment" FROM "information_schema"."columns" AS "c" LEFT JOIN (SELECT "tc"."table_schema", "tc"."table_name", "kc"."column_name" FROM "information_schema"."table_constraints" AS "tc" INNER JOIN "information_schema"."key_column_usage" AS "kc" ON ("tc"."constraint_name" = "kc"."constraint_name") AND ("tc"."table_schema" = "kc"."table_schema") AND ("tc"."table_name" = "kc"."table_name") WHERE "tc"."constraint_type" = 'PRIMARY KEY') AS "pk" ON ("c"."table_schema" = "pk"."table_schema") AND ("c"."table_name" = "pk"."table_name") AND ("c"."column_name" = "pk"."column_name") WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' AND ("c"."table_schema" IN ($1)) AND ("c"."table_name" IN ($2)) UNION ALL SELECT "pa"."attname" AS "name", CASE WHEN "ptn"."nspname" IN ('public', 'pg_catalog') THEN FORMAT('%s', "pt"."typname") ELSE FORMAT('"%s"."%s"', "ptn"."nspname", "pt"."typname") END AS "database-type", "pa"."attnum" - 1 AS "database-position", "pn"."nspname" AS "table-schema", "pc"."relname" AS "table-name", FALSE AS "pk?", NULL AS "field-comment", FALSE AS "database-required", FALSE AS "database-is-auto-increment" FROM "pg_catalog"."pg_class" AS "pc" INNER JOIN "pg_catalog"."pg_namespace" AS "pn" ON "pn"."oid" = "pc"."relnamespace" INNER JOIN "pg_catalog"."pg_attribute" AS "pa" ON "pa"."attrelid" = "pc"."oid" INNER JOIN "pg_catalog"."pg_type" AS "pt" ON "pt"."oid" = "pa"."atttypid" INNER JOIN "pg_catalog"."pg_namespace" AS "ptn" ON "ptn"."oid" = "pt"."typnamespace" WHERE ("pc"."relkind" = 'm') AND ("pa"."attnum" >= 1) AND ("pn"."nspname" IN ($3)) AND ("pc"."relname" IN ($4)) ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC`

	metabaseDescribeFKs = `SELECT "fk_ns"."nspname" AS "fk-table-schema", "fk_table"."relname" AS "fk-table-name", "fk_column"."attname" AS "fk-column-name", "pk_ns"."nspname" AS "pk-table-schema", "pk_table"."relname" AS "pk-table-name", "pk_column"."attname" AS "pk-column-name" FROM "pg_constraint" AS "c" INNER JOIN "pg_class" AS "fk_table" ON "c"."conrelid" = "fk_table"."oid" INNER JOIN "pg_namespace" AS "fk_ns" ON "c"."connamespace" = "fk_ns"."oid" INNER JOIN "pg_attribute" AS "fk_column" ON "c"."conrelid" = "fk_column"."attrelid" INNER JOIN "pg_class" AS "pk_table" ON "c"."confrelid" = "pk_table"."oid" INNER JOIN "pg_namespace" AS "pk_ns" ON "pk_table"."relnamespace" = "pk_ns"."oid" INNER JOIN "pg_attribute" AS "pk_column" ON "c"."confrelid" = "pk_column"."attrelid" WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_' AND ("c"."contype" = 'f'::char) AND ("fk_column"."attnum" = ANY(c.conkey)) AND ("pk_column"."attnum" = ANY(c.confkey)) AND ("fk_table"."relname" IN ($1)) AND ("fk_ns"."nspname" IN ($2)) ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC`

	metabaseDescribeIndexes = `SELECT "tmp"."table-schema", "tmp"."table-name", TRIM(BOTH '"' FROM PG_CATALOG.PG_GET_INDEXDEF("tmp"."ci_oid", "tmp"."pos", FALSE)) AS "field-name" FROM (SELECT "n"."nspname" AS "table-schema", "ct"."relname" AS "table-name", "ci"."oid" AS "ci_oid", (INFORMATION_SCHEMA._PG_EXPANDARRAY("i"."indkey")).n AS "pos" FROM "pg_catalog"."pg_class" AS "ct" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "ct"."relnamespace" = "n"."oid" INNER JOIN "pg_catalog"."pg_index" AS "i" ON "ct"."oid" = "i"."indrelid" INNER JOIN "pg_catalog"."pg_class" AS "ci" ON "ci"."oid" = "i"."indexrelid" WHERE (PG_CATALOG.PG_GET_EXPR("i"."indpred", "i"."indrelid") IS NULL) AND n.nspname !~ '^information_schema|catalog_history|pg_' AND ("n"."nspname" IN ($1)) AND ("ct"."relname" IN ($2))) AS "tmp" WHERE "tmp"."pos" = 1`

	metabaseEnumTypes = `SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)`
)

func TestCatalogOfMetabaseSync(t *testing.T) {
	e, _ := newEngine(t)
	r := catalogQuery(t, e, metabaseDescribeFields, "public", "orders", "public", "orders")
	want := "_partition|int4|0|public|orders|false||false|false\n_offset|int8|1|public|orders|false||false|false\n" +
		"_timestamp|timestamp|2|public|orders|false||false|false\ncustomer|text|3|public|orders|false||false|false\n" +
		"price|numeric|4|public|orders|false||false|false\naddr|json|5|public|orders|false||false|false\n"
	if got := rowsText(r); got != want {
		t.Errorf("describe-fields:\n%s\nwant\n%s", got, want)
	}
	for name, sql := range map[string]string{"describe-fks": metabaseDescribeFKs, "describe-indexes": metabaseDescribeIndexes, "enum-types": metabaseEnumTypes} {
		params := []any{"orders", "public"}
		switch name {
		case "describe-indexes":
			params = []any{"public", "orders"}
		case "enum-types":
			params = nil
		}
		if r := catalogQuery(t, e, sql, params...); len(r.Rows) != 0 || len(r.Columns) == 0 {
			t.Errorf("%s: %v %v (none exist here)", name, r.Columns, r.Rows)
		}
	}
	// Postgres's format.
	r = catalogQuery(t, e, `SELECT format('%I.%I', 'public', 'order-events'), format('%s=%L', 'a', 'it''s'), format('%s', NULL)`)
	if got := rowsText(r); got != `public."order-events"|a='it''s'|`+"\n" {
		t.Errorf("format: %q", got)
	}
}

// pgjdbc's TypeInfoCache (same commit): what it asks of a type oid it
// does not know.
const (
	pgjdbcTypeInfoByOID = `SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = $1  ORDER BY sp.r, pg_type.oid DESC;`
	pgjdbcTypeName      = `SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1`
)

func TestCatalogOfPgjdbcTypes(t *testing.T) {
	e, _ := newEngine(t)
	if got := rowsText(catalogQuery(t, e, pgjdbcTypeInfoByOID, int64(114))); got != "false|b|json|114\n" {
		t.Errorf("type info of 114: %q", got)
	}
	r := catalogQuery(t, e, pgjdbcTypeName, int64(1700))
	if got := rowsText(r); got != "true|pg_catalog|numeric\n" || r.Columns[0].Name != "?column?" {
		t.Errorf("type name of 1700: %q %v", got, r.Columns)
	}
}
