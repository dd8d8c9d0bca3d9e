package avroformat

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/chronik-stream/chronik/domain/schema"
)

type kind uint8

const (
	kNull kind = iota
	kBoolean
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kRecord
	kEnum
	kArray
	kMap
	kFixed
	kUnion
)

var kindNames = [...]string{"null", "boolean", "int", "long", "float", "double", "bytes", "string", "record", "enum", "array", "map", "fixed", "union"}

func (k kind) String() string { return kindNames[k] }

func (k kind) named() bool { return k == kRecord || k == kEnum || k == kFixed }

var primitives = map[string]kind{
	"null": kNull, "boolean": kBoolean, "int": kInt, "long": kLong,
	"float": kFloat, "double": kDouble, "bytes": kBytes, "string": kString,
}

// typeNames are Avro Java's Schema.Type names: a named type with one of
// these as its short name is always written with its namespace.
var typeNames = map[string]bool{
	"record": true, "enum": true, "array": true, "map": true, "union": true, "fixed": true,
	"string": true, "bytes": true, "int": true, "long": true, "float": true, "double": true,
	"boolean": true, "null": true,
}

// The keys that are not custom properties, per Avro Java: on a schema
// object, on an enum (which adds its default) and on a record field.
var (
	schemaReserved = map[string]bool{
		"doc": true, "fields": true, "items": true, "name": true, "namespace": true,
		"size": true, "symbols": true, "values": true, "type": true, "aliases": true,
	}
	enumReserved  = with(schemaReserved, "default")
	fieldReserved = map[string]bool{"default": true, "doc": true, "name": true, "order": true, "type": true, "aliases": true}
)

func with(m map[string]bool, more ...string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	for _, k := range more {
		out[k] = true
	}
	return out
}

// node is one parsed Avro schema. Named types (record, enum, fixed) are
// one node however often they are used, so a recursive schema is a cyclic
// graph. Nodes are immutable once Parse returns.
type node struct {
	kind kind
	// Named types.
	name    string  // short name
	space   string  // namespace; "" is the null namespace
	isError bool    // a record declared as "error"
	doc     *string // nil when absent
	aliases []string
	// Records.
	fields   []*field
	byName   map[string]*field
	complete bool // the fields are all parsed (a default cannot use the record before)
	// Enums.
	symbols     []string
	enumDefault *string
	// Fixed.
	size int
	// Arrays (items) and maps (values).
	items *node
	// Unions.
	branches []*node
	// Custom properties in the order written (logicalType among them).
	props   []jmember
	logical *logical // a valid logical type, or nil
}

func (n *node) full() string {
	if n.space == "" {
		return n.name
	}
	return n.space + "." + n.name
}

// unionKey is what two branches of a union may not share: a named type's
// full name, otherwise the type (logical types do not count).
func (n *node) unionKey() string {
	if n.kind.named() {
		return n.full()
	}
	return n.kind.String()
}

// describe names a type for messages: "int", "long (timestamp-millis)",
// "record orders.Order", "union [null, string]".
func (n *node) describe() string {
	switch {
	case n.kind.named():
		return n.kind.String() + " " + n.full()
	case n.kind == kUnion:
		// A message names a few branches, not thousands.
		const named = 10
		parts := make([]string, 0, min(len(n.branches), named+1))
		for i, b := range n.branches {
			if i == named {
				parts = append(parts, fmt.Sprintf("and %d more", len(n.branches)-named))
				break
			}
			parts = append(parts, b.unionKey())
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	case n.logical != nil:
		return n.kind.String() + " (" + n.logical.name + ")"
	}
	return n.kind.String()
}

type field struct {
	name    string
	typ     *node
	doc     *string
	def     *jvalue // nil: no default
	order   string  // "ascending", "descending" or "ignore"
	aliases []string
	props   []jmember
}

// logical is a logical type Avro Java recognises on the node it annotates.
type logical struct {
	name             string
	precision, scale int // decimal only
}

// builder turns JSON into nodes with Avro Java's Schema.Parser rules.
type builder struct {
	names    map[string]*node // every named type defined so far, by full name
	fromRefs map[string]bool  // the names the references define
	inRef    string           // the reference being parsed, "" for the schema itself
}

func newBuilder() *builder {
	return &builder{names: map[string]*node{}, fromRefs: map[string]bool{}}
}

// errf makes an invalid-schema error: where it happened, then what.
func (b *builder) errf(at, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if at != "" {
		msg = at + ": " + msg
	}
	if b.inRef != "" {
		msg = fmt.Sprintf("reference %q: %s", b.inRef, msg)
	}
	return fmt.Errorf("%w: %s", schema.ErrInvalidSchema, msg)
}

// schema parses a schema in the namespace space; at says where it is, for
// errors ("" at the top).
func (b *builder) schema(v *jvalue, space, at string) (*node, error) {
	switch v.kind {
	case jString:
		return b.lookup(v.str, space, at)
	case jArray:
		return b.union(v, space, at)
	case jObject:
		return b.object(v, space, at)
	}
	return nil, b.errf(at, "a schema is a type name, an object with a \"type\" or an array of types (a union), not %s", v.describe())
}

// lookup resolves a type name: a primitive, or a named type defined
// earlier, relative to space first and then, as Avro Java does, in the
// null namespace.
func (b *builder) lookup(name, space, at string) (*node, error) {
	if k, ok := primitives[name]; ok {
		return &node{kind: k}, nil
	}
	if n := b.names[qualify(name, space)]; n != nil {
		return n, nil
	}
	if n := b.names[name]; n != nil && !strings.Contains(name, ".") {
		return n, nil
	}
	full := qualify(name, space)
	hint := "it is not a primitive type, not defined earlier in the schema and not provided by a reference"
	if full != name {
		hint = fmt.Sprintf("neither %s nor %s is a primitive type, defined earlier in the schema or provided by a reference", full, name)
	}
	return nil, b.errf(at, "unknown type %q: %s", name, hint)
}

// joinAt extends an error location.
func joinAt(at, more string) string {
	if at == "" {
		return more
	}
	return at + ", " + more
}

// qualify is the full name name has in space.
func qualify(name, space string) string {
	if space == "" || strings.Contains(name, ".") {
		return strings.TrimPrefix(name, ".")
	}
	return space + "." + name
}

func (b *builder) union(v *jvalue, space, at string) (*node, error) {
	n := &node{kind: kUnion}
	seen := map[string]int{}
	for i, e := range v.arr {
		where := joinAt(at, fmt.Sprintf("union branch %d", i))
		if e.kind == jArray {
			return nil, b.errf(where, "a union may not contain a union directly")
		}
		br, err := b.schema(e, space, where)
		if err != nil {
			return nil, err
		}
		key := br.unionKey()
		if j, dup := seen[key]; dup {
			return nil, b.errf(at, "union branches %d and %d are both %s (a union may hold each type once, named types once per full name)", j, i, key)
		}
		seen[key] = i
		n.branches = append(n.branches, br)
	}
	return n, nil
}

func (b *builder) object(v *jvalue, space, at string) (*node, error) {
	t := v.get("type")
	if t == nil {
		return nil, b.errf(at, "the schema object has no \"type\"")
	}
	if t.kind != jString {
		return nil, b.errf(at, "\"type\" must be a string naming the type, not %s (a union is written as a JSON array on its own, a nested type as the field's \"type\")", t.describe())
	}
	if k, ok := primitives[t.str]; ok {
		n := &node{kind: k, props: props(v, schemaReserved)}
		n.logical = logicalOf(n)
		return n, nil
	}
	switch t.str {
	case "record", "error":
		return b.record(v, space, at, t.str == "error")
	case "enum":
		return b.enum(v, space, at)
	case "fixed":
		return b.fixed(v, space, at)
	case "array", "map":
		key, k := "items", kArray
		if t.str == "map" {
			key, k = "values", kMap
		}
		inner := v.get(key)
		if inner == nil {
			return nil, b.errf(at, "the %s has no %q", t.str, key)
		}
		where := joinAt(at, t.str+" "+key)
		items, err := b.schema(inner, space, where)
		if err != nil {
			return nil, err
		}
		n := &node{kind: k, items: items, props: props(v, schemaReserved)}
		n.logical = logicalOf(n)
		return n, nil
	}
	// {"type": "com.example.Named"} uses a named type; Avro Java ignores
	// the object's other members then.
	return b.lookup(t.str, space, at)
}

// named reads the name, namespace, doc and aliases of a record, enum or
// fixed and registers the type, so that it can refer to itself.
func (b *builder) named(v *jvalue, k kind, space, at string) (*node, error) {
	nameV := v.get("name")
	if nameV == nil || nameV.kind != jString {
		return nil, b.errf(at, "the %s has no \"name\" string", k)
	}
	if ns, ok := v.text("namespace"); ok {
		space = ns
	}
	name := nameV.str
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		space, name = name[:i], name[i+1:]
	}
	if err := validFullName(space, name); err != nil {
		if space != "" {
			return nil, b.errf(at, "%s name %q in namespace %q: %v", k, name, space, err)
		}
		return nil, b.errf(at, "%s name %q: %v", k, name, err)
	}
	n := &node{kind: k, name: name, space: space}
	full := n.full()
	if _, ok := primitives[full]; ok {
		return nil, b.errf(at, "a %s may not be named after the primitive type %q", k, full)
	}
	if b.names[full] != nil {
		if b.fromRefs[full] && b.inRef == "" {
			return nil, b.errf(at, "type %s is defined again; a reference already defines it (use its name instead)", full)
		}
		return nil, b.errf(at, "type %s is defined twice", full)
	}
	if d, ok := v.text("doc"); ok {
		n.doc = &d
	}
	if av := v.get("aliases"); av != nil {
		raw, err := b.aliases(av, joinAt(at, k.String()+" "+full))
		if err != nil {
			return nil, err
		}
		for _, a := range raw {
			aspace, aname := space, a
			if i := strings.LastIndexByte(a, '.'); i >= 0 {
				aspace, aname = a[:i], a[i+1:]
			}
			if err := validFullName(aspace, aname); err != nil {
				return nil, b.errf(at, "%s %s: alias %q: %v", k, full, a, err)
			}
			af := aname
			if aspace != "" {
				af = aspace + "." + aname
			}
			if !slices.Contains(n.aliases, af) {
				n.aliases = append(n.aliases, af)
			}
		}
	}
	b.names[full] = n
	if b.inRef != "" {
		b.fromRefs[full] = true
	}
	return n, nil
}

// aliases reads an "aliases" array of strings, without repeats.
func (b *builder) aliases(v *jvalue, at string) ([]string, error) {
	if v.kind != jArray {
		return nil, b.errf(at, "\"aliases\" must be an array of strings, not %s", v.describe())
	}
	var out []string
	for _, a := range v.arr {
		if a.kind != jString {
			return nil, b.errf(at, "an alias must be a string, not %s", a.describe())
		}
		if !slices.Contains(out, a.str) {
			out = append(out, a.str)
		}
	}
	return out, nil
}

func (b *builder) record(v *jvalue, space, at string, isError bool) (*node, error) {
	n, err := b.named(v, kRecord, space, at)
	if err != nil {
		return nil, err
	}
	n.isError = isError
	full := n.full()
	fv := v.get("fields")
	if fv == nil || fv.kind != jArray {
		return nil, b.errf(at, "record %s has no \"fields\" array", full)
	}
	n.byName = map[string]*field{}
	for i, f := range fv.arr {
		if f.kind != jObject {
			return nil, b.errf(at, "record %s: field %d is %s, not an object", full, i, f.describe())
		}
		name, ok := f.text("name")
		if !ok {
			return nil, b.errf(at, "record %s: field %d has no \"name\" string", full, i)
		}
		where := "field " + full + "." + name
		if err := validName(name); err != nil {
			return nil, b.errf(where, "invalid field name: %v", err)
		}
		if n.byName[name] != nil {
			return nil, b.errf(at, "record %s has two fields named %q", full, name)
		}
		tv := f.get("type")
		if tv == nil {
			return nil, b.errf(where, "the field has no \"type\"")
		}
		typ, err := b.schema(tv, n.space, where)
		if err != nil {
			return nil, err
		}
		fd := &field{name: name, typ: typ, order: "ascending", props: props(f, fieldReserved)}
		if d, ok := f.text("doc"); ok {
			fd.doc = &d
		}
		if ov := f.get("order"); ov != nil {
			o := strings.ToLower(ov.str)
			if ov.kind != jString || (o != "ascending" && o != "descending" && o != "ignore") {
				return nil, b.errf(where, "\"order\" must be \"ascending\", \"descending\" or \"ignore\"")
			}
			fd.order = o
		}
		if av := f.get("aliases"); av != nil {
			// Avro Java does not check that a field's aliases are names.
			if fd.aliases, err = b.aliases(av, where); err != nil {
				return nil, err
			}
		}
		if dv := f.get("default"); dv != nil {
			if dv.kind == jString && (typ.kind == kFloat || typ.kind == kDouble) {
				// Avro Java reads a string default of a float or double
				// field as a number ("NaN", "1.5").
				x, ok := javaParseDouble(dv.str)
				if !ok {
					return nil, b.errf(where, "default %q is not a number (the field is a %s)", dv.str, typ.kind)
				}
				dv = &jvalue{kind: jNumber, str: javaDouble(x), quoted: math.IsNaN(x) || math.IsInf(x, 0)}
			}
			if why := invalidDefault(typ, dv, 0); why != "" {
				return nil, b.errf(where, "the default %s does not match the field's type %s: %s", preview(dv), typ.describe(), why)
			}
			fd.def = dv
		}
		n.fields = append(n.fields, fd)
		n.byName[name] = fd
	}
	n.complete = true
	n.props = props(v, schemaReserved)
	n.logical = logicalOf(n)
	return n, nil
}

func (b *builder) enum(v *jvalue, space, at string) (*node, error) {
	n, err := b.named(v, kEnum, space, at)
	if err != nil {
		return nil, err
	}
	full := n.full()
	sv := v.get("symbols")
	if sv == nil || sv.kind != jArray {
		return nil, b.errf(at, "enum %s has no \"symbols\" array", full)
	}
	for _, s := range sv.arr {
		if s.kind != jString {
			return nil, b.errf(at, "enum %s: a symbol must be a string, not %s", full, s.describe())
		}
		if err := validName(s.str); err != nil {
			return nil, b.errf(at, "enum %s: symbol %q: %v", full, s.str, err)
		}
		if slices.Contains(n.symbols, s.str) {
			return nil, b.errf(at, "enum %s lists the symbol %q twice", full, s.str)
		}
		n.symbols = append(n.symbols, s.str)
	}
	if dv := v.get("default"); dv != nil {
		if dv.kind != jString {
			return nil, b.errf(at, "enum %s: \"default\" must be one of its symbols, not %s", full, dv.describe())
		}
		if !slices.Contains(n.symbols, dv.str) {
			return nil, b.errf(at, "enum %s: the default %q is not one of its symbols %v", full, dv.str, n.symbols)
		}
		d := dv.str
		n.enumDefault = &d
	}
	n.props = props(v, enumReserved)
	n.logical = logicalOf(n)
	return n, nil
}

func (b *builder) fixed(v *jvalue, space, at string) (*node, error) {
	n, err := b.named(v, kFixed, space, at)
	if err != nil {
		return nil, err
	}
	sv := v.get("size")
	size, ok := 0, false
	if sv != nil {
		size, ok = sv.int32Value()
	}
	if !ok || size < 0 {
		return nil, b.errf(at, "fixed %s needs a \"size\": a whole number of bytes from 0 to 2147483647", n.full())
	}
	n.size = size
	n.props = props(v, schemaReserved)
	n.logical = logicalOf(n)
	return n, nil
}

// props returns the members of v that are custom properties.
func props(v *jvalue, reserved map[string]bool) []jmember {
	var out []jmember
	for _, m := range v.obj {
		if !reserved[m.key] {
			out = append(out, m)
		}
	}
	return out
}

func prop(ps []jmember, key string) *jvalue {
	for _, p := range ps {
		if p.key == key {
			return p.val
		}
	}
	return nil
}

// logicalOf returns the logical type of n if Avro Java would recognise
// it (LogicalTypes.fromSchemaIgnoreInvalid): an unknown or misapplied
// logicalType stays an ordinary property.
func logicalOf(n *node) *logical {
	lv := prop(n.props, "logicalType")
	if lv == nil || lv.kind != jString {
		return nil
	}
	name := lv.str
	ok := false
	switch name {
	case "decimal":
		return decimalOf(n)
	case "big-decimal":
		ok = n.kind == kBytes
	case "uuid":
		ok = n.kind == kString || (n.kind == kFixed && n.size == 16)
	case "date", "time-millis":
		ok = n.kind == kInt
	case "time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
		"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		ok = n.kind == kLong
	case "duration":
		ok = n.kind == kFixed && n.size == 12
	}
	if !ok {
		return nil
	}
	return &logical{name: name}
}

func decimalOf(n *node) *logical {
	if n.kind != kBytes && n.kind != kFixed {
		return nil
	}
	pv := prop(n.props, "precision")
	if pv == nil {
		return nil
	}
	precision, ok := pv.int32Value()
	if !ok || precision <= 0 {
		return nil
	}
	scale := 0
	if sv := prop(n.props, "scale"); sv != nil {
		if scale, ok = sv.int32Value(); !ok || scale < 0 || scale > precision {
			return nil
		}
	}
	if n.kind == kFixed {
		maxPrecision := math.Round(math.Floor(math.Log10(2) * float64(8*n.size-1)))
		if float64(precision) > maxPrecision {
			return nil
		}
	}
	return &logical{name: "decimal", precision: precision, scale: scale}
}

// validName checks a name against the Avro specification:
// [A-Za-z_][A-Za-z0-9_]*.
func validName(s string) error {
	if s == "" {
		return fmt.Errorf("a name may not be empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Errorf("a name starts with a letter or _ and goes on with letters, digits or _ (character %d is %q)", i+1, s[i:i+1])
		}
	}
	return nil
}

// validFullName checks a name and each part of its namespace.
func validFullName(space, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	if space == "" {
		return nil
	}
	for part := range strings.SplitSeq(space, ".") {
		if err := validName(part); err != nil {
			return fmt.Errorf("in the namespace: %w", err)
		}
	}
	return nil
}

// invalidDefault says why v is not a valid default for t, or "" if it is
// one, by Avro Java's Schema.isValidDefault (1.11: a union's default
// belongs to its first branch), with two checks of the Avro specification
// Java leaves out: an enum default is one of the symbols, and a bytes or
// fixed default has only code points 0-255.
func invalidDefault(t *node, v *jvalue, depth int) string {
	if depth > maxDepth {
		return "it is nested too deeply"
	}
	want := func(ok bool, what string) string {
		if ok {
			return ""
		}
		return fmt.Sprintf("%s is not %s", preview(v), what)
	}
	switch t.kind {
	case kNull:
		return want(v.kind == jNull, "null")
	case kBoolean:
		return want(v.kind == jBool, "true or false")
	case kInt:
		_, ok := v.int32Value()
		return want(ok, "a whole number from -2147483648 to 2147483647")
	case kLong:
		return want(v.fitsInt64(), "a whole number that fits in 64 bits")
	case kFloat, kDouble:
		return want(v.kind == jNumber, "a number")
	case kString:
		return want(v.kind == jString, "a string")
	case kBytes, kFixed:
		if v.kind != jString {
			return want(false, "a string (bytes are written as a string of code points 0-255)")
		}
		for _, r := range v.str {
			if r > 255 {
				return fmt.Sprintf("%s has the code point U+%04X; bytes are written as a string of code points 0-255", preview(v), r)
			}
		}
		return ""
	case kEnum:
		return want(v.kind == jString && slices.Contains(t.symbols, v.str), fmt.Sprintf("one of the symbols of enum %s", t.full()))
	case kArray:
		if v.kind != jArray {
			return want(false, "an array")
		}
		for i, e := range v.arr {
			if why := invalidDefault(t.items, e, depth+1); why != "" {
				return fmt.Sprintf("item %d: %s", i, why)
			}
		}
		return ""
	case kMap:
		if v.kind != jObject {
			return want(false, "an object (a map)")
		}
		for _, m := range v.obj {
			if why := invalidDefault(t.items, m.val, depth+1); why != "" {
				return fmt.Sprintf("value %q: %s", m.key, why)
			}
		}
		return ""
	case kUnion:
		if len(t.branches) == 0 {
			return "an empty union has no values"
		}
		if why := invalidDefault(t.branches[0], v, depth+1); why != "" {
			return fmt.Sprintf("a union's default must be a value of its first type, %s: %s", t.branches[0].describe(), why)
		}
		return ""
	case kRecord:
		if v.kind != jObject {
			return want(false, "an object (a record)")
		}
		if !t.complete {
			return fmt.Sprintf("record %s is used in its own field's default before its fields are all declared", t.full())
		}
		for _, f := range t.fields {
			fv := v.get(f.name)
			if fv == nil {
				fv = f.def
			}
			if fv == nil {
				return fmt.Sprintf("it has no value for field %s, which has no default", f.name)
			}
			if why := invalidDefault(f.typ, fv, depth+1); why != "" {
				return fmt.Sprintf("field %s: %s", f.name, why)
			}
		}
		return ""
	}
	return "unsupported type"
}

// preview is a short rendering of a JSON value for messages.
func preview(v *jvalue) string {
	var b strings.Builder
	writeCanonicalValue(&b, v)
	s := b.String()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
