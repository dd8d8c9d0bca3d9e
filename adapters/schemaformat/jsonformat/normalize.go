package jsonformat

import (
	"slices"
	"strings"
)

// Keywords whose value is a schema, an array of schemas or a map of
// schemas, in any draft. The normalizer descends into them as schemas;
// every other value is data, whose arrays keep their order.
var (
	schemaKeywords = map[string]bool{
		"additionalItems": true, "additionalProperties": true, "contains": true,
		"propertyNames": true, "not": true, "if": true, "then": true, "else": true,
		"unevaluatedItems": true, "unevaluatedProperties": true, "contentSchema": true,
		"items": true, // a schema, or an array of schemas before 2020-12
	}
	schemaArrayKeywords = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "prefixItems": true, "items": true}
	schemaMapKeywords   = map[string]bool{
		"properties": true, "patternProperties": true, "definitions": true, "$defs": true,
		"dependentSchemas": true,
	}
)

// normalizeSchema returns schema v in normal form: every object's keys in
// sorted order (Confluent's normalize) and, in schema positions, the arrays
// whose order has no meaning sorted: "required", "type", "enum" and the
// property lists of "dependencies" and "dependentRequired".
func normalizeSchema(v any) any {
	o, ok := v.(object)
	if !ok {
		return v // a boolean schema, or a value the meta-schema rejected
	}
	out := make(object, 0, len(o))
	for _, m := range sortObject(o) {
		val := m.val
		switch {
		case m.key == "required" || m.key == "type":
			val = sortStrings(val)
		case m.key == "enum":
			val = sortValues(val)
		case m.key == "dependencies" || m.key == "dependentRequired":
			val = mapValues(val, func(e any) any {
				if _, isArr := e.([]any); isArr {
					return sortStrings(e)
				}
				return normalizeSchema(e)
			})
		case schemaMapKeywords[m.key]:
			val = mapValues(val, normalizeSchema)
		case schemaArrayKeywords[m.key]:
			if arr, isArr := val.([]any); isArr {
				val = mapArray(arr, normalizeSchema)
			} else if schemaKeywords[m.key] {
				val = normalizeSchema(val)
			} else {
				val = normalizeData(val)
			}
		case schemaKeywords[m.key]:
			val = normalizeSchema(val)
		default:
			val = normalizeData(val)
		}
		out = append(out, member{m.key, val})
	}
	return out
}

// normalizeData sorts the keys of every object in v.
func normalizeData(v any) any {
	switch v := v.(type) {
	case object:
		out := sortObject(v)
		for i := range out {
			out[i].val = normalizeData(out[i].val)
		}
		return out
	case []any:
		return mapArray(v, normalizeData)
	}
	return v
}

// mapValues applies f to every value of object v (keys sorted); other
// values are normalized as data.
func mapValues(v any, f func(any) any) any {
	o, ok := v.(object)
	if !ok {
		return normalizeData(v)
	}
	out := sortObject(o)
	for i := range out {
		out[i].val = f(out[i].val)
	}
	return out
}

// sortStrings sorts an array of strings; anything else is data.
func sortStrings(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return normalizeData(v)
	}
	strs := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return normalizeData(v)
		}
		strs[i] = s
	}
	slices.SortStableFunc(strs, compareUTF16)
	out := make([]any, len(strs))
	for i, s := range strs {
		out[i] = s
	}
	return out
}

// sortValues sorts an array of JSON values by their compact, key-sorted
// text.
func sortValues(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return normalizeData(v)
	}
	type keyed struct {
		key string
		val any
	}
	ks := make([]keyed, len(arr))
	for i, e := range arr {
		n := normalizeData(e)
		ks[i] = keyed{compact(n), n}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k.val
	}
	return out
}
