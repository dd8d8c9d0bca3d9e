package protoformat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// diffType is one kind of difference between two schemas, named and judged
// as in Confluent's io.confluent.kafka.schemaregistry.protobuf.diff.
type diffType int

const (
	packageChanged diffType = iota
	messageAdded
	messageRemoved
	messageMoved
	enumAdded
	enumRemoved
	enumConstAdded
	enumConstChanged
	enumConstRemoved
	fieldAdded
	fieldRemoved
	fieldNameChanged
	fieldKindChanged
	fieldScalarKindChanged
	fieldNamedTypeChanged
	fieldNumericLabelChanged
	fieldStringOrBytesLabelChanged
	requiredFieldAdded
	requiredFieldRemoved
	oneofAdded
	oneofRemoved
	oneofFieldAdded
	oneofFieldRemoved
	oneofFieldMovedToTopLevel
	multipleFieldsMovedToOneof
	fieldMovedToExistingOneof
)

var diffNames = [...]string{
	packageChanged:                 "PACKAGE_CHANGED",
	messageAdded:                   "MESSAGE_ADDED",
	messageRemoved:                 "MESSAGE_REMOVED",
	messageMoved:                   "MESSAGE_MOVED",
	enumAdded:                      "ENUM_ADDED",
	enumRemoved:                    "ENUM_REMOVED",
	enumConstAdded:                 "ENUM_CONST_ADDED",
	enumConstChanged:               "ENUM_CONST_CHANGED",
	enumConstRemoved:               "ENUM_CONST_REMOVED",
	fieldAdded:                     "FIELD_ADDED",
	fieldRemoved:                   "FIELD_REMOVED",
	fieldNameChanged:               "FIELD_NAME_CHANGED",
	fieldKindChanged:               "FIELD_KIND_CHANGED",
	fieldScalarKindChanged:         "FIELD_SCALAR_KIND_CHANGED",
	fieldNamedTypeChanged:          "FIELD_NAMED_TYPE_CHANGED",
	fieldNumericLabelChanged:       "FIELD_NUMERIC_LABEL_CHANGED",
	fieldStringOrBytesLabelChanged: "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
	requiredFieldAdded:             "REQUIRED_FIELD_ADDED",
	requiredFieldRemoved:           "REQUIRED_FIELD_REMOVED",
	oneofAdded:                     "ONEOF_ADDED",
	oneofRemoved:                   "ONEOF_REMOVED",
	oneofFieldAdded:                "ONEOF_FIELD_ADDED",
	oneofFieldRemoved:              "ONEOF_FIELD_REMOVED",
	oneofFieldMovedToTopLevel:      "ONEOF_FIELD_MOVED_TO_TOP_LEVEL",
	multipleFieldsMovedToOneof:     "MULTIPLE_FIELDS_MOVED_TO_ONEOF",
	fieldMovedToExistingOneof:      "FIELD_MOVED_TO_EXISTING_ONEOF",
}

func (t diffType) String() string { return diffNames[t] }

// compatible reports whether Confluent lets a difference pass a backward
// check (SchemaDiff.COMPATIBLE_CHANGES); every other one fails it.
func (t diffType) compatible() bool {
	switch t {
	case messageAdded, messageMoved,
		enumAdded, enumRemoved, enumConstAdded, enumConstChanged, enumConstRemoved,
		fieldAdded, fieldRemoved, fieldNameChanged, fieldStringOrBytesLabelChanged,
		oneofAdded, oneofRemoved, oneofFieldAdded, oneofFieldMovedToTopLevel:
		return true
	}
	return false
}

// difference is one difference: its type, Confluent's path for it
// ("#/Message/Nested/fieldNumber", "#/Message/oneofName/fieldNumber") and a
// sentence saying what changed.
type difference struct {
	kind diffType
	path string
	what string
}

// reason is the sentence CanRead returns.
func (d difference) reason() string {
	return d.what + " (" + d.kind.String() + " at " + d.path + ")"
}

// compare lists the differences from writer (Confluent's "original") to
// reader (its "update"), following Confluent's SchemaDiff,
// MessageSchemaDiff, FieldSchemaDiff and EnumSchemaDiff on compiled
// descriptors instead of parsed text.
func compare(writer, reader protoreflect.FileDescriptor) []difference {
	d := &differ{
		writer: writer, reader: reader,
		active: map[pair]bool{}, done: map[pair]bool{},
	}
	if writer.Package() != reader.Package() {
		d.add(packageChanged, "the package is %q in the writer schema and %q in the reader schema", writer.Package(), reader.Package())
	}
	d.types(writer.Messages(), writer.Enums(), reader.Messages(), reader.Enums())
	return dedup(d.diffs)
}

type pair struct{ w, r protoreflect.FullName }

type differ struct {
	writer, reader protoreflect.FileDescriptor
	path           []string
	diffs          []difference
	active         map[pair]bool // messages being compared (Confluent's SchemaScope)
	done           map[pair]bool // referenced messages compared: incompatible?
}

func (d *differ) add(kind diffType, format string, args ...any) {
	d.diffs = append(d.diffs, difference{kind: kind, path: "#/" + strings.Join(d.path, "/"), what: fmt.Sprintf(format, args...)})
}

func (d *differ) push(elem string) { d.path = append(d.path, elem) }
func (d *differ) pop()             { d.path = d.path[:len(d.path)-1] }

func dedup(diffs []difference) []difference {
	type key struct {
		kind diffType
		path string
	}
	seen := map[key]bool{}
	out := diffs[:0]
	for _, df := range diffs {
		if k := (key{df.kind, df.path}); !seen[k] {
			seen[k] = true
			out = append(out, df)
		}
	}
	return out
}

// types compares the messages and enums declared in one scope, by name.
// Map entries and group bodies are not messages of their own here (they are
// compared through their fields), as they are not in Confluent's parse.
func (d *differ) types(wm protoreflect.MessageDescriptors, we protoreflect.EnumDescriptors, rm protoreflect.MessageDescriptors, re protoreflect.EnumDescriptors) {
	wMsgs, wIndex := messagesByName(wm)
	rMsgs, rIndex := messagesByName(rm)
	for _, name := range unionNames(wMsgs, rMsgs) {
		w, r := wMsgs[name], rMsgs[name]
		d.push(name)
		switch {
		case r == nil:
			d.add(messageRemoved, "message %s of the writer schema is missing from the reader schema", w.FullName())
		case w == nil:
			d.add(messageAdded, "the reader schema adds message %s", r.FullName())
		default:
			d.message(w, r)
			if wIndex[name] != rIndex[name] {
				d.add(messageMoved, "message %s is message %d of its scope in the writer schema and message %d in the reader schema", r.FullName(), wIndex[name], rIndex[name])
			}
		}
		d.pop()
	}
	wEnums, rEnums := enumsByName(we), enumsByName(re)
	for _, name := range unionNames(wEnums, rEnums) {
		w, r := wEnums[name], rEnums[name]
		d.push(name)
		switch {
		case r == nil:
			d.add(enumRemoved, "enum %s of the writer schema is missing from the reader schema", w.FullName())
		case w == nil:
			d.add(enumAdded, "the reader schema adds enum %s", r.FullName())
		default:
			d.enum(w, r)
		}
		d.pop()
	}
}

func messagesByName(list protoreflect.MessageDescriptors) (map[string]protoreflect.MessageDescriptor, map[string]int) {
	byName, index := map[string]protoreflect.MessageDescriptor{}, map[string]int{}
	for i := range list.Len() {
		m := list.Get(i)
		if m.IsMapEntry() || isGroupBody(m) {
			continue
		}
		index[string(m.Name())] = len(byName)
		byName[string(m.Name())] = m
	}
	return byName, index
}

func enumsByName(list protoreflect.EnumDescriptors) map[string]protoreflect.EnumDescriptor {
	byName := map[string]protoreflect.EnumDescriptor{}
	for i := range list.Len() {
		byName[string(list.Get(i).Name())] = list.Get(i)
	}
	return byName
}

func unionNames[V any](a, b map[string]V) []string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// isGroupBody reports whether m is the message a proto2 group field
// declares.
func isGroupBody(m protoreflect.MessageDescriptor) bool {
	if m.ParentFile().Syntax() != protoreflect.Proto2 {
		return false
	}
	declares := func(f protoreflect.FieldDescriptor) bool {
		return f.Kind() == protoreflect.GroupKind && f.Message().FullName() == m.FullName()
	}
	var exts protoreflect.ExtensionDescriptors
	switch parent := m.Parent().(type) {
	case protoreflect.MessageDescriptor:
		for i := range parent.Fields().Len() {
			if declares(parent.Fields().Get(i)) {
				return true
			}
		}
		exts = parent.Extensions()
	case protoreflect.FileDescriptor:
		exts = parent.Extensions()
	default:
		return false
	}
	for i := range exts.Len() {
		if declares(exts.Get(i)) {
			return true
		}
	}
	return false
}

// message compares two messages with the same name: their fields (unless
// the pair is already being compared further up) and their nested types.
func (d *differ) message(w, r protoreflect.MessageDescriptor) {
	key := pair{w.FullName(), r.FullName()}
	if !d.active[key] {
		d.active[key] = true
		d.fields(w, r)
		delete(d.active, key)
	}
	d.types(w.Messages(), w.Enums(), r.Messages(), r.Enums())
}

// members indexes a message's fields by number, oneof members included.
type members struct {
	byNumber map[protoreflect.FieldNumber]protoreflect.FieldDescriptor
	oneofOf  map[protoreflect.FieldNumber]string // for members of real oneofs
	oneofs   map[string]protoreflect.OneofDescriptor
	order    []protoreflect.OneofDescriptor // real oneofs, declaration order
}

func membersOf(m protoreflect.MessageDescriptor) members {
	ms := members{
		byNumber: map[protoreflect.FieldNumber]protoreflect.FieldDescriptor{},
		oneofOf:  map[protoreflect.FieldNumber]string{},
		oneofs:   map[string]protoreflect.OneofDescriptor{},
	}
	for i := range m.Fields().Len() {
		f := m.Fields().Get(i)
		ms.byNumber[f.Number()] = f
		if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
			ms.oneofOf[f.Number()] = string(o.Name())
		}
	}
	for i := range m.Oneofs().Len() {
		if o := m.Oneofs().Get(i); !o.IsSynthetic() {
			ms.oneofs[string(o.Name())] = o
			ms.order = append(ms.order, o)
		}
	}
	return ms
}

// fields compares two messages' fields by number, as Confluent's
// MessageSchemaDiff does: oneof membership is judged separately from
// the fields themselves.
func (d *differ) fields(wMsg, rMsg protoreflect.MessageDescriptor) {
	w, r := membersOf(wMsg), membersOf(rMsg)
	msg := rMsg.FullName()

	// A writer oneof gone by name with none of its members left anywhere
	// was deleted whole, which Confluent accepts.
	deleted := map[string]bool{}
	for name, o := range w.oneofs {
		if _, ok := r.oneofs[name]; ok {
			continue
		}
		survives := false
		for i := range o.Fields().Len() {
			if _, ok := r.byNumber[o.Fields().Get(i).Number()]; ok {
				survives = true
			}
		}
		if !survives {
			deleted[name] = true
		}
	}

	// A reader oneof whose writer fields came from more than one place (a
	// writer oneof, or each top-level field) makes fields that could all be
	// set at once mutually exclusive.
	for _, o := range r.order {
		d.push(string(o.Name()))
		origins := map[string]bool{}
		movedIn := 0
		var names []string
		for i := range o.Fields().Len() {
			f := o.Fields().Get(i)
			if oneof, ok := w.oneofOf[f.Number()]; ok {
				origins["oneof "+oneof] = true
			} else if _, ok := w.byNumber[f.Number()]; ok {
				origins["field "+strconv.Itoa(int(f.Number()))] = true
				movedIn++
			} else {
				continue
			}
			names = append(names, fieldRef(f))
		}
		if len(origins) > 1 {
			if movedIn > 1 {
				d.add(multipleFieldsMovedToOneof, "message %s: oneof %s of the reader schema holds fields %s, which the writer schema can set together; a message with more than one of them set would lose values", msg, o.Name(), strings.Join(names, ", "))
			} else {
				d.add(fieldMovedToExistingOneof, "message %s: oneof %s of the reader schema holds fields %s, which the writer schema does not keep in one oneof; a message with more than one of them set would lose values", msg, o.Name(), strings.Join(names, ", "))
			}
		}
		d.pop()
	}

	for _, name := range unionNames(w.oneofs, r.oneofs) {
		d.push(name)
		if _, ok := r.oneofs[name]; !ok {
			d.add(oneofRemoved, "message %s: oneof %s of the writer schema is missing from the reader schema", msg, name)
		} else if _, ok := w.oneofs[name]; !ok {
			d.add(oneofAdded, "message %s: the reader schema adds oneof %s", msg, name)
		}
		d.pop()
	}

	numbers := make([]protoreflect.FieldNumber, 0, len(w.byNumber)+len(r.byNumber))
	for n := range w.byNumber {
		numbers = append(numbers, n)
	}
	for n := range r.byNumber {
		if _, ok := w.byNumber[n]; !ok {
			numbers = append(numbers, n)
		}
	}
	sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
	for _, n := range numbers {
		wf, rf := w.byNumber[n], r.byNumber[n]
		wOneof, rOneof := w.oneofOf[n], r.oneofOf[n]
		num := strconv.Itoa(int(n))
		switch {
		case rf == nil && wOneof != "":
			if !deleted[wOneof] {
				d.push(wOneof)
				d.push(num)
				d.add(oneofFieldRemoved, "message %s: field %s of oneof %s in the writer schema is missing from the reader schema", msg, fieldRef(wf), wOneof)
				d.pop()
				d.pop()
			}
		case rf == nil:
			d.push(num)
			if labelOf(wf) == labelRequired {
				d.add(requiredFieldRemoved, "message %s: required field %s of the writer schema is missing from the reader schema", msg, fieldRef(wf))
			} else {
				d.add(fieldRemoved, "message %s: field %s of the writer schema is missing from the reader schema", msg, fieldRef(wf))
			}
			d.pop()
		case wf == nil && rOneof != "":
			d.push(rOneof)
			d.push(num)
			d.add(oneofFieldAdded, "message %s: the reader schema adds field %s to oneof %s", msg, fieldRef(rf), rOneof)
			d.pop()
			d.pop()
		case wf == nil:
			d.push(num)
			if labelOf(rf) == labelRequired {
				d.add(requiredFieldAdded, "message %s: the reader schema adds required field %s, which data written with the writer schema does not have", msg, fieldRef(rf))
			} else {
				d.add(fieldAdded, "message %s: the reader schema adds field %s", msg, fieldRef(rf))
			}
			d.pop()
		default:
			if wOneof != "" && rOneof == "" {
				d.push(num)
				d.add(oneofFieldMovedToTopLevel, "message %s: field %s is in oneof %s in the writer schema and in no oneof in the reader schema", msg, fieldRef(rf), wOneof)
				d.pop()
			}
			depth := 1
			if rOneof != "" {
				d.push(rOneof)
				depth++
			}
			d.push(num)
			d.field(msg, wf, rf)
			for range depth {
				d.pop()
			}
		}
	}
}

// fieldRef names a field for a reason: "name (number 3)".
func fieldRef(f protoreflect.FieldDescriptor) string {
	return fmt.Sprintf("%s (number %d)", f.Name(), f.Number())
}

// site says where a type comparison happens, for reasons: which field of
// which message, and which part of it (a map's key or value).
type site struct {
	msg   protoreflect.FullName
	field string
	part  string
}

func (s site) String() string {
	if s.part != "" {
		return fmt.Sprintf("message %s: the %s of field %s", s.msg, s.part, s.field)
	}
	return fmt.Sprintf("message %s: field %s", s.msg, s.field)
}

// field compares two fields with the same number (FieldSchemaDiff).
func (d *differ) field(msg protoreflect.FullName, w, r protoreflect.FieldDescriptor) {
	if w.Name() != r.Name() {
		d.add(fieldNameChanged, "message %s: field number %d is %s in the writer schema and %s in the reader schema", msg, r.Number(), w.Name(), r.Name())
	}
	d.labelsAndTypes(site{msg: msg, field: fieldRef(r)}, labelOf(w), labelOf(r), typeOf(w), typeOf(r))
}

// label is a field's label as written in its .proto source, which is what
// Confluent compares: none for proto3 singular fields, oneof members, map
// fields and editions singular fields.
type label int

const (
	labelNone label = iota
	labelOptional
	labelRequired
	labelRepeated
)

func (l label) String() string {
	return [...]string{"no label", "optional", "required", "repeated"}[l]
}

func labelOf(f protoreflect.FieldDescriptor) label {
	oneof := f.ContainingOneof()
	switch {
	case f.IsMap():
		return labelNone
	case f.Cardinality() == protoreflect.Repeated:
		return labelRepeated
	case oneof != nil && !oneof.IsSynthetic():
		return labelNone
	case f.Cardinality() == protoreflect.Required: // proto2 required, editions LEGACY_REQUIRED
		return labelRequired
	case f.ParentFile().Syntax() == protoreflect.Proto2:
		return labelOptional
	case oneof != nil: // proto3 optional
		return labelOptional
	}
	return labelNone
}

// kind is Confluent's field kind (FieldSchemaDiff.Kind), plus group: the
// group (delimited) encoding is not wire-compatible with the
// length-prefixed one, and Confluent's parser does not see groups at all.
type kind int

const (
	kindScalar kind = iota // scalars and enums
	kindMessage
	kindMap
	kindGroup
)

// fieldType is what a field holds.
type fieldType struct {
	kind     kind
	scalar   protoreflect.Kind // kindScalar
	enum     protoreflect.EnumDescriptor
	msg      protoreflect.MessageDescriptor // kindMessage, kindGroup
	key, val *fieldType                     // kindMap
}

func typeOf(f protoreflect.FieldDescriptor) fieldType {
	if f.IsMap() {
		k, v := typeOf(f.MapKey()), typeOf(f.MapValue())
		return fieldType{kind: kindMap, key: &k, val: &v}
	}
	switch f.Kind() {
	case protoreflect.MessageKind:
		return fieldType{kind: kindMessage, msg: f.Message()}
	case protoreflect.GroupKind:
		return fieldType{kind: kindGroup, msg: f.Message()}
	case protoreflect.EnumKind:
		return fieldType{kind: kindScalar, scalar: protoreflect.EnumKind, enum: f.Enum()}
	}
	return fieldType{kind: kindScalar, scalar: f.Kind()}
}

func (t fieldType) String() string {
	switch t.kind {
	case kindMessage:
		return "message " + string(t.msg.FullName())
	case kindGroup:
		return "group " + string(t.msg.FullName())
	case kindMap:
		return "map<" + t.key.name() + ", " + t.val.name() + ">"
	}
	return t.name()
}

// name is the type as written in a field declaration.
func (t fieldType) name() string {
	switch {
	case t.kind == kindMap:
		return t.String()
	case t.msg != nil:
		return string(t.msg.FullName())
	case t.enum != nil:
		return "enum " + string(t.enum.FullName())
	}
	return t.scalar.String()
}

// scalarGroup is Confluent's ScalarKind: scalars in one group share a wire
// encoding, so a field can move between them
// (https://protobuf.dev/programming-guides/proto3/#updating).
type scalarGroup int

const (
	groupVarint scalarGroup = iota // int32, int64, uint32, uint64, bool, enums
	groupZigzag                    // sint32, sint64
	groupStringOrBytes
	groupFixed32 // fixed32, sfixed32
	groupFixed64 // fixed64, sfixed64
	groupFloat
	groupDouble
)

func scalarGroupOf(k protoreflect.Kind) scalarGroup {
	switch k {
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return groupZigzag
	case protoreflect.StringKind, protoreflect.BytesKind:
		return groupStringOrBytes
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return groupFixed32
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return groupFixed64
	case protoreflect.FloatKind:
		return groupFloat
	case protoreflect.DoubleKind:
		return groupDouble
	}
	return groupVarint
}

// labelsAndTypes is FieldSchemaDiff.compareLabelsAndTypes: kinds must
// match; scalars must stay in their wire group, and may change label only
// if they are strings or bytes (and both labels are written); messages
// must keep their name (relative to their package) and stay compatible;
// maps compare keys and values.
func (d *differ) labelsAndTypes(at site, wl, rl label, w, r fieldType) {
	if w.kind != r.kind {
		d.add(fieldKindChanged, "%s is %s in the writer schema and %s in the reader schema, which are not wire-compatible", at, article(w), article(r))
		return
	}
	switch w.kind {
	case kindScalar:
		wg, rg := scalarGroupOf(w.scalar), scalarGroupOf(r.scalar)
		switch {
		case wg != rg:
			d.add(fieldScalarKindChanged, "%s is %s in the writer schema and %s in the reader schema, which are not wire-compatible", at, w.name(), r.name())
		case wl != labelNone && rl != labelNone && wl != rl && wg == groupStringOrBytes:
			d.add(fieldStringOrBytesLabelChanged, "%s is %s in the writer schema and %s in the reader schema", at, wl, rl)
		case wl != labelNone && rl != labelNone && wl != rl:
			d.add(fieldNumericLabelChanged, "%s is %s in the writer schema and %s in the reader schema; a numeric field cannot change between singular and repeated, or to or from required", at, wl, rl)
		}
	case kindMessage, kindGroup:
		d.namedTypes(at, w.msg, r.msg)
	case kindMap:
		d.labelsAndTypes(site{at.msg, at.field, "map key"}, labelNone, labelNone, *w.key, *r.key)
		d.labelsAndTypes(site{at.msg, at.field, "map value"}, labelNone, labelNone, *w.val, *r.val)
	}
}

func article(t fieldType) string {
	switch t.kind {
	case kindMessage, kindGroup:
		return "a " + t.String()
	case kindMap:
		return "a " + t.String()
	}
	return "the scalar " + t.name()
}

// namedTypes is FieldSchemaDiff.compareMessageTypes: the two messages must
// have the same name relative to their packages. Messages declared in the
// schemas themselves are compared by name elsewhere; others (from
// references or well-known files) are compared here, and an incompatible
// difference inside them makes the field's type incompatible too.
func (d *differ) namedTypes(at site, w, r protoreflect.MessageDescriptor) {
	wl, rl := localName(w), localName(r)
	if wl != rl {
		d.add(fieldNamedTypeChanged, "%s has type %s in the writer schema and %s in the reader schema", at, w.FullName(), r.FullName())
		return
	}
	if w.ParentFile().Path() == d.writer.Path() && r.ParentFile().Path() == d.reader.Path() && !isGroupBody(w) && !isGroupBody(r) {
		return
	}
	key := pair{w.FullName(), r.FullName()}
	incompatible, ok := d.done[key]
	if !ok {
		if d.active[key] {
			return // compared further up
		}
		saved := d.path
		d.path = strings.Split(wl, ".")
		start := len(d.diffs)
		d.message(w, r)
		d.path = saved
		for _, df := range d.diffs[start:] {
			if !df.kind.compatible() {
				incompatible = true
			}
		}
		d.done[key] = incompatible
	}
	if incompatible {
		d.add(fieldNamedTypeChanged, "%s has type %s, which changed incompatibly between the schemas (see the reasons about it)", at, r.FullName())
	}
}

// localName is a message's name without its package.
func localName(m protoreflect.MessageDescriptor) string {
	name, pkg := string(m.FullName()), string(m.ParentFile().Package())
	if pkg != "" {
		return strings.TrimPrefix(name, pkg+".")
	}
	return name
}

// enum compares two enums' constants by number (EnumSchemaDiff). Every
// enum difference is compatible in Confluent.
func (d *differ) enum(w, r protoreflect.EnumDescriptor) {
	byNumber := func(e protoreflect.EnumDescriptor) map[protoreflect.EnumNumber]protoreflect.EnumValueDescriptor {
		m := map[protoreflect.EnumNumber]protoreflect.EnumValueDescriptor{}
		for i := range e.Values().Len() {
			m[e.Values().Get(i).Number()] = e.Values().Get(i) // the last alias wins, as in Confluent
		}
		return m
	}
	wv, rv := byNumber(w), byNumber(r)
	var numbers []protoreflect.EnumNumber
	for n := range wv {
		numbers = append(numbers, n)
	}
	for n := range rv {
		if _, ok := wv[n]; !ok {
			numbers = append(numbers, n)
		}
	}
	sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
	for _, n := range numbers {
		d.push(strconv.Itoa(int(n)))
		switch a, b := wv[n], rv[n]; {
		case b == nil:
			d.add(enumConstRemoved, "enum %s: value %s (%d) of the writer schema is missing from the reader schema", r.FullName(), a.Name(), n)
		case a == nil:
			d.add(enumConstAdded, "enum %s: the reader schema adds value %s (%d)", r.FullName(), b.Name(), n)
		case a.Name() != b.Name():
			d.add(enumConstChanged, "enum %s: value %d is %s in the writer schema and %s in the reader schema", r.FullName(), n, a.Name(), b.Name())
		}
		d.pop()
	}
}
