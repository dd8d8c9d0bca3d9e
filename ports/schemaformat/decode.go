package schemaformat

import "github.com/chronik-stream/chronik/domain/document"

// Decoder is implemented by a Parsed that can decode the values written
// with it, so that the query sinks get typed fields rather than bytes.
// Every Parsed of Chronik's formats (Avro, JSON Schema, Protobuf) is one;
// a caller checks with a type assertion and treats a Parsed that is not
// one as "cannot decode".
//
// Decode decodes payload, the bytes of a Confluent-framed value after its
// magic byte and 4-byte schema id, into a document.Object whose values
// are of document's kinds only (nil, bool, int64, float64, string, []byte,
// []any, document.Object). It is safe for concurrent use, does not keep
// or modify payload, and returns values that do not alias it.
//
// A payload that does not match the schema (truncated, trailing bytes,
// an index or length out of range, invalid UTF-8 in a string, nested more
// than document.MaxDepth deep) is an error wrapping
// document.ErrUndecodable that says what is wrong without quoting the
// payload; Decode never panics and allocates in proportion to the
// payload: a length or count is checked against the bytes that remain
// before anything is allocated for it, and a payload decoding to more
// than len(payload) + MaxZeroWidthValues values (null, empty records) is
// refused.
//
// The payload of each format and how its values map:
//
// Avro: the binary encoding of a value of the schema (the writer's
// schema: the one whose id framed it; no resolution against another).
//
//	null → nil; boolean → bool; int, long → int64; float, double → float64
//	string → string; bytes, fixed → []byte; enum → its symbol (string)
//	array → []any; map → Object with its keys sorted
//	record → Object, fields in the schema's order
//	union → the value of the branch written (not wrapped in the branch's name)
//	logical types: decimal (bytes or fixed) → string ("-12.30", the scale
//	  applied; at most MaxDecimalBytes bytes); date, time-*, timestamp-*,
//	  local-timestamp-* → int64 as written (days, ms, µs or ns: the value
//	  model has no time kind and converting would lose the unit); uuid →
//	  string; duration, big-decimal → []byte as written
//
// Protobuf: Confluent's message indexes (a zigzag varint count, then that
// many zigzag varints; a single 0 byte is [0]) naming the message type
// (the path of indexes from the file's top-level messages, in declaration
// order, down its nested ones; the entry types of map fields are not
// messages here, as in Confluent's deserializer), then the message's
// binary encoding.
//
//	int32, sint32, sfixed32, int64, sint64, sfixed64, uint32, fixed32 → int64
//	uint64, fixed64 → int64, or float64 above math.MaxInt64
//	float, double → float64; bool → bool; string → string; bytes → []byte
//	enum → the value's name (string); a number the enum does not declare
//	  → the number in decimal (string)
//	message → Object, fields in declaration order (oneof members where
//	  they are declared), unknown fields dropped
//	repeated → []any; map → Object with its keys (in decimal for integer
//	  keys, "true"/"false" for bool) sorted
//	a field absent on the wire: nil when the field tracks presence
//	  (messages, oneof members, proto2 and proto3 "optional" fields), else
//	  its default (0, "", false, empty bytes, the enum's first value's
//	  name; an empty []any or Object for repeated and map fields)
//	google.protobuf.Timestamp → int64 milliseconds since the epoch (floor);
//	  the wrappers (Int64Value, StringValue, ...) → the wrapped value, nil
//	  when absent; Struct → Object; Value → its JSON value; ListValue →
//	  []any; other well-known types (Duration, Any, ...) → Object as any
//	  message
//
// JSON Schema: JSON text, which must be one JSON object
// (document.ParseJSONObject); the JSON as it is, not validated against
// the schema.
//
// A top-level value that is not an Object (an Avro schema that is a
// string, an array, a union of such) is returned as an Object with one
// field, "value".
type Decoder interface {
	Decode(payload []byte) (document.Object, error)
}

// MaxZeroWidthValues bounds the values a Decode may produce beyond one per
// payload byte: values that take no bytes on the wire (Avro null, empty
// records and fixed, Protobuf defaults of absent fields) cost no input,
// so without this a few bytes of array count could make billions of them.
const MaxZeroWidthValues = 1 << 16

// MaxDecimalBytes bounds an Avro decimal's unscaled value (2^1023 has 308
// digits); a longer one is refused rather than converted to text.
const MaxDecimalBytes = 128

// TopValue is the name of the single field a top-level value that is not
// an object is returned under.
const TopValue = "value"
