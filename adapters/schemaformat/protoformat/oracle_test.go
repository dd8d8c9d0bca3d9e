package protoformat

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// oracleDecode is the mapping done the slow, obvious way, against which
// the wire decoder is checked: protobuf-go's dynamicpb decodes the
// message (the reference implementation of the wire format's rules), and
// the message is then walked through protobuf reflection.
//
// dynamicpb panics on some payloads (a map entry whose key has a wire type
// that does not fit the key's kind: "cannot convert nil to map key"); the
// oracle then has no answer (errOracleFailed).
func (p *parsed) oracleDecode(payload []byte) (obj document.Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("%w: %v", errOracleFailed, r)
		}
	}()
	md, rest, err := p.messageOf(payload)
	if err != nil {
		return nil, err
	}
	m := dynamicpb.NewMessage(md)
	opts := proto.UnmarshalOptions{
		DiscardUnknown: true,
		AllowPartial:   true,
		RecursionLimit: document.MaxDepth,
		Resolver:       (*protoregistry.Types)(nil),
	}
	if err := opts.Unmarshal(rest, m); err != nil {
		return nil, err
	}
	c := protoConverter{budget: len(payload) + schemaformat.MaxZeroWidthValues}
	v, err := c.message(m, 0)
	if err != nil {
		return nil, err
	}
	if o, ok := v.(document.Object); ok {
		return o, nil
	}
	return document.Object{{Name: schemaformat.TopValue, Value: v}}, nil
}

// protoConverter turns a decoded message into document values. budget is
// how many more values it may produce.
type protoConverter struct {
	budget int
}

func (c *protoConverter) spend() error {
	if c.budget--; c.budget < 0 {
		return errTooMany
	}
	return nil
}

// message converts m: a well-known type as the mapping says, any other
// message into an object of its fields in declaration order.
func (c *protoConverter) message(m protoreflect.Message, depth int) (any, error) {
	if err := c.spend(); err != nil {
		return nil, err
	}
	if depth >= document.MaxDepth {
		return nil, fmt.Errorf("the value nests more than %d levels deep", document.MaxDepth)
	}
	md := m.Descriptor()
	if v, ok, err := c.wellKnown(m, depth); ok {
		return v, err
	}
	fields := md.Fields()
	o := make(document.Object, 0, fields.Len())
	for i := range fields.Len() {
		fd := fields.Get(i)
		v, err := c.field(m, fd, depth)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", fd.FullName(), err)
		}
		o = append(o, document.Field{Name: string(fd.Name()), Value: v})
	}
	return o, nil
}

// field converts the value of fd in m: nil when fd tracks presence and
// is absent, its default when it does not.
func (c *protoConverter) field(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) (any, error) {
	switch {
	case fd.IsMap():
		if err := c.spend(); err != nil {
			return nil, err
		}
		mp := m.Get(fd).Map()
		o := make(document.Object, 0, mp.Len())
		var err error
		mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			var cv any
			if !utf8.ValidString(k.String()) {
				err = errors.New("a map key is not valid UTF-8")
			} else if cv, err = c.value(fd.MapValue(), v, depth+1); err == nil {
				o = append(o, document.Field{Name: k.String(), Value: cv})
			}
			return err == nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(o, func(a, b document.Field) int { return strings.Compare(a.Name, b.Name) })
		return o, nil
	case fd.IsList():
		if err := c.spend(); err != nil {
			return nil, err
		}
		l := m.Get(fd).List()
		out := make([]any, 0, l.Len())
		for i := range l.Len() {
			v, err := c.value(fd, l.Get(i), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case fd.HasPresence() && !m.Has(fd):
		return nil, c.spend()
	}
	return c.value(fd, m.Get(fd), depth)
}

// value converts one value of fd's kind (an element of a list or map
// included).
func (c *protoConverter) value(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) (any, error) {
	if k := fd.Kind(); k == protoreflect.MessageKind || k == protoreflect.GroupKind {
		return c.message(v.Message(), depth+1)
	}
	if err := c.spend(); err != nil {
		return nil, err
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return v.Bool(), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return v.Int(), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if u := v.Uint(); u <= math.MaxInt64 {
			return int64(u), nil
		} else {
			return float64(u), nil
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float(), nil
	case protoreflect.StringKind:
		s := v.String()
		if !utf8.ValidString(s) {
			return nil, errors.New("a string is not valid UTF-8")
		}
		return strings.Clone(s), nil
	case protoreflect.BytesKind:
		return append([]byte{}, v.Bytes()...), nil
	case protoreflect.EnumKind:
		n := v.Enum()
		if ev := fd.Enum().Values().ByNumber(n); ev != nil {
			return string(ev.Name()), nil
		}
		return strconv.Itoa(int(n)), nil
	}
	return nil, fmt.Errorf("cannot decode a field of kind %s", fd.Kind())
}

// wellKnown converts the well-known types the mapping names; ok is false
// for any other message.
func (c *protoConverter) wellKnown(m protoreflect.Message, depth int) (v any, ok bool, err error) {
	md := m.Descriptor()
	if md.ParentFile() == nil || md.ParentFile().Package() != "google.protobuf" {
		return nil, false, nil
	}
	field := func(name protoreflect.Name) protoreflect.FieldDescriptor { return md.Fields().ByName(name) }
	switch md.Name() {
	case "Timestamp":
		s, n := field("seconds"), field("nanos")
		if s == nil || n == nil {
			return nil, false, nil
		}
		secs, nanos := m.Get(s).Int(), m.Get(n).Int()
		const limit = math.MaxInt64/1000 - 1
		if secs > limit || secs < -limit {
			return nil, true, errors.New("a Timestamp is out of range")
		}
		ms := secs*1000 + nanos/1e6
		if nanos%1e6 < 0 {
			ms-- // floor, as nanos may be negative in a malformed value
		}
		return ms, true, nil
	case "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value",
		"UInt32Value", "BoolValue", "StringValue", "BytesValue":
		f := field("value")
		if f == nil {
			return nil, false, nil
		}
		v, err := c.value(f, m.Get(f), depth)
		return v, true, err
	case "Struct":
		f := field("fields")
		if f == nil || !f.IsMap() {
			return nil, false, nil
		}
		v, err := c.field(m, f, depth)
		return v, true, err
	case "ListValue":
		f := field("values")
		if f == nil || !f.IsList() {
			return nil, false, nil
		}
		v, err := c.field(m, f, depth)
		return v, true, err
	case "Value":
		od := md.Oneofs().ByName("kind")
		if od == nil {
			return nil, false, nil
		}
		set := m.WhichOneof(od)
		if set == nil || set.Name() == "null_value" {
			return nil, true, nil
		}
		v, err := c.value(set, m.Get(set), depth)
		return v, true, err
	}
	return nil, false, nil
}

var errOracleFailed = errors.New("dynamicpb panicked")

// sameAsOracle checks that the wire decoder and the oracle agree on
// payload: both refuse it, or both give the same object.
func sameAsOracle(t *testing.T, p *parsed, payload []byte) {
	t.Helper()
	got, err := schemaformattest.DecodeKeepsPromises(t, p, payload)
	want, oerr := p.oracleDecode(payload)
	switch {
	case errors.Is(oerr, errOracleFailed):
		// DecodeKeepsPromises checked the wire decoder.
	case err != nil && oerr != nil:
	case err != nil || oerr != nil:
		if oerr == nil && (strings.Contains(err.Error(), "nests more than") || strings.Contains(err.Error(), "not valid UTF-8")) {
			// The recursion limits count differently (both are bounds);
			// the wire decoder refuses a string that is not UTF-8 even
			// when a later occurrence of its field replaces it, as
			// protobuf-go's generated proto3 code does, while the oracle
			// checks only the value that stays.
			return
		}
		t.Fatalf("payload %x: wire decoder %v (%v), oracle %v (%v)", payload, got, err, want, oerr)
	case !schemaformattest.SameValue(got, want):
		t.Fatalf("payload %x:\nwire decoder %v\noracle       %v", payload, got, want)
	}
}
