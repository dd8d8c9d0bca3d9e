package avroformat

import (
	"fmt"
	"slices"
	"strings"
)

// The compatibility check follows Avro Java's SchemaCompatibility
// (checkReaderWriterCompatibility), which Confluent's AvroSchema uses for
// every level; doc.go lists the rules.

// maxReasons bounds the reasons kept for one reader/writer pair and
// returned by CanRead: a schema that reuses a broken type in many places
// would otherwise repeat the same reasons without end.
const maxReasons = 100

// reason is one incompatibility. path locates it: empty at the point it
// was found, "[]" for array items and "{}" for map values below it, and
// "<record full name>.<field>" once a record field is entered (anchored).
type reason struct {
	path     string
	anchored bool
	msg      string
}

type pair struct{ r, w *node }

type verdict struct {
	done    bool // false while the pair is being checked (recursion)
	ok      bool
	reasons []reason
}

// maxCheckDepth bounds how deeply the check follows types into types.
// Definitions nest no deeper than the JSON (maxDepth), but a chain of
// types each using the one defined before it can be as long as the text.
const maxCheckDepth = 10000

// maxCheckSteps bounds how many reader/writer type pairs one check
// compares. Unions are compared branch against branch, so two unions of n
// named types cost n squared pairs (5,000 branches each took 68 s); past
// the bound the schemas count as incompatible, with a reason saying why.
const maxCheckSteps = 1_000_000

type checker struct {
	memo  map[pair]*verdict
	depth int
	steps int
}

// canRead returns why reader cannot read data written with writer, one
// sentence each.
func canRead(reader, writer *node) []string {
	c := &checker{memo: map[pair]*verdict{}}
	_, rs := c.check(reader, writer)
	var out []string
	for _, r := range rs {
		var where string
		switch {
		case r.anchored:
			where = "field " + r.path
		case r.path == "":
			where = "top level"
		default:
			where = "schema" + r.path
		}
		s := where + ": " + r.msg
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// check is calculate with memoization: a pair met again while it is
// being checked (a recursive type) counts as compatible, as in Avro Java.
func (c *checker) check(r, w *node) (bool, []reason) {
	key := pair{r, w}
	if v := c.memo[key]; v != nil {
		if !v.done {
			return true, nil
		}
		return v.ok, v.reasons
	}
	if c.depth >= maxCheckDepth {
		return false, here("the schemas nest types more than %d deep; they are not compared further", maxCheckDepth)
	}
	if c.steps >= maxCheckSteps {
		return false, here("the schemas are too large to compare (more than %d pairs of types); they are not compared further", maxCheckSteps)
	}
	c.steps++
	v := &verdict{}
	c.memo[key] = v
	c.depth++
	rs := c.calculate(r, w)
	c.depth--
	if len(rs) > maxReasons {
		rs = rs[:maxReasons]
	}
	v.done, v.ok, v.reasons = true, len(rs) == 0, rs
	return v.ok, v.reasons
}

func here(format string, args ...any) []reason {
	return []reason{{msg: fmt.Sprintf(format, args...)}}
}

// below locates reasons found in an array's items ("[]") or a map's
// values ("{}").
func below(seg string, rs []reason) []reason {
	out := make([]reason, len(rs))
	for i, r := range rs {
		if !r.anchored {
			r.path = seg + r.path
		}
		out[i] = r
	}
	return out
}

func (c *checker) calculate(r, w *node) []reason {
	if r.kind == w.kind {
		switch r.kind {
		case kArray:
			_, rs := c.check(r.items, w.items)
			return below("[]", rs)
		case kMap:
			_, rs := c.check(r.items, w.items)
			return below("{}", rs)
		case kFixed:
			if rs := names(r, w); rs != nil {
				return rs
			}
			if r.size != w.size {
				return here("reader fixed %s has %d bytes but writer fixed %s has %d", r.full(), r.size, w.full(), w.size)
			}
			return nil
		case kEnum:
			if rs := names(r, w); rs != nil {
				return rs
			}
			return symbols(r, w)
		case kRecord:
			if rs := names(r, w); rs != nil {
				return rs
			}
			return c.fields(r, w)
		case kUnion:
			var rs []reason
			for i, wb := range w.branches {
				if ok, _ := c.check(r, wb); !ok {
					rs = append(rs, c.unionMiss(r, wb, fmt.Sprintf("writer union branch %d (%s) can be read by no branch of the reader's %s", i, wb.describe(), r.describe()))...)
				}
			}
			return rs
		}
		return nil // the same primitive type
	}
	if w.kind == kUnion {
		// Every branch the writer may have used must be readable.
		var rs []reason
		for _, wb := range w.branches {
			_, brs := c.check(r, wb)
			rs = append(rs, brs...)
		}
		return rs
	}
	switch r.kind {
	case kLong:
		if w.kind == kInt {
			return nil
		}
	case kFloat:
		if w.kind == kInt || w.kind == kLong {
			return nil
		}
	case kDouble:
		if w.kind == kInt || w.kind == kLong || w.kind == kFloat {
			return nil
		}
	case kBytes:
		if w.kind == kString {
			return nil
		}
	case kString:
		if w.kind == kBytes {
			return nil
		}
	case kUnion:
		// The branch of w's own type or name reads it if any does, in
		// nearly every schema: try it first, then the others.
		key := w.unionKey()
		for _, rb := range r.branches {
			if rb.unionKey() == key {
				if ok, _ := c.check(rb, w); ok {
					return nil
				}
				break
			}
		}
		for _, rb := range r.branches {
			if ok, _ := c.check(rb, w); ok {
				return nil
			}
		}
		return c.unionMiss(r, w, fmt.Sprintf("no branch of the reader's %s can read writer type %s", r.describe(), w.describe()))
	}
	return here("reader type %s cannot read writer type %s", r.describe(), w.describe())
}

// unionMiss explains why no branch of the reader union r reads w. Avro
// Java says only that; when r has a branch of w's type (or name), the
// reasons that branch fails say more, so they are given instead.
func (c *checker) unionMiss(r, w *node, msg string) []reason {
	for _, rb := range r.branches {
		if rb.unionKey() == w.unionKey() {
			if _, rs := c.check(rb, w); len(rs) > 0 {
				return rs
			}
		}
	}
	return here("%s", msg)
}

// names applies Avro Java's schemaNameEquals: the unqualified names are
// equal, or the reader lists the writer's full name as an alias.
func names(r, w *node) []reason {
	if r.name == w.name || slices.Contains(r.aliases, w.full()) {
		return nil
	}
	return here("reader %s %s cannot read writer %s %s: the names differ and the reader has no alias %s", r.kind, r.full(), w.kind, w.full(), w.full())
}

func symbols(r, w *node) []reason {
	var missing []string
	for _, s := range w.symbols {
		if !slices.Contains(r.symbols, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 || r.enumDefault != nil {
		return nil
	}
	slices.Sort(missing)
	return here("reader enum %s lacks the writer's symbols %s and has no default symbol to read them as", r.full(), strings.Join(missing, ", "))
}

// fields checks that every reader field can be filled: from the writer
// field of the same name or of one of its aliases, or from its default.
// Writer fields the reader lacks are skipped.
func (c *checker) fields(r, w *node) []reason {
	var rs []reason
	for _, rf := range r.fields {
		at := r.full() + "." + rf.name
		var matches []*field
		for _, n := range append([]string{rf.name}, rf.aliases...) {
			if wf := w.byName[n]; wf != nil && !slices.Contains(matches, wf) {
				matches = append(matches, wf)
			}
		}
		switch len(matches) {
		case 0:
			if rf.def == nil {
				rs = append(rs, reason{path: at, anchored: true, msg: fmt.Sprintf(
					"the writer's record %s has no such field (nor one named by its aliases) and the reader's field has no default", w.full())})
			}
		case 1:
			_, frs := c.check(rf.typ, matches[0].typ)
			for _, fr := range frs {
				if !fr.anchored {
					fr.path, fr.anchored = at+fr.path, true
				}
				rs = append(rs, fr)
			}
		default:
			found := make([]string, len(matches))
			for i, m := range matches {
				found[i] = m.name
			}
			rs = append(rs, reason{path: at, anchored: true, msg: fmt.Sprintf(
				"the field and its aliases match several fields of the writer's record %s (%s)", w.full(), strings.Join(found, ", "))})
		}
	}
	return rs
}
