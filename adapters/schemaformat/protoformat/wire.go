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
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// wireDecoder decodes a message's binary encoding straight into document
// values, walking the descriptors, with protobuf-go's semantics: the last
// value of a singular field wins, occurrences of a singular message field
// merge, a oneof member clears the others, numeric repeated fields may be
// packed or not, a field whose wire type does not fit its kind is an
// unknown field, unknown fields (and extensions) are skipped. budget is
// how many more values it may produce.
type wireDecoder struct {
	budget int
}

var (
	errWire    = errors.New("cannot parse invalid wire-format data")
	errTooMany = fmt.Errorf("the message holds more values than the payload has bytes (plus %d)", schemaformat.MaxZeroWidthValues)
)

func (w *wireDecoder) spend() error {
	if w.budget--; w.budget < 0 {
		return errTooMany
	}
	return nil
}

// slot is what the wire said of one field of a message being decoded.
type slot struct {
	set  bool
	v    any              // a singular scalar, converted
	raw  []byte           // a singular message: its occurrences, concatenated (they merge)
	list []any            // a repeated field
	ents []document.Field // a map field's entries, in wire order
}

// message decodes b as a message of md.
func (w *wireDecoder) message(md protoreflect.MessageDescriptor, b []byte, depth int) (any, error) {
	if err := w.spend(); err != nil {
		return nil, err
	}
	if depth >= document.MaxDepth {
		return nil, fmt.Errorf("the value nests more than %d levels deep", document.MaxDepth)
	}
	fields := md.Fields()
	slots := make([]slot, fields.Len())
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber || typ == protowire.EndGroupType {
			return nil, errWire
		}
		b = b[n:]
		fd := fields.ByNumber(num)
		if fd != nil {
			n, err := w.field(fd, slots, typ, b, depth)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", fd.FullName(), err)
			}
			if n >= 0 {
				b = b[n:]
				continue
			}
		}
		// Unknown, or a wire type that does not fit: skipped.
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return nil, errWire
		}
		b = b[n:]
	}
	o := make(document.Object, 0, len(slots))
	for i := range slots {
		fd := fields.Get(i)
		v, err := w.final(fd, &slots[i], depth)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", fd.FullName(), err)
		}
		o = append(o, document.Field{Name: string(fd.Name()), Value: v})
	}
	return wellKnownValue(md, o)
}

// field reads one occurrence of fd (whose tag said typ) from b into its
// slot and returns the bytes it took, or -1 when typ does not fit fd.
func (w *wireDecoder) field(fd protoreflect.FieldDescriptor, slots []slot, typ protowire.Type, b []byte, depth int) (int, error) {
	s := &slots[fd.Index()]
	switch {
	case fd.IsMap():
		if typ != protowire.BytesType {
			return -1, nil
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errWire
		}
		e, err := w.mapEntry(fd, v, depth)
		if err != nil {
			return 0, err
		}
		s.ents = append(s.ents, e)
		return n, nil
	case fd.IsList():
		if typ == protowire.BytesType && packable(fd.Kind()) {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, errWire
			}
			for len(v) > 0 {
				x, m, err := w.scalar(fd, wireTypeOf(fd.Kind()), v)
				if err != nil {
					return 0, err
				}
				s.list = append(s.list, x)
				v = v[m:]
			}
			return n, nil
		}
		if typ != wireTypeOf(fd.Kind()) {
			return -1, nil
		}
		if isMessage(fd.Kind()) {
			v, n := consumeMessage(fd, b)
			if n < 0 {
				return 0, errWire
			}
			x, err := w.message(fd.Message(), v, depth+2)
			if err != nil {
				return 0, err
			}
			s.list = append(s.list, x)
			return n, nil
		}
		x, n, err := w.scalar(fd, typ, b)
		if err != nil {
			return 0, err
		}
		s.list = append(s.list, x)
		return n, nil
	}
	if typ != wireTypeOf(fd.Kind()) {
		return -1, nil
	}
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		members := od.Fields()
		for i := range members.Len() {
			m := members.Get(i)
			if m == fd {
				continue
			}
			if o := &slots[m.Index()]; o.set && isMessage(m.Kind()) {
				// Decoded only to be dropped: protobuf-go would have
				// refused the payload had it been malformed.
				if _, err := w.message(m.Message(), o.raw, depth+1); err != nil {
					return 0, fmt.Errorf("field %s: %w", m.FullName(), err)
				}
			}
			slots[m.Index()] = slot{}
		}
	}
	if isMessage(fd.Kind()) {
		v, n := consumeMessage(fd, b)
		if n < 0 {
			return 0, errWire
		}
		raw, err := merge(s.raw, s.set, v)
		if err != nil {
			return 0, err
		}
		s.raw, s.set = raw, true
		return n, nil
	}
	x, n, err := w.scalar(fd, typ, b)
	if err != nil {
		return 0, err
	}
	s.v, s.set = x, true
	return n, nil
}

// final is the value of a field once the whole message is read.
func (w *wireDecoder) final(fd protoreflect.FieldDescriptor, s *slot, depth int) (any, error) {
	switch {
	case fd.IsMap():
		if err := w.spend(); err != nil {
			return nil, err
		}
		ents := slices.Clip(s.ents)
		if ents == nil {
			ents = document.Object{}
		}
		slices.SortStableFunc(ents, func(a, b document.Field) int { return strings.Compare(a.Name, b.Name) })
		out := ents[:0]
		for i, e := range ents {
			if i+1 < len(ents) && ents[i+1].Name == e.Name {
				continue // the last entry of a key wins
			}
			out = append(out, e)
		}
		return document.Object(out), nil
	case fd.IsList():
		if err := w.spend(); err != nil {
			return nil, err
		}
		if s.list == nil {
			return []any{}, nil
		}
		return s.list, nil
	case !s.set && fd.HasPresence():
		return nil, w.spend()
	case !s.set && isMessage(fd.Kind()):
		return w.message(fd.Message(), nil, depth+1) // not reached: message fields track presence
	case !s.set:
		if err := w.spend(); err != nil {
			return nil, err
		}
		return defaultValue(fd), nil
	case isMessage(fd.Kind()):
		return w.message(fd.Message(), s.raw, depth+1)
	}
	return s.v, nil
}

// mapEntry decodes one entry of map field fd: its key (as text) and value.
func (w *wireDecoder) mapEntry(fd protoreflect.FieldDescriptor, b []byte, depth int) (document.Field, error) {
	kd, vd := fd.MapKey(), fd.MapValue()
	var (
		key              any
		val              any
		valRaw           []byte
		haveKey, haveVal bool
	)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber || typ == protowire.EndGroupType {
			return document.Field{}, errWire
		}
		b = b[n:]
		switch {
		case num == 1 && typ == wireTypeOf(kd.Kind()):
			x, n, err := w.scalarValue(kd, typ, b)
			if err != nil {
				return document.Field{}, err
			}
			key, haveKey, b = x, true, b[n:]
			continue
		case num == 2 && typ == wireTypeOf(vd.Kind()) && isMessage(vd.Kind()):
			v, n := consumeMessage(vd, b)
			if n < 0 {
				return document.Field{}, errWire
			}
			raw, err := merge(valRaw, haveVal, v)
			if err != nil {
				return document.Field{}, err
			}
			valRaw, haveVal, b = raw, true, b[n:]
			continue
		case num == 2 && typ == wireTypeOf(vd.Kind()):
			x, n, err := w.scalarValue(vd, typ, b)
			if err != nil {
				return document.Field{}, err
			}
			val, haveVal, b = x, true, b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return document.Field{}, errWire
		}
		b = b[n:]
	}
	if !haveKey {
		key = defaultValue(kd)
	}
	name, err := mapKeyText(key)
	if err != nil {
		return document.Field{}, err
	}
	switch {
	case isMessage(vd.Kind()):
		v, err := w.message(vd.Message(), valRaw, depth+2)
		if err != nil {
			return document.Field{}, err
		}
		val = v
	case !haveVal:
		val = defaultValue(vd)
	}
	if !isMessage(vd.Kind()) {
		if err := w.spend(); err != nil {
			return document.Field{}, err
		}
	}
	return document.Field{Name: name, Value: val}, nil
}

// merge adds v, one more occurrence of a singular message, to raw, the
// occurrences so far (had says whether there were any). Occurrences merge
// as if their fields were written in one, which is what decoding raw and
// v one after the other into one message does, provided each is whole
// fields on its own: so when there are several, each is checked to be.
func merge(raw []byte, had bool, v []byte) ([]byte, error) {
	if !had {
		return v[:len(v):len(v)], nil // a later occurrence appends to a copy
	}
	if len(raw) > 0 && cap(raw) == len(raw) && !wholeFields(raw) {
		return nil, errWire // the first occurrence, checked now there is a second
	}
	if !wholeFields(v) {
		return nil, errWire
	}
	return append(raw, v...), nil
}

// wholeFields says whether b is a sequence of whole fields with valid
// tags (their contents are checked when they are decoded).
func wholeFields(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber {
			return false
		}
		b = b[n:]
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

// mapKeyText spells a map key: integers in decimal, bools as true/false.
func mapKeyText(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case int64:
		return strconv.FormatInt(k, 10), nil
	case float64: // a uint64 above math.MaxInt64
		return strconv.FormatUint(uint64(k), 10), nil
	case uint64:
		return strconv.FormatUint(k, 10), nil
	case bool:
		return strconv.FormatBool(k), nil
	}
	return "", fmt.Errorf("a map key of Go type %T", k)
}

// scalar reads one scalar of fd's kind, spending one value.
func (w *wireDecoder) scalar(fd protoreflect.FieldDescriptor, typ protowire.Type, b []byte) (any, int, error) {
	if err := w.spend(); err != nil {
		return nil, 0, err
	}
	return w.scalarValue(fd, typ, b)
}

// scalarValue reads one scalar of fd's kind, encoded with typ, and
// converts it with the port's mapping. A map's uint64 key stays uint64
// (mapKeyText spells it).
func (w *wireDecoder) scalarValue(fd protoreflect.FieldDescriptor, typ protowire.Type, b []byte) (any, int, error) {
	var (
		u uint64
		n int
	)
	switch typ {
	case protowire.VarintType:
		u, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var x uint32
		x, n = protowire.ConsumeFixed32(b)
		u = uint64(x)
	case protowire.Fixed64Type:
		u, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		v, m := protowire.ConsumeBytes(b)
		if m < 0 {
			return nil, 0, errWire
		}
		if fd.Kind() == protoreflect.StringKind {
			if !utf8.Valid(v) {
				return nil, 0, errors.New("a string is not valid UTF-8")
			}
			return string(v), m, nil
		}
		return append([]byte{}, v...), m, nil
	}
	if n < 0 {
		return nil, 0, errWire
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protowire.DecodeBool(u), n, nil
	case protoreflect.Int32Kind:
		return int64(int32(u)), n, nil
	case protoreflect.Sint32Kind:
		return int64(int32(protowire.DecodeZigZag(u & math.MaxUint32))), n, nil
	case protoreflect.Sfixed32Kind:
		return int64(int32(uint32(u))), n, nil
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		return int64(u), n, nil
	case protoreflect.Sint64Kind:
		return protowire.DecodeZigZag(u), n, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return int64(uint32(u)), n, nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if isMapKey(fd) {
			return u, n, nil
		}
		return unsigned(u), n, nil
	case protoreflect.FloatKind:
		return float64(math.Float32frombits(uint32(u))), n, nil
	case protoreflect.DoubleKind:
		return math.Float64frombits(u), n, nil
	case protoreflect.EnumKind:
		return enumText(fd, protoreflect.EnumNumber(int32(u))), n, nil
	}
	return nil, 0, fmt.Errorf("cannot decode a field of kind %s", fd.Kind())
}

// isMapKey says whether fd is the key field of a map entry.
func isMapKey(fd protoreflect.FieldDescriptor) bool {
	return fd.Number() == 1 && fd.ContainingMessage() != nil && fd.ContainingMessage().IsMapEntry()
}

func unsigned(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

// enumText is the name of n in fd's enum, or n in decimal.
func enumText(fd protoreflect.FieldDescriptor, n protoreflect.EnumNumber) string {
	if ev := fd.Enum().Values().ByNumber(n); ev != nil {
		return string(ev.Name())
	}
	return strconv.Itoa(int(n))
}

// defaultValue is the value of a scalar field absent on the wire.
func defaultValue(fd protoreflect.FieldDescriptor) any {
	d := fd.Default()
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return d.Bool()
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return d.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if isMapKey(fd) {
			return d.Uint()
		}
		return unsigned(d.Uint())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return d.Float()
	case protoreflect.StringKind:
		return strings.Clone(d.String())
	case protoreflect.BytesKind:
		return append([]byte{}, d.Bytes()...)
	case protoreflect.EnumKind:
		return enumText(fd, d.Enum())
	}
	return nil
}

func isMessage(k protoreflect.Kind) bool {
	return k == protoreflect.MessageKind || k == protoreflect.GroupKind
}

// consumeMessage reads a message field's bytes: length-prefixed, or a
// group up to its end tag.
func consumeMessage(fd protoreflect.FieldDescriptor, b []byte) ([]byte, int) {
	if fd.Kind() == protoreflect.GroupKind {
		return protowire.ConsumeGroup(fd.Number(), b)
	}
	return protowire.ConsumeBytes(b)
}

// wireTypeOf is the wire type of a kind's values (unpacked).
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// packable says whether repeated values of k may be packed.
func packable(k protoreflect.Kind) bool {
	return wireTypeOf(k) != protowire.BytesType && k != protoreflect.GroupKind
}

// wellKnownValue turns the object of a well-known type into the value the
// mapping gives it; any other message stays its object.
func wellKnownValue(md protoreflect.MessageDescriptor, o document.Object) (any, error) {
	if md.ParentFile() == nil || md.ParentFile().Package() != "google.protobuf" {
		return o, nil
	}
	switch md.Name() {
	case "Timestamp":
		s, ok1 := o.Get("seconds")
		n, ok2 := o.Get("nanos")
		secs, ok3 := s.(int64)
		nanos, ok4 := n.(int64)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return o, nil
		}
		return timestampMillis(secs, nanos)
	case "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value",
		"UInt32Value", "BoolValue", "StringValue", "BytesValue":
		if v, ok := o.Get("value"); ok && len(o) == 1 {
			return v, nil
		}
	case "Struct":
		if v, ok := o.Get("fields"); ok && len(o) == 1 {
			return v, nil
		}
	case "ListValue":
		if v, ok := o.Get("values"); ok && len(o) == 1 {
			return v, nil
		}
	case "Value":
		if od := md.Oneofs().ByName("kind"); od != nil && od.Fields().Len() == len(o) {
			for _, f := range o {
				if f.Value != nil {
					if f.Name == "null_value" {
						return nil, nil
					}
					return f.Value, nil
				}
			}
			return nil, nil
		}
	}
	return o, nil
}

// timestampMillis is a Timestamp in milliseconds since the epoch (floor).
func timestampMillis(secs, nanos int64) (any, error) {
	const limit = math.MaxInt64/1000 - 1
	if secs > limit || secs < -limit {
		return nil, errors.New("a Timestamp is out of range")
	}
	ms := secs*1000 + nanos/1e6
	if nanos%1e6 < 0 {
		ms-- // floor, as nanos may be negative in a malformed value
	}
	return ms, nil
}
