// Package jsonformat is the schemaformat.Parser for JSON Schema
// (schema.JSON), behaving as Confluent Schema Registry's JSON Schema
// provider does.
//
// # Sources
//
// The rules are those of Confluent's schema-registry, module
// json-schema-provider:
//
//   - JsonSchema.java: canonicalString, normalize, isBackwardCompatible;
//   - the package io.confluent.kafka.schemaregistry.json.diff: SchemaDiff
//     (with its COMPATIBLE_CHANGES_STRICT set), StringSchemaDiff,
//     NumberSchemaDiff, EnumSchemaDiff, ConstSchemaDiff, CombinedSchemaDiff,
//     NotSchemaDiff, ObjectSchemaDiff, ArraySchemaDiff and Difference;
//   - schema/SchemaTranslator.java, which maps drafts 2019-09 and 2020-12
//     onto the model the diff works on;
//   - the page "Schema Evolution and Compatibility" for the levels:
//     https://docs.confluent.io/platform/current/schema-registry/fundamentals/schema-evolution.html
//
// The implementation was checked against the 263 cases of Confluent's own
// diff-schema-examples*.json and diff-combined-schema-examples*.json test
// files: every verdict agrees. testdata/compat.txt holds Chronik's cases.
//
// # Parsing
//
// Parse reads the text as JSON (strict RFC 8259, valid UTF-8, one value)
// whose root is an object or a boolean, and compiles it with
// santhosh-tekuri/jsonschema against the meta-schema of the draft its
// $schema names (draft-04, -06, -07, 2019-09 or 2020-12, http or https,
// with or without a trailing "#"); without $schema it is draft 7, as
// Confluent. Every $ref must resolve: within the text, or to a reference.
// A reference is registered at its Name resolved against the schema's base
// URI mem://input (Confluent's; so "customer.json" is
// mem://input/customer.json) and against the absolute $id of the root and
// of every reference, so both "customer.json" and
// "https://example.com/schemas/customer.json" find it. Nothing is loaded
// from the network or the file system: an unknown $ref or $schema is an
// error saying which. Patterns are compiled by Go's RE2 after ECMA-262's
// \uXXXX is rewritten; a pattern using ECMA-262 features RE2 lacks
// (lookaround, backreferences) is accepted, since the registry never
// validates data, and matches no property name where the compatibility
// rules consult patternProperties.
//
// # Canonical and normalized forms
//
// Canonical is Confluent's canonical string: Jackson's compact rendering
// of the parsed tree, which keeps the object keys in the order written. A
// key written twice keeps its first place and its last value (Jackson's
// ObjectNode); strings escape only '"', '\' and control characters (\b \t
// \n \f \r, else \u00XX), so non-ASCII text is kept as is; numbers are
// kept as written. Parsing Canonical gives Canonical again.
//
//	{ "type": "object",
//	  "properties": {"b": {}, "a": {}} }   →  {"type":"object","properties":{"b":{},"a":{}}}
//
// Normalized is Confluent's normalize — the canonical text re-read with
// every object's keys sorted (by Java's String order, UTF-16 code units) —
// plus, in Chronik, the arrays of schema keywords whose order means
// nothing sorted: "required", "type", "enum" (by each value's normalized
// text) and the property lists of "dependencies" and "dependentRequired".
// Arrays inside data ("default", "const", "examples", unknown keywords)
// keep their order. Normalizing is idempotent.
//
//	{"type":"object","required":["b","a"],"properties":{"b":{},"a":{"enum":[2,1]}}}
//	→ {"properties":{"a":{"enum":[1,2]},"b":{}},"required":["a","b"],"type":"object"}
//
// # Decoding
//
// A parsed schema is a schemaformat.Decoder (decode.go) whose payload is
// JSON text: one JSON object, decoded as it is by
// document.ParseJSONObject, not validated against the schema.
//
// # Compatibility
//
// CanRead(writer) on reader p runs Confluent's SchemaDiff.compare with
// original = writer and update = p, because Confluent's
// isBackwardCompatible(previous) compares previous → this and a BACKWARD
// check asks whether the new schema reads data written with the old. So:
//
//	BACKWARD check of new against old:  new.CanRead(old)   reader = new, writer = old
//	FORWARD  check of new against old:  old.CanRead(new)   reader = old, writer = new
//	FULL: both.
//
// The diff walks both schemas together and records a typed difference
// wherever they differ; the reader can read the writer when every
// difference is in Confluent's COMPATIBLE_CHANGES_STRICT set (the policy
// its registry uses unless told to be lenient). Each other difference
// becomes one reason: "at #/json/pointer: sentence (DIFFERENCE_TYPE)",
// where the pointer locates the change in the walk ("#" is the root).
//
// The walk is over Confluent's model of a schema, into which its loader
// (everit) turns every draft: a $ref (before 2019-09, siblings ignored) is
// the schema it names; otherwise enum, each of allOf/anyOf/oneOf, not,
// const, type and if/then/else each give one schema, and without "type"
// each group of type-specific keywords gives a schema of that type
// (minLength, maxLength, pattern and, up to draft 7, format: a string
// schema; minimum...multipleOf: a number schema; items...: an array schema;
// properties...: an object schema); "type": [..] is an anyOf of one schema
// per type, each with that type's keywords; no schema is the empty schema
// and several an allOf. Two schemas of different kinds (string, number,
// boolean, null, object, array, enum, const, combined, not, if/then/else,
// empty, false) are a TYPE_CHANGED difference — except that any writer
// schema can be read by the empty reader schema, a false writer schema by
// any reader, and two schemas both marked "connect.type": "bytes" are
// alike. The rules then compare, by kind (✓ compatible, ✗ not):
//
//	annotations     $id, title, description, default changed ✓
//	number          integer → number TYPE_EXTENDED ✓; number → integer TYPE_NARROWED ✗
//	string          maxLength removed/increased ✓, added/decreased ✗; minLength removed/decreased ✓,
//	                added/increased ✗; pattern removed ✓, added/changed ✗; format not compared
//	number bounds   maximum, exclusiveMaximum removed/increased ✓, added/decreased ✗;
//	                minimum, exclusiveMinimum removed/decreased ✓, added/increased ✗;
//	                multipleOf removed, or reduced to a divisor ✓; added, expanded to a multiple,
//	                or changed ✗ (draft 4's boolean exclusiveMaximum/Minimum are not compared)
//	enum, const     enum extended ✓; narrowed or changed ✗; const changed ✗ (ENUM_ARRAY_CHANGED)
//	object          property made optional ✓; made required ✗ unless it has a default ✓;
//	                maxProperties removed/increased, minProperties removed/decreased ✓, else ✗;
//	                additionalProperties false → allowed, or schema → anything ✓;
//	                allowed → false (ADDITIONAL_PROPERTIES_REMOVED) or anything → schema
//	                (ADDITIONAL_PROPERTIES_NARROWED) ✗; unevaluatedProperties the same way;
//	                dependencies/dependentRequired lists removed or narrowed ✓, added, extended or
//	                changed ✗; dependency schemas removed ✓, added ✗, else compared
//	content model   a property only the reader has is judged by the writer's content model, one
//	                only the writer has by the reader's. Open (additionalProperties absent or true,
//	                no patternProperties, unevaluatedProperties absent or true): adding a property
//	                is ✗ (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, now REQUIRED_/OPTIONAL_PROPERTY_
//	                ADDED_TO_OPEN_CONTENT_MODEL) unless its schema is empty ✓; removing one ✓.
//	                Closed (additionalProperties false): adding an optional property, or a required
//	                one with a default ✓, a required one without ✗
//	                (REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL); removing one ✗
//	                (PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL) unless its schema was false ✓.
//	                Partially open (a matching patternProperties schema, else the
//	                additionalProperties schema, else the unevaluatedProperties schema): added or
//	                removed ✓ when that schema and the property's are compatible (...IS_COVERED...),
//	                else ✗ (...NOT_COVERED...)
//	array           items compared as schemas (added ✗ SCHEMA_ADDED, removed ✓); maxItems,
//	                minItems, maxContains, minContains as the bounds above; uniqueItems added ✗,
//	                removed ✓; additionalItems as additionalProperties; positional items
//	                (items [...] or prefixItems) by content model as properties: added to an open
//	                array ✗ unless empty, to a closed one ✓; removed from an open array ✓, from a
//	                closed one ✗ unless false, partially open as above
//	combined        same criterion ✓; a change to anyOf, between one-member combinations, from
//	                a one-member one to oneOf or from allOf to a one-member one ✓
//	                (COMBINED_TYPE_EXTENDED), other criterion changes ✗; more anyOf/oneOf members
//	                ✓ (SUM_TYPE_EXTENDED), fewer ✗ (SUM_TYPE_NARROWED); more allOf members ✗
//	                (PRODUCT_TYPE_EXTENDED), fewer ✓; and the members of the smaller side must each
//	                be matched, one to one, with a compatible member of the other (a maximum
//	                bipartite matching), else ✗ COMBINED_TYPE_SUBSCHEMAS_CHANGED.
//	                A writer schema read by a reader anyOf/oneOf ✓ when some member reads it; a
//	                writer allOf read by a plain reader ✓ when some member is read by it; a
//	                one-member combination is its member
//	not             compared reversed: the reader's "not" may exclude less ✓ (NOT_TYPE_NARROWED),
//	                not more ✗ (NOT_TYPE_EXTENDED)
//	if/then/else    compared by kind only, as Confluent
//
// Recursive schemas are compared as Confluent does: each pair of schemas
// once (memoized), a pair met again on its own stack taken as compatible,
// and, when that assumption was used, further passes that feed back the
// pairs found incompatible until the set stops growing. A check that would
// compare more than maxSteps pairs stops with a COMPARISON_TOO_COMPLEX
// reason; each subtree keeps at most maxDiffs differences (incompatible
// ones first), which bounds shared definitions met on many paths.
//
// # Where Chronik differs from Confluent
//
//   - Equal numbers written differently (1, 1.0, 1e0) are one value in enum,
//     const and default; Confluent's Java equality tells them apart.
//   - An unknown $schema is an error (unless a reference provides it);
//     Confluent falls back to draft 7. "http://json-schema.org/schema" is
//     read as 2020-12 (the library's choice), Confluent reads it as draft 4.
//   - Canonical keeps numbers as written; Jackson prints 1e2 as 1E+2.
//   - Patterns are RE2 (see Parsing), not java.util.regex.
//   - Paths follow RFC 6901 (a "/" in a property name is ~1), leave out the
//     allOf/anyOf the loader makes from sibling keywords, and show the
//     root as "#".
//   - For 2019-09 and 2020-12, Confluent's translation drops a few
//     differences that are compatible anyway (an $id, maxProperties or
//     minProperties change, additionalProperties: true added); Chronik
//     reports them, with the same verdicts.
//   - Only the STRICT policy is implemented, not Confluent's LENIENT one.
package jsonformat
