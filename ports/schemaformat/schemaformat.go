// Package schemaformat is the port for one schema language of the schema
// registry (Avro, JSON Schema, Protobuf): parsing, the canonical text the
// registry stores, normalization, and the rule deciding whether one schema
// can read data written with another.
package schemaformat

import "github.com/chronik-stream/chronik/domain/schema"

// Ref is a schema that the schema being parsed refers to: Name is how it is
// referred to (an Avro full name, a JSON Schema $ref URL, a Protobuf import
// path) and Text its registered text.
type Ref struct {
	Name string
	Text string
}

// Parser parses the schemas of one type. Safe for concurrent use.
type Parser interface {
	// Type is the schema type this parser handles.
	Type() schema.Type
	// Parse parses text. refs holds every schema text depends on,
	// transitively (a referenced schema's own references are in refs too,
	// under their names), in dependency order: a schema comes after the
	// ones it refers to. An invalid schema, or one that uses a name no ref
	// provides, is an error wrapping schema.ErrInvalidSchema that says what
	// is wrong and where.
	Parse(text string, refs []Ref) (Parsed, error)
}

// Parsed is one parsed schema. Safe for concurrent use.
type Parsed interface {
	// Canonical is the text the registry stores and returns: insignificant
	// differences (whitespace, JSON key order where the language gives it
	// no meaning) removed, everything meaningful kept. Two registrations are
	// the same schema when their canonical texts (and references) are
	// equal. Parsing Canonical again gives the same Canonical.
	Canonical() string
	// Normalized is the text compared when a client asks for
	// normalize=true: Canonical with further, language-specific
	// normalization (defaults made explicit, equivalent spellings unified,
	// order-insensitive parts sorted). Idempotent.
	Normalized() string
	// CanRead says why data written with writer cannot be read with this
	// schema as the reader schema: one human-readable reason per
	// incompatibility, none when it can. writer comes from the same Parser.
	CanRead(writer Parsed) []string
}
