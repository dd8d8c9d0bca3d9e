package producer

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata expectations with the actual results")

// TestStateMachine runs testdata/*.txt. Each line is
//
//	<command> => <expected>
//
// with commands
//
//	append <pid> <epoch> <firstSeq> <lastSeq> <baseOffset>   check, and record if accepted
//	fence <pid> <epoch>
//	reload                                                   marshal and unmarshal the state
//
// Lines starting with # are comments. -rewrite fills in the expectations.
func TestStateMachine(t *testing.T) {
	files, _ := os.ReadDir("testdata")
	for _, f := range files {
		t.Run(f.Name(), func(t *testing.T) {
			path := "testdata/" + f.Name()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := NewState()
			var out bytes.Buffer
			for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				cmd, want, _ := strings.Cut(line, "=>")
				cmd, want = strings.TrimSpace(cmd), strings.TrimSpace(want)
				if cmd == "" || strings.HasPrefix(cmd, "#") {
					out.WriteString(line + "\n")
					continue
				}
				got := run(t, s, cmd)
				if !*rewrite && got != want {
					t.Errorf("%s:%d: %s => %s, want %s", path, i+1, cmd, got, want)
				}
				fmt.Fprintf(&out, "%s => %s\n", cmd, got)
			}
			if *rewrite {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func run(t *testing.T, s *State, cmd string) string {
	f := strings.Fields(cmd)
	n := func(i int) int64 {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			t.Fatalf("bad number in %q", cmd)
		}
		return v
	}
	switch f[0] {
	case "append":
		pid, epoch, first, last, base := n(1), int16(n(2)), int32(n(3)), int32(n(4)), n(5)
		v, dup, err := s.Check(pid, epoch, first, last)
		switch {
		case errors.Is(err, ErrInvalidEpoch):
			return "invalid-epoch"
		case errors.Is(err, ErrOutOfOrder):
			return "out-of-order"
		case err != nil:
			return "error " + err.Error()
		case v == Duplicate:
			return fmt.Sprintf("duplicate of %d", dup.BaseOffset)
		}
		s.Record(pid, epoch, Batch{FirstSeq: first, LastSeq: last, BaseOffset: base, LastOffset: base + int64(last-first)})
		return "accepted"
	case "fence":
		s.Fence(n(1), int16(n(2)))
		return "ok"
	case "reload":
		b, _ := s.MarshalBinary()
		fresh := NewState()
		if err := fresh.UnmarshalBinary(b); err != nil {
			return "error " + err.Error()
		}
		*s = *fresh
		return fmt.Sprintf("%d producers", s.Len())
	}
	t.Fatalf("unknown command %q", cmd)
	return ""
}

func FuzzUnmarshal(f *testing.F) {
	s := NewState()
	s.Record(1, 0, Batch{FirstSeq: 0, LastSeq: 4, BaseOffset: 0, LastOffset: 4})
	b, _ := s.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewState()
		if s.UnmarshalBinary(b) != nil {
			return
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("snapshot does not round-trip")
		}
	})
}
