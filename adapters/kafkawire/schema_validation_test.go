package kafkawire

import (
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

func TestSchemaValidation(t *testing.T) {
	registered := func() schemaIDs { return func(id int) bool { return id == 7 } }
	framed := func(id byte, body string) []byte { return append([]byte{0, 0, 0, 0, id}, body...) }
	values := topic.Topic{Name: "v", Configs: map[string]string{valueSchemaValidation: "true"}}
	if schemaCheck(topic.Topic{Name: "plain"}, registered) != nil {
		t.Fatal("a topic without validation got a check")
	}
	check := validateWith(values, registered)
	for _, tc := range []struct {
		name  string
		batch []byte
		ok    bool
	}{
		{"registered id", logstoretest.MakeBatchValues(1, -1, -1, -1, framed(7, "a"), framed(7, "b")), true},
		{"tombstone", logstoretest.MakeBatchValues(1, -1, -1, -1, nil), true},
		{"unknown id", logstoretest.MakeBatchValues(1, -1, -1, -1, framed(7, "a"), framed(8, "b")), false},
		{"no magic byte", logstoretest.MakeBatchValues(1, -1, -1, -1, []byte("plain json")), false},
		{"too short", logstoretest.MakeBatchValues(1, -1, -1, -1, []byte{0, 0, 7}), false},
	} {
		err := check(tc.batch)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, record.ErrInvalidRecord)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Keys: MakeBatchValues writes null keys, which pass.
	keys := topic.Topic{Name: "k", Configs: map[string]string{keySchemaValidation: "true"}}
	if err := validateWith(keys, registered)(logstoretest.MakeBatchValues(1, -1, -1, -1, []byte("any value"))); err != nil {
		t.Errorf("null key under key validation: %v", err)
	}
	// Without a registry, validating topics refuse everything framed.
	if err := validateWith(values, func() schemaIDs { return nil })(logstoretest.MakeBatchValues(1, -1, -1, -1, framed(7, "a"))); err == nil {
		t.Error("validation passed with no registry")
	}
}

// validateWith is the produce validation of t's batches.
func validateWith(t topic.Topic, lookup func() schemaIDs) func(batch []byte) error {
	v := newBatchValidator(testCodec, t, lookup, DefaultMaxUncompressedBatchBytes)
	return v.check
}
