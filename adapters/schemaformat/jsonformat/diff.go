package jsonformat

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// This file is Confluent's JSON Schema SchemaDiff (schema-registry,
// json-schema-provider, io.confluent.kafka.schemaregistry.json.diff)
// restated in Go over the model of model.go: compare walks an "original"
// and an "update" schema together and records a difference of a named type
// wherever they differ; a check passes when every difference is of a type in
// compatibleTypes. Confluent's isBackwardCompatible(previous) compares
// original = previous and update = this, and a BACKWARD check asks whether
// the new schema reads data written with the previous one, so original is
// the writer and update the reader.

// diffType names a difference as Confluent's Difference.Type does.
type diffType string

const (
	idChanged          diffType = "ID_CHANGED"
	descriptionChanged diffType = "DESCRIPTION_CHANGED"
	titleChanged       diffType = "TITLE_CHANGED"
	defaultChanged     diffType = "DEFAULT_CHANGED"
	schemaAdded        diffType = "SCHEMA_ADDED"
	schemaRemoved      diffType = "SCHEMA_REMOVED"
	typeExtended       diffType = "TYPE_EXTENDED"
	typeNarrowed       diffType = "TYPE_NARROWED"
	typeChanged        diffType = "TYPE_CHANGED"

	maxLengthAdded     diffType = "MAX_LENGTH_ADDED"
	maxLengthRemoved   diffType = "MAX_LENGTH_REMOVED"
	maxLengthIncreased diffType = "MAX_LENGTH_INCREASED"
	maxLengthDecreased diffType = "MAX_LENGTH_DECREASED"
	minLengthAdded     diffType = "MIN_LENGTH_ADDED"
	minLengthRemoved   diffType = "MIN_LENGTH_REMOVED"
	minLengthIncreased diffType = "MIN_LENGTH_INCREASED"
	minLengthDecreased diffType = "MIN_LENGTH_DECREASED"
	patternAdded       diffType = "PATTERN_ADDED"
	patternRemoved     diffType = "PATTERN_REMOVED"
	patternChanged     diffType = "PATTERN_CHANGED"

	maximumAdded              diffType = "MAXIMUM_ADDED"
	maximumRemoved            diffType = "MAXIMUM_REMOVED"
	maximumIncreased          diffType = "MAXIMUM_INCREASED"
	maximumDecreased          diffType = "MAXIMUM_DECREASED"
	minimumAdded              diffType = "MINIMUM_ADDED"
	minimumRemoved            diffType = "MINIMUM_REMOVED"
	minimumIncreased          diffType = "MINIMUM_INCREASED"
	minimumDecreased          diffType = "MINIMUM_DECREASED"
	exclusiveMaximumAdded     diffType = "EXCLUSIVE_MAXIMUM_ADDED"
	exclusiveMaximumRemoved   diffType = "EXCLUSIVE_MAXIMUM_REMOVED"
	exclusiveMaximumIncreased diffType = "EXCLUSIVE_MAXIMUM_INCREASED"
	exclusiveMaximumDecreased diffType = "EXCLUSIVE_MAXIMUM_DECREASED"
	exclusiveMinimumAdded     diffType = "EXCLUSIVE_MINIMUM_ADDED"
	exclusiveMinimumRemoved   diffType = "EXCLUSIVE_MINIMUM_REMOVED"
	exclusiveMinimumIncreased diffType = "EXCLUSIVE_MINIMUM_INCREASED"
	exclusiveMinimumDecreased diffType = "EXCLUSIVE_MINIMUM_DECREASED"
	multipleOfAdded           diffType = "MULTIPLE_OF_ADDED"
	multipleOfRemoved         diffType = "MULTIPLE_OF_REMOVED"
	multipleOfExpanded        diffType = "MULTIPLE_OF_EXPANDED"
	multipleOfReduced         diffType = "MULTIPLE_OF_REDUCED"
	multipleOfChanged         diffType = "MULTIPLE_OF_CHANGED"

	requiredAttributeAdded            diffType = "REQUIRED_ATTRIBUTE_ADDED"
	requiredAttributeWithDefaultAdded diffType = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
	requiredAttributeRemoved          diffType = "REQUIRED_ATTRIBUTE_REMOVED"
	maxPropertiesAdded                diffType = "MAX_PROPERTIES_ADDED"
	maxPropertiesRemoved              diffType = "MAX_PROPERTIES_REMOVED"
	maxPropertiesIncreased            diffType = "MAX_PROPERTIES_INCREASED"
	maxPropertiesDecreased            diffType = "MAX_PROPERTIES_DECREASED"
	minPropertiesAdded                diffType = "MIN_PROPERTIES_ADDED"
	minPropertiesRemoved              diffType = "MIN_PROPERTIES_REMOVED"
	minPropertiesIncreased            diffType = "MIN_PROPERTIES_INCREASED"
	minPropertiesDecreased            diffType = "MIN_PROPERTIES_DECREASED"
	additionalPropertiesAdded         diffType = "ADDITIONAL_PROPERTIES_ADDED"
	additionalPropertiesRemoved       diffType = "ADDITIONAL_PROPERTIES_REMOVED"
	additionalPropertiesExtended      diffType = "ADDITIONAL_PROPERTIES_EXTENDED"
	additionalPropertiesNarrowed      diffType = "ADDITIONAL_PROPERTIES_NARROWED"
	dependencyArrayAdded              diffType = "DEPENDENCY_ARRAY_ADDED"
	dependencyArrayRemoved            diffType = "DEPENDENCY_ARRAY_REMOVED"
	dependencyArrayExtended           diffType = "DEPENDENCY_ARRAY_EXTENDED"
	dependencyArrayNarrowed           diffType = "DEPENDENCY_ARRAY_NARROWED"
	dependencyArrayChanged            diffType = "DEPENDENCY_ARRAY_CHANGED"
	dependencySchemaAdded             diffType = "DEPENDENCY_SCHEMA_ADDED"
	dependencySchemaRemoved           diffType = "DEPENDENCY_SCHEMA_REMOVED"

	requiredPropertyAddedToOpen             diffType = "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	requiredPropertyWithDefaultAddedToOpen  diffType = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
	optionalPropertyAddedToOpen             diffType = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	propertyWithEmptySchemaAddedToOpen      diffType = "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
	requiredPropertyAddedToUnopen           diffType = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
	requiredPropertyWithDefaultAddedToUnopn diffType = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
	optionalPropertyAddedToUnopen           diffType = "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
	propertyRemovedFromOpen                 diffType = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"
	propertyWithFalseRemovedFromClosed      diffType = "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	propertyRemovedFromClosed               diffType = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	propertyRemovedCovered                  diffType = "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	propertyRemovedNotCovered               diffType = "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	propertyAddedCovered                    diffType = "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	propertyAddedNotCovered                 diffType = "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	unevaluatedPropertiesAdded              diffType = "UNEVALUATED_PROPERTIES_ADDED"
	unevaluatedPropertiesRemoved            diffType = "UNEVALUATED_PROPERTIES_REMOVED"
	unevaluatedPropertiesExtended           diffType = "UNEVALUATED_PROPERTIES_EXTENDED"
	unevaluatedPropertiesNarrowed           diffType = "UNEVALUATED_PROPERTIES_NARROWED"

	maxItemsAdded                  diffType = "MAX_ITEMS_ADDED"
	maxItemsRemoved                diffType = "MAX_ITEMS_REMOVED"
	maxItemsIncreased              diffType = "MAX_ITEMS_INCREASED"
	maxItemsDecreased              diffType = "MAX_ITEMS_DECREASED"
	minItemsAdded                  diffType = "MIN_ITEMS_ADDED"
	minItemsRemoved                diffType = "MIN_ITEMS_REMOVED"
	minItemsIncreased              diffType = "MIN_ITEMS_INCREASED"
	minItemsDecreased              diffType = "MIN_ITEMS_DECREASED"
	maxContainsAdded               diffType = "MAX_CONTAINS_ADDED"
	maxContainsRemoved             diffType = "MAX_CONTAINS_REMOVED"
	maxContainsIncreased           diffType = "MAX_CONTAINS_INCREASED"
	maxContainsDecreased           diffType = "MAX_CONTAINS_DECREASED"
	minContainsAdded               diffType = "MIN_CONTAINS_ADDED"
	minContainsRemoved             diffType = "MIN_CONTAINS_REMOVED"
	minContainsIncreased           diffType = "MIN_CONTAINS_INCREASED"
	minContainsDecreased           diffType = "MIN_CONTAINS_DECREASED"
	uniqueItemsAdded               diffType = "UNIQUE_ITEMS_ADDED"
	uniqueItemsRemoved             diffType = "UNIQUE_ITEMS_REMOVED"
	additionalItemsAdded           diffType = "ADDITIONAL_ITEMS_ADDED"
	additionalItemsRemoved         diffType = "ADDITIONAL_ITEMS_REMOVED"
	additionalItemsExtended        diffType = "ADDITIONAL_ITEMS_EXTENDED"
	additionalItemsNarrowed        diffType = "ADDITIONAL_ITEMS_NARROWED"
	unevaluatedItemsAdded          diffType = "UNEVALUATED_ITEMS_ADDED"
	unevaluatedItemsRemoved        diffType = "UNEVALUATED_ITEMS_REMOVED"
	unevaluatedItemsExtended       diffType = "UNEVALUATED_ITEMS_EXTENDED"
	unevaluatedItemsNarrowed       diffType = "UNEVALUATED_ITEMS_NARROWED"
	itemAddedToOpen                diffType = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
	itemWithEmptySchemaAddedToOpen diffType = "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
	itemAddedToClosed              diffType = "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"
	itemRemovedFromOpen            diffType = "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"
	itemWithFalseRemovedFromClosed diffType = "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	itemRemovedFromClosed          diffType = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	itemRemovedCovered             diffType = "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	itemRemovedNotCovered          diffType = "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	itemAddedCovered               diffType = "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	itemAddedNotCovered            diffType = "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"

	enumArrayExtended diffType = "ENUM_ARRAY_EXTENDED"
	enumArrayNarrowed diffType = "ENUM_ARRAY_NARROWED"
	enumArrayChanged  diffType = "ENUM_ARRAY_CHANGED"

	combinedTypeExtended          diffType = "COMBINED_TYPE_EXTENDED"
	combinedTypeChanged           diffType = "COMBINED_TYPE_CHANGED"
	productTypeExtended           diffType = "PRODUCT_TYPE_EXTENDED"
	productTypeNarrowed           diffType = "PRODUCT_TYPE_NARROWED"
	sumTypeExtended               diffType = "SUM_TYPE_EXTENDED"
	sumTypeNarrowed               diffType = "SUM_TYPE_NARROWED"
	combinedTypeSubschemasChanged diffType = "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
	notTypeExtended               diffType = "NOT_TYPE_EXTENDED"
	notTypeNarrowed               diffType = "NOT_TYPE_NARROWED"

	// tooComplex is Chronik's: the comparison hit its work limit.
	tooComplex diffType = "COMPARISON_TOO_COMPLEX"
)

// compatibleTypes is Confluent's SchemaDiff.COMPATIBLE_CHANGES_STRICT, the
// set its registry uses by default: every difference that cannot make data
// valid under the writer (original) invalid under the reader (update).
var compatibleTypes = map[diffType]bool{
	idChanged: true, descriptionChanged: true, titleChanged: true, defaultChanged: true,
	schemaRemoved: true, typeExtended: true,

	maxLengthIncreased: true, maxLengthRemoved: true, minLengthDecreased: true, minLengthRemoved: true,
	patternRemoved: true,

	maximumIncreased: true, maximumRemoved: true, minimumDecreased: true, minimumRemoved: true,
	exclusiveMaximumIncreased: true, exclusiveMaximumRemoved: true,
	exclusiveMinimumDecreased: true, exclusiveMinimumRemoved: true,
	multipleOfReduced: true, multipleOfRemoved: true,

	requiredAttributeWithDefaultAdded: true, requiredAttributeRemoved: true,
	dependencyArrayNarrowed: true, dependencyArrayRemoved: true, dependencySchemaRemoved: true,
	maxPropertiesIncreased: true, maxPropertiesRemoved: true, minPropertiesDecreased: true, minPropertiesRemoved: true,
	additionalPropertiesAdded: true, additionalPropertiesExtended: true,
	unevaluatedPropertiesAdded: true, unevaluatedPropertiesExtended: true,
	propertyWithEmptySchemaAddedToOpen: true, requiredPropertyWithDefaultAddedToUnopn: true,
	optionalPropertyAddedToUnopen: true, propertyWithFalseRemovedFromClosed: true, propertyRemovedFromOpen: true,
	propertyAddedCovered: true, propertyRemovedCovered: true,

	maxItemsIncreased: true, maxItemsRemoved: true, minItemsDecreased: true, minItemsRemoved: true,
	maxContainsIncreased: true, maxContainsRemoved: true, minContainsDecreased: true, minContainsRemoved: true,
	uniqueItemsRemoved: true, additionalItemsAdded: true, additionalItemsExtended: true,
	unevaluatedItemsAdded: true, unevaluatedItemsExtended: true,
	itemWithEmptySchemaAddedToOpen: true, itemAddedToClosed: true, itemWithFalseRemovedFromClosed: true,
	itemRemovedFromOpen: true, itemAddedCovered: true, itemRemovedCovered: true,

	enumArrayExtended: true,

	combinedTypeExtended: true, productTypeNarrowed: true, sumTypeExtended: true, notTypeNarrowed: true,
}

// difference is one recorded difference. path is a JSON pointer into the
// schemas ("" is the root); writer and reader, when set, are the values
// each side has there.
type difference struct {
	typ            diffType
	path           string
	writer, reader string
}

// maxSteps bounds the pairs of schemas one check compares: combined
// schemas compare every alternative with every other, which a hostile
// schema could make exponential.
const maxSteps = 200_000

type pair struct{ original, update *node }

// session is the state shared by every context of one comparison pass.
type session struct {
	memo       map[pair][]difference // results relative to the pair
	inProgress map[pair]bool
	seed       map[pair][]difference // pairs an earlier pass found incompatible
	optimistic bool                  // a cycle was cut as compatible
	steps      int
	exhausted  bool
}

// ctx collects the differences found under one path.
type ctx struct {
	s     *session
	path  []string // escaped JSON pointer tokens
	diffs []difference
}

// diffSchemas compares a writer (original) and a reader (update) schema.
// Cycles make it iterate, as Confluent's SchemaDiff.compare does: a pass
// memoizes every pair and takes a pair met again on its own stack as
// compatible; if that happened, the next pass starts knowing which pairs
// the last found incompatible and, when a cycle comes back to one of them,
// uses its real differences. The set only grows, so the passes end; a pass
// that cut no cycle is exact.
func diffSchemas(original, update *node) (diffs []difference, exhausted bool) {
	seed := map[pair][]difference{}
	steps := 0
	for {
		s := &session{memo: map[pair][]difference{}, inProgress: map[pair]bool{}, seed: seed, steps: steps}
		c := &ctx{s: s}
		compare(c, original, update)
		if s.exhausted {
			return c.diffs, true
		}
		incompatible := map[pair][]difference{}
		for k, d := range s.memo {
			if !allCompatible(d) {
				incompatible[k] = d
			}
		}
		if !s.optimistic || sameKeys(incompatible, seed) {
			return c.diffs, false
		}
		seed, steps = incompatible, s.steps
	}
}

func sameKeys(a, b map[pair][]difference) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func allCompatible(diffs []difference) bool {
	for _, d := range diffs {
		if !compatibleTypes[d.typ] {
			return false
		}
	}
	return true
}

func (c *ctx) sub() *ctx { return &ctx{s: c.s, path: slices.Clone(c.path)} }

// enter appends tokens to the path until the returned func is called.
func (c *ctx) enter(tokens ...string) func() {
	n := len(c.path)
	for _, t := range tokens {
		c.path = append(c.path, escapeToken(t))
	}
	return func() { c.path = c.path[:n] }
}

func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

func (c *ctx) pathString() string {
	if len(c.path) == 0 {
		return ""
	}
	return "/" + strings.Join(c.path, "/")
}

func (c *ctx) add(t diffType, writer, reader string) {
	c.keep(difference{typ: t, path: c.pathString(), writer: writer, reader: reader})
}

// maxDiffs bounds the differences one context keeps. Through shared
// definitions the same change is met on many paths, as many as the paths
// through a graph (exponentially many); past the bound a context keeps
// only what it needs: an incompatible difference replaces a compatible one,
// and the rest are dropped.
const maxDiffs = 50

func (c *ctx) keep(ds ...difference) {
next:
	for _, d := range ds {
		if len(c.diffs) < maxDiffs {
			c.diffs = append(c.diffs, d)
			continue
		}
		if compatibleTypes[d.typ] {
			continue
		}
		for i := len(c.diffs) - 1; i >= 0; i-- {
			if compatibleTypes[c.diffs[i].typ] {
				c.diffs[i] = d
				continue next
			}
		}
	}
}

func (c *ctx) addAt(token string, t diffType, writer, reader string) {
	leave := c.enter(token)
	c.add(t, writer, reader)
	leave()
}

func (c *ctx) compatible() bool { return allCompatible(c.diffs) }

// compare records the differences between original and update at c's path.
func compare(c *ctx, original, update *node) {
	switch {
	case original == nil && update == nil:
		return
	case original == nil:
		c.add(schemaAdded, "", "")
		return
	case update == nil:
		c.add(schemaRemoved, "", "")
		return
	}
	original, update = deref(original), deref(update)
	prefix := c.pathString()
	for _, d := range c.s.compareMemoized(original, update) {
		d.path = prefix + d.path
		c.keep(d)
	}
}

// compareMemoized compares a pair once per pass and returns the
// differences relative to it (see diffSchemas for cycles).
func (s *session) compareMemoized(original, update *node) []difference {
	key := pair{original, update}
	if d, ok := s.memo[key]; ok {
		return d
	}
	if s.inProgress[key] {
		if d, ok := s.seed[key]; ok {
			return d
		}
		s.optimistic = true
		return nil
	}
	if s.steps++; s.steps > maxSteps {
		s.exhausted = true
		return nil
	}
	s.inProgress[key] = true
	c := &ctx{s: s}
	compareTypes(c, original, update)
	delete(s.inProgress, key)
	s.memo[key] = c.diffs
	return c.diffs
}

func compareTypes(c *ctx, original, update *node) {
	switch {
	case original.kind != kCombined && update.kind == kCombined:
		if len(update.subs) == 1 { // a singleton union is its member
			sc := c.sub()
			compare(sc, original, update.subs[0])
			if sc.compatible() {
				c.keep(sc.diffs...)
				return
			}
		} else if update.criterion == "anyOf" || update.criterion == "oneOf" {
			for _, sub := range update.subs {
				sc := c.sub()
				compare(sc, original, sub)
				if sc.compatible() {
					c.keep(sc.diffs...)
					c.add(sumTypeExtended, describe(original), describe(update))
					return
				}
			}
		}
	case original.kind == kCombined && update.kind != kCombined:
		if len(original.subs) == 1 {
			sc := c.sub()
			compare(sc, original.subs[0], update)
			if sc.compatible() {
				c.keep(sc.diffs...)
				return
			}
		} else if original.criterion == "allOf" {
			for _, sub := range original.subs {
				sc := c.sub()
				compare(sc, sub, update)
				if sc.compatible() {
					c.keep(sc.diffs...)
					c.add(productTypeNarrowed, describe(original), describe(update))
					return
				}
			}
		}
	}

	if original.kind != update.kind {
		if original.kind == kFalse || update.kind == kEmpty {
			return
		}
		if original.connectType == "bytes" && update.connectType == "bytes" {
			return // Kafka Connect's decimals moved from string to number
		}
		c.add(typeChanged, describe(original), describe(update))
		return
	}

	if !equalStr(original.id, update.id) {
		c.add(idChanged, str(original.id), str(update.id))
	}
	if !equalStr(original.title, update.title) {
		c.add(titleChanged, str(original.title), str(update.title))
	}
	if !equalStr(original.description, update.description) {
		c.add(descriptionChanged, str(original.description), str(update.description))
	}
	if original.hasDefault != update.hasDefault ||
		(original.hasDefault && valueKey(original.def) != valueKey(update.def)) {
		c.add(defaultChanged, "", "")
	}

	switch original.kind {
	case kString:
		compareString(c, original, update)
	case kNumber:
		compareNumber(c, original, update)
	case kConst:
		if original.keys[0] != update.keys[0] {
			c.addAt("const", enumArrayChanged, sortedKeys(original.values[0]), sortedKeys(update.values[0]))
		}
	case kEnum:
		compareEnum(c, original, update)
	case kCombined:
		compareCombined(c, original, update)
	case kNot:
		leave := c.enter("not")
		sc := c.sub()
		compare(sc, update.not, original.not) // reversed: what the reader excludes must be excluded by the writer
		if sc.compatible() {
			c.add(notTypeNarrowed, "", "")
		} else {
			c.add(notTypeExtended, "", "")
		}
		leave()
	case kObject:
		compareObject(c, original, update)
	case kArray:
		compareArray(c, original, update)
	}
}

func equalStr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// compareBound records how an optional numeric keyword changed.
func compareBound(c *ctx, keyword string, o, u *number, added, removed, increased, decreased diffType) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(keyword, added, "", u.String())
	case u == nil:
		c.addAt(keyword, removed, o.String(), "")
	case o.cmp(u) < 0:
		c.addAt(keyword, increased, o.String(), u.String())
	case o.cmp(u) > 0:
		c.addAt(keyword, decreased, o.String(), u.String())
	}
}

func compareString(c *ctx, o, u *node) {
	compareBound(c, "maxLength", o.maxLength, u.maxLength, maxLengthAdded, maxLengthRemoved, maxLengthIncreased, maxLengthDecreased)
	compareBound(c, "minLength", o.minLength, u.minLength, minLengthAdded, minLengthRemoved, minLengthIncreased, minLengthDecreased)
	switch {
	case o.pattern == nil && u.pattern != nil:
		c.addAt("pattern", patternAdded, "", *u.pattern)
	case o.pattern != nil && u.pattern == nil:
		c.addAt("pattern", patternRemoved, *o.pattern, "")
	case o.pattern != nil && *o.pattern != *u.pattern:
		c.addAt("pattern", patternChanged, *o.pattern, *u.pattern)
	}
}

func compareNumber(c *ctx, o, u *node) {
	compareBound(c, "maximum", o.maximum, u.maximum, maximumAdded, maximumRemoved, maximumIncreased, maximumDecreased)
	compareBound(c, "minimum", o.minimum, u.minimum, minimumAdded, minimumRemoved, minimumIncreased, minimumDecreased)
	compareBound(c, "exclusiveMaximum", o.exclMaximum, u.exclMaximum,
		exclusiveMaximumAdded, exclusiveMaximumRemoved, exclusiveMaximumIncreased, exclusiveMaximumDecreased)
	compareBound(c, "exclusiveMinimum", o.exclMinimum, u.exclMinimum,
		exclusiveMinimumAdded, exclusiveMinimumRemoved, exclusiveMinimumIncreased, exclusiveMinimumDecreased)
	om, um := o.multipleOf, u.multipleOf
	switch {
	case om == nil && um == nil:
	case om == nil:
		c.addAt("multipleOf", multipleOfAdded, "", um.String())
	case um == nil:
		c.addAt("multipleOf", multipleOfRemoved, om.String(), "")
	case om.cmp(um) == 0:
	case isMultiple(um, om):
		c.addAt("multipleOf", multipleOfExpanded, om.String(), um.String())
	case isMultiple(om, um):
		c.addAt("multipleOf", multipleOfReduced, om.String(), um.String())
	default:
		c.addAt("multipleOf", multipleOfChanged, om.String(), um.String())
	}
	if o.integer != u.integer {
		if o.integer {
			c.add(typeExtended, "integer", "number")
		} else {
			c.add(typeNarrowed, "number", "integer")
		}
	}
}

// isMultiple reports whether a is an integer multiple of b (b non-zero).
func isMultiple(a, b *number) bool {
	if a.rat == nil || b.rat == nil || b.rat.Sign() == 0 {
		return false
	}
	return new(big.Rat).Quo(a.rat, b.rat).IsInt()
}

func compareEnum(c *ctx, o, u *node) {
	os, us := keySet(o.keys), keySet(u.keys)
	if maps.Equal(os, us) {
		return
	}
	w, r := valuesText(o), valuesText(u)
	switch {
	case containsAll(us, os):
		c.addAt("enum", enumArrayExtended, w, r)
	case containsAll(os, us):
		c.addAt("enum", enumArrayNarrowed, w, r)
	default:
		c.addAt("enum", enumArrayChanged, w, r)
	}
}

func keySet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func containsAll(set, sub map[string]bool) bool {
	for k := range sub {
		if !set[k] {
			return false
		}
	}
	return true
}

func valuesText(n *node) string {
	parts := make([]string, len(n.values))
	for i, v := range n.values {
		parts[i] = sortedKeys(v)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// compareCombined is Confluent's CombinedSchemaDiff: the criteria must agree
// (or widen), and the alternatives of the smaller side must all be matched,
// one to one, with compatible alternatives of the other.
func compareCombined(c *ctx, o, u *node) {
	changed := false
	if o.criterion != u.criterion {
		single := func(n *node) bool { return len(n.subs) == 1 }
		if u.criterion == "anyOf" || (single(o) && single(u)) ||
			(single(o) && u.criterion == "oneOf") || (single(u) && o.criterion == "allOf") {
			c.add(combinedTypeExtended, o.criterion, u.criterion)
		} else {
			c.add(combinedTypeChanged, o.criterion, u.criterion)
			changed = true
		}
	}
	if changed {
		return
	}
	osubs, usubs := distinct(o), distinct(u)
	switch {
	case len(osubs) < len(usubs):
		if u.criterion == "allOf" {
			c.add(productTypeExtended, itoa(len(osubs)), itoa(len(usubs)))
		} else {
			c.add(sumTypeExtended, itoa(len(osubs)), itoa(len(usubs)))
		}
	case len(osubs) > len(usubs):
		if o.criterion == "anyOf" || o.criterion == "oneOf" {
			c.add(sumTypeNarrowed, itoa(len(osubs)), itoa(len(usubs)))
		} else {
			c.add(productTypeNarrowed, itoa(len(osubs)), itoa(len(usubs)))
		}
	}

	// edges[i][j] holds the differences when writer alternative i is read
	// as reader alternative j, for compatible pairs only; nearest[i] is
	// the first incompatible difference with the reader alternative that
	// comes closest, to explain an alternative left unmatched.
	edges := make([][][]difference, len(osubs))
	nearest := make([]*difference, len(osubs))
	for i, os := range osubs {
		var leave func()
		if o.synthetic {
			leave = c.enter()
		} else {
			leave = c.enter(o.criterion, itoa(i))
		}
		edges[i] = make([][]difference, len(usubs))
		fewest := -1
		for j, us := range usubs {
			sc := c.sub()
			compare(sc, os, us)
			var bad []difference
			for _, d := range sc.diffs {
				if !compatibleTypes[d.typ] {
					bad = append(bad, d)
				}
			}
			if len(bad) == 0 {
				edges[i][j] = append([]difference{}, sc.diffs...) // non-nil: an edge
			} else if fewest < 0 || len(bad) < fewest {
				fewest, nearest[i] = len(bad), &bad[0]
			}
		}
		leave()
	}
	match := maxMatching(edges, len(usubs))
	matched := 0
	var unmatched []string
	for i, j := range match {
		if j >= 0 {
			c.keep(edges[i][j]...)
			matched++
			continue
		}
		u := label(osubs[i])
		if d := nearest[i]; d != nil {
			u += fmt.Sprintf(" (against the closest, at #%s, %s)", d.path, d.shortExplain())
		}
		unmatched = append(unmatched, u)
	}
	if matched < min(len(osubs), len(usubs)) {
		c.add(combinedTypeSubschemasChanged, strings.Join(unmatched, "; "), "")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// distinct drops alternatives written twice (Confluent collects them into a
// set).
func distinct(n *node) []*node {
	seen := map[string]bool{}
	var out []*node
	for i, s := range n.subs {
		key := n.subKeys[i]
		if key == "" || !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}

// maxMatching returns, for each left vertex, its partner in a maximum
// matching of the bipartite graph whose edges are the non-nil entries, or
// -1 (Kuhn's augmenting paths; the graphs are the size of a oneOf).
func maxMatching(edges [][][]difference, right int) []int {
	matchR := make([]int, right)
	for i := range matchR {
		matchR[i] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for j := 0; j < right; j++ {
			if edges[i][j] == nil || seen[j] {
				continue
			}
			seen[j] = true
			if matchR[j] < 0 || try(matchR[j], seen) {
				matchR[j] = i
				return true
			}
		}
		return false
	}
	for i := range edges {
		try(i, make([]bool, right))
	}
	matchL := make([]int, len(edges))
	for i := range matchL {
		matchL[i] = -1
	}
	for j, i := range matchR {
		if i >= 0 {
			matchL[i] = j
		}
	}
	return matchL
}

// isOpen reports an open content model: additional properties allowed by
// no keyword at all (additionalProperties absent or true, no
// patternProperties, unevaluatedProperties absent or true).
func isOpen(n *node) bool {
	return !n.noAdditionalProps && n.additionalProps == nil && len(n.patternProps) == 0 &&
		(n.unevaluatedProps == nil || n.unevaluatedProps.kind == kEmpty)
}

// partialSchema is the schema a partially open content model gives an
// undeclared property: a matching patternProperties schema, else the
// additionalProperties schema, else an unevaluatedProperties schema.
func partialSchema(n *node, prop string) *node {
	for _, pp := range n.patternProps {
		if pp.re.MatchString(prop) {
			return pp.schema
		}
	}
	return partialRest(n.noAdditionalProps, n.additionalProps, n.unevaluatedProps)
}

// partialRest is the schema a partially open content model gives what
// nothing more specific declares: the additionalProperties (or
// additionalItems) schema, else, unless that keyword is false, a
// constraining unevaluatedProperties (unevaluatedItems) schema.
func partialRest(closed bool, additional, unevaluated *node) *node {
	if additional != nil {
		return additional
	}
	if !closed && unevaluated != nil && unevaluated.kind != kFalse && unevaluated.kind != kEmpty {
		return unevaluated
	}
	return nil
}

func compareObject(c *ctx, o, u *node) {
	// required
	leave := c.enter("required")
	for _, p := range sortedNames(o.properties) {
		us, ok := u.properties[p]
		if !ok {
			continue
		}
		or, ur := o.isRequired(p), u.isRequired(p)
		switch {
		case or && !ur:
			c.addAt(p, requiredAttributeRemoved, "", "")
		case !or && ur && us.hasDefault:
			c.addAt(p, requiredAttributeWithDefaultAdded, "", "")
		case !or && ur:
			c.addAt(p, requiredAttributeAdded, "", "")
		}
	}
	leave()

	// properties
	leave = c.enter("properties")
	names := sortedNames(o.properties)
	for _, p := range sortedNames(u.properties) {
		if _, ok := o.properties[p]; !ok {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range names {
		os, us := o.properties[p], u.properties[p]
		leaveP := c.enter(p)
		switch {
		case us == nil: // removed: only the reader's content model counts
			if isOpen(u) {
				c.add(propertyRemovedFromOpen, "", "")
			} else if ps := partialSchema(u, p); ps != nil {
				compareCovered(c, os, ps, propertyRemovedCovered, propertyRemovedNotCovered)
			} else if os.kind == kFalse {
				c.add(propertyWithFalseRemovedFromClosed, "", "")
			} else {
				c.add(propertyRemovedFromClosed, "", "")
			}
		case os == nil: // added: only the writer's content model counts
			if isOpen(o) {
				switch {
				case us.kind == kEmpty:
					c.add(propertyWithEmptySchemaAddedToOpen, "", "")
				case u.isRequired(p) && us.hasDefault:
					c.add(requiredPropertyWithDefaultAddedToOpen, "", "")
				case u.isRequired(p):
					c.add(requiredPropertyAddedToOpen, "", "")
				default:
					c.add(optionalPropertyAddedToOpen, "", "")
				}
			} else {
				if ps := partialSchema(o, p); ps != nil {
					compareCovered(c, ps, us, propertyAddedCovered, propertyAddedNotCovered)
				}
				switch {
				case u.isRequired(p) && us.hasDefault:
					c.add(requiredPropertyWithDefaultAddedToUnopn, "", "")
				case u.isRequired(p):
					c.add(requiredPropertyAddedToUnopen, "", "")
				default:
					c.add(optionalPropertyAddedToUnopen, "", "")
				}
			}
		default:
			compare(c, os, us)
		}
		leaveP()
	}
	leave()

	// dependencies
	leave = c.enter("dependencies")
	for _, k := range unionKeys(o.propertyDeps, u.propertyDeps) {
		od, ud := o.propertyDeps[k], u.propertyDeps[k]
		w, r := strings.Join(od, ","), strings.Join(ud, ",")
		switch {
		case ud == nil:
			c.addAt(k, dependencyArrayRemoved, w, r)
		case od == nil:
			c.addAt(k, dependencyArrayAdded, w, r)
		default:
			os, us := keySet(od), keySet(ud)
			switch {
			case maps.Equal(os, us):
			case containsAll(us, os):
				c.addAt(k, dependencyArrayExtended, w, r)
			case containsAll(os, us):
				c.addAt(k, dependencyArrayNarrowed, w, r)
			default:
				c.addAt(k, dependencyArrayChanged, w, r)
			}
		}
	}
	for _, k := range unionKeys(o.schemaDeps, u.schemaDeps) {
		os, us := o.schemaDeps[k], u.schemaDeps[k]
		leaveK := c.enter(k)
		switch {
		case us == nil:
			c.add(dependencySchemaRemoved, "", "")
		case os == nil:
			c.add(dependencySchemaAdded, "", "")
		default:
			compare(c, os, us)
		}
		leaveK()
	}
	leave()

	compareAdditional(c, "additionalProperties", o.noAdditionalProps, u.noAdditionalProps, o.additionalProps, u.additionalProps,
		additionalPropertiesAdded, additionalPropertiesRemoved, additionalPropertiesExtended, additionalPropertiesNarrowed)

	compareUnevaluated(c, "unevaluatedProperties", o.unevaluatedProps, u.unevaluatedProps,
		unevaluatedPropertiesAdded, unevaluatedPropertiesRemoved, unevaluatedPropertiesExtended, unevaluatedPropertiesNarrowed)

	compareBound(c, "maxProperties", o.maxProps, u.maxProps, maxPropertiesAdded, maxPropertiesRemoved, maxPropertiesIncreased, maxPropertiesDecreased)
	compareBound(c, "minProperties", o.minProps, u.minProps, minPropertiesAdded, minPropertiesRemoved, minPropertiesIncreased, minPropertiesDecreased)
}

// compareCovered compares a property or item that one side declares
// with the schema the other side's content model gives it (original
// before update, as compare), keeps the differences found, and adds
// covered when they are compatible, notCovered when not.
func compareCovered(c *ctx, original, update *node, covered, notCovered diffType) {
	sc := c.sub()
	compare(sc, original, update)
	c.keep(sc.diffs...)
	if sc.compatible() {
		c.add(covered, "", "")
	} else {
		c.add(notCovered, "", "")
	}
}

// compareAdditional compares additionalProperties or additionalItems,
// false (closed) or a schema (nil when there is none): added means "more
// allowed" (false went away), removed "closed" (false came), narrowed and
// extended a schema came or went.
func compareAdditional(c *ctx, keyword string, oClosed, uClosed bool, o, u *node, added, removed, extended, narrowed diffType) {
	leave := c.enter(keyword)
	defer leave()
	switch {
	case oClosed != uClosed:
		if oClosed {
			c.add(added, "", "")
		} else {
			c.add(removed, "", "")
		}
	case o == nil && u != nil:
		c.add(narrowed, "", "")
	case o != nil && u == nil:
		c.add(extended, "", "")
	default:
		compare(c, o, u)
	}
}

// compareUnevaluated compares unevaluatedProperties or unevaluatedItems:
// added means "more allowed" (false went away), removed "closed" (false
// came), extended and narrowed a schema loosened or tightened.
func compareUnevaluated(c *ctx, keyword string, o, u *node, added, removed, extended, narrowed diffType) {
	if o == nil && u == nil {
		return
	}
	leave := c.enter(keyword)
	defer leave()
	switch {
	case o == nil && u.kind == kFalse:
		c.add(removed, "", "")
	case o == nil:
		c.add(narrowed, "", "")
	case u == nil && o.kind == kFalse:
		c.add(added, "", "")
	case u == nil:
		c.add(extended, "", "")
	case o.kind == kFalse && u.kind != kFalse:
		c.add(added, "", "")
	case o.kind != kFalse && u.kind == kFalse:
		c.add(removed, "", "")
	case o.kind == kEmpty && u.kind != kEmpty:
		c.add(narrowed, "", "")
	case o.kind != kEmpty && u.kind == kEmpty:
		c.add(extended, "", "")
	default:
		compare(c, o, u)
	}
}

func sortedNames(m map[string]*node) []string { return slices.Sorted(maps.Keys(m)) }

func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// isOpenArray and partialItems are the content model of positional items.
func isOpenArray(n *node) bool {
	return !n.noAdditionalItems && n.additionalItems == nil &&
		(n.unevaluatedItems == nil || n.unevaluatedItems.kind == kEmpty)
}

func partialItems(n *node) *node {
	return partialRest(n.noAdditionalItems, n.additionalItems, n.unevaluatedItems)
}

func compareArray(c *ctx, o, u *node) {
	leave := c.enter("items")
	compare(c, o.allItems, u.allItems)
	leave()

	common := min(len(o.itemList), len(u.itemList))
	for i := 0; i < common; i++ {
		leave := c.enter("items", itoa(i))
		compare(c, o.itemList[i], u.itemList[i])
		leave()
	}
	for i := common; i < len(o.itemList); i++ { // the reader dropped position i
		leave := c.enter("items", itoa(i))
		os := o.itemList[i]
		if isOpenArray(u) {
			c.add(itemRemovedFromOpen, "", "")
		} else if ps := partialItems(u); ps != nil {
			compareCovered(c, os, ps, itemRemovedCovered, itemRemovedNotCovered)
		} else if os.kind == kFalse {
			c.add(itemWithFalseRemovedFromClosed, "", "")
		} else {
			c.add(itemRemovedFromClosed, "", "")
		}
		leave()
	}
	for i := common; i < len(u.itemList); i++ { // the reader added position i
		leave := c.enter("items", itoa(i))
		us := u.itemList[i]
		if isOpenArray(o) {
			if us.kind == kEmpty {
				c.add(itemWithEmptySchemaAddedToOpen, "", "")
			} else {
				c.add(itemAddedToOpen, "", "")
			}
		} else if ps := partialItems(o); ps != nil {
			compareCovered(c, ps, us, itemAddedCovered, itemAddedNotCovered)
		} else {
			c.add(itemAddedToClosed, "", "")
		}
		leave()
	}

	compareAdditional(c, "additionalItems", o.noAdditionalItems, u.noAdditionalItems, o.additionalItems, u.additionalItems,
		additionalItemsAdded, additionalItemsRemoved, additionalItemsExtended, additionalItemsNarrowed)

	compareUnevaluated(c, "unevaluatedItems", o.unevaluatedItems, u.unevaluatedItems,
		unevaluatedItemsAdded, unevaluatedItemsRemoved, unevaluatedItemsExtended, unevaluatedItemsNarrowed)

	compareBound(c, "maxItems", o.maxItems, u.maxItems, maxItemsAdded, maxItemsRemoved, maxItemsIncreased, maxItemsDecreased)
	compareBound(c, "minItems", o.minItems, u.minItems, minItemsAdded, minItemsRemoved, minItemsIncreased, minItemsDecreased)
	if o.uniqueItems != u.uniqueItems {
		if o.uniqueItems {
			c.addAt("uniqueItems", uniqueItemsRemoved, "", "")
		} else {
			c.addAt("uniqueItems", uniqueItemsAdded, "", "")
		}
	}
	compareBound(c, "maxContains", o.maxContains, u.maxContains, maxContainsAdded, maxContainsRemoved, maxContainsIncreased, maxContainsDecreased)
	compareBound(c, "minContains", o.minContains, u.minContains, minContainsAdded, minContainsRemoved, minContainsIncreased, minContainsDecreased)
}

// label names an alternative of a combined schema: its $ref if it is one.
func label(n *node) string {
	if o, ok := n.raw.(map[string]any); ok {
		if ref, ok := o["$ref"].(string); ok {
			return "$ref " + ref
		}
	}
	return describe(n)
}

// describe names a schema for a message.
func describe(n *node) string {
	n = deref(n)
	if n == nil {
		return "no schema"
	}
	switch n.kind {
	case kNumber:
		if n.integer {
			return "integer"
		}
		return "number"
	case kEnum:
		return "enum " + valuesText(n)
	case kConst:
		return "const " + sortedKeys(n.values[0])
	case kCombined:
		if n.synthetic {
			parts := make([]string, len(n.subs))
			for i, s := range n.subs {
				parts[i] = describe(s)
			}
			sep := " and "
			if n.criterion == "anyOf" {
				sep = " or "
			}
			return strings.Join(parts, sep)
		}
		article := "an "
		if n.criterion == "oneOf" {
			article = "a "
		}
		return article + n.criterion + " of " + itoa(len(n.subs)) + " schemas"
	}
	return n.kind.String()
}
