// Package document is a record as the query sinks see it: its Kafka
// coordinates, its key and headers, and its value decoded once into fields
// that every sink (columns, a text index, vectors) reads the same way.
//
// A decoded value is a tree of Go values of a few kinds only:
//
//	nil                 JSON null, an absent optional field
//	bool
//	int64               an integral JSON number that fits, Avro int/long
//	float64             any other number
//	string
//	[]byte              Avro bytes/fixed, Protobuf bytes
//	[]any               a list of values of these kinds
//	Object              fields in the order the value had them
//
// Objects keep their fields' order (the order the producer wrote them),
// so a table's columns come out in the order a user sees in the records.
package document

import "errors"

// ErrUndecodable is wrapped by every reason a value could not be decoded
// as its framing promised (a Confluent-framed value whose schema is
// unknown, or whose payload does not match its schema). The document is
// still indexed, with its raw value only.
var ErrUndecodable = errors.New("value cannot be decoded")

// Header is one record header.
type Header struct {
	Key   string
	Value []byte // nil when null
}

// Field is one named value of an Object.
type Field struct {
	Name  string
	Value any
}

// Object is a decoded record or nested object: its fields in order.
type Object []Field

// Get returns the value of the field named name, and whether there is one.
func (o Object) Get(name string) (any, bool) {
	for _, f := range o {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Kind says how a document's value was decoded.
type Kind int8

const (
	// Raw: the value is not an object a sink can split into fields (not
	// JSON, a JSON scalar or array, or undecodable); sinks keep Value as
	// a whole.
	Raw Kind = iota
	// JSON: the value is a JSON object; Fields holds it.
	JSON
	// Schema: the value was framed with a registered schema's id and
	// decoded with that schema; Fields holds it and SchemaID names it.
	Schema
)

// Document is one record of a partition, decoded.
type Document struct {
	Partition int32
	Offset    int64
	Timestamp int64 // milliseconds since the epoch
	Key       []byte
	Headers   []Header
	Value     []byte // the raw value; nil when null

	Kind     Kind
	Fields   Object // the decoded value when Kind is JSON or Schema
	SchemaID int32  // the registry's id when Kind is Schema
}
