package jsonformat

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the backward/forward sections of testdata/compat.txt from the current results")

const compatFile = "testdata/compat.txt"

// compatCase is one case of testdata/compat.txt: an old and a new version
// of a schema and, for each direction, the differences found and whether
// Confluent's rules let it pass.
//
// The file is a list of cases:
//
//	=== case_name
//	free text saying what the case shows
//	--- ref name.json           (a reference both versions can $ref)
//	--- old ref name.json       (a reference only the old version sees)
//	--- new ref name.json       (... only the new version)
//	--- old                     (the old schema)
//	--- new                     (the new schema)
//	--- backward: compatible    (the new schema reading old data: reader new, writer old)
//	DIFFERENCE_TYPE #/path
//	  the reason CanRead gives, for an incompatible difference
//	--- forward: incompatible   (the old schema reading new data)
//	...
//
// go test -run TestCompatibilityGolden -rewrite regenerates the backward and
// forward sections; review the diff.
type compatCase struct {
	name, about       string
	old, new          string
	refs, oldRefs     []schemaformat.Ref
	newRefs           []schemaformat.Ref
	backward, forward string // the sections' text, header included
}

func readCompatCases(t testing.TB) []*compatCase {
	t.Helper()
	data, err := os.ReadFile(compatFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*compatCase
	var c *compatCase
	var section string
	var body []string
	flush := func() {
		if c == nil {
			return
		}
		text := strings.TrimRight(strings.Join(body, "\n"), "\n")
		switch {
		case section == "":
			c.about = strings.TrimSpace(text)
		case section == "old":
			c.old = text
		case section == "new":
			c.new = text
		case strings.HasPrefix(section, "ref "):
			c.refs = append(c.refs, schemaformat.Ref{Name: strings.TrimPrefix(section, "ref "), Text: text})
		case strings.HasPrefix(section, "old ref "):
			c.oldRefs = append(c.oldRefs, schemaformat.Ref{Name: strings.TrimPrefix(section, "old ref "), Text: text})
		case strings.HasPrefix(section, "new ref "):
			c.newRefs = append(c.newRefs, schemaformat.Ref{Name: strings.TrimPrefix(section, "new ref "), Text: text})
		case strings.HasPrefix(section, "backward"):
			c.backward = strings.TrimRight("--- "+section+"\n"+text, "\n")
		case strings.HasPrefix(section, "forward"):
			c.forward = strings.TrimRight("--- "+section+"\n"+text, "\n")
		default:
			t.Fatalf("case %s: unknown section %q", c.name, section)
		}
		body = nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "=== "):
			flush()
			c = &compatCase{name: strings.TrimPrefix(line, "=== ")}
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

// outcome formats one direction: reader reading data written with writer.
func outcome(t *testing.T, direction string, writer, reader *parsed) string {
	t.Helper()
	verdict := "compatible"
	var lines []string
	for _, d := range reader.differences(writer) {
		lines = append(lines, fmt.Sprintf("%s #%s", d.typ, d.path))
		if !compatibleTypes[d.typ] {
			verdict = "incompatible"
			lines = append(lines, "  "+d.reason())
		}
	}
	// CanRead must agree with the differences it is built from.
	if got := len(reader.CanRead(writer)) == 0; got != (verdict == "compatible") {
		t.Errorf("%s: CanRead says compatible=%v, the differences say %s", direction, got, verdict)
	}
	return strings.Join(append([]string{"--- " + direction + ": " + verdict}, lines...), "\n")
}

func (c *compatCase) parse(t *testing.T) (old, new *parsed) {
	t.Helper()
	o, err := New().Parse(c.old, append(append([]schemaformat.Ref(nil), c.refs...), c.oldRefs...))
	if err != nil {
		t.Fatalf("old: %v", err)
	}
	n, err := New().Parse(c.new, append(append([]schemaformat.Ref(nil), c.refs...), c.newRefs...))
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return o.(*parsed), n.(*parsed)
}

func TestCompatibilityGolden(t *testing.T) {
	cases := readCompatCases(t)
	if len(cases) < 40 {
		t.Fatalf("%d cases, want at least 40", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("case %s appears twice", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			old, new := c.parse(t)
			backward := outcome(t, "backward", old, new)
			forward := outcome(t, "forward", new, old)
			if *rewrite {
				c.backward, c.forward = backward, forward
				return
			}
			if backward != c.backward {
				t.Errorf("backward (new reads old):\ngot:\n%s\nwant:\n%s", backward, c.backward)
			}
			if forward != c.forward {
				t.Errorf("forward (old reads new):\ngot:\n%s\nwant:\n%s", forward, c.forward)
			}
		})
	}
	if *rewrite {
		writeCompatCases(t, cases)
	}
}

// compatExamples turns the golden cases whose versions share their
// references into conformance cases, one per direction.
func compatExamples(t testing.TB) []schemaformattest.Case {
	t.Helper()
	var out []schemaformattest.Case
	for _, c := range readCompatCases(t) {
		if len(c.oldRefs)+len(c.newRefs) > 0 {
			continue
		}
		out = append(out,
			schemaformattest.Case{Name: c.name + "/backward", Reader: c.new, Writer: c.old, Refs: c.refs,
				Compatible: strings.HasPrefix(c.backward, "--- backward: compatible")},
			schemaformattest.Case{Name: c.name + "/forward", Reader: c.old, Writer: c.new, Refs: c.refs,
				Compatible: strings.HasPrefix(c.forward, "--- forward: compatible")})
	}
	return out
}

func writeCompatCases(t *testing.T, cases []*compatCase) {
	t.Helper()
	data, err := os.ReadFile(compatFile)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the file's leading comment.
	head, _, _ := strings.Cut(string(data), "\n=== ")
	var b strings.Builder
	b.WriteString(strings.TrimRight(head, "\n") + "\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "\n=== %s\n", c.name)
		if c.about != "" {
			b.WriteString(c.about + "\n")
		}
		for _, r := range c.refs {
			fmt.Fprintf(&b, "--- ref %s\n%s\n", r.Name, r.Text)
		}
		for _, r := range c.oldRefs {
			fmt.Fprintf(&b, "--- old ref %s\n%s\n", r.Name, r.Text)
		}
		for _, r := range c.newRefs {
			fmt.Fprintf(&b, "--- new ref %s\n%s\n", r.Name, r.Text)
		}
		fmt.Fprintf(&b, "--- old\n%s\n--- new\n%s\n", c.old, c.new)
		b.WriteString(c.backward + "\n" + c.forward + "\n")
	}
	if err := os.WriteFile(compatFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
