package avroformat

import (
	"fmt"
	"maps"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Parser is the schemaformat.Parser for schema.Avro. It holds no state and
// is safe for concurrent use.
type Parser struct{}

var _ schemaformat.Parser = (*Parser)(nil)

// New returns the Avro parser.
func New() *Parser { return &Parser{} }

// Type is schema.Avro.
func (*Parser) Type() schema.Type { return schema.Avro }

// Parse parses text as an Avro schema (JSON). Each ref is a schema
// defining named types (Ref.Name is the full name the schema uses; it is
// not checked against what the ref defines, as Confluent does not); refs
// come dependencies first and may use the types of earlier refs. The
// schema is read with Avro Java's rules and then checked again by
// hamba/avro. Errors wrap schema.ErrInvalidSchema.
func (*Parser) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	b := newBuilder()
	type doc struct {
		root  *node
		known map[string]bool // the names defined before it, written by name
	}
	var docs []doc
	for _, ref := range refs {
		b.inRef = ref.Name
		known := b.knownNames()
		root, err := b.parse(ref.Text)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc{root, known})
	}
	b.inRef = ""
	known := b.knownNames()
	root, err := b.parse(text)
	if err != nil {
		return nil, err
	}
	docs = append(docs, doc{root, known})
	p := &parsed{
		root:       root,
		canonical:  writeCanonical(root, maps.Clone(known)),
		normalized: writeNormalized(root, maps.Clone(known)),
	}
	noDefaults := b.hasLargeFixed()
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = writeHamba(d.root, d.known, noDefaults)
	}
	if err := hambaCheck(texts, refs); err != nil {
		return nil, err
	}
	return p, nil
}

// hasLargeFixed reports whether a fixed type is larger than largeFixed.
func (b *builder) hasLargeFixed() bool {
	for _, n := range b.names {
		if n.kind == kFixed && n.size > largeFixed {
			return true
		}
	}
	return false
}

// parse reads one schema text into the builder.
func (b *builder) parse(text string) (*node, error) {
	// decodeJSON stops at maxDepth itself; checking first, without
	// recursion, refuses a deep text before anything walks it.
	what := "the schema"
	if b.inRef != "" {
		what = fmt.Sprintf("reference %q", b.inRef)
	}
	if err := schemaformat.CheckNesting(what, text, maxDepth, schemaformat.JSONSyntax); err != nil {
		return nil, err
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, b.errf("", "%v", err)
	}
	return b.schema(v, "", "")
}

// knownNames is a fresh set of the names defined so far.
func (b *builder) knownNames() map[string]bool {
	out := make(map[string]bool, len(b.names))
	for n := range b.names {
		out[n] = true
	}
	return out
}

// hambaCheck parses the texts (the references', then the schema's) with
// hamba/avro into one cache. hamba is stricter than Avro Java in a few
// places (doc.go lists them); what it rejects is invalid here too.
func hambaCheck(texts []string, refs []schemaformat.Ref) (err error) {
	at := "the schema"
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: the Avro library failed on it: %v", schema.ErrInvalidSchema, at, r)
		}
	}()
	cache := &avro.SchemaCache{}
	for i, t := range texts {
		if i < len(refs) {
			at = fmt.Sprintf("reference %q", refs[i].Name)
		} else {
			at = "the schema"
		}
		if _, err := avro.ParseWithCache(t, "", cache); err != nil {
			msg := strings.TrimPrefix(err.Error(), "avro: ")
			msg = strings.ReplaceAll(msg, nullSpace+".", "")
			return fmt.Errorf("%w: %s: %s", schema.ErrInvalidSchema, at, msg)
		}
	}
	return nil
}

// parsed is one parsed schema. Immutable, so safe for concurrent use.
type parsed struct {
	root       *node
	canonical  string
	normalized string
}

// Canonical is the schema as Confluent stores it (Avro Java's compact
// toString, referenced types written by name).
func (p *parsed) Canonical() string { return p.canonical }

// Normalized is Confluent's normalized form (normalize=true).
func (p *parsed) Normalized() string { return p.normalized }

// CanRead applies Avro's schema resolution rules with p as the reader.
func (p *parsed) CanRead(writer schemaformat.Parsed) []string {
	w, ok := writer.(*parsed)
	if !ok {
		return []string{fmt.Sprintf("top level: the writer schema is not an Avro schema (%T)", writer)}
	}
	return canRead(p.root, w.root)
}
