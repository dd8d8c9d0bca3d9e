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

	"github.com/twmb/franz-go/pkg/kmsg"

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

// schemaCheck returns the check records of t must pass, or nil when t does
// not validate. lookup is called only then (the produce path of topics
// without validation does no more than two config lookups).
func schemaCheck(t topic.Topic, lookup func() schemaIDs) func(batch []byte) error {
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
	return func(batch []byte) error {
		h, err := record.ParseHeader(batch)
		if err != nil {
			return err
		}
		var bad error
		err = eachRecord(h, batch, func(offset, _ int64, r *kmsg.Record) bool {
			if values {
				bad = checkSchemaPrefix("value", r.Value, known)
			}
			if bad == nil && keys {
				bad = checkSchemaPrefix("key", r.Key, known)
			}
			if bad != nil {
				bad = fmt.Errorf("%w: record %d of the batch: %v", record.ErrInvalidRecord, offset-h.BaseOffset, bad)
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
		return bad
	}
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
