package avroformat

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// writeCanonical writes n as Avro Java's Schema.toString(referenced, false)
// does, which is what Confluent stores: see doc.go. known holds the full
// names already written (or provided by references), which are written
// as names.
func writeCanonical(n *node, known map[string]bool) string {
	w := &canonicalWriter{known: known}
	w.schema(n, "")
	return w.b.String()
}

type canonicalWriter struct {
	b     strings.Builder
	known map[string]bool
}

func (w *canonicalWriter) key(k string) {
	writeString(&w.b, k)
	w.b.WriteByte(':')
}

// written reports whether the named type n has been written (defined)
// before, and counts it as written from now on: a type is defined once,
// then referred to by name.
func (w *canonicalWriter) written(n *node) bool {
	full := n.full()
	if w.known[full] {
		return true
	}
	w.known[full] = true
	return false
}

// openType writes {"type":typ, the start of a schema object.
func (w *canonicalWriter) openType(typ string) {
	w.b.WriteByte('{')
	w.key("type")
	writeString(&w.b, typ)
}

// itemsKey is the key of an array's or a map's item type.
func itemsKey(k kind) string {
	if k == kMap {
		return "values"
	}
	return "items"
}

// member writes ,"k": (or "k": first in an object).
func (w *canonicalWriter) member(k string) {
	w.b.WriteByte(',')
	w.key(k)
}

// schema writes n inside a definition whose namespace is cur.
func (w *canonicalWriter) schema(n *node, cur string) {
	b := &w.b
	switch n.kind {
	case kUnion:
		writeArray(b, n.branches, func(br *node) { w.schema(br, cur) })
	case kRecord, kEnum, kFixed:
		if w.written(n) {
			writeString(b, qualified(n.space, n.name, cur))
			return
		}
		typ := n.kind.String()
		if n.isError {
			typ = "error"
		}
		w.openType(typ)
		w.member("name")
		writeString(b, n.name)
		if n.space != cur {
			w.member("namespace")
			writeString(b, n.space) // "" puts a nested type back in the null namespace
		}
		if n.doc != nil {
			w.member("doc")
			writeString(b, *n.doc)
		}
		switch n.kind {
		case kRecord:
			w.member("fields")
			writeArray(b, n.fields, func(f *field) { w.field(f, n.space) })
		case kEnum:
			w.member("symbols")
			w.strings(n.symbols)
			if n.enumDefault != nil {
				w.member("default")
				writeString(b, *n.enumDefault)
			}
		case kFixed:
			w.member("size")
			b.WriteString(strconv.Itoa(n.size))
		}
		w.props(n.props)
		if len(n.aliases) > 0 {
			w.member("aliases")
			qs := make([]string, len(n.aliases))
			for i, a := range n.aliases {
				space, name := splitFull(a)
				qs[i] = qualified(space, name, n.space)
			}
			w.strings(qs)
		}
		b.WriteByte('}')
	case kArray, kMap:
		w.openType(n.kind.String())
		w.member(itemsKey(n.kind))
		w.schema(n.items, cur)
		w.props(n.props)
		b.WriteByte('}')
	default:
		if len(n.props) == 0 {
			writeString(b, n.kind.String())
			return
		}
		w.openType(n.kind.String())
		w.props(n.props)
		b.WriteByte('}')
	}
}

func (w *canonicalWriter) field(f *field, space string) {
	b := &w.b
	b.WriteByte('{')
	w.key("name")
	writeString(b, f.name)
	w.member("type")
	w.schema(f.typ, space)
	if f.doc != nil {
		w.member("doc")
		writeString(b, *f.doc)
	}
	if f.def != nil {
		w.member("default")
		writeCanonicalValue(b, f.def)
	}
	if f.order != "ascending" {
		w.member("order")
		writeString(b, f.order)
	}
	if len(f.aliases) > 0 {
		w.member("aliases")
		w.strings(f.aliases)
	}
	w.props(f.props)
	b.WriteByte('}')
}

func (w *canonicalWriter) props(ps []jmember) {
	for _, p := range ps {
		w.member(p.key)
		writeCanonicalValue(&w.b, p.val)
	}
}

func (w *canonicalWriter) strings(ss []string) {
	writeArray(&w.b, ss, func(s string) { writeString(&w.b, s) })
}

// writeArray writes a JSON array of items, each written by item.
func writeArray[T any](b *strings.Builder, items []T, item func(T)) {
	b.WriteByte('[')
	for i, x := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		item(x)
	}
	b.WriteByte(']')
}

// qualified is how Avro Java writes a reference to the named type
// space.name from inside namespace cur: the short name when the
// namespaces agree (and the short name is not a type name), else the full
// name.
func qualified(space, name, cur string) string {
	if space != "" && space == cur && !typeNames[name] {
		return name
	}
	if space == "" {
		return name
	}
	return space + "." + name
}

func splitFull(full string) (space, name string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

// writeCanonicalValue writes a JSON value as Jackson writes the tree it
// read: members in order, numbers as Jackson's nodes print them.
func writeCanonicalValue(b *strings.Builder, v *jvalue) {
	switch v.kind {
	case jNull:
		b.WriteString("null")
	case jBool:
		b.WriteString(strconv.FormatBool(v.b))
	case jNumber:
		b.WriteString(canonicalNumber(v))
	case jString:
		writeString(b, v.str)
	case jArray:
		writeArray(b, v.arr, func(e *jvalue) { writeCanonicalValue(b, e) })
	case jObject:
		b.WriteByte('{')
		for i, m := range v.obj {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.key)
			b.WriteByte(':')
			writeCanonicalValue(b, m.val)
		}
		b.WriteByte('}')
	}
}

// nullSpace is the namespace the hamba/avro check gives to types in the
// null namespace, so that every name it sees is absolute: hamba resolves
// a dotless name only in the enclosing namespace, where Avro Java also
// tries the null namespace.
const nullSpace = "avroformat_null_namespace"

// writeNormalized writes n in the form of Confluent's
// AvroSchemaUtils.toNormalizedString: see doc.go.
func writeNormalized(n *node, known map[string]bool) string {
	w := &normalizer{canonicalWriter: canonicalWriter{known: known}}
	w.schema(n, "")
	return w.b.String()
}

// writeHamba writes the text the hamba/avro check parses: the normalized
// form with null-namespace names moved to nullSpace, no aliases, record
// defaults with every field, and without the defaults hamba cannot read,
// or any default when noDefaults is set.
func writeHamba(n *node, known map[string]bool, noDefaults bool) string {
	w := &normalizer{canonicalWriter: canonicalWriter{known: known}, hamba: true, noDefaults: noDefaults}
	w.schema(n, "")
	return w.b.String()
}

type normalizer struct {
	canonicalWriter
	hamba      bool
	noDefaults bool
}

// name is how a named type's full name is written.
func (w *normalizer) name(space, name string) string {
	switch {
	case space != "":
		return space + "." + name
	case w.hamba:
		return nullSpace + "." + name
	}
	return name
}

func (w *normalizer) schema(n *node, cur string) {
	b := &w.b
	switch n.kind {
	case kUnion:
		writeArray(b, n.branches, func(br *node) { w.schema(br, cur) })
	case kRecord, kEnum, kFixed:
		if w.written(n) {
			writeString(b, w.name(n.space, n.name))
			return
		}
		b.WriteByte('{')
		w.key("name")
		writeString(b, w.name(n.space, n.name))
		if n.space == "" && cur != "" && !w.hamba {
			// Not in Confluent's form, which loses the null namespace
			// of a type declared inside a namespaced one.
			w.member("namespace")
			writeString(b, "")
		}
		w.member("type")
		writeString(b, n.kind.String()) // "record" for an error too, as Confluent
		consumed := map[string]bool{}
		switch n.kind {
		case kEnum:
			w.member("symbols")
			w.strings(n.symbols)
		case kFixed:
			w.member("size")
			b.WriteString(strconv.Itoa(n.size))
			consumed = w.logical(n.logical)
		case kRecord:
			w.member("fields")
			writeArray(b, n.fields, func(f *field) { w.field(f, n.space) })
		}
		if n.doc != nil && *n.doc != "" {
			w.member("doc")
			writeString(b, *n.doc)
		}
		if len(n.aliases) > 0 && !w.hamba { // hamba would let an alias shadow a type's name
			w.member("aliases")
			w.strings(sorted(n.aliases))
		}
		if n.enumDefault != nil {
			w.member("default")
			writeString(b, *n.enumDefault)
		}
		w.sortedProps(n.props, consumed)
		b.WriteByte('}')
	case kArray, kMap:
		w.openType(n.kind.String())
		w.member(itemsKey(n.kind))
		w.schema(n.items, cur)
		w.sortedProps(n.props, nil)
		b.WriteByte('}')
	default:
		if n.logical == nil && len(n.props) == 0 {
			writeString(b, n.kind.String())
			return
		}
		w.openType(n.kind.String())
		consumed := w.logical(n.logical)
		w.sortedProps(n.props, consumed)
		b.WriteByte('}')
	}
}

// logical writes a logical type's properties and returns their keys.
func (w *normalizer) logical(l *logical) map[string]bool {
	if l == nil {
		return nil
	}
	w.member("logicalType")
	writeString(&w.b, l.name)
	if l.name != "decimal" {
		return map[string]bool{"logicalType": true}
	}
	w.member("precision")
	w.b.WriteString(strconv.Itoa(l.precision))
	if l.scale != 0 {
		w.member("scale")
		w.b.WriteString(strconv.Itoa(l.scale))
	}
	return map[string]bool{"logicalType": true, "precision": true, "scale": true}
}

func (w *normalizer) field(f *field, space string) {
	b := &w.b
	b.WriteByte('{')
	w.key("name")
	writeString(b, f.name)
	w.member("type")
	w.schema(f.typ, space)
	w.member("order")
	writeString(b, f.order)
	if f.doc != nil {
		w.member("doc")
		writeString(b, *f.doc)
	}
	if len(f.aliases) > 0 && !w.hamba {
		w.member("aliases")
		w.strings(sorted(f.aliases))
	}
	if f.def != nil {
		vw := valueWriter{hamba: w.hamba}
		vw.value(f.def, f.typ)
		if !w.hamba || (!vw.unreadable && !w.noDefaults) {
			w.member("default")
			b.WriteString(vw.b.String())
		}
	}
	w.sortedProps(f.props, nil)
	b.WriteByte('}')
}

func (w *normalizer) sortedProps(ps []jmember, skip map[string]bool) {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b jmember) int { return strings.Compare(a.key, b.key) })
	for _, p := range ps {
		if skip[p.key] {
			continue
		}
		w.member(p.key)
		vw := valueWriter{hamba: w.hamba}
		vw.value(p.val, nil)
		if vw.unreadable {
			w.b.WriteString("null") // hamba only stores properties
		} else {
			w.b.WriteString(vw.b.String())
		}
	}
}

func sorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return ss
}

// valueWriter writes a default or property value the way Confluent's
// normalization does (Avro Java's JacksonUtils.toObject with the value's
// schema, then Jackson with sorted object keys): a number takes the form
// of its type (1 for a double becomes 1.0), object members are sorted.
//
// With hamba set it writes for the hamba/avro check: a record value gets
// every field, those it leaves out with the field's default (hamba checks
// a left-out field against the default it has already converted, bytes
// to []byte, and rejects it), and unreadable records that a number hamba
// cannot read (NaN, an infinity, beyond a double) was written.
type valueWriter struct {
	b          strings.Builder
	hamba      bool
	unreadable bool
}

// value writes v, of type t (nil for a property).
func (w *valueWriter) value(v *jvalue, t *node) {
	b := &w.b
	if v.kind == jNull {
		b.WriteString("null")
		return
	}
	if t != nil && t.kind == kUnion {
		var branch *node
		for _, br := range t.branches {
			if br.kind != kNull && converts(v, br) {
				branch = br
				break
			}
		}
		t = branch
	}
	switch v.kind {
	case jBool:
		b.WriteString(strconv.FormatBool(v.b))
	case jNumber:
		s := normalizedNumber(v, t)
		if w.hamba {
			if f, err := strconv.ParseFloat(s, 64); err != nil || math.IsInf(f, 0) {
				w.unreadable = true
			}
		}
		b.WriteString(s)
	case jString:
		writeString(b, v.str)
	case jArray:
		var items *node
		if t != nil && t.kind == kArray {
			items = t.items
		}
		writeArray(b, v.arr, func(e *jvalue) { w.value(e, items) })
	case jObject:
		ms := slices.Clone(v.obj)
		if w.hamba && t != nil && t.kind == kRecord {
			for _, f := range t.fields {
				if v.get(f.name) == nil && f.def != nil {
					ms = append(ms, jmember{f.name, f.def})
				}
			}
		}
		slices.SortFunc(ms, func(a, b jmember) int { return strings.Compare(a.key, b.key) })
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			var vt *node
			switch {
			case t != nil && t.kind == kMap:
				vt = t.items
			case t != nil && t.kind == kRecord:
				if f := t.byName[m.key]; f != nil {
					vt = f.typ
				}
			}
			writeString(b, m.key)
			b.WriteByte(':')
			w.value(m.val, vt)
		}
		b.WriteByte('}')
	}
}

// converts reports whether JacksonUtils.toObject turns v into a value of
// t (it picks the first such branch of a union).
func converts(v *jvalue, t *node) bool {
	switch v.kind {
	case jBool, jArray, jObject:
		return true
	case jNumber:
		switch t.kind {
		case kFloat, kDouble:
			return true
		case kInt, kLong:
			return v.integral()
		}
	case jString:
		switch t.kind {
		case kString, kEnum, kBytes, kFixed:
			return true
		}
	}
	return false
}

func normalizedNumber(v *jvalue, t *node) string {
	if v.quoted {
		return strconv.Quote(v.str)
	}
	k := kNull // no schema: a property keeps its number
	if t != nil {
		k = t.kind
	}
	switch {
	case k == kFloat:
		return jsonFloating(javaFloat(float32(v.float())))
	case k == kDouble && (!v.integral() || v.fitsInt64()):
		return jsonFloating(javaDouble(v.float()))
	}
	return canonicalNumber(v) // an int, a long, or a double kept as written
}

// jsonFloating quotes the Java spellings of NaN and the infinities, as
// Jackson does.
func jsonFloating(s string) string {
	switch s {
	case "NaN", "Infinity", "-Infinity":
		return strconv.Quote(s)
	}
	return s
}

// largeFixed is the largest fixed whose defaults the hamba/avro check
// sees: hamba builds (and keeps) a Go array type of the fixed's size for
// each default of it. A schema with a larger fixed anywhere has its
// defaults checked by this package alone.
const largeFixed = 1024
