package avroformat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// A golden file is a header of comment lines, then cases: "=== name",
// then "key: value" lines (ref lines may repeat) and "key:" sections
// whose lines are indented by two spaces. Comment lines (#) inside a
// case are kept. -rewrite replaces the result keys of every case.
type goldenCase struct {
	name     string
	lines    []string // the case's input lines (comments, refs, schemas), as written
	refs     []schemaformat.Ref
	values   map[string]string   // one-line keys: a, b, in, canonical, normalized
	sections map[string][]string // indented sections: "a reads b", "b reads a"
}

func readGolden(t *testing.T, file string, results map[string]bool) (header []string, cases []*goldenCase) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var c *goldenCase
	section := ""
	for n, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "=== "):
			c = &goldenCase{name: strings.TrimPrefix(line, "=== "), values: map[string]string{}, sections: map[string][]string{}}
			cases = append(cases, c)
			section = ""
		case c == nil:
			header = append(header, line)
		case strings.HasPrefix(line, "  ") && section != "":
			c.sections[section] = append(c.sections[section], strings.TrimPrefix(line, "  "))
		case line == "" || strings.HasPrefix(line, "#"):
			if line != "" {
				c.lines = append(c.lines, line)
			}
		case strings.HasSuffix(line, ":") && results[strings.TrimSuffix(line, ":")]:
			section = strings.TrimSuffix(line, ":")
			c.sections[section] = nil
		default:
			key, value, ok := strings.Cut(line, ": ")
			if !ok {
				t.Fatalf("%s:%d: want \"key: value\", got %q", file, n+1, line)
			}
			if results[key] {
				c.values[key] = value
				continue
			}
			c.lines = append(c.lines, line)
			if name, isRef := strings.CutPrefix(key, "ref "); isRef {
				c.refs = append(c.refs, schemaformat.Ref{Name: name, Text: value})
			} else {
				c.values[key] = value
			}
		}
	}
	return header, cases
}

// writeGolden writes the file back with the given results: one-line
// results as "key: value", multi-line ones as indented sections.
func writeGolden(t *testing.T, file string, header []string, cases []*goldenCase, order []string) {
	t.Helper()
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	for _, c := range cases {
		b.WriteString("=== " + c.name + "\n")
		for _, l := range c.lines {
			b.WriteString(l + "\n")
		}
		for _, key := range order {
			if lines, ok := c.sections[key]; ok {
				b.WriteString(key + ":\n")
				for _, l := range lines {
					b.WriteString("  " + l + "\n")
				}
			} else if v, ok := c.values[key]; ok {
				b.WriteString(key + ": " + v + "\n")
			}
		}
		b.WriteString("\n")
	}
	out := strings.TrimRight(b.String(), "\n") + "\n"
	if err := os.WriteFile(filepath.Join("testdata", file), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

func parseOrFail(t *testing.T, text string, refs []schemaformat.Ref) schemaformat.Parsed {
	t.Helper()
	p, err := New().Parse(text, refs)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return p
}

// readsLines is CanRead as golden lines: "ok" or one reason a line.
func readsLines(reader, writer schemaformat.Parsed) []string {
	reasons := reader.CanRead(writer)
	if len(reasons) == 0 {
		return []string{"ok"}
	}
	return reasons
}

const (
	aReadsB = "a reads b"
	bReadsA = "b reads a"
)

// TestCompatibilityGolden checks CanRead, both ways, against
// testdata/compatibility.txt, reasons included.
func TestCompatibilityGolden(t *testing.T) {
	header, cases := readGolden(t, "compatibility.txt", map[string]bool{aReadsB: true, bReadsA: true})
	if len(cases) < 40 {
		t.Fatalf("only %d compatibility cases", len(cases))
	}
	for _, c := range cases {
		a := parseOrFail(t, c.values["a"], c.refs)
		b := parseOrFail(t, c.values["b"], c.refs)
		got := map[string][]string{aReadsB: readsLines(a, b), bReadsA: readsLines(b, a)}
		for _, key := range []string{aReadsB, bReadsA} {
			if *schemaformattest.Rewrite {
				c.sections[key] = got[key]
			} else if strings.Join(got[key], "\n") != strings.Join(c.sections[key], "\n") {
				t.Errorf("%s: %s:\n got: %q\nwant: %q", c.name, key, got[key], c.sections[key])
			}
		}
	}
	if *schemaformattest.Rewrite {
		writeGolden(t, "compatibility.txt", header, cases, []string{aReadsB, bReadsA})
	}
}

// TestFormsGolden checks Canonical and Normalized against
// testdata/forms.txt.
func TestFormsGolden(t *testing.T) {
	header, cases := readGolden(t, "forms.txt", map[string]bool{"canonical": true, "normalized": true})
	for _, c := range cases {
		p := parseOrFail(t, c.values["in"], c.refs)
		got := map[string]string{"canonical": p.Canonical(), "normalized": p.Normalized()}
		for _, key := range []string{"canonical", "normalized"} {
			if *schemaformattest.Rewrite {
				c.values[key] = got[key]
			} else if got[key] != c.values[key] {
				t.Errorf("%s: %s:\n got: %s\nwant: %s", c.name, key, got[key], c.values[key])
			}
		}
	}
	if *schemaformattest.Rewrite {
		writeGolden(t, "forms.txt", header, cases, []string{"canonical", "normalized"})
	}
}
