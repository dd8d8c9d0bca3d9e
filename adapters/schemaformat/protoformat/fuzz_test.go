package protoformat

import (
	"errors"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// maxFuzzParse bounds one Parse of a fuzz input; schemas this small
// compile in well under a millisecond, so this only trips on a blow-up.
const maxFuzzParse = 5 * time.Second

// FuzzParse checks that Parse never panics and never takes long, that what
// it accepts prints to text it accepts again and that compiles to the same
// descriptors, that the canonical form is stable and the normalized one
// idempotent, and that a schema can read its own data and its printed
// forms'.
func FuzzParse(f *testing.F) {
	for _, e := range validExamples {
		f.Add(e.Text)
	}
	for _, e := range invalidExamples {
		f.Add(e.Text)
	}
	f.Add(`syntax = "proto3"; message A { oneof o { int32 a = 1; B b = 2; } message B { map<string, A> m = 1; } }`)
	f.Add(`syntax = "proto2"; message A { extensions 1 to max; } extend A { repeated group G = 5 { optional A a = 1; } }`)
	refs := []schemaformat.Ref{refMoney, refAddress, refOptions}
	p := New()
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		start := time.Now()
		s, err := p.Parse(text, refs)
		if took := time.Since(start); took > maxFuzzParse {
			t.Fatalf("Parse took %v", took)
		}
		if err != nil {
			if !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("Parse error %v does not wrap ErrInvalidSchema", err)
			}
			return
		}
		again, nn := schemaformattest.KeepsPromises(t, p, s, refs)
		sameMeaning(t, s, again, true)
		sameMeaning(t, s, nn, false)
	})
}
