// Package avroformat is the schemaformat.Parser for Avro (schema.Avro):
// it parses Avro schemas, writes the two texts the registry stores, and
// decides whether one schema can read data written with another, the way
// Confluent Schema Registry does. Confluent does all three with Avro
// Java, so Avro Java's behaviour is the reference throughout; where this
// package departs from it, the list at the end says so.
//
// # Parsing
//
// A schema is JSON: a type name, an object with a "type", or an array (a
// union). It is read with the rules of Avro Java's Schema.Parser, then
// checked again by github.com/hamba/avro/v2:
//
//	text ──JSON (member order and number spellings kept)──▶ nodes (Avro Java's rules)
//	                                                          │
//	     hamba/avro parses the normalized text of the refs ◀──┘ and of the schema, in one SchemaCache
//
// The rules:
//
//   - Names and namespaces: a record, enum or fixed has a name and a
//     namespace (its own "namespace", the dotted prefix of its "name", or
//     the enclosing one's; "" is the null namespace). Every part matches
//     [A-Za-z_][A-Za-z0-9_]*, a named type may not be named after a
//     primitive, and no full name is defined twice (a reference's types
//     included). A type name is looked up in the enclosing namespace, then
//     in the null namespace.
//   - Records need "fields", with unique valid names and a "type" each;
//     "order" is ascending, descending or ignore (any case); enums need
//     unique valid "symbols" and a "default" among them; fixed needs a
//     "size" from 0 to 2^31-1; arrays need "items", maps "values"; a union
//     holds no union and no two branches of one type (named types: of one
//     full name; a logical type does not make a new type).
//   - Field defaults must match their type (Avro Java's isValidDefault): an
//     int or long default is an integer in range, a float or double any
//     number (or a string Avro Java reads as one: "NaN", "1.5"), a union's
//     default a value of its first branch, a record default an object with
//     a valid value, or a field default, for every field.
//   - Logical types are those of Avro Java's LogicalTypes (decimal,
//     big-decimal, uuid, date, time-*, timestamp-*, local-timestamp-*,
//     duration) on the types they apply to; any other logicalType, or a
//     decimal with an invalid precision or scale, is an ordinary property,
//     as in Avro Java. Keys Avro Java reserves ("doc" or "name" on a
//     primitive, an array or a map) are dropped; every other key is a
//     custom property and is kept.
//   - References: each schemaformat.Ref is parsed first, in order, into the
//     same set of names, so the schema (and later refs) use their types by
//     name, nested types included. Ref.Name is not checked against what the
//     ref defines; Confluent does not check it either.
//
// Errors wrap schema.ErrInvalidSchema and say where ("field
// orders.Order.amount: the default "x" does not match the field's type
// int: ..."), with the reference's name when a reference is invalid.
//
// # Canonical form
//
// Canonical is what Confluent stores: AvroSchema.canonicalString(), which
// is Avro Java's Schema.toString(references, false). It is compact JSON
// that keeps everything the schema says, in Avro Java's member order:
//
//	record  {"type":"record"|"error","name","namespace"?,"doc"?,"fields":[...],<properties>,"aliases"?}
//	field   {"name","type","doc"?,"default"?,"order"? (unless ascending),"aliases"?,<properties>}
//	enum    {"type":"enum","name","namespace"?,"doc"?,"symbols","default"?,<properties>,"aliases"?}
//	fixed   {"type":"fixed","name","namespace"?,"doc"?,"size",<properties>,"aliases"?}
//	array   {"type":"array","items",<properties>}       map {"type":"map","values",<properties>}
//	primitive "int", or {"type":"int",<properties>} when it has properties (logicalType among them)
//
// A named type is defined where it is first used and named afterwards
// (types of the references are always named): short in its own namespace,
// full elsewhere. "namespace" is written only where it differs from the
// enclosing one ("" for a null-namespace type inside a namespaced one);
// aliases are written relative to the type's namespace. Custom properties
// keep their order. Values are written as Jackson writes what it read:
// integers as written, other numbers as a Java double (1e2 is 100.0, 1.50
// is 1.5), NaN and the infinities as strings, strings with only ", \ and
// control characters escaped.
//
// # Normalized form
//
// Normalized is Confluent's normalize=true (AvroSchema.normalize(), that
// is AvroSchemaUtils.toNormalizedString), Avro's Parsing Canonical Form
// extended to keep what matters to a registry: every named type under
// its full name and no "namespace"; members in a fixed order, {"name",
// "type", then "symbols", "size" with its logical type, or "fields"}, each
// field {"name","type","order","doc"?,"aliases"?,"default"?}; then "doc"
// (when not empty), "aliases" (full names, sorted), an enum's "default",
// and the custom properties sorted by key. A primitive's logical type
// comes first ({"type":"bytes","logicalType":"decimal","precision":4},
// a zero scale left out). Defaults take the form of their type (1 for a
// double is 1.0, for a float a Java float); objects in values have
// sorted keys. An error record is written as a record, as Confluent does.
//
// # Compatibility
//
// CanRead applies Avro's schema resolution (the specification's "Schema
// Resolution") as Avro Java's SchemaCompatibility does it, which is what
// Confluent's AvroSchema.isBackwardCompatible calls for every level:
//
//   - The same primitive reads itself; int is promoted to long, float and
//     double, long to float and double, float to double; string and bytes
//     read each other. Logical types do not matter (decimal precision
//     included): only the underlying types count.
//   - Records, enums and fixed must have the same unqualified name, or the
//     reader must list the writer's full name among its aliases (so a
//     change of namespace alone is compatible, as in Avro Java and the
//     specification).
//   - Records: each reader field is read from the writer field of its name
//     or of one of its aliases (two matches is an error), or else must have
//     a default; writer fields the reader lacks are skipped.
//   - Enums: the writer's symbols the reader lacks are an error unless the
//     reader enum has a default. Fixed: the sizes must be equal.
//   - Arrays and maps: their items and values, recursively.
//   - Unions: every branch of a writer union must be readable; a reader
//     union reads a writer type when one of its branches does; a writer
//     union read by a non-union reader needs each branch readable by it.
//   - Recursive types: a pair of types met again while it is being
//     checked counts as compatible.
//
// Each reason names where it is: "field orders.Order.amount: reader type
// double cannot read writer type string" (the record of the field by its
// full name; [] after it for array items, {} for map values), or "top
// level", or "schema[]" and the like below a top-level array or map.
//
// # Decoding
//
// A parsed schema is a schemaformat.Decoder (decode.go): it reads a binary
// Avro value of the schema (the writer's; no resolution) by walking the
// parsed nodes itself, not through hamba/avro, so that records keep their
// field order, unions give the branch's value unwrapped, and every length
// and block count is checked against the bytes left (and the port's value
// budget) before anything is allocated. The value mapping is the port's;
// a decimal is written as text with its scale, other logical types keep
// their underlying value. The value must take the whole payload: bytes
// left after it are an error.
//
// # Where this package departs from Confluent
//
//   - Names are checked by the Avro specification's ASCII rule; Avro Java
//     (and so Confluent) also accepts non-ASCII letters. hamba/avro does
//     not, and the registry's schemas are read by clients of every
//     language.
//   - A union's default must belong to its first branch (Avro 1.11, and
//     what hamba/avro and most clients do); Avro 1.12 accepts any branch.
//   - An enum-typed default must be one of the symbols, a bytes or fixed
//     default must use code points 0-255, and a non-string enum "default"
//     is an error rather than ignored: Avro Java does not check these; the
//     specification and hamba/avro do.
//   - The canonical form writes every type a reference defines by name;
//     Confluent writes by name only the references' top-level types, and
//     inlines (so defines a second time) a nested type of a reference.
//   - The normalized form writes "order" in lower case, as the
//     specification spells it (Avro Java writes the Java enum constant,
//     "ASCENDING", which other libraries reject); writes a logical type's
//     properties once (Confluent writes them again among the sorted
//     properties); and keeps "namespace":"" on a null-namespace type
//     declared inside a namespaced one (Confluent drops it, moving the type
//     into the enclosing namespace when the text is read again).
//   - When the names differ, CanRead reports only that, not also the
//     fields or symbols behind it; when no branch of a reader union reads
//     a writer type but one branch has its name or type, it reports why
//     that branch does not (Avro Java says only "reader union lacking
//     writer type").
//   - hamba/avro must accept the schema too. It is given the normalized text
//     adapted to its ways: null-namespace names moved to a private namespace
//     (hamba looks a name up only in the enclosing namespace); no aliases
//     (hamba lets an alias shadow another type's name); record defaults
//     with every field spelled out (hamba checks a left-out field against
//     its own converted default and fails); and without the defaults it
//     cannot read (NaN, infinities, numbers beyond a double), or any
//     default when the schema has a fixed larger than 1 KiB (hamba builds
//     and keeps a Go array type of a fixed's size for each default of
//     it). Otherwise its
//     rules are the ones above or looser, so it should reject nothing they
//     accept; if it does, the schema is invalid here.
//
// Sources: the Avro specification 1.11 and 1.12 (Schemas, Schema
// Resolution, Parsing Canonical Form); Avro Java's Schema.java,
// SchemaCompatibility.java, LogicalTypes.java and JacksonUtils.java; and
// Confluent Schema Registry's AvroSchema.java and AvroSchemaUtils.java
// (canonicalString, normalize, toNormalizedString).
package avroformat
