package jsonformat

import (
	"fmt"
	"strings"
)

// reason turns an incompatible difference into one sentence naming where
// it is (a JSON pointer into the schemas) and Confluent's name for it.
// original is the writer and update the reader (see diff.go).
func (d difference) reason() string {
	return fmt.Sprintf("at #%s: %s (%s)", d.path, d.explain(), d.typ)
}

// name is the last token of the path: the property, position or keyword
// the difference is about.
func (d difference) name() string {
	i := strings.LastIndexByte(d.path, '/')
	t := d.path[i+1:]
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// shortExplain is explain without nested detail, for quoting inside
// another reason (nesting full reasons grows exponentially).
func (d difference) shortExplain() string {
	if d.typ == combinedTypeSubschemasChanged {
		return "not every alternative of the writer has a compatible alternative of its own in the reader"
	}
	return d.explain()
}

func (d difference) explain() string {
	w, r := d.writer, d.reader
	switch d.typ {
	case typeChanged:
		return fmt.Sprintf("the writer's schema is %s but the reader's is %s, and changing the kind of schema is incompatible", w, r)
	case typeNarrowed:
		return "the reader accepts only integers where the writer accepts any number"
	case schemaAdded:
		return "the reader has a schema where the writer has none, so it constrains values the writer leaves free"

	case maxLengthAdded:
		return fmt.Sprintf("the reader limits strings to maxLength %s where the writer has no limit", r)
	case minLengthAdded:
		return fmt.Sprintf("the reader requires minLength %s where the writer has no minimum", r)
	case patternAdded:
		return fmt.Sprintf("the reader requires strings to match pattern %q where the writer has no pattern", r)
	case patternChanged:
		return fmt.Sprintf("the reader's pattern %q differs from the writer's %q", r, w)

	// The bounds: d.name() is the keyword.
	case maximumAdded, minimumAdded, exclusiveMaximumAdded, exclusiveMinimumAdded,
		maxPropertiesAdded, minPropertiesAdded, maxItemsAdded, minItemsAdded, maxContainsAdded, minContainsAdded:
		return fmt.Sprintf("the reader sets %s %s where the writer has none", d.name(), r)
	case maxLengthDecreased, maximumDecreased, exclusiveMaximumDecreased, maxPropertiesDecreased, maxItemsDecreased, maxContainsDecreased:
		return fmt.Sprintf("the reader's %s %s is below the writer's %s", d.name(), r, w)
	case minLengthIncreased, minimumIncreased, exclusiveMinimumIncreased, minPropertiesIncreased, minItemsIncreased, minContainsIncreased:
		return fmt.Sprintf("the reader's %s %s is above the writer's %s", d.name(), r, w)

	case multipleOfAdded:
		return fmt.Sprintf("the reader requires multiples of %s where the writer does not", r)
	case multipleOfExpanded:
		return fmt.Sprintf("the reader's multipleOf %s is a multiple of the writer's %s, so some values the writer accepts are rejected", r, w)
	case multipleOfChanged:
		return fmt.Sprintf("the reader's multipleOf %s does not divide the writer's %s", r, w)

	case requiredAttributeAdded:
		return fmt.Sprintf("the reader requires property %q, which the writer leaves optional, and gives it no default", d.name())
	case additionalPropertiesRemoved:
		return "the reader forbids additional properties (additionalProperties: false) that the writer allows"
	case additionalPropertiesNarrowed:
		return "the reader constrains additional properties with a schema where the writer allows any"
	case dependencyArrayAdded:
		return fmt.Sprintf("the reader makes property %q require [%s] where the writer has no such dependency", d.name(), r)
	case dependencyArrayExtended:
		return fmt.Sprintf("the reader makes property %q require [%s], more than the writer's [%s]", d.name(), r, w)
	case dependencyArrayChanged:
		return fmt.Sprintf("the reader makes property %q require [%s] where the writer requires [%s]", d.name(), r, w)
	case dependencySchemaAdded:
		return fmt.Sprintf("the reader adds a schema dependency on property %q that the writer does not have", d.name())

	case requiredPropertyAddedToOpen:
		return fmt.Sprintf("the reader adds required property %q without a default, and the writer's open content model let data omit it or hold anything under that name", d.name())
	case requiredPropertyWithDefaultAddedToOpen:
		return fmt.Sprintf("the reader adds property %q, and the writer's open content model let data hold any value under that name", d.name())
	case optionalPropertyAddedToOpen:
		return fmt.Sprintf("the reader adds property %q, and the writer's open content model (additionalProperties not false) let data hold any value under that name; close the writer's model or give the new property an empty schema", d.name())
	case requiredPropertyAddedToUnopen:
		return fmt.Sprintf("the reader requires new property %q, which the writer does not declare, without a default", d.name())
	case propertyRemovedFromClosed:
		return fmt.Sprintf("the reader drops property %q but allows no undeclared properties, so data the writer wrote with it is rejected", d.name())
	case propertyRemovedNotCovered:
		return fmt.Sprintf("the reader drops property %q and its schema for undeclared properties rejects values the writer allowed for it", d.name())
	case propertyAddedNotCovered:
		return fmt.Sprintf("the reader adds property %q whose schema rejects values the writer's schema for undeclared properties allowed under that name", d.name())
	case unevaluatedPropertiesRemoved:
		return "the reader forbids unevaluated properties (unevaluatedProperties: false) that the writer allows"
	case unevaluatedPropertiesNarrowed:
		return "the reader constrains unevaluated properties with a schema where the writer allows any"

	case uniqueItemsAdded:
		return "the reader requires unique items where the writer does not"
	case additionalItemsRemoved:
		return "the reader forbids items beyond its positional ones, which the writer allows"
	case additionalItemsNarrowed:
		return "the reader constrains items beyond its positional ones with a schema where the writer allows any"
	case unevaluatedItemsRemoved:
		return "the reader forbids unevaluated items (unevaluatedItems: false) that the writer allows"
	case unevaluatedItemsNarrowed:
		return "the reader constrains unevaluated items with a schema where the writer allows any"
	case itemAddedToOpen:
		return fmt.Sprintf("the reader constrains item %s, where the writer's open array allows anything", d.name())
	case itemRemovedFromClosed:
		return fmt.Sprintf("the reader drops item %s but allows no further items, so arrays the writer wrote that long are rejected", d.name())
	case itemRemovedNotCovered:
		return fmt.Sprintf("the reader drops item %s and its schema for further items rejects values the writer allowed there", d.name())
	case itemAddedNotCovered:
		return fmt.Sprintf("the reader adds item %s whose schema rejects values the writer's schema for further items allowed there", d.name())

	case enumArrayNarrowed:
		return fmt.Sprintf("the reader's enum %s lacks values of the writer's %s", r, w)
	case enumArrayChanged:
		return fmt.Sprintf("the reader's %s %s differs from the writer's %s", d.name(), r, w)

	case combinedTypeChanged:
		return fmt.Sprintf("the writer combines its schemas with %s but the reader with %s", w, r)
	case productTypeExtended:
		return fmt.Sprintf("the reader's allOf has %s schemas to satisfy where the writer's has %s", r, w)
	case sumTypeNarrowed:
		return fmt.Sprintf("the reader has %s alternatives where the writer has %s", r, w)
	case combinedTypeSubschemasChanged:
		return fmt.Sprintf("not every alternative of the writer has a compatible alternative of its own in the reader; without one: %s", w)
	case notTypeExtended:
		return "the reader's \"not\" excludes values that the writer's allows"
	case tooComplex:
		return fmt.Sprintf("the schemas are too complex to compare (more than %d pairs of subschemas); simplify their combinations", maxSteps)
	}
	return "the reader rejects data the writer allows"
}
