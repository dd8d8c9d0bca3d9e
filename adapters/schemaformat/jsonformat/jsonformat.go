package jsonformat

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Parser is the schemaformat.Parser for schema.JSON. It holds no state and
// is safe for concurrent use.
type Parser struct{}

var _ schemaformat.Parser = (*Parser)(nil)

// New returns the JSON Schema parser.
func New() *Parser { return &Parser{} }

// Type is schema.JSON.
func (*Parser) Type() schema.Type { return schema.JSON }

// MaxDepth bounds how deeply a schema's JSON may nest, objects and arrays
// counted: Jackson's default nesting limit (StreamReadConstraints), which
// Confluent's registry parses JSON Schemas with.
const MaxDepth = 1000

// MaxNodes bounds how many objects and booleans (the values that may be
// subschemas) a schema and its references hold together: the schema
// library compiles n subschemas in time that grows with n squared (10,000
// take about half a second, 20,000 two seconds, the 700,000 that fit in a
// 2 MB request would take most of an hour).
const MaxNodes = 10_000

// rootURL is where the schema being parsed lives; a reference named
// "customer.json" is found at mem://input/customer.json (Confluent's
// base URI too).
const rootURL = "mem://input"

// Parse checks that text is JSON and a JSON Schema of the draft its
// $schema names (draft 7 without one, as Confluent), whose every $ref
// resolves within the text or to one of refs: a ref is registered at its
// Name, resolved against the schema's base URI (so "customer.json" and
// "https://example.com/customer.json" both work) and against the $id of the
// root and of every ref. Nothing is fetched from the network or the file
// system. Errors wrap schema.ErrInvalidSchema.
func (*Parser) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	// Every walk below (the decoder, the library's compiler, the model
	// builder, the printers) recurses once per level: the depth is checked
	// first, without recursion, for the schema and every reference.
	if err := schemaformat.CheckSchemaNesting(text, refs, MaxDepth, schemaformat.JSONSyntax); err != nil {
		return nil, err
	}
	doc, err := decode(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", schema.ErrInvalidSchema, err)
	}
	switch doc.(type) {
	case object, bool:
	default:
		return nil, fmt.Errorf("%w: a JSON Schema is an object or a boolean, not %s", schema.ErrInvalidSchema, jsonKind(doc))
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(refusingLoader{})
	c.UseRegexpEngine(compileRegexp)
	docs := map[string]any{}
	add := func(u string, v any) error {
		if _, dup := docs[u]; dup {
			return nil // first registration wins
		}
		if err := c.AddResource(u, v); err != nil {
			var exists *jsonschema.ResourceExistsError
			if errors.As(err, &exists) {
				return nil // a meta-schema URL: the library has its own copy
			}
			return err
		}
		docs[u] = v
		return nil
	}
	rootPlain := plain(doc)
	if err := add(rootURL, rootPlain); err != nil {
		return nil, fmt.Errorf("%w: %v", schema.ErrInvalidSchema, err)
	}

	// The bases a ref name may be resolved against: the root's URL and the
	// absolute $id of the root and of each ref.
	bases := []string{rootURL}
	addBase := func(v any, at string) {
		if id := topID(v); id != "" {
			if u, err := join(at, id); err == nil && !slices.Contains(bases, u) {
				bases = append(bases, u)
			}
		}
	}
	addBase(doc, rootURL)
	refDocs := make([]any, len(refs))
	nodes := countNodes(doc, MaxNodes)
	for i, r := range refs {
		v, err := decode(r.Text)
		if err != nil {
			return nil, fmt.Errorf("%w: reference %q: %v", schema.ErrInvalidSchema, r.Name, err)
		}
		refDocs[i] = v
		nodes += countNodes(v, MaxNodes)
		if u, err := join(rootURL, r.Name); err == nil {
			addBase(v, u)
		}
	}
	if nodes > MaxNodes {
		return nil, fmt.Errorf("%w: the schema and its references hold more than %d objects and booleans (each may be a subschema); split the schema", schema.ErrInvalidSchema, MaxNodes)
	}
	for i, r := range refs {
		pv := plain(refDocs[i])
		for _, base := range bases {
			u, err := join(base, r.Name)
			if err != nil {
				return nil, fmt.Errorf("%w: reference name %q is not a URL: %v", schema.ErrInvalidSchema, r.Name, err)
			}
			if err := add(u, pv); err != nil {
				return nil, fmt.Errorf("%w: reference %q: %v", schema.ErrInvalidSchema, r.Name, err)
			}
		}
	}

	sch, err := c.Compile(rootURL)
	if err != nil {
		return nil, compileError(err, doc)
	}
	b := &builder{docs: docs, nodes: map[*jsonschema.Schema]*node{}, compiler: c}
	return &parsed{
		root:       b.node(sch),
		canonical:  compact(doc),
		normalized: compact(normalizeSchema(doc)),
	}, nil
}

// parsed is one parsed schema: its compatibility model and its two texts.
// Immutable, so safe for concurrent use.
type parsed struct {
	root       *node
	canonical  string
	normalized string
}

// Canonical is the text compacted, keys in the order written: Confluent's
// canonical string for JSON Schema.
func (p *parsed) Canonical() string { return p.canonical }

// Normalized is Canonical with every object's keys sorted (Confluent's
// normalize) and the order-insensitive arrays of schema keywords sorted.
func (p *parsed) Normalized() string { return p.normalized }

// CanRead runs Confluent's JSON Schema SchemaDiff with writer as the
// original and p as the update and turns each difference Confluent counts
// as incompatible into a sentence. A BACKWARD check calls it with the new
// schema as p (the reader) and an earlier one as writer; a FORWARD check
// with an earlier schema as p and the new one as writer.
func (p *parsed) CanRead(writer schemaformat.Parsed) []string {
	w, ok := writer.(*parsed)
	if !ok {
		return []string{"the writer schema is not a JSON Schema"}
	}
	diffs, exhausted := diffSchemas(w.root, p.root)
	var reasons []string
	seen := map[string]bool{}
	for _, d := range diffs {
		if compatibleTypes[d.typ] {
			continue
		}
		if r := d.reason(); !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	if exhausted {
		reasons = append(reasons, difference{typ: tooComplex}.reason())
	}
	return reasons
}

// differences is CanRead's raw result, for tests.
func (p *parsed) differences(writer *parsed) []difference {
	diffs, _ := diffSchemas(writer.root, p.root)
	return diffs
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	}
	return "a number"
}

// topID is the $id (or draft 4's id) of a schema document, if a string.
func topID(v any) string {
	o, ok := v.(object)
	if !ok {
		return ""
	}
	for _, k := range []string{"$id", "id"} {
		if id, ok := o.get(k); ok {
			if s, ok := id.(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// join resolves ref against base, dropping any fragment.
func join(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	u := b.ResolveReference(r)
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// refusingLoader is the compiler's loader: every schema a $ref or $schema
// needs must be registered (the draft meta-schemas are built in), so
// nothing is read from the network or the disk.
type refusingLoader struct{}

var errNotRegistered = errors.New("not registered")

func (refusingLoader) Load(string) (any, error) { return nil, errNotRegistered }

// compileError rewords the library's errors into what the registry's user
// needs to fix.
func compileError(err error, doc any) error {
	var load *jsonschema.LoadURLError
	if errors.As(err, &load) && errors.Is(load.Err, errNotRegistered) {
		if o, ok := doc.(object); ok {
			if ms, ok := o.get("$schema"); ok {
				if s, ok := ms.(string); ok && strings.TrimSuffix(s, "#") == strings.TrimSuffix(load.URL, "#") {
					return fmt.Errorf("%w: $schema %q is not a draft this registry knows (draft-04, draft-06, draft-07, 2019-09, 2020-12) nor a registered reference",
						schema.ErrInvalidSchema, s)
				}
			}
		}
		name := strings.TrimPrefix(load.URL, rootURL+"/")
		return fmt.Errorf("%w: $ref to %q cannot be resolved: no reference of that name was given (register the referenced schema and list it in \"references\")",
			schema.ErrInvalidSchema, name)
	}
	var missing *jsonschema.JSONPointerNotFoundError
	if errors.As(err, &missing) {
		return fmt.Errorf("%w: $ref %q points to nothing: no such location in %s", schema.ErrInvalidSchema,
			located(missing.URL), docName(missing.URL))
	}
	var verr *jsonschema.SchemaValidationError
	if errors.As(err, &verr) {
		return fmt.Errorf("%w: not a valid JSON Schema: %s", schema.ErrInvalidSchema, oneLine(verr.Err.Error()))
	}
	return fmt.Errorf("%w: %s", schema.ErrInvalidSchema, oneLine(err.Error()))
}

// located shows a library URL the way the schema wrote it: mem://input#/a
// is #/a, mem://input/x.json#/a is x.json#/a.
func located(u string) string {
	u = strings.TrimPrefix(u, rootURL)
	return strings.TrimPrefix(u, "/")
}

func docName(u string) string {
	doc, _, _ := strings.Cut(u, "#")
	if doc == rootURL {
		return "the schema"
	}
	return fmt.Sprintf("reference %q", located(doc))
}

// oneLine joins the library's indented multi-line messages into one line
// and names the schema instead of its internal URL.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.ReplaceAll(strings.Join(parts, "; "), rootURL, "the schema")
}

// compileRegexp accepts what Go's regexp package compiles, after turning
// ECMA-262's \uXXXX into \x{XXXX}. A pattern that uses ECMA-262 features
// RE2 lacks (lookaround, backreferences) is accepted too, since the
// registry never validates data with it: such a pattern matches no
// property name when the compatibility check looks for patternProperties.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(s); err == nil {
		return re, nil
	}
	translated := uEscape.ReplaceAllString(s, `\x{$1}`)
	re, err := regexp.Compile(translated)
	if err == nil {
		return re, nil
	}
	if ecmaOnly.MatchString(s) {
		return opaqueRegexp(s), nil
	}
	return nil, err
}

var (
	uEscape  = regexp.MustCompile(`\\u([0-9a-fA-F]{4})`)
	ecmaOnly = regexp.MustCompile(`\(\?<?[=!]|\\[1-9]|\\k<`)
)

type opaqueRegexp string

func (r opaqueRegexp) String() string          { return string(r) }
func (r opaqueRegexp) MatchString(string) bool { return false }
