package jsonformat

import (
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// FuzzParse: Parse never panics; what it accepts has a canonical form that
// parses to itself, an idempotent normal form, and reads its own data and
// its forms' (schemaformattest.KeepsPromises).
func FuzzParse(f *testing.F) {
	for _, e := range validExamples {
		if len(e.Refs) == 0 {
			f.Add(e.Text)
		}
	}
	for _, e := range invalidExamples {
		f.Add(e.Text)
	}
	for _, c := range schemaformattest.CompatSuiteCases(f, compatFile) {
		f.Add(c.Reader)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := New().Parse(text, nil)
		if err != nil {
			if !errors.Is(err, schema.ErrInvalidSchema) {
				t.Fatalf("Parse error does not wrap ErrInvalidSchema: %v", err)
			}
			return
		}
		schemaformattest.KeepsPromises(t, New(), p, nil)
	})
}
