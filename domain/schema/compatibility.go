package schema

import (
	"fmt"
	"strings"
)

// Level is a compatibility level.
type Level string

// The seven levels. BACKWARD: the new schema can read data written with the
// previous one. FORWARD: the previous schema can read data written with the
// new one. FULL: both. The _TRANSITIVE levels check every earlier version,
// not only the latest. NONE checks nothing.
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	Forward            Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// DefaultLevel is the global level until it is set (as Confluent's).
const DefaultLevel = Backward

// Levels lists every level.
var Levels = []Level{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ParseLevel reads a level; case does not matter.
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Levels {
		if l == known {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)", ErrInvalidLevel, s)
}

// Transitive reports whether l checks every earlier version.
func (l Level) Transitive() bool { return strings.HasSuffix(string(l), "_TRANSITIVE") }
func (l Level) backward() bool {
	return l == Backward || l == BackwardTransitive || l == Full || l == FullTransitive
}
func (l Level) forward() bool {
	return l == Forward || l == ForwardTransitive || l == Full || l == FullTransitive
}

// CanRead reports why a reader schema cannot read data written with a
// writer schema; nothing means it can. Formats provide it.
type CanRead[S any] func(reader, writer S) []string

// Check returns the reasons candidate is not compatible at level with
// earlier, the subject's live versions oldest first (empty: always
// compatible). Non-transitive levels check the latest version only.
func Check[S any](level Level, candidate S, earlier []S, canRead CanRead[S]) []string {
	if level == None || len(earlier) == 0 {
		return nil
	}
	against := earlier
	if !level.Transitive() {
		against = earlier[len(earlier)-1:]
	}
	var reasons []string
	for i := len(against) - 1; i >= 0; i-- {
		old := against[i]
		if level.backward() {
			for _, r := range canRead(candidate, old) {
				reasons = append(reasons, "reading data written with an earlier schema: "+r)
			}
		}
		if level.forward() {
			for _, r := range canRead(old, candidate) {
				reasons = append(reasons, "an earlier schema reading data written with the new one: "+r)
			}
		}
	}
	return reasons
}

// Mode is a subject's or the registry's mode.
type Mode string

// The modes. IMPORT lets a client register a schema with a given id (to
// copy a registry); READONLY refuses writes.
const (
	ReadWrite        Mode = "READWRITE"
	ReadOnly         Mode = "READONLY"
	ReadOnlyOverride Mode = "READONLY_OVERRIDE"
	Import           Mode = "IMPORT"
)

// ParseMode reads a mode; case does not matter.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToUpper(strings.TrimSpace(s))); m {
	case ReadWrite, ReadOnly, ReadOnlyOverride, Import:
		return m, nil
	}
	return "", fmt.Errorf("%w: %q (want READWRITE, READONLY, READONLY_OVERRIDE or IMPORT)", ErrInvalidMode, s)
}

// Writable reports whether registering and deleting are allowed.
func (m Mode) Writable() bool { return m == ReadWrite || m == Import }
