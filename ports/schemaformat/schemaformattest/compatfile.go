package schemaformattest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// CompatCase is one case of a format's golden compatibility file: an old
// and a new version of a schema and, for each direction, the differences
// the format finds and whether its rules let it pass.
//
// The file is a comment, then a list of cases:
//
//	=== case_name
//	free text saying what the case shows
//	--- ref name                (a reference both versions can use)
//	--- old ref name            (a reference only the old version sees)
//	--- new ref name            (... only the new version)
//	--- old                     (the old schema)
//	--- new                     (the new schema)
//	--- backward: compatible    (the new schema reading old data: reader new, writer old)
//	DIFFERENCE_TYPE path
//	  the reason CanRead gives, for an incompatible difference
//	--- forward: incompatible   (the old schema reading new data)
//	...
type CompatCase struct {
	Name, About       string
	Old, New          string
	Refs, OldRefs     []schemaformat.Ref
	NewRefs           []schemaformat.Ref
	Backward, Forward string // the sections' text, header included
}

// Difference is one difference a format's diff reports between a writer
// and a reader schema, as a golden compatibility file lists it.
type Difference struct {
	Line       string // "DIFFERENCE_TYPE path"
	Compatible bool   // whether the reader can read the writer's data despite it
	Reason     string // why it cannot, for an incompatible difference
}

// ReadCompatCases reads the golden compatibility file at path.
func ReadCompatCases(t testing.TB, path string) []*CompatCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*CompatCase
	var c *CompatCase
	var section string
	var body []string
	flush := func() {
		if c == nil {
			return
		}
		text := strings.TrimRight(strings.Join(body, "\n"), "\n")
		switch {
		case section == "":
			c.About = strings.TrimSpace(text)
		case section == "old":
			c.Old = text
		case section == "new":
			c.New = text
		case strings.HasPrefix(section, "ref "):
			c.Refs = append(c.Refs, schemaformat.Ref{Name: strings.TrimPrefix(section, "ref "), Text: text})
		case strings.HasPrefix(section, "old ref "):
			c.OldRefs = append(c.OldRefs, schemaformat.Ref{Name: strings.TrimPrefix(section, "old ref "), Text: text})
		case strings.HasPrefix(section, "new ref "):
			c.NewRefs = append(c.NewRefs, schemaformat.Ref{Name: strings.TrimPrefix(section, "new ref "), Text: text})
		case strings.HasPrefix(section, "backward"):
			c.Backward = strings.TrimRight("--- "+section+"\n"+text, "\n")
		case strings.HasPrefix(section, "forward"):
			c.Forward = strings.TrimRight("--- "+section+"\n"+text, "\n")
		default:
			t.Fatalf("case %s: unknown section %q", c.Name, section)
		}
		body = nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "=== "):
			flush()
			c = &CompatCase{Name: strings.TrimPrefix(line, "=== ")}
			cases = append(cases, c)
			section = ""
		case strings.HasPrefix(line, "--- "):
			flush()
			section = strings.TrimPrefix(line, "--- ")
		case c != nil:
			body = append(body, line)
		}
	}
	flush()
	return cases
}

// CompatGolden checks the golden compatibility file at path, which must
// hold at least minCases cases with distinct names: in a subtest per case,
// both versions parse with p, and diff (the format's differences, reader
// reading data written with writer) gives the backward and forward
// sections the file holds. CanRead must agree with the differences'
// verdict. With -rewrite (Rewrite), it writes the sections found into the
// file instead; review the diff.
func CompatGolden(t *testing.T, path string, minCases int, p schemaformat.Parser, diff func(reader, writer schemaformat.Parsed) []Difference) {
	t.Helper()
	cases := ReadCompatCases(t, path)
	if len(cases) < minCases {
		t.Fatalf("%d cases, want at least %d", len(cases), minCases)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("case %s appears twice", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			old, err := p.Parse(c.Old, append(append([]schemaformat.Ref(nil), c.Refs...), c.OldRefs...))
			if err != nil {
				t.Fatalf("old: %v", err)
			}
			new, err := p.Parse(c.New, append(append([]schemaformat.Ref(nil), c.Refs...), c.NewRefs...))
			if err != nil {
				t.Fatalf("new: %v", err)
			}
			backward := outcome(t, "backward", diff, old, new)
			forward := outcome(t, "forward", diff, new, old)
			if *Rewrite {
				c.Backward, c.Forward = backward, forward
				return
			}
			if backward != c.Backward {
				t.Errorf("backward (new reads old):\ngot:\n%s\nwant:\n%s", backward, c.Backward)
			}
			if forward != c.Forward {
				t.Errorf("forward (old reads new):\ngot:\n%s\nwant:\n%s", forward, c.Forward)
			}
		})
	}
	if *Rewrite {
		writeCompatCases(t, path, cases)
	}
}

// outcome formats one direction: reader reading data written with writer.
func outcome(t *testing.T, direction string, diff func(reader, writer schemaformat.Parsed) []Difference, writer, reader schemaformat.Parsed) string {
	t.Helper()
	verdict := "compatible"
	var lines []string
	for _, d := range diff(reader, writer) {
		lines = append(lines, d.Line)
		if !d.Compatible {
			verdict = "incompatible"
			lines = append(lines, "  "+d.Reason)
		}
	}
	// CanRead must agree with the differences it is built from.
	if got := len(reader.CanRead(writer)) == 0; got != (verdict == "compatible") {
		t.Errorf("%s: CanRead says compatible=%v, the differences say %s", direction, got, verdict)
	}
	return strings.Join(append([]string{"--- " + direction + ": " + verdict}, lines...), "\n")
}

func writeCompatCases(t *testing.T, path string, cases []*CompatCase) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the file's leading comment.
	head, _, _ := strings.Cut(string(data), "\n=== ")
	var b strings.Builder
	b.WriteString(strings.TrimRight(head, "\n") + "\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "\n=== %s\n", c.Name)
		if c.About != "" {
			b.WriteString(c.About + "\n")
		}
		for _, r := range c.Refs {
			fmt.Fprintf(&b, "--- ref %s\n%s\n", r.Name, r.Text)
		}
		for _, r := range c.OldRefs {
			fmt.Fprintf(&b, "--- old ref %s\n%s\n", r.Name, r.Text)
		}
		for _, r := range c.NewRefs {
			fmt.Fprintf(&b, "--- new ref %s\n%s\n", r.Name, r.Text)
		}
		fmt.Fprintf(&b, "--- old\n%s\n--- new\n%s\n", c.Old, c.New)
		b.WriteString(c.Backward + "\n" + c.Forward + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// CompatSuiteCases turns the golden compatibility file's cases into the
// conformance suite's, one per direction. Cases whose versions see
// different references are left out: a Case's refs serve both sides.
func CompatSuiteCases(t testing.TB, path string) []Case {
	t.Helper()
	var out []Case
	for _, c := range ReadCompatCases(t, path) {
		if len(c.OldRefs)+len(c.NewRefs) > 0 {
			continue
		}
		out = append(out,
			Case{Name: c.Name + "/backward", Reader: c.New, Writer: c.Old, Refs: c.Refs,
				Compatible: strings.HasPrefix(c.Backward, "--- backward: compatible")},
			Case{Name: c.Name + "/forward", Reader: c.Old, Writer: c.New, Refs: c.Refs,
				Compatible: strings.HasPrefix(c.Forward, "--- forward: compatible")})
	}
	return out
}
