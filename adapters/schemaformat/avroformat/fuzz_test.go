package avroformat

import (
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// FuzzParse feeds Parse arbitrary texts, with an optional reference. It
// must never panic, and whatever it accepts must keep the port's
// promises: Canonical parses back to itself, Normalized is idempotent,
// and a schema reads its own data.
func FuzzParse(f *testing.F) {
	for _, e := range validExamples {
		ref := ""
		if len(e.Refs) > 0 {
			ref = e.Refs[0].Text
		}
		f.Add(e.Text, ref)
	}
	for _, e := range invalidExamples {
		f.Add(e.Text, "")
	}
	f.Add(`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"c","type":"Customer"}]}`,
		`{"type":"record","name":"Customer","fields":[{"name":"id","type":"long","default":1}]}`)
	f.Fuzz(func(t *testing.T, text, refText string) {
		var refs []schemaformat.Ref
		if refText != "" {
			refs = []schemaformat.Ref{{Name: "ref", Text: refText}}
		}
		p := New()
		s, err := p.Parse(text, refs)
		if err != nil {
			return
		}
		schemaformattest.KeepsPromises(t, p, s, refs)
	})
}
