package columnar

import "strings"

// PGType is how a column of an engine type shows to Postgres clients: the
// type its values travel as on the Postgres wire and the one the catalogs
// list, so that the two agree.
type PGType struct {
	OID     uint32 // pg_type.oid
	Len     int16  // pg_type.typlen: the size, -1 when variable
	TypName string // pg_type.typname: int8, text, ...
	Name    string // format_type's name: bigint, text, ...
}

// Postgres type OIDs (pg_type.oid) of the types engine columns travel as.
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDJSON        = 114
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDDate        = 1082
	OIDTime        = 1083
	OIDTimestamp   = 1114
	OIDTimestamptz = 1184
	OIDNumeric     = 1700
)

// PostgresType maps a column type as the engine spells it (Column.Type) to
// a Postgres type. Nested types (LIST, STRUCT, MAP, arrays, unions) are
// json, so any client can read them; types without a faithful Postgres
// twin (HUGEINT, UBIGINT, INTERVAL, UUID, ENUM, ...) numeric or text.
func PostgresType(engineType string) PGType {
	t := strings.ToUpper(strings.TrimSpace(engineType))
	switch {
	case strings.HasSuffix(t, "]") || strings.HasPrefix(t, "STRUCT") || strings.HasPrefix(t, "MAP") ||
		strings.HasPrefix(t, "LIST") || strings.HasPrefix(t, "UNION") || t == "JSON":
		return PGType{OIDJSON, -1, "json", "json"}
	case strings.HasPrefix(t, "DECIMAL") || strings.HasPrefix(t, "NUMERIC"):
		return PGType{OIDNumeric, -1, "numeric", "numeric"}
	case strings.HasPrefix(t, "TIMESTAMP WITH TIME ZONE") || t == "TIMESTAMPTZ":
		return PGType{OIDTimestamptz, 8, "timestamptz", "timestamp with time zone"}
	case strings.HasPrefix(t, "TIMESTAMP") || t == "DATETIME":
		return PGType{OIDTimestamp, 8, "timestamp", "timestamp without time zone"}
	case strings.HasPrefix(t, "VARCHAR") || t == "TEXT" || t == "STRING":
		return PGType{OIDText, -1, "text", "text"}
	}
	switch t {
	case "BOOLEAN", "BOOL":
		return PGType{OIDBool, 1, "bool", "boolean"}
	case "TINYINT", "SMALLINT", "UTINYINT", "INT2":
		return PGType{OIDInt2, 2, "int2", "smallint"}
	case "INTEGER", "INT", "USMALLINT", "INT4":
		return PGType{OIDInt4, 4, "int4", "integer"}
	case "BIGINT", "UINTEGER", "INT8":
		return PGType{OIDInt8, 8, "int8", "bigint"}
	case "UBIGINT", "HUGEINT", "UHUGEINT":
		return PGType{OIDNumeric, -1, "numeric", "numeric"}
	case "FLOAT", "REAL", "FLOAT4":
		return PGType{OIDFloat4, 4, "float4", "real"}
	case "DOUBLE", "FLOAT8":
		return PGType{OIDFloat8, 8, "float8", "double precision"}
	case "BLOB", "BYTEA":
		return PGType{OIDBytea, -1, "bytea", "bytea"}
	case "DATE":
		return PGType{OIDDate, 4, "date", "date"}
	case "TIME":
		return PGType{OIDTime, 8, "time", "time without time zone"}
	}
	return PGType{OIDText, -1, "text", "text"}
}

// TableOID is the stable oid a table shows in the Postgres catalogs: the
// same name gives the same oid on every node and across restarts.
func TableOID(name string) int64 {
	// FNV-1a, 32 bits, above Postgres's first user oid (16384).
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return 16384 + int64(h%1_000_000_000)
}
