package search

// FieldType is a field's type in an index, named as Elasticsearch names
// it in mappings.
type FieldType string

const (
	Text    FieldType = "text"    // analyzed into terms; full-text queries
	Keyword FieldType = "keyword" // one exact term; term queries, sorting, terms aggregations
	Long    FieldType = "long"    // int64
	Double  FieldType = "double"  // float64
	Date    FieldType = "date"    // milliseconds since the epoch
	Boolean FieldType = "boolean"
)

// Metadata fields every document has.
const (
	FieldPartition = "_partition" // long
	FieldOffset    = "_offset"    // long
	FieldTimestamp = "_timestamp" // date
	FieldKey       = "_key"       // keyword (the key as text when valid UTF-8)
	FieldHeaders   = "_headers"   // _headers.<name>: keyword
	FieldRaw       = "value"      // text: a value that is not an object
	FieldID        = "_id"        // "<partition>-<offset>"; IDs queries and sort
)

// KeywordSuffix names the keyword sub-field of a dynamically mapped
// string: "name" is text and "name.keyword" its exact value (when at most
// IgnoreAbove characters), as Elasticsearch's dynamic mapping does.
const (
	KeywordSuffix = ".keyword"
	IgnoreAbove   = 256
)

// FieldMapping is how one field (a dotted path: "user.name") is indexed.
type FieldMapping struct {
	Type     FieldType
	Analyzer string // text only: standard (default), simple, whitespace, keyword, english, ...
	// Index false stores the field in _source but makes it unsearchable.
	Index bool
}

// Mapping is a topic's fields: those set by the topic config
// search.mapping, then those inferred from the documents (dynamic
// mapping: a string is text with a keyword sub-field, or a date when it
// parses as strict_date_optional_time; an integer long; another number
// double; a bool boolean; an object's fields are mapped under its path;
// a list's elements as the field itself). A field keeps the type it was
// first mapped with; a value that does not fit is not indexed in that
// field (and counted), as with Elasticsearch's ignore_malformed.
type Mapping struct {
	Fields map[string]FieldMapping
}

// Field returns the mapping of path, and whether it is mapped.
func (m Mapping) Field(path string) (FieldMapping, bool) {
	f, ok := m.Fields[path]
	return f, ok
}

// FieldValue is one value of a document's field, typed by the mapping:
// Str for text and keyword, Int for long and date (epoch milliseconds),
// Float for double, Bool for boolean. A multi-valued field (a list) has
// one FieldValue per element, all with the same Path.
type FieldValue struct {
	Path  string
	Type  FieldType
	Str   string
	Int   int64
	Float float64
	Bool  bool
}

// Doc is one document as an index receives it: its id, coordinates,
// flattened typed fields (metadata fields included) and its _source (the
// value as JSON, what hits return).
type Doc struct {
	Partition int32
	Offset    int64
	Fields    []FieldValue
	Source    []byte
}
