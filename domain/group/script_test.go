package group

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata expectations with the actual results")

// scriptStart is time zero of the scripts: `at 1500ms` is scriptStart + 1.5s.
var scriptStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// scriptDriver plays one golden script: run answers one command line. A
// driver that also has a checkInvariants method has it called after the
// script's last line.
type scriptDriver interface {
	run(cmd string) string
}

// runScripts runs every testdata/<dir>/*.txt as a subtest, against a driver
// of its own made by newDriver. Each line is
//
//	<command> => <expected>
//
// Lines starting with # and blank lines are comments. -rewrite fills in the
// expectations.
func runScripts(t *testing.T, dir string, newDriver func(t *testing.T) scriptDriver) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d := newDriver(t)
			var out bytes.Buffer
			for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				cmd, want, _ := strings.Cut(line, "=>")
				cmd, want = strings.TrimSpace(cmd), strings.TrimSpace(want)
				if cmd == "" || strings.HasPrefix(cmd, "#") {
					out.WriteString(line + "\n")
					continue
				}
				got := d.run(cmd)
				if !*rewrite && got != want {
					t.Errorf("%s:%d: %s\n got: %s\nwant: %s", path, i+1, cmd, got, want)
				}
				fmt.Fprintf(&out, "%s => %s\n", cmd, got)
			}
			if *rewrite {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c, ok := d.(interface{ checkInvariants() }); ok {
				c.checkInvariants()
			}
		})
	}
}

// scriptArgs splits a command's words into positional arguments and key=value options.
func scriptArgs(words []string) (pos []string, opts map[string]string) {
	opts = map[string]string{}
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok {
			opts[k] = v
		} else {
			pos = append(pos, w)
		}
	}
	return pos, opts
}

// scriptValue parses a script argument, failing the test with "bad <what>" when it does not parse.
func scriptValue[T any](t *testing.T, what, s string, parse func(string) (T, error)) T {
	t.Helper()
	v, err := parse(s)
	if err != nil {
		t.Fatalf("bad %s %q", what, s)
	}
	return v
}

// jsonRoundTrip saves v as JSON, as the coordinator does, and loads it into
// into, which it returns.
func jsonRoundTrip[T any](t *testing.T, v, into T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
	return into
}
