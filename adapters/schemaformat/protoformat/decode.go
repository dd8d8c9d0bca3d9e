package protoformat

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

var _ schemaformat.Decoder = (*parsed)(nil)

// Decode reads Confluent's message indexes from the head of payload, finds
// the message type they name in p's file, decodes the rest as that
// message with dynamicpb and turns the message into an object, with the
// value mapping of schemaformat.Decoder.
func (p *parsed) Decode(payload []byte) (obj document.Object, err error) {
	defer func() {
		// dynamicpb does not panic on bad input as far as we know; a
		// record must not take the pipeline down if it does.
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("%w: the Protobuf payload could not be decoded: %v", document.ErrUndecodable, r)
		}
	}()
	md, rest, err := p.messageOf(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: the Protobuf payload's message indexes: %v", document.ErrUndecodable, err)
	}
	m := dynamicpb.NewMessage(md)
	opts := proto.UnmarshalOptions{
		DiscardUnknown: true,
		AllowPartial:   true, // a proto2 required field left out is nil, like an absent optional one
		RecursionLimit: document.MaxDepth,
		// No extensions: a global registry's would not fit dynamic
		// messages, and a schema's own are not among the columns.
		Resolver: (*protoregistry.Types)(nil),
	}
	if err := opts.Unmarshal(rest, m); err != nil {
		return nil, fmt.Errorf("%w: the Protobuf payload does not match message %s: %v", document.ErrUndecodable, md.FullName(), protoMessage(err))
	}
	c := protoConverter{budget: len(payload) + schemaformat.MaxZeroWidthValues}
	v, err := c.message(m, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: the Protobuf payload does not match message %s: %v", document.ErrUndecodable, md.FullName(), err)
	}
	if o, ok := v.(document.Object); ok {
		return o, nil
	}
	return document.Object{{Name: schemaformat.TopValue, Value: v}}, nil
}

// messageOf reads the message indexes at the head of b (a zigzag varint
// count, then that many zigzag varint indexes; a count of 0 stands for
// the single index 0) and returns the message type they name and the
// bytes after them.
func (p *parsed) messageOf(b []byte) (protoreflect.MessageDescriptor, []byte, error) {
	next := func() (int64, error) {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, errors.New("the payload ends inside them, or a varint is malformed")
		}
		b = b[n:]
		return protowire.DecodeZigZag(v), nil
	}
	count, err := next()
	if err != nil {
		return nil, nil, err
	}
	if count < 0 || count > MaxDepth || count > int64(len(b)) {
		return nil, nil, fmt.Errorf("a count of %d indexes is out of range", count)
	}
	path := []int64{0}
	if count > 0 {
		path = make([]int64, count)
		for i := range path {
			if path[i], err = next(); err != nil {
				return nil, nil, err
			}
		}
	}
	msgs := p.file.Messages()
	var md protoreflect.MessageDescriptor
	for i, idx := range path {
		if idx < 0 || idx >= int64(msgs.Len()) {
			return nil, nil, fmt.Errorf("message index %d (at position %d) names no message of the schema", idx, i)
		}
		md = msgs.Get(int(idx))
		msgs = md.Messages()
	}
	return md, b, nil
}

var errTooMany = fmt.Errorf("the message holds more values than the payload has bytes (plus %d)", schemaformat.MaxZeroWidthValues)

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

// protoMessage is err's text without protobuf-go's "proto:" prefix (whose
// space it spells as U+0020 or U+00A0 at random).
func protoMessage(err error) string {
	msg, _ := strings.CutPrefix(err.Error(), "proto:")
	return strings.TrimLeft(msg, " \u00a0")
}
