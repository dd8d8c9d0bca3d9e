package jsonformat

import (
	"fmt"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

var _ schemaformat.Decoder = (*parsed)(nil)

// Decode parses payload, the JSON text a JSON Schema serializer writes,
// as one JSON object (document.ParseJSONObject): the JSON as it is, not
// validated against the schema. Anything else (not JSON, a JSON scalar or
// array, nested deeper than document.MaxDepth) is an error wrapping
// document.ErrUndecodable.
func (p *parsed) Decode(payload []byte) (document.Object, error) {
	o, err := document.ParseJSONObject(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: the JSON Schema payload is not one JSON object (nested at most %d deep, in UTF-8): %v", document.ErrUndecodable, document.MaxDepth, err)
	}
	return o, nil
}
