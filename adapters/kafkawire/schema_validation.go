package kafkawire

// Broker-side schema validation (Confluent's confluent.value.schema.validation
// and confluent.key.schema.validation topic configs): every record's value
// (key) must be in the schema registry's wire format, a zero magic byte and
// a 4-byte big-endian id of a registered schema, or the whole partition's
// records are refused with INVALID_RECORD. Null values (tombstones) and
// null keys pass, as in Confluent Server.

import (
	"encoding/binary"
	"fmt"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
)

// Topic configs that turn validation on.
const (
	valueSchemaValidation = "confluent.value.schema.validation"
	keySchemaValidation   = "confluent.key.schema.validation"
)

// schemaIDs answers whether a schema id is registered.
type schemaIDs func(id int) bool

// schemaRule is what a validating topic requires of its records.
type schemaRule struct {
	values, keys bool
	known        schemaIDs
}

// schemaCheck returns the rule records of t must pass, or nil when t does
// not validate. lookup is called only then (the produce path of topics
// without validation does no more than two config lookups). The records
// are walked by batchValidator.check (produce_validation.go), which
// decompresses each batch once, within the broker's bound.
func schemaCheck(t topic.Topic, lookup func() schemaIDs) *schemaRule {
	v, _ := t.Value(valueSchemaValidation)
	k, _ := t.Value(keySchemaValidation)
	values, keys := v == "true", k == "true"
	if !values && !keys {
		return nil
	}
	known := lookup()
	if known == nil {
		known = func(int) bool { return false }
	}
	return &schemaRule{values: values, keys: keys, known: known}
}

// check checks the record at index of its batch.
func (s *schemaRule) check(index int32, r *record.Record) error {
	var bad error
	if s.values {
		bad = checkSchemaPrefix("value", r.Value, s.known)
	}
	if bad == nil && s.keys {
		bad = checkSchemaPrefix("key", r.Key, s.known)
	}
	if bad != nil {
		return &record.RecordError{Index: index, Err: fmt.Errorf("%w: record %d of the batch: %v", record.ErrInvalidRecord, index, bad)}
	}
	return nil
}

func checkSchemaPrefix(what string, b []byte, known schemaIDs) error {
	if b == nil {
		return nil
	}
	if len(b) < 5 || b[0] != 0 {
		return fmt.Errorf("topic validates %ss against the schema registry, and this %s does not start with the magic byte 0 and a schema id", what, what)
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	if !known(id) {
		return fmt.Errorf("%s names schema id %d, which is not registered", what, id)
	}
	return nil
}
