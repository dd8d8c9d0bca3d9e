package protoformat

import (
	"fmt"

	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Parser is the schemaformat.Parser for schema.Protobuf. It holds no state
// and is safe for concurrent use.
type Parser struct{}

var _ schemaformat.Parser = (*Parser)(nil)

// New returns the Protobuf parser.
func New() *Parser { return &Parser{} }

// Type is schema.Protobuf.
func (*Parser) Type() schema.Type { return schema.Protobuf }

// MaxDepth bounds how deeply a .proto file's brackets ({ [ ( <) may nest:
// nested messages, message literals in options. Protobuf's runtimes refuse
// to decode messages nested more than 100 deep by default, so a schema
// nested deeper describes nothing they could read. (The compiler refuses
// message declarations nested 32 deep itself, but only after its parser
// has built the whole syntax tree: 300,000 levels cost gigabytes.)
const MaxDepth = 100

// Parse compiles text as a .proto file whose imports are refs (Ref.Name is
// the import path), the well-known google/protobuf files, the google/type
// files and Confluent's confluent/meta.proto and confluent/type/*.proto.
// Errors wrap schema.ErrInvalidSchema and carry the compiler's
// "schema.proto:line:col: message" positions.
func (*Parser) Parse(text string, refs []schemaformat.Ref) (p schemaformat.Parsed, err error) {
	defer func() {
		// protocompile turns panics in its goroutines into errors; this
		// catches the rest (and the printer's), so that no schema can take
		// the registry down.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: the Protobuf compiler failed on this schema: %v", schema.ErrInvalidSchema, r)
		}
	}()
	// The compiler's syntax tree and every walk of it recurse once per
	// level: the depth is checked first, without recursion.
	if err := schemaformat.CheckSchemaNesting(text, refs, MaxDepth, schemaformat.ProtoSyntax); err != nil {
		return nil, err
	}
	res, err := compile(text, refs)
	if err != nil {
		return nil, err
	}
	out := &parsed{
		file:       res,
		canonical:  printFile(res, false),
		normalized: printFile(res, true),
	}
	dropASTs(res, map[string]bool{}) // the printed texts were all that needed them
	return out, nil
}

// dropASTs frees the syntax trees of f and the files it imports, which a
// parsed schema kept in the registry's cache would otherwise hold on to.
func dropASTs(f protoreflect.FileDescriptor, done map[string]bool) {
	if done[f.Path()] {
		return
	}
	done[f.Path()] = true
	if r, ok := f.(linker.Result); ok {
		r.RemoveAST()
	}
	imports := f.Imports()
	for i := range imports.Len() {
		dropASTs(imports.Get(i).FileDescriptor, done)
	}
}

// parsed is one compiled schema: its descriptors (for compatibility checks)
// and its two printed forms. Immutable, so safe for concurrent use.
type parsed struct {
	file       protoreflect.FileDescriptor
	canonical  string
	normalized string
}

func (p *parsed) Canonical() string  { return p.canonical }
func (p *parsed) Normalized() string { return p.normalized }

// CanRead reports why data written with writer cannot be read with p: it
// runs Confluent's SchemaDiff with writer as the original schema and p as
// the update (Confluent's isBackwardCompatible(previous) compares previous
// → this, and a BACKWARD check reads old data with the new schema) and
// turns each difference Confluent counts as incompatible into a sentence.
func (p *parsed) CanRead(writer schemaformat.Parsed) []string {
	w, ok := writer.(*parsed)
	if !ok {
		return []string{"the writer schema is not a Protobuf schema"}
	}
	var reasons []string
	for _, d := range compare(w.file, p.file) {
		if !d.kind.compatible() {
			reasons = append(reasons, d.reason())
		}
	}
	return reasons
}
