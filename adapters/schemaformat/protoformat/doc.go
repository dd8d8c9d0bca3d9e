// Package protoformat is the schemaformat.Parser for Protobuf schemas
// (schema.Protobuf), behaving like Confluent Schema Registry's Protobuf
// provider.
//
// # Parsing
//
// A schema is one .proto file, compiled by github.com/bufbuild/protocompile
// (proto2, proto3 and the editions it supports; types, options and imports
// resolved and checked as protoc does). Its imports are found, in order:
//
//  1. among the references: Ref.Name is the import path, Ref.Text the
//     imported file (itself compiled, with its own imports);
//  2. among the files Confluent resolves without a reference:
//     confluent/meta.proto, confluent/type/decimal.proto and
//     confluent/type/variant.proto (declared in known.go), the google/type
//     files (date, money, latlng, ... from google.golang.org/genproto), and
//     google/protobuf/*.proto (timestamp, any, struct, wrappers, duration,
//     empty, field_mask, descriptor, ...).
//
// The schema compiles as "schema.proto" (or "schema_1.proto", ... if a
// reference took that name), so errors read
//
//	invalid schema: schema.proto:3:3: field M.m: unknown type Missing
//
// with up to ten of the compiler's messages, each with its file:line:col.
// Every error wraps schema.ErrInvalidSchema.
//
// # Canonical form
//
// Confluent stores ProtobufSchema.canonicalString(), the file printed back
// from its parse (ProtobufSchemaUtils.toString). Canonical is the same idea
// printed from the compiled descriptors, with the spelling of type
// references and option values taken from the syntax tree:
//
//	syntax = "proto3";            (or edition = "2023"; proto2 is explicit too)
//	package p;
//
//	import "a.proto";             (declaration order; public and weak kept)
//
//	option java_package = "x";    (declaration order, as written)
//
//	message M {                   (messages first, in declaration order: the
//	  reserved 5, 9 to 11;         message index in Confluent's wire format
//	  reserved "old";              counts them), then enums, then extend
//	  option deprecated = true;    blocks, then services
//	  Type field = 1 [opts];      (fields outside oneofs, declaration order)
//	  map<string, V> m = 2;
//	  optional group G = 3 { ... }
//	  oneof o { ... }
//	  extensions 100 to max;
//	  extend Other { ... }
//	  message Nested { ... }
//	  enum E { ... }
//	}
//
// Comments and layout are dropped, type names stay as written (resolution
// is scope-relative and the printed scopes are the source's), numbers in
// option values print in decimal and strings re-escaped. Parsing Canonical
// gives the same descriptors and prints the same Canonical.
//
// # Normalized form
//
// Confluent's normalize=true (ProtobufSchemaUtils.toNormalizedString)
// makes equivalent spellings equal. Normalized is Canonical with: imports
// sorted; options sorted by name, custom option and extendee names fully
// qualified ("(.pkg.ext)", ".pkg.Msg"); every type reference fully
// qualified with a leading dot (map values included); fields sorted by
// number; oneofs sorted by their first field's number, their fields by
// number; reserved ranges and names sorted; one "extensions" statement per
// range, sorted; extend blocks merged per extended message with fields
// sorted; message-literal option fields sorted by name; a json_name equal
// to the default one dropped; enum values after the first sorted by number
// then name. Unlike Confluent, the first enum value stays first (it is the
// default value of proto2 fields and must be zero in proto3, so moving it
// would change the schema), "syntax = \"proto2\"" stays, and options set in
// several statements are not merged. Normalizing twice changes nothing.
//
// # Decoding
//
// A parsed schema is a schemaformat.Decoder (decode.go): the payload's
// message indexes (Confluent's zigzag varints, at most MaxDepth of them)
// pick a message of the compiled file (top-level messages in declaration
// order, then nested ones; the entry types the compiler makes for map
// fields do not count, as in Confluent's deserializer, which counts the
// messages its parser sees in the schema text), whose binary encoding wire.go
// decodes straight into document values, walking the descriptors with
// protobuf-go's rules: the last occurrence of a singular field wins,
// occurrences of a singular message (or group) merge, a oneof member
// clears the others, repeated numbers may be packed or not, a wire type
// that does not fit the field makes it an unknown field, and unknown
// fields and extensions are skipped. proto2 required fields may be
// missing (nil). Unlike protobuf-go it refuses every string that is not
// UTF-8 (proto2 included: the value model's strings are UTF-8). Its tests
// check it against dynamicpb (oracle_test.go, FuzzDecode), which is three
// to four times slower and panics on some malformed map entries.
//
// # Compatibility
//
// CanRead runs Confluent's SchemaDiff on the compiled descriptors:
// r.CanRead(w) is SchemaDiff.compare(original = w, update = r), the
// comparison Confluent's isBackwardCompatible(previous) makes with the
// previous schema as original. So in a BACKWARD check (the new schema
// reading old data, domain/schema.Check) the reader is the new schema and
// the writer the old one; FORWARD swaps them; FULL does both. Every
// difference has a Confluent type and path ("#/Message/Nested/3"); those
// outside Confluent's COMPATIBLE_CHANGES become reasons, each a sentence
// naming the message and field followed by "(TYPE at #/path)".
//
// Messages and enums are matched by name in each scope, all of them (the
// first message is the one the schema describes, but every one is
// compared); fields by number.
//
//	PACKAGE_CHANGED                 package differs                   incompatible
//	MESSAGE_ADDED                   reader has a message writer lacks compatible
//	MESSAGE_REMOVED                 writer has a message reader lacks incompatible
//	MESSAGE_MOVED                   same message, other position      compatible
//	ENUM_ADDED, ENUM_REMOVED,       any enum or enum value change     compatible
//	ENUM_CONST_ADDED/REMOVED/CHANGED
//	FIELD_ADDED, FIELD_REMOVED      a number only on one side         compatible
//	REQUIRED_FIELD_ADDED/REMOVED    ... and that field is required    incompatible
//	FIELD_NAME_CHANGED              same number, other name           compatible
//	FIELD_KIND_CHANGED              scalar/enum vs message vs map     incompatible
//	FIELD_SCALAR_KIND_CHANGED       scalars outside one wire group    incompatible
//	FIELD_NAMED_TYPE_CHANGED        message type renamed, or changed  incompatible
//	                                incompatibly inside
//	FIELD_NUMERIC_LABEL_CHANGED     label change on a number/enum     incompatible
//	FIELD_STRING_OR_BYTES_LABEL_CHANGED  ... on a string or bytes     compatible
//	ONEOF_ADDED, ONEOF_REMOVED      oneof by name                     compatible
//	ONEOF_FIELD_ADDED               reader oneof gains a member       compatible
//	ONEOF_FIELD_REMOVED             writer oneof member gone (unless  incompatible
//	                                the whole oneof went)
//	ONEOF_FIELD_MOVED_TO_TOP_LEVEL  member left its oneof             compatible
//	MULTIPLE_FIELDS_MOVED_TO_ONEOF  a reader oneof holds several      incompatible
//	                                writer top-level fields
//	FIELD_MOVED_TO_EXISTING_ONEOF   a reader oneof holds fields from  incompatible
//	                                more than one writer place
//
// The wire groups (FieldSchemaDiff.ScalarKind): int32, int64, uint32,
// uint64, bool and enums; sint32, sint64; fixed32, sfixed32; fixed64,
// sfixed64; string, bytes; float; double. Enum fields are compared as
// numbers, not by enum name. Labels are compared as written in the source
// (Confluent compares its parser's labels): proto3 singular fields, oneof
// members, map fields and editions fields have none, and a label change
// counts only when both sides have one and the field is a scalar — so a
// proto3 "int32 n" may become "repeated int32 n", as in Confluent.
//
// Message types are compared by their name without the package. A
// message declared in both schemas is compared where it is declared; one
// from a reference or a well-known file is compared at the field using it
// (once per pair, and not again inside itself), and its incompatible
// differences also make that field FIELD_NAMED_TYPE_CHANGED.
//
// Not compared, as in Confluent: syntax, options, services, extensions and
// extension ranges, reserved ranges, json names, defaults. Beyond
// Confluent, whose parser does not see groups: a proto2 group field is
// compared through its body (like a referenced message), group (or
// editions DELIMITED) against length-prefixed encoding is
// FIELD_KIND_CHANGED, and an editions LEGACY_REQUIRED field counts as
// required.
//
// Sources: Confluent schema-registry, protobuf-provider,
// io.confluent.kafka.schemaregistry.protobuf.diff (SchemaDiff,
// MessageSchemaDiff, FieldSchemaDiff, EnumSchemaDiff, Difference; the
// oneof rules as of August 2026) and ProtobufSchemaUtils (printing,
// normalization); Confluent's diff-schema-examples.json for the expected
// differences; https://protobuf.dev/programming-guides/proto3/#updating
// for the wire groups. testdata/compat.txt holds the cases, both ways.
package protoformat
