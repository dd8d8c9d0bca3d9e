package jsonformat

import (
	"encoding/json"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The compatibility rules are Confluent's, and Confluent states them over
// the schema classes of the everit library (StringSchema, ObjectSchema,
// CombinedSchema, ...), into which it loads every JSON Schema whatever its
// draft. This file rebuilds that model from the schema compiled by
// santhosh-tekuri/jsonschema (which resolved every $ref) and the raw JSON of
// each subschema (which keeps what the compiled form drops: which keywords
// were written, draft 4's boolean exclusiveMaximum, "format").

// kind is an everit schema class.
type kind int

const (
	kEmpty    kind = iota // EmptySchema / TrueSchema: true, {} or annotations only
	kFalse                // FalseSchema
	kString               // StringSchema
	kNumber               // NumberSchema (integer when node.integer)
	kBoolean              // BooleanSchema
	kNull                 // NullSchema
	kObject               // ObjectSchema
	kArray                // ArraySchema
	kEnum                 // EnumSchema
	kConst                // ConstSchema
	kCombined             // CombinedSchema: allOf, anyOf or oneOf
	kNot                  // NotSchema
	kCond                 // ConditionalSchema: if/then/else
	kRef                  // ReferenceSchema
)

func (k kind) String() string {
	return [...]string{"an empty schema (anything)", "false (nothing)", "string", "number", "boolean", "null",
		"object", "array", "enum", "const", "combined schema", "not", "if/then/else", "$ref"}[k]
}

// node is one schema of the model. Nodes made from a compiled schema are
// shared (a $ref target is one node however often it is referred to), so
// the graph may have cycles; it is immutable once built.
type node struct {
	kind kind
	raw  any // the JSON it was loaded from; nil for parts the loader splits off

	// annotations
	id, title, description *string
	def                    any // default value; hasDefault says whether set
	hasDefault             bool
	connectType            string // "connect.type", Kafka Connect's logical type

	// string
	minLength, maxLength *number
	pattern              *string

	// number
	integer                  bool
	minimum, maximum         *number
	exclMinimum, exclMaximum *number // numeric, from draft 6; draft 4's booleans are not compared, as Confluent
	multipleOf               *number

	// object
	properties         map[string]*node
	required           []string
	noAdditionalProps  bool  // additionalProperties: false
	additionalProps    *node // additionalProperties: a schema
	patternProps       []patternProp
	propertyDeps       map[string][]string
	schemaDeps         map[string]*node
	unevaluatedProps   *node
	minProps, maxProps *number

	// array
	allItems           *node   // items: one schema for every item
	itemList           []*node // items (draft 4 to 2019-09) or prefixItems (2020-12): one per position
	noAdditionalItems  bool
	additionalItems    *node
	unevaluatedItems   *node
	minItems, maxItems *number
	minContains        *number
	maxContains        *number
	uniqueItems        bool

	// enum, const: the values and their identities
	values []any
	keys   []string

	// combined
	criterion string // "allOf", "anyOf" or "oneOf"
	subs      []*node
	subKeys   []string // the key-sorted JSON of each sub, "" for a synthetic one
	synthetic bool     // made by the loader, not written: its index is not in paths

	// not, ref
	not    *node
	target *node
}

type patternProp struct {
	re     jsonschema.Regexp
	source string
	schema *node
}

func (n *node) isRequired(p string) bool { return slices.Contains(n.required, p) }

// number is a numeric keyword value: exact when it fits a big.Rat, else
// the nearest float64 (as Confluent compares doubles).
type number struct {
	text string
	rat  *big.Rat
	f    float64
}

func newNumber(v any) *number {
	n, ok := v.(json.Number)
	if !ok {
		return nil
	}
	out := &number{text: string(n)}
	if r, ok := new(big.Rat).SetString(string(n)); ok {
		out.rat = r
	}
	out.f, _ = strconv.ParseFloat(string(n), 64)
	return out
}

func (a *number) cmp(b *number) int {
	if a.rat != nil && b.rat != nil {
		return a.rat.Cmp(b.rat)
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

func (a *number) String() string { return a.text }

// builder turns compiled schemas into nodes.
type builder struct {
	docs     map[string]any // registered documents by URL (plain form)
	nodes    map[*jsonschema.Schema]*node
	compiler *jsonschema.Compiler // for subschemas the library skips
}

// node returns the node of s, making it on first use; a schema that refers
// back to itself gets the node under construction.
func (b *builder) node(s *jsonschema.Schema) *node {
	if s == nil {
		return nil
	}
	if n, ok := b.nodes[s]; ok {
		return n
	}
	n := &node{}
	b.nodes[s] = n
	b.fill(n, s)
	return n
}

// rawOf finds the JSON of s in the registered documents; nil when s lives
// in a document Chronik did not register (a draft's meta-schema).
func (b *builder) rawOf(s *jsonschema.Schema) (any, bool) {
	u, frag, _ := strings.Cut(s.Location, "#")
	doc, ok := b.docs[u]
	if !ok {
		return nil, false
	}
	ptr, err := url.PathUnescape(frag)
	if err != nil {
		return nil, false
	}
	v := doc
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// Keyword groups that make the loader produce a schema of one type when
// "type" does not say it (everit's PropertySnifferSchemaExtractor and the
// draft 2019-09/2020-12 translation of Confluent's SchemaTranslator).
var (
	stringKeywords = []string{"minLength", "maxLength", "pattern"}
	numberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)

func arrayKeywords(draft int) []string {
	switch {
	case draft <= 4:
		return []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems"}
	case draft <= 7:
		return []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"}
	}
	return []string{"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
		"contains", "minContains", "maxContains", "unevaluatedItems"}
}

func objectKeywords(draft int) []string {
	switch {
	case draft <= 4:
		return []string{"properties", "required", "minProperties", "maxProperties", "dependencies",
			"patternProperties", "additionalProperties"}
	case draft <= 7:
		return []string{"properties", "required", "minProperties", "maxProperties", "dependencies",
			"patternProperties", "additionalProperties", "propertyNames"}
	}
	return []string{"properties", "required", "minProperties", "maxProperties", "dependentRequired",
		"dependentSchemas", "patternProperties", "additionalProperties", "propertyNames", "unevaluatedProperties"}
}

func hasAny(obj map[string]any, keys []string) bool {
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// fill loads s into n the way everit's SchemaLoader does: a $ref (before
// 2019-09, which ignores the $ref's siblings) is a reference; otherwise each
// of enum, allOf/anyOf/oneOf, not, const, type (or, without type, each
// group of type-specific keywords) and if/then/else gives one schema; none
// is an empty schema, one is itself and several are a synthetic allOf.
func (b *builder) fill(n *node, s *jsonschema.Schema) {
	raw, ok := b.rawOf(s)
	if !ok {
		n.kind = kEmpty // a meta-schema: compared as "anything"
		return
	}
	n.raw = raw
	obj, _ := raw.(map[string]any)
	if obj == nil {
		if bv, _ := raw.(bool); bv {
			n.kind = kEmpty
		} else {
			n.kind = kFalse
		}
		return
	}
	draft := s.DraftVersion
	if draft < 2019 && s.Ref != nil {
		n.kind, n.target = kRef, b.node(s.Ref)
		return
	}

	var parts []*node
	ref := func(t *jsonschema.Schema) { parts = append(parts, &node{kind: kRef, target: b.node(t)}) }
	if s.Ref != nil {
		ref(s.Ref)
	}
	if s.RecursiveRef != nil {
		ref(s.RecursiveRef)
	}
	if s.DynamicRef != nil && s.DynamicRef.Ref != nil {
		ref(s.DynamicRef.Ref)
	}
	if arr, ok := obj["enum"].([]any); ok {
		parts = append(parts, valuesNode(kEnum, arr))
	}
	for _, c := range []struct {
		name string
		subs []*jsonschema.Schema
	}{{"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}} {
		if _, ok := obj[c.name]; ok && c.subs != nil {
			cn := &node{kind: kCombined, criterion: c.name}
			for _, sub := range c.subs {
				sn := b.node(sub)
				cn.subs = append(cn.subs, sn)
				key := ""
				if sn.raw != nil {
					key = sortedKeys(sn.raw)
				}
				cn.subKeys = append(cn.subKeys, key)
			}
			parts = append(parts, cn)
		}
	}
	if s.Not != nil {
		parts = append(parts, &node{kind: kNot, not: b.node(s.Not)})
	}
	if c, ok := obj["const"]; ok && draft >= 6 {
		parts = append(parts, valuesNode(kConst, []any{c}))
	}

	// type, then the keyword groups type did not consume.
	consumed := map[kind]bool{}
	var types []string
	switch t := obj["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			if str, ok := e.(string); ok {
				types = append(types, str)
			}
		}
	}
	var typed []*node
	for _, t := range types {
		tn := b.typed(t, s, obj)
		if tn != nil {
			typed = append(typed, tn)
			consumed[tn.kind] = true
		}
	}
	switch {
	case len(typed) == 1 && !isArrayType(obj["type"]):
		parts = append(parts, typed[0])
	case len(typed) > 0:
		parts = append(parts, &node{kind: kCombined, criterion: "anyOf", subs: typed, subKeys: make([]string, len(typed)), synthetic: true})
	}
	strKeys := stringKeywords
	if draft <= 7 {
		strKeys = append(slices.Clone(stringKeywords), "format")
	}
	for _, g := range []struct {
		k    kind
		keys []string
		name string
	}{
		{kArray, arrayKeywords(draft), "array"},
		{kObject, objectKeywords(draft), "object"},
		{kNumber, numberKeywords, "number"},
		{kString, strKeys, "string"},
	} {
		if !consumed[g.k] && hasAny(obj, g.keys) {
			parts = append(parts, b.typed(g.name, s, obj))
		}
	}
	if _, ok := obj["if"]; ok && draft >= 7 {
		parts = append(parts, &node{kind: kCond})
	}

	switch len(parts) {
	case 0:
		n.kind = kEmpty
	case 1:
		raw := n.raw
		*n = *parts[0]
		n.raw = raw
	default:
		n.kind, n.criterion, n.subs, n.subKeys, n.synthetic = kCombined, "allOf", parts, make([]string, len(parts)), true
	}
	b.annotate(n, obj, draft)
}

func isArrayType(t any) bool {
	_, ok := t.([]any)
	return ok
}

func (b *builder) annotate(n *node, obj map[string]any, draft int) {
	idKey := "$id"
	if draft <= 4 {
		idKey = "id"
	}
	str := func(k string) *string {
		if v, ok := obj[k].(string); ok {
			return &v
		}
		return nil
	}
	n.id, n.title, n.description = str(idKey), str("title"), str("description")
	if d, ok := obj["default"]; ok {
		n.def, n.hasDefault = d, true
	}
	if ct, ok := obj["connect.type"].(string); ok {
		n.connectType = ct
	}
}

func valuesNode(k kind, vals []any) *node {
	n := &node{kind: k, values: vals}
	for _, v := range vals {
		n.keys = append(n.keys, valueKey(v))
	}
	return n
}

// valueKey is the identity of a JSON value: its key-sorted text, numbers
// written as exact fractions so that 1, 1.0 and 1e0 are one value.
func valueKey(v any) string {
	return sortedKeys(canonNumbers(v))
}

func canonNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = canonNumbers(e)
		}
		return m
	case []any:
		return mapArray(v, canonNumbers)
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(v)); ok {
			return json.Number(r.RatString())
		}
	}
	return v
}

// typed makes the schema of one type name with that type's keywords.
func (b *builder) typed(t string, s *jsonschema.Schema, obj map[string]any) *node {
	draft := s.DraftVersion
	num := func(k string) *number { return newNumber(obj[k]) }
	switch t {
	case "string":
		n := &node{kind: kString, minLength: num("minLength"), maxLength: num("maxLength")}
		if p, ok := obj["pattern"].(string); ok {
			n.pattern = &p
		}
		return n
	case "integer", "number":
		n := &node{kind: kNumber, integer: t == "integer", minimum: num("minimum"), maximum: num("maximum"),
			multipleOf: num("multipleOf")}
		if draft > 4 {
			n.exclMinimum, n.exclMaximum = num("exclusiveMinimum"), num("exclusiveMaximum")
		}
		return n
	case "boolean":
		return &node{kind: kBoolean}
	case "null":
		return &node{kind: kNull}
	case "array":
		return b.array(s, obj)
	case "object":
		return b.object(s, obj)
	}
	return nil // the meta-schema allows no other name
}

func (b *builder) array(s *jsonschema.Schema, obj map[string]any) *node {
	draft := s.DraftVersion
	n := &node{kind: kArray, minItems: newNumber(obj["minItems"]), maxItems: newNumber(obj["maxItems"])}
	n.uniqueItems, _ = obj["uniqueItems"].(bool)
	additional := func(raw any, sch any) {
		switch v := raw.(type) {
		case bool:
			n.noAdditionalItems = !v
		case map[string]any:
			if sub, ok := sch.(*jsonschema.Schema); ok {
				n.additionalItems = b.node(sub)
			}
		}
	}
	switch {
	case draft <= 7:
		switch items := s.Items.(type) {
		case *jsonschema.Schema:
			n.allItems = b.node(items) // true and false too, as everit
		case []*jsonschema.Schema:
			for _, it := range items {
				n.itemList = append(n.itemList, b.node(it))
			}
			additional(obj["additionalItems"], s.AdditionalItems)
		default:
			// everit loads additionalItems even where the specification
			// ignores it (items is not an array); the library does not.
			if _, ok := obj["additionalItems"].(map[string]any); ok {
				additional(obj["additionalItems"], b.compileAt(s, "additionalItems"))
			} else {
				additional(obj["additionalItems"], nil)
			}
		}
	case draft == 2019:
		switch items := s.Items.(type) {
		case *jsonschema.Schema:
			b.items2019(n, obj["items"], items, false)
		case []*jsonschema.Schema:
			for _, it := range items {
				n.itemList = append(n.itemList, b.node(it))
			}
			if sch, ok := s.AdditionalItems.(*jsonschema.Schema); ok {
				b.items2019(n, obj["additionalItems"], sch, true)
			} else if v, ok := s.AdditionalItems.(bool); ok && !v {
				n.noAdditionalItems = true
			}
		}
	default:
		for _, it := range s.PrefixItems {
			n.itemList = append(n.itemList, b.node(it))
		}
		if s.Items2020 != nil {
			b.items2019(n, obj["items"], s.Items2020, len(s.PrefixItems) > 0)
		}
	}
	if draft >= 2019 {
		if s.UnevaluatedItems != nil {
			n.unevaluatedItems = b.node(s.UnevaluatedItems)
		}
		if _, ok := obj["contains"]; ok {
			n.minContains = newNumber(obj["minContains"])
			if n.minContains == nil {
				n.minContains = newNumber(json.Number("1"))
			}
			n.maxContains = newNumber(obj["maxContains"])
		}
	}
	return n
}

// compileAt compiles the subschema of s under keyword, which the library
// left out; nil if it cannot.
func (b *builder) compileAt(s *jsonschema.Schema, keyword string) any {
	if b.compiler == nil {
		return nil
	}
	sub, err := b.compiler.Compile(s.Location + "/" + url.PathEscape(escapeToken(keyword)))
	if err != nil {
		return nil
	}
	return sub
}

// items2019 applies an items (or 2019-09 additionalItems) schema the way
// Confluent's translation does: false closes the array, true is nothing,
// anything else constrains every item, or every item after the positional
// ones.
func (b *builder) items2019(n *node, raw any, s *jsonschema.Schema, afterPositional bool) {
	if v, ok := raw.(bool); ok {
		n.noAdditionalItems = !v
		return
	}
	if afterPositional {
		n.additionalItems = b.node(s)
	} else {
		n.allItems = b.node(s)
	}
}

func (b *builder) object(s *jsonschema.Schema, obj map[string]any) *node {
	draft := s.DraftVersion
	n := &node{kind: kObject, minProps: newNumber(obj["minProperties"]), maxProps: newNumber(obj["maxProperties"])}
	if len(s.Properties) > 0 {
		n.properties = map[string]*node{}
		for k, sub := range s.Properties {
			n.properties[k] = b.node(sub)
		}
	}
	if req, ok := obj["required"].([]any); ok {
		for _, r := range req {
			if str, ok := r.(string); ok {
				n.required = append(n.required, str)
			}
		}
	}
	switch v := obj["additionalProperties"].(type) {
	case bool:
		n.noAdditionalProps = !v
	case map[string]any:
		if sub, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			n.additionalProps = b.node(sub)
		}
	}
	for re, sub := range s.PatternProperties {
		n.patternProps = append(n.patternProps, patternProp{re: re, source: re.String(), schema: b.node(sub)})
	}
	slices.SortFunc(n.patternProps, func(a, b patternProp) int { return strings.Compare(a.source, b.source) })
	if draft <= 7 {
		for k, d := range s.Dependencies {
			switch d := d.(type) {
			case []string:
				setDep(&n.propertyDeps, k, d)
			case *jsonschema.Schema:
				if n.schemaDeps == nil {
					n.schemaDeps = map[string]*node{}
				}
				n.schemaDeps[k] = b.node(d)
			}
		}
	} else {
		for k, d := range s.DependentRequired {
			setDep(&n.propertyDeps, k, d)
		}
		for k, d := range s.DependentSchemas {
			if n.schemaDeps == nil {
				n.schemaDeps = map[string]*node{}
			}
			n.schemaDeps[k] = b.node(d)
		}
		if s.UnevaluatedProperties != nil {
			n.unevaluatedProps = b.node(s.UnevaluatedProperties)
		}
	}
	return n
}

// setDep records that property k needs props; an empty list is no
// dependency (everit adds them one by one).
func setDep(m *map[string][]string, k string, props []string) {
	if len(props) == 0 {
		return
	}
	if *m == nil {
		*m = map[string][]string{}
	}
	(*m)[k] = props
}

// deref follows references to the schema they name (Confluent's
// normalizeSchema); a cycle of bare references is an empty schema.
func deref(n *node) *node {
	for i := 0; n != nil && n.kind == kRef; i++ {
		if i > 1000 {
			return &node{kind: kEmpty}
		}
		n = n.target
	}
	return n
}
