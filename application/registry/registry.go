// Package registry is the schema registry: subjects with versioned schemas,
// ids that stay the same for the same schema, compatibility checks at the
// configured level, modes, soft and permanent deletion, and references,
// with Confluent Schema Registry's rules. State lives in the metastore (and
// so in disaster-recovery snapshots); a copy in memory serves reads.
package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// Metastore keys.
const (
	keySchema   = "schema/id/"      // + 10-digit id -> stored
	keyVersion  = "schema/subject/" // + subject + "\x00" + 10-digit version -> storedVersion
	keyConfig   = "schema/config/"  // + subject ("" global) -> level
	keyMode     = "schema/mode/"    // + subject ("" global) -> mode
	keyNextID   = "schema/next-id"
	idDigits    = 10
	firstID     = 1
	latestAlias = "latest"
)

// stored is a registered schema as kept in the metastore.
type stored struct {
	schema.Schema
}

type storedVersion struct {
	ID      int  `json:"id"`
	Deleted bool `json:"deleted,omitempty"`
}

// SubjectVersion is one version of a subject with its schema.
type SubjectVersion struct {
	Subject string
	Version int
	Deleted bool
	Schema  schema.Schema
}

// Request is a schema to register, look up or test.
type Request struct {
	Type       schema.Type
	Text       string
	References []schema.Reference
	// ID and Version are honoured in IMPORT mode only (0: not given).
	ID        int
	Version   int
	Normalize bool
}

// Service is the registry. Safe for concurrent use: reads share a lock;
// writes take it alone only to commit. Schemas are parsed and checked for
// compatibility outside the lock (a large schema's parse must not hold up
// the reads that produce to a validating topic needs); a registration
// commits only if nothing was written since it took what it checked
// against (gen), and otherwise starts over.
type Service struct {
	meta    metastore.Store
	formats map[schema.Type]schemaformat.Parser
	logger  *slog.Logger

	mu       sync.RWMutex
	schemas  map[int]schema.Schema
	byKey    map[string]int // identity key -> id
	subjects map[string][]version
	levels   setting[schema.Level]
	modes    setting[schema.Mode]
	nextID   int
	gen      uint64 // bumped by every write; see Register

	pmu    sync.Mutex // guards parsed, a cache filled without holding mu
	parsed map[int]schemaformat.Parsed

	dmu      sync.Mutex // guards decoders (see Decode); never held with mu or pmu
	decoders map[int]*decoderEntry
}

// version is one entry of a subject, in the order registered.
type version struct {
	num     int
	id      int
	deleted bool
}

// New loads the registry from meta.
func New(ctx context.Context, meta metastore.Store, formats []schemaformat.Parser, logger *slog.Logger) (*Service, error) {
	s := &Service{
		meta: meta, logger: logger, formats: map[schema.Type]schemaformat.Parser{},
		schemas: map[int]schema.Schema{}, byKey: map[string]int{}, subjects: map[string][]version{},
		levels: setting[schema.Level]{key: keyConfig, fallback: schema.DefaultLevel, notSet: schema.ErrSubjectLevelNotSet, values: map[string]schema.Level{}},
		modes:  setting[schema.Mode]{key: keyMode, fallback: schema.ReadWrite, notSet: schema.ErrSubjectModeNotSet, values: map[string]schema.Mode{}},
		nextID: firstID,
		parsed: map[int]schemaformat.Parsed{}, decoders: map[int]*decoderEntry{},
	}
	for _, f := range formats {
		s.formats[f.Type()] = f
	}
	load := func(prefix string, fn func(key string, value []byte) error) error {
		return meta.Scan(ctx, []byte(prefix), func(k, v []byte) error {
			if err := fn(string(k[len(prefix):]), v); err != nil {
				return fmt.Errorf("schema registry key %q: %w", k, err)
			}
			return nil
		})
	}
	err := load(keySchema, func(_ string, v []byte) error {
		var st stored
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
		s.schemas[st.ID] = st.Schema
		s.byKey[identity(st.Schema)] = st.ID
		s.nextID = max(s.nextID, st.ID+1)
		return nil
	})
	if err == nil {
		err = load(keyVersion, func(k string, v []byte) error {
			subject, num, ok := strings.Cut(k, "\x00")
			n, perr := strconv.Atoi(num)
			if !ok || perr != nil {
				return fmt.Errorf("malformed version key")
			}
			var sv storedVersion
			if err := json.Unmarshal(v, &sv); err != nil {
				return err
			}
			s.subjects[subject] = append(s.subjects[subject], version{num: n, id: sv.ID, deleted: sv.Deleted})
			return nil
		})
	}
	if err == nil {
		err = load(keyConfig, func(k string, v []byte) error {
			l, err := schema.ParseLevel(string(v))
			s.levels.values[k] = l
			return err
		})
	}
	if err == nil {
		err = load(keyMode, func(k string, v []byte) error {
			m, err := schema.ParseMode(string(v))
			s.modes.values[k] = m
			return err
		})
	}
	if err == nil {
		var b []byte
		if b, err = meta.Get(ctx, []byte(keyNextID)); err == nil {
			if n, perr := strconv.Atoi(string(b)); perr == nil {
				s.nextID = max(s.nextID, n)
			}
		} else if errors.Is(err, metastore.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loading the schema registry: %w", err)
	}
	for _, vs := range s.subjects {
		sort.Slice(vs, func(i, j int) bool { return vs[i].num < vs[j].num })
	}
	return s, nil
}

// Types lists the schema types this registry parses.
func (s *Service) Types() []schema.Type {
	var out []schema.Type
	for t := range s.formats {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// identity is the key under which the same schema always finds its id.
func identity(sc schema.Schema) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", sc.Type, sc.Text)
	for _, r := range sc.References {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", r.Name, r.Subject, r.Version)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func versionKey(subject string, n int) []byte {
	return fmt.Appendf(nil, "%s%s\x00%0*d", keyVersion, subject, idDigits, n)
}

func schemaKey(id int) []byte { return fmt.Appendf(nil, "%s%0*d", keySchema, idDigits, id) }

// parser returns the parser of t.
func (s *Service) parser(t schema.Type) (schemaformat.Parser, error) {
	p, ok := s.formats[t]
	if !ok {
		return nil, fmt.Errorf("%w: schema type %s is not supported", schema.ErrInvalidSchema, t)
	}
	return p, nil
}

// Bounds of what a schema's references, transitively, may bring to its
// parse: each is parsed with the schema, so a request of a few kilobytes
// naming one large registered schema under thousands of names would
// otherwise cost thousands of parses of it.
const (
	maxReferences     = 1000
	maxReferenceBytes = 4 << 20
)

// resolve returns the texts of every schema refs depend on, transitively,
// dependencies first. Caller holds mu.
func (s *Service) resolve(refs []schema.Reference) ([]schemaformat.Ref, error) {
	var out []schemaformat.Ref
	seen := map[string]bool{}
	size := 0
	var visit func(refs []schema.Reference, depth int) error
	visit = func(refs []schema.Reference, depth int) error {
		if depth > 32 {
			return fmt.Errorf("%w: references nest more than 32 deep (a cycle?)", schema.ErrInvalidSchema)
		}
		for _, r := range refs {
			if r.Name == "" || r.Subject == "" {
				return fmt.Errorf("%w: a reference needs a name and a subject", schema.ErrInvalidSchema)
			}
			if seen[r.Name] {
				continue
			}
			v, ok := s.find(r.Subject, r.Version, true)
			if !ok {
				return fmt.Errorf("%w: reference %q: subject %q has no version %d", schema.ErrInvalidSchema, r.Name, r.Subject, r.Version)
			}
			dep := s.schemas[v.id]
			if err := visit(dep.References, depth+1); err != nil {
				return err
			}
			seen[r.Name] = true
			size += len(dep.Text)
			if len(out) == maxReferences || size > maxReferenceBytes {
				return fmt.Errorf("%w: the schema's references, with theirs, are more than %d schemas or %d bytes", schema.ErrInvalidSchema, maxReferences, maxReferenceBytes)
			}
			out = append(out, schemaformat.Ref{Name: r.Name, Text: dep.Text})
		}
		return nil
	}
	return out, visit(refs, 0)
}

// candidate is a request parsed outside the lock: the schema it registers
// (its canonical or normalized text), its parsed form, and the reference
// texts it was parsed with.
type candidate struct {
	sc     schema.Schema
	parsed schemaformat.Parsed
	refs   []schemaformat.Ref
}

// parsedWith says whether c was parsed with refs (so need not be again).
func (c *candidate) parsedWith(refs []schemaformat.Ref) bool {
	return c.parsed != nil && slices.Equal(c.refs, refs)
}

// parse parses a request with the reference texts resolved for it. It
// needs no lock: parsing a large schema must never hold up reads (the
// produce path's SchemaByID among them).
func (s *Service) parse(req Request, refs []schemaformat.Ref) (candidate, error) {
	p, err := s.parser(req.Type)
	if err != nil {
		return candidate{}, err
	}
	parsed, err := p.Parse(req.Text, refs)
	if err != nil {
		return candidate{}, err
	}
	text := parsed.Canonical()
	if req.Normalize {
		text = parsed.Normalized()
	}
	return candidate{sc: schema.Schema{Type: req.Type, Text: text, References: req.References}, parsed: parsed, refs: refs}, nil
}

// prepare resolves a request's references under the read lock and parses
// it outside the lock.
func (s *Service) prepare(req Request) (candidate, error) {
	if _, err := s.parser(req.Type); err != nil {
		return candidate{}, err
	}
	s.mu.RLock()
	refs, err := s.resolve(req.References)
	s.mu.RUnlock()
	if err != nil {
		return candidate{}, err
	}
	return s.parse(req, refs)
}

// earlier is a registered schema a candidate is checked against, taken
// under the lock and parsed outside it.
type earlier struct {
	id     int
	sc     schema.Schema
	parsed schemaformat.Parsed // from the cache, or nil
	refs   []schemaformat.Ref  // resolved when parsed is nil
	err    error               // resolving its references failed
}

// earlierOf takes the schemas of ids for a check outside the lock. Caller
// holds mu (for reading at least).
func (s *Service) earlierOf(ids []int) []earlier {
	out := make([]earlier, len(ids))
	for i, id := range ids {
		e := earlier{id: id, sc: s.schemas[id]}
		s.pmu.Lock()
		e.parsed = s.parsed[id]
		s.pmu.Unlock()
		if e.parsed == nil {
			e.refs, e.err = s.resolve(e.sc.References)
		}
		out[i] = e
	}
	return out
}

// parsedOf returns the parsed form of a registered schema taken by
// earlierOf, parsing it (and caching the result) if need be. No lock.
func (s *Service) parsedOf(e earlier) (schemaformat.Parsed, error) {
	if e.parsed != nil {
		return e.parsed, nil
	}
	if e.err != nil {
		return nil, e.err
	}
	parser, err := s.parser(e.sc.Type)
	if err != nil {
		return nil, err
	}
	parsed, err := parser.Parse(e.sc.Text, e.refs)
	if err != nil {
		return nil, fmt.Errorf("registered schema %d no longer parses: %w", e.id, err)
	}
	s.cache(e.id, parsed)
	return parsed, nil
}

func (s *Service) cache(id int, p schemaformat.Parsed) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if len(s.parsed) >= 10000 {
		clear(s.parsed)
	}
	s.parsed[id] = p
}

// find returns a subject's version n (-1 or 0 for... see Get), live unless
// deleted is true. Caller holds mu.
func (s *Service) find(subject string, n int, deleted bool) (version, bool) {
	vs := s.subjects[subject]
	if n == -1 {
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].deleted || deleted {
				return vs[i], true
			}
		}
		return version{}, false
	}
	for _, v := range vs {
		if v.num == n && (!v.deleted || deleted) {
			return v, true
		}
	}
	return version{}, false
}

func (s *Service) live(subject string) []version {
	var out []version
	for _, v := range s.subjects[subject] {
		if !v.deleted {
			out = append(out, v)
		}
	}
	return out
}

// level is a subject's effective compatibility level. Caller holds mu.
func (s *Service) level(subject string) schema.Level { return s.levels.effective(subject) }

// mode is a subject's effective mode. Caller holds mu.
func (s *Service) mode(subject string) schema.Mode { return s.modes.effective(subject) }

func (s *Service) writable(subject string) error {
	if m := s.mode(subject); !m.Writable() {
		return fmt.Errorf("%w: subject %q is in %s mode", schema.ErrNotPermitted, subject, m)
	}
	return nil
}
