package duckcolumnar

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/chronik-stream/chronik/domain/document"
)

// The columns every table starts with, in order.
const (
	colPartition = "_partition"
	colOffset    = "_offset"
	colTimestamp = "_timestamp"
	colKey       = "_key"
	colHeaders   = "_headers"
	// colValue holds a document.Raw value.
	colValue = "value"
)

// maxDepth is the deepest nesting kept as STRUCT/LIST: a list or object
// nested deeper is stored as VARCHAR holding its JSON text.
const maxDepth = 32

// Batches are cut at batchRows rows or batchBytes of raw keys and values,
// so no Arrow string or binary array nears its 2 GiB offset limit.
const (
	batchRows  = 64 << 10
	batchBytes = 128 << 20
)

// kind is the inferred type of a column.
type kind uint8

const (
	kNull   kind = iota // only nulls seen so far: VARCHAR in the end
	kBool               // BOOLEAN
	kInt                // BIGINT
	kFloat              // DOUBLE
	kString             // VARCHAR; other values become their JSON text
	kBytes              // BLOB; strings their UTF-8 bytes, others JSON text
	kList               // LIST(elem)
	kStruct             // STRUCT(fields...)
)

// ctype is a column type being inferred; observe widens it in place.
type ctype struct {
	kind   kind
	elem   *ctype  // kList
	fields *fields // kStruct
}

// fields are the named columns of a struct or of a table's values, in the
// order they first appeared. Names are unique ignoring case (DuckDB
// resolves names ignoring case): a source name that collides with a taken
// one gets the first free "<name>_2", "<name>_3", ...
type fields struct {
	cols  []*field
	bySrc map[string]int  // source name -> index in cols
	taken map[string]bool // lower-cased output names
}

type field struct {
	src  string // the name in the documents
	name string // the column's name
	typ  ctype
}

func newFields(reserved ...string) *fields {
	f := &fields{bySrc: make(map[string]int), taken: make(map[string]bool)}
	for _, r := range reserved {
		f.taken[strings.ToLower(r)] = true
	}
	return f
}

// get returns the field for source name src, adding it if new.
func (f *fields) get(src string) *field {
	if i, ok := f.bySrc[src]; ok {
		return f.cols[i]
	}
	base := strings.ToValidUTF8(src, "\uFFFD")
	if base == "" {
		base = "_"
	}
	name := base
	for n := 2; f.taken[strings.ToLower(name)]; n++ {
		name = base + "_" + strconv.Itoa(n)
	}
	f.taken[strings.ToLower(name)] = true
	fl := &field{src: src, name: name}
	f.bySrc[src] = len(f.cols)
	f.cols = append(f.cols, fl)
	return fl
}

// at is get(src) for the field at position j of a document: documents
// usually have their fields in the order of the columns, and comparing
// one name (often the very same string, see document.JSONParser) is
// cheaper than a map lookup.
func (f *fields) at(j int, src string) *field {
	if j < len(f.cols) && f.cols[j].src == src {
		return f.cols[j]
	}
	return f.get(src)
}

// index returns the column of source name src, which is in f, the field
// at position j of a document (see at).
func (f *fields) index(j int, src string) int {
	if j < len(f.cols) && f.cols[j].src == src {
		return j
	}
	return f.bySrc[src]
}

// setScalar widens t to hold a scalar of kind k.
func (t *ctype) setScalar(k kind) {
	switch {
	case t.kind == k:
	case t.kind == kNull:
		t.kind = k
	case (t.kind == kInt && k == kFloat) || (t.kind == kFloat && k == kInt):
		t.kind = kFloat
	case t.kind == kBytes || k == kBytes:
		t.toText(kBytes)
	default:
		t.toText(kString)
	}
}

// toText turns t into VARCHAR or BLOB (k), dropping what it nested.
func (t *ctype) toText(k kind) {
	t.kind, t.elem, t.fields = k, nil, nil
}

// observe widens t so that it can hold v.
func (t *ctype) observe(v any, depth int) error {
	switch x := v.(type) {
	case nil:
	case bool:
		t.setScalar(kBool)
	case int64, int, int32, int16, int8, uint32, uint16, uint8:
		t.setScalar(kInt)
	case float64, float32:
		t.setScalar(kFloat)
	case string:
		t.setScalar(kString)
	case []byte:
		t.setScalar(kBytes)
	case []any:
		if !t.nest(kList, depth) {
			return checkTree(x, depth)
		}
		if t.elem == nil {
			t.elem = &ctype{}
		}
		for _, e := range x {
			if err := t.elem.observe(e, depth+1); err != nil {
				return err
			}
		}
	case document.Object:
		if !t.nest(kStruct, depth) {
			return checkTree(x, depth)
		}
		if t.fields == nil {
			t.fields = newFields()
		}
		for _, f := range x {
			if err := t.fields.get(f.Name).typ.observe(f.Value, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("duckcolumnar: a value of type %T is not a document value", v)
	}
	return nil
}

// nest prepares t to hold a nested value of kind k and reports whether it
// does; when it does not (a conflict, or too deep), t is text.
func (t *ctype) nest(k kind, depth int) bool {
	switch {
	case depth >= maxDepth:
		t.setScalar(kString)
		if t.kind != kString && t.kind != kBytes {
			t.toText(kString)
		}
		return false
	case t.kind == kNull:
		t.kind = k
		return true
	case t.kind == k:
		return true
	case t.kind == kBytes:
		return false
	default:
		t.toText(kString)
		return false
	}
}

// checkTree reports a value in v that is not of a document kind.
func checkTree(v any, depth int) error {
	var tmp ctype
	tmp.kind = kString
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := checkTree(e, depth+1); err != nil {
				return err
			}
		}
	case document.Object:
		for _, f := range x {
			if err := checkTree(f.Value, depth+1); err != nil {
				return err
			}
		}
	default:
		return tmp.observe(v, depth)
	}
	return nil
}

// finish resolves what inference left open: a column of nulls only is
// VARCHAR, a struct without fields is VARCHAR ("{}").
func (t *ctype) finish() {
	switch t.kind {
	case kNull:
		t.kind = kString
	case kList:
		t.elem.finish()
	case kStruct:
		if len(t.fields.cols) == 0 {
			t.toText(kString)
			return
		}
		for _, f := range t.fields.cols {
			f.typ.finish()
		}
	}
}

func (t *ctype) arrow() arrow.DataType {
	switch t.kind {
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kInt:
		return arrow.PrimitiveTypes.Int64
	case kFloat:
		return arrow.PrimitiveTypes.Float64
	case kBytes:
		return arrow.BinaryTypes.Binary
	case kList:
		return arrow.ListOf(t.elem.arrow())
	case kStruct:
		fs := make([]arrow.Field, len(t.fields.cols))
		for i, f := range t.fields.cols {
			fs[i] = arrow.Field{Name: f.name, Type: f.typ.arrow(), Nullable: true}
		}
		return arrow.StructOf(fs...)
	default:
		return arrow.BinaryTypes.String
	}
}

// headersType is _headers: LIST(STRUCT(key VARCHAR, value BLOB)), in the
// record's order, duplicates kept.
var headersType = arrow.ListOf(arrow.StructOf(
	arrow.Field{Name: "key", Type: arrow.BinaryTypes.String, Nullable: true},
	arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true},
))

// tableSchema is the inferred shape of a set of documents.
type tableSchema struct {
	key    ctype   // kString when every key is valid UTF-8, else kBytes
	values *fields // the value columns
	arrow  *arrow.Schema
}

// keyValue is a key as observed: text when valid UTF-8.
func keyValue(k []byte) any {
	if k == nil {
		return nil
	}
	if utf8.Valid(k) {
		return string(k)
	}
	return k
}

// rawValue is a Raw document's value as observed: text when valid UTF-8.
func rawValue(d *document.Document) any { return keyValue(d.Value) }

// inferSchema infers the table schema of docs.
func inferSchema(docs []document.Document) (*tableSchema, error) {
	s := &tableSchema{values: newFields(colPartition, colOffset, colTimestamp, colKey, colHeaders)}
	for i := range docs {
		d := &docs[i]
		if err := s.key.observe(keyValue(d.Key), 0); err != nil {
			return nil, err
		}
		if d.Kind == document.Raw {
			if err := s.values.get(colValue).typ.observe(rawValue(d), 1); err != nil {
				return nil, err
			}
			continue
		}
		for j, f := range d.Fields {
			if err := s.values.at(j, f.Name).typ.observe(f.Value, 1); err != nil {
				return nil, err
			}
		}
	}
	s.key.finish()
	fs := []arrow.Field{
		{Name: colPartition, Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: colOffset, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: colTimestamp, Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: colKey, Type: s.key.arrow(), Nullable: true},
		{Name: colHeaders, Type: headersType, Nullable: true},
	}
	for _, f := range s.values.cols {
		f.typ.finish()
		fs = append(fs, arrow.Field{Name: f.name, Type: f.typ.arrow(), Nullable: true})
	}
	s.arrow = arrow.NewSchema(fs, nil)
	return s, nil
}

// records converts docs to Arrow record batches of schema s. The caller
// releases them.
func (s *tableSchema) records(mem memory.Allocator, docs []document.Document) ([]arrow.RecordBatch, error) {
	var recs []arrow.RecordBatch
	err := s.eachBatch(mem, docs, func(r arrow.RecordBatch) error {
		r.Retain()
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, err
	}
	return recs, nil
}

// eachBatch converts docs to Arrow record batches of schema s, one at a
// time: emit gets each (released after it returns), so no more than one
// batch is held.
func (s *tableSchema) eachBatch(mem memory.Allocator, docs []document.Document, emit func(arrow.RecordBatch) error) error {
	b := array.NewRecordBuilder(mem, s.arrow)
	defer b.Release()
	flush := func() error {
		r := b.NewRecordBatch()
		defer r.Release()
		return emit(r)
	}
	slots := make([]any, len(s.values.cols))
	rows, bytes := 0, 0
	for i := range docs {
		d := &docs[i]
		b.Field(0).(*array.Int32Builder).Append(d.Partition)
		b.Field(1).(*array.Int64Builder).Append(d.Offset)
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(d.Timestamp))
		appendValue(b.Field(3), &s.key, keyValue(d.Key))
		hb := b.Field(4).(*array.ListBuilder)
		hb.Append(true)
		sb := hb.ValueBuilder().(*array.StructBuilder)
		for _, h := range d.Headers {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append(strings.ToValidUTF8(h.Key, "\uFFFD"))
			vb := sb.FieldBuilder(1).(*array.BinaryBuilder)
			if h.Value == nil {
				vb.AppendNull()
			} else {
				vb.Append(h.Value)
			}
		}
		clear(slots)
		if d.Kind == document.Raw {
			slots[s.values.bySrc[colValue]] = rawValue(d)
		} else {
			for j, f := range d.Fields {
				slots[s.values.index(j, f.Name)] = f.Value
			}
		}
		for j, f := range s.values.cols {
			appendValue(b.Field(5+j), &f.typ, slots[j])
		}
		rows++
		bytes += len(d.Key) + len(d.Value)
		if rows >= batchRows || bytes >= batchBytes {
			if err := flush(); err != nil {
				return err
			}
			rows, bytes = 0, 0
		}
	}
	if rows > 0 || len(docs) == 0 {
		return flush()
	}
	return nil
}

// appendValue appends v, which t was inferred to hold, to b.
func appendValue(b array.Builder, t *ctype, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch t.kind {
	case kBool:
		b.(*array.BooleanBuilder).Append(v.(bool))
	case kInt:
		b.(*array.Int64Builder).Append(toInt(v))
	case kFloat:
		b.(*array.Float64Builder).Append(toFloat(v))
	case kBytes:
		switch x := v.(type) {
		case []byte:
			b.(*array.BinaryBuilder).Append(x)
		case string:
			b.(*array.BinaryBuilder).AppendString(x)
		default:
			b.(*array.BinaryBuilder).Append(appendJSON(nil, v))
		}
	case kList:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		for _, e := range v.([]any) {
			appendValue(lb.ValueBuilder(), t.elem, e)
		}
	case kStruct:
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		obj := v.(document.Object)
		// Objects are small: look fields up by name, in order.
		for j, f := range t.fields.cols {
			fv, _ := obj.Get(f.src)
			appendValue(sb.FieldBuilder(j), &f.typ, fv)
		}
	default:
		if x, ok := v.(string); ok {
			b.(*array.StringBuilder).Append(validText(x))
			return
		}
		b.(*array.StringBuilder).Append(strings.ToValidUTF8(string(appendJSON(nil, v)), "\uFFFD"))
	}
}

// validText is s with invalid UTF-8 replaced; utf8.ValidString checks
// the usual valid text faster than strings.ToValidUTF8 does.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	}
	return 0
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	}
	return float64(toInt(v))
}

// appendJSON appends v as JSON text: objects keep their fields' order,
// bytes are base64 (as encoding/json writes them), NaN and infinities are
// strings.
func appendJSON(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case float64, float32:
		f := toFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.AppendQuote(dst, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	case string:
		return appendJSONString(dst, x)
	case []byte:
		return appendJSONString(dst, base64.StdEncoding.EncodeToString(x))
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e)
		}
		return append(dst, ']')
	case document.Object:
		dst = append(dst, '{')
		for i, f := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, f.Name)
			dst = append(dst, ':')
			dst = appendJSON(dst, f.Value)
		}
		return append(dst, '}')
	default:
		return strconv.AppendInt(dst, toInt(x), 10)
	}
}

func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}
