package schemaformattest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Fields is a toy schema language for testing the layers above the port
// (the registry, its HTTP API) without a real format. It calls itself
// AVRO. A schema is a JSON array of field names; a reader can read a
// writer that has all of its fields; a field "@name" must be provided by
// a reference called name.
type Fields struct{}

type fields struct{ names []string }

// Type is schema.Avro.
func (Fields) Type() schema.Type { return schema.Avro }

// Parse reads the JSON array.
func (Fields) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	var names []string
	if err := json.Unmarshal([]byte(text), &names); err != nil {
		return nil, fmt.Errorf("%w: %v", schema.ErrInvalidSchema, err)
	}
	for _, n := range names {
		if ref, ok := strings.CutPrefix(n, "@"); ok && !slices.ContainsFunc(refs, func(r schemaformat.Ref) bool { return r.Name == ref }) {
			return nil, fmt.Errorf("%w: reference %s is missing", schema.ErrInvalidSchema, ref)
		}
	}
	slices.Sort(names)
	return fields{names}, nil
}

func (f fields) Canonical() string  { b, _ := json.Marshal(f.names); return string(b) }
func (f fields) Normalized() string { return f.Canonical() }

func (f fields) CanRead(w schemaformat.Parsed) []string {
	var out []string
	for _, n := range f.names {
		if !slices.Contains(w.(fields).names, n) {
			out = append(out, "missing "+n)
		}
	}
	return out
}
