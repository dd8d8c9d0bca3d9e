// Package schema models a Confluent-compatible schema registry: schema
// types, subjects and versions, references, compatibility levels and modes,
// and the rule that decides which earlier versions a new schema is checked
// against. Parsing and the per-format compatibility rules live behind
// ports/schemaformat.
package schema

import (
	"errors"
	"fmt"
	"strings"
)

// Type is a schema language as the registry names it.
type Type string

// The schema types. An empty type in a request means Avro.
const (
	Avro     Type = "AVRO"
	JSON     Type = "JSON"
	Protobuf Type = "PROTOBUF"
)

// ParseType reads a schemaType field: "" is Avro; case does not matter.
func ParseType(s string) (Type, error) {
	switch t := Type(strings.ToUpper(strings.TrimSpace(s))); t {
	case "":
		return Avro, nil
	case Avro, JSON, Protobuf:
		return t, nil
	}
	return "", fmt.Errorf("%w: unknown schema type %q (want AVRO, JSON or PROTOBUF)", ErrInvalidSchema, s)
}

// Reference names another registered schema a schema imports: Name is how
// the schema refers to it (an Avro full name, a JSON Schema $ref URL, a
// Protobuf import path).
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Schema is a registered schema: the same text, type and references always
// get the same ID, under any subject.
type Schema struct {
	ID         int         `json:"id"`
	Type       Type        `json:"schemaType"`
	Text       string      `json:"schema"`
	References []Reference `json:"references,omitempty"`
}

// Version is one version of a subject.
type Version struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Deleted bool   `json:"deleted,omitempty"` // soft-deleted
}

// ValidSubject checks a subject name: non-empty, no control characters.
func ValidSubject(s string) error {
	if s == "" {
		return fmt.Errorf("%w: the subject name is empty", ErrInvalidSubject)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: subject %q contains a control character", ErrInvalidSubject, s)
		}
	}
	return nil
}

// Errors, each with the Confluent error code the HTTP adapter answers.
var (
	ErrSubjectNotFound       = errors.New("subject not found")                                              // 40401
	ErrVersionNotFound       = errors.New("version not found")                                              // 40402
	ErrSchemaNotFound        = errors.New("schema not found")                                               // 40403
	ErrSubjectSoftDeleted    = errors.New("subject was soft deleted")                                       // 40404
	ErrSubjectNotSoftDeleted = errors.New("subject was not deleted first before being permanently deleted") // 40405
	ErrVersionSoftDeleted    = errors.New("version was soft deleted")                                       // 40406
	ErrVersionNotSoftDeleted = errors.New("version was not deleted first before being permanently deleted") // 40407
	ErrSubjectLevelNotSet    = errors.New("subject does not have a subject-level compatibility configured") // 40408
	ErrSubjectModeNotSet     = errors.New("subject does not have a subject-level mode configured")          // 40409
	ErrIncompatible          = errors.New("schema being registered is incompatible with an earlier schema") // 409
	ErrInvalidSchema         = errors.New("invalid schema")                                                 // 42201
	ErrInvalidVersion        = errors.New("invalid version")                                                // 42202
	ErrInvalidLevel          = errors.New("invalid compatibility level")                                    // 42203
	ErrInvalidMode           = errors.New("invalid mode")                                                   // 42204
	ErrNotPermitted          = errors.New("operation not permitted")                                        // 42205
	ErrReferenceExists       = errors.New("one or more references exist to the schema")                     // 42206
	ErrInvalidSubject        = errors.New("invalid subject")                                                // 42208
	ErrUnsupportedField      = errors.New("unsupported request field")                                      // 42201 as well: the schema request is not one Chronik can honour
	ErrBusy                  = errors.New("the schema registry is busy")                                    // 50302 (Chronik's): a write lost too many races with other writes; retry
)
