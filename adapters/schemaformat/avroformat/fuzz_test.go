package avroformat

import (
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
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
		c := s.Canonical()
		again, err := p.Parse(c, refs)
		if err != nil {
			t.Fatalf("Parse(Canonical()) of %s: %v", c, err)
		}
		if again.Canonical() != c {
			t.Fatalf("Canonical is not stable:\n%s\n%s", c, again.Canonical())
		}
		n := s.Normalized()
		nn, err := p.Parse(n, refs)
		if err != nil {
			t.Fatalf("Parse(Normalized()) of %s: %v", n, err)
		}
		if nn.Normalized() != n {
			t.Fatalf("Normalized is not idempotent:\n%s\n%s", n, nn.Normalized())
		}
		if r := s.CanRead(s); len(r) != 0 {
			t.Fatalf("a schema cannot read its own data: %v", r)
		}
		if r := s.CanRead(again); len(r) != 0 {
			t.Fatalf("a schema cannot read data of its canonical form: %v", r)
		}
		if r := s.CanRead(nn); len(r) != 0 {
			t.Fatalf("a schema cannot read data of its normalized form: %v", r)
		}
	})
}
