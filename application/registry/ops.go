package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// maxRegisterAttempts bounds how often Register starts over because other
// writes committed while it parsed and checked.
const maxRegisterAttempts = 8

// Register registers a schema under subject and returns its id. The same
// schema (text, type and references) already live under subject returns
// its id without a new version; a schema registered under another subject
// keeps its id. The schema must be compatible with the subject's live
// versions at the subject's level.
//
// The schema and the versions it is checked against are parsed without
// holding the lock; the write lock is taken only to commit, and only if no
// other write happened since the state that was checked was read (else
// Register starts over, reusing its parse when its references are
// unchanged).
func (s *Service) Register(ctx context.Context, subject string, req Request) (int, error) {
	if err := schema.ValidSubject(subject); err != nil {
		return 0, err
	}
	var cand candidate
	for range maxRegisterAttempts {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		s.mu.RLock()
		gen := s.gen
		importing, refs, err := s.registrable(subject, req)
		s.mu.RUnlock()
		if err != nil {
			return 0, err
		}
		if !cand.parsedWith(refs) {
			if cand, err = s.parse(req, refs); err != nil {
				return 0, err
			}
		}
		key := identity(cand.sc)

		s.mu.RLock()
		if s.gen != gen {
			s.mu.RUnlock()
			continue
		}
		if id, ok := s.registeredAs(subject, key, req.Version); ok {
			s.mu.RUnlock()
			return id, nil
		}
		var (
			level schema.Level
			es    []earlier
		)
		if !importing {
			level = s.level(subject)
			es = s.earlierOf(liveIDs(s.live(subject)))
		}
		s.mu.RUnlock()

		if !importing {
			if reasons, err := s.check(level, cand.sc.Type, cand.parsed, es); err != nil {
				return 0, err
			} else if len(reasons) > 0 {
				return 0, &IncompatibleError{Reasons: reasons}
			}
		}

		s.mu.Lock()
		if s.gen != gen {
			s.mu.Unlock()
			continue
		}
		id, err := s.commit(ctx, subject, req, cand, key, importing)
		s.mu.Unlock()
		return id, err
	}
	return 0, fmt.Errorf("%w: other writes to the schema registry kept changing it while this schema was checked (%d attempts); retry", schema.ErrBusy, maxRegisterAttempts)
}

// registrable checks that req may be registered under subject now and
// resolves its references. Caller holds mu (for reading at least).
func (s *Service) registrable(subject string, req Request) (importing bool, refs []schemaformat.Ref, err error) {
	if err := s.writable(subject); err != nil {
		return false, nil, err
	}
	importing = s.mode(subject) == schema.Import
	if !importing && (req.ID > 0 || req.Version > 0) {
		return false, nil, fmt.Errorf("%w: an id or version can only be given in IMPORT mode", schema.ErrNotPermitted)
	}
	refs, err = s.resolve(req.References)
	return importing, refs, err
}

// registeredAs returns the id of the schema of identity key if it is live
// under subject (as version, unless version is 0). Caller holds mu (for
// reading at least).
func (s *Service) registeredAs(subject, key string, version int) (int, bool) {
	existing, known := s.byKey[key]
	if !known {
		return 0, false
	}
	for _, v := range s.live(subject) {
		if v.id == existing && (version == 0 || version == v.num) {
			return existing, true
		}
	}
	return 0, false
}

func liveIDs(live []version) []int {
	ids := make([]int, len(live))
	for i, v := range live {
		ids[i] = v.id
	}
	return ids
}

// commit writes a checked registration. Caller holds mu and has seen no
// write since the check.
func (s *Service) commit(ctx context.Context, subject string, req Request, cand candidate, key string, importing bool) (int, error) {
	sc := cand.sc
	existing, known := s.byKey[key]
	id := existing
	switch {
	case importing && req.ID > 0:
		if known && existing != req.ID {
			return 0, fmt.Errorf("%w: the schema is registered with id %d already, not %d", schema.ErrNotPermitted, existing, req.ID)
		}
		if other, taken := s.schemas[req.ID]; taken && identity(other) != key {
			return 0, fmt.Errorf("%w: id %d belongs to another schema", schema.ErrNotPermitted, req.ID)
		}
		id = req.ID
	case !known:
		id = s.nextID
	}
	num := 1
	if vs := s.subjects[subject]; len(vs) > 0 {
		num = vs[len(vs)-1].num + 1
	}
	if req.Version > 0 {
		if req.Version < num && len(s.subjects[subject]) > 0 {
			if _, taken := s.find(subject, req.Version, true); taken {
				return 0, fmt.Errorf("%w: subject %q has a version %d already", schema.ErrNotPermitted, subject, req.Version)
			}
		}
		num = req.Version
	}

	sc.ID = id
	sv, _ := json.Marshal(storedVersion{ID: id})
	ops := []metastore.Op{metastore.Put(versionKey(subject, num), sv)}
	next := s.nextID
	if _, has := s.schemas[id]; !has {
		b, _ := json.Marshal(stored{sc})
		ops = append(ops, metastore.Put(schemaKey(id), b))
		next = max(next, id+1)
		ops = append(ops, metastore.Put([]byte(keyNextID), []byte(strconv.Itoa(next))))
	}
	if err := s.meta.Apply(ctx, ops...); err != nil {
		return 0, fmt.Errorf("saving schema: %w", err)
	}
	s.gen++
	if _, has := s.schemas[id]; !has {
		s.schemas[id], s.byKey[key] = sc, id
		s.cache(id, cand.parsed)
	}
	s.nextID = next
	vs := append(s.subjects[subject], version{num: num, id: id})
	slices.SortFunc(vs, func(a, b version) int { return a.num - b.num })
	s.subjects[subject] = vs
	s.logger.Info("registered schema", "subject", subject, "version", num, "id", id, "type", string(sc.Type))
	return id, nil
}

// IncompatibleError is a schema that fails the compatibility check.
type IncompatibleError struct{ Reasons []string }

func (e *IncompatibleError) Error() string {
	return schema.ErrIncompatible.Error() + ": " + strings.Join(e.Reasons, "; ")
}

func (e *IncompatibleError) Unwrap() error { return schema.ErrIncompatible }

// check runs the compatibility check of candidate (of type t) against the
// earlier schemas es, oldest first. It holds no lock.
func (s *Service) check(level schema.Level, t schema.Type, candidate schemaformat.Parsed, es []earlier) ([]string, error) {
	if level == schema.None || len(es) == 0 {
		return nil, nil
	}
	var parsed []schemaformat.Parsed
	var reasons []string
	for _, e := range es {
		if e.sc.Type != t {
			reasons = append(reasons, fmt.Sprintf("schema type %s differs from the %s of schema %d", t, e.sc.Type, e.id))
			continue
		}
		p, err := s.parsedOf(e)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, p)
	}
	if !level.Transitive() && len(reasons) > 0 && es[len(es)-1].sc.Type == t {
		reasons = nil // only the latest counts, and it has the same type
	}
	reasons = append(reasons, schema.Check(level, candidate, parsed, func(r, w schemaformat.Parsed) []string { return r.CanRead(w) })...)
	return reasons, nil
}

// Lookup finds the version of subject that holds the schema of req. The
// schema is parsed outside the lock.
func (s *Service) Lookup(ctx context.Context, subject string, req Request, deleted bool) (SubjectVersion, error) {
	if err := s.hasSubject(subject, deleted); err != nil {
		return SubjectVersion{}, err
	}
	cand, err := s.prepare(req)
	if err != nil {
		return SubjectVersion{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.hasSubjectLocked(subject, deleted); err != nil {
		return SubjectVersion{}, err
	}
	id, ok := s.byKey[identity(cand.sc)]
	if ok {
		vs := s.subjects[subject]
		for i := len(vs) - 1; i >= 0; i-- {
			if v := vs[i]; v.id == id && (!v.deleted || deleted) {
				return s.subjectVersion(subject, v), nil
			}
		}
	}
	return SubjectVersion{}, fmt.Errorf("%w: not registered under subject %q", schema.ErrSchemaNotFound, subject)
}

func (s *Service) hasSubject(subject string, deleted bool) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hasSubjectLocked(subject, deleted)
}

func (s *Service) hasSubjectLocked(subject string, deleted bool) error {
	if len(s.subjects[subject]) == 0 || (!deleted && len(s.live(subject)) == 0) {
		return fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
	}
	return nil
}

func (s *Service) subjectVersion(subject string, v version) SubjectVersion {
	return SubjectVersion{Subject: subject, Version: v.num, Deleted: v.deleted, Schema: s.schemas[v.id]}
}

// Subjects lists subjects with a live version (or any, with deleted) whose
// name starts with prefix, sorted.
func (s *Service) Subjects(prefix string, deleted bool) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []string{}
	for subject, vs := range s.subjects {
		if !strings.HasPrefix(subject, prefix) || len(vs) == 0 || (!deleted && len(s.live(subject)) == 0) {
			continue
		}
		out = append(out, subject)
	}
	slices.Sort(out)
	return out
}

// Versions lists a subject's version numbers.
func (s *Service) Versions(subject string, deleted bool) ([]int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []int{}
	for _, v := range s.subjects[subject] {
		if !v.deleted || deleted {
			out = append(out, v.num)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
	}
	return out, nil
}

// ParseVersion reads a version path element: a positive number, "latest"
// or -1.
func ParseVersion(s string) (int, error) {
	if s == latestAlias || s == "-1" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, fmt.Errorf("%w: %q; a version is a positive number, \"latest\" or -1", schema.ErrInvalidVersion, s)
	}
	return n, nil
}

// Get returns version n (-1: the latest) of subject.
func (s *Service) Get(subject string, n int, deleted bool) (SubjectVersion, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.get(subject, n, deleted)
}

func (s *Service) get(subject string, n int, deleted bool) (SubjectVersion, error) {
	if len(s.subjects[subject]) == 0 {
		return SubjectVersion{}, fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
	}
	v, ok := s.find(subject, n, deleted)
	if !ok {
		if !deleted && len(s.live(subject)) == 0 {
			return SubjectVersion{}, fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
		}
		return SubjectVersion{}, fmt.Errorf("%w: subject %q has no version %d", schema.ErrVersionNotFound, subject, n)
	}
	return s.subjectVersion(subject, v), nil
}

// ReferencedBy lists the ids of schemas that refer to version n of subject.
func (s *Service) ReferencedBy(subject string, n int) ([]int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sv, err := s.get(subject, n, false)
	if err != nil {
		return nil, err
	}
	return s.referrers(subject, sv.Version), nil
}

func (s *Service) referrers(subject string, num int) []int {
	out := []int{}
	for id, sc := range s.schemas {
		for _, r := range sc.References {
			if r.Subject == subject && r.Version == num {
				out = append(out, id)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// DeleteVersion deletes version n (-1: the latest) of subject: softly, or
// for good when permanent (which needs a soft delete first).
func (s *Service) DeleteVersion(ctx context.Context, subject string, n int, permanent bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(subject); err != nil {
		return 0, err
	}
	if len(s.subjects[subject]) == 0 {
		return 0, fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
	}
	v, ok := s.find(subject, n, permanent)
	if !ok {
		if _, soft := s.find(subject, n, true); soft && !permanent {
			return 0, fmt.Errorf("%w: subject %q version %d", schema.ErrVersionSoftDeleted, subject, n)
		}
		return 0, fmt.Errorf("%w: subject %q has no version %d", schema.ErrVersionNotFound, subject, n)
	}
	if permanent && !v.deleted {
		return 0, fmt.Errorf("%w: subject %q version %d", schema.ErrVersionNotSoftDeleted, subject, v.num)
	}
	if refs := s.referrers(subject, v.num); len(refs) > 0 {
		return 0, fmt.Errorf("%w: schemas %v refer to subject %q version %d", schema.ErrReferenceExists, refs, subject, v.num)
	}
	if err := s.removeVersions(ctx, subject, []version{v}, permanent); err != nil {
		return 0, err
	}
	return v.num, nil
}

// DeleteSubject deletes every version of subject: softly, or for good when
// permanent (which needs a soft delete first). It returns their numbers.
func (s *Service) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(subject); err != nil {
		return nil, err
	}
	vs := s.subjects[subject]
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, subject)
	}
	live := s.live(subject)
	if permanent && len(live) > 0 {
		return nil, fmt.Errorf("%w: %q", schema.ErrSubjectNotSoftDeleted, subject)
	}
	if !permanent && len(live) == 0 {
		return nil, fmt.Errorf("%w: %q", schema.ErrSubjectSoftDeleted, subject)
	}
	doomed := live
	if permanent {
		doomed = vs
	}
	for _, v := range doomed {
		if refs := s.referrers(subject, v.num); len(refs) > 0 {
			return nil, fmt.Errorf("%w: schemas %v refer to subject %q version %d", schema.ErrReferenceExists, refs, subject, v.num)
		}
	}
	if err := s.removeVersions(ctx, subject, doomed, permanent); err != nil {
		return nil, err
	}
	nums := make([]int, len(doomed))
	for i, v := range doomed {
		nums[i] = v.num
	}
	if permanent {
		ops := []metastore.Op{metastore.Del([]byte(keyConfig + subject)), metastore.Del([]byte(keyMode + subject))}
		if err := s.meta.Apply(ctx, ops...); err != nil {
			return nil, err
		}
		s.gen++
		delete(s.levels.values, subject)
		delete(s.modes.values, subject)
	}
	return nums, nil
}

// removeVersions marks versions deleted or removes them. Caller holds mu.
func (s *Service) removeVersions(ctx context.Context, subject string, doomed []version, permanent bool) error {
	var ops []metastore.Op
	for _, v := range doomed {
		if permanent {
			ops = append(ops, metastore.Del(versionKey(subject, v.num)))
		} else {
			b, _ := json.Marshal(storedVersion{ID: v.id, Deleted: true})
			ops = append(ops, metastore.Put(versionKey(subject, v.num), b))
		}
	}
	if err := s.meta.Apply(ctx, ops...); err != nil {
		return fmt.Errorf("deleting versions of %q: %w", subject, err)
	}
	s.gen++
	gone := map[int]bool{}
	for _, v := range doomed {
		gone[v.num] = true
	}
	var kept []version
	for _, v := range s.subjects[subject] {
		switch {
		case !gone[v.num]:
			kept = append(kept, v)
		case !permanent:
			v.deleted = true
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		delete(s.subjects, subject)
	} else {
		s.subjects[subject] = kept
	}
	return nil
}

// SchemaByID returns a registered schema.
func (s *Service) SchemaByID(id int) (schema.Schema, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, ok := s.schemas[id]
	if !ok {
		return schema.Schema{}, fmt.Errorf("%w: no schema has id %d", schema.ErrSchemaNotFound, id)
	}
	return sc, nil
}

// VersionsOfID lists the subject versions that use schema id.
func (s *Service) VersionsOfID(id int, deleted bool) ([]SubjectVersion, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.schemas[id]; !ok {
		return nil, fmt.Errorf("%w: no schema has id %d", schema.ErrSchemaNotFound, id)
	}
	out := []SubjectVersion{}
	for subject, vs := range s.subjects {
		for _, v := range vs {
			if v.id == id && (!v.deleted || deleted) {
				out = append(out, s.subjectVersion(subject, v))
			}
		}
	}
	slices.SortFunc(out, func(a, b SubjectVersion) int {
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out, nil
}

// Latest lists the schemas of subjects starting with prefix: every version,
// or only each subject's latest.
func (s *Service) Latest(prefix string, deleted, latestOnly bool) []SubjectVersion {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []SubjectVersion{}
	for subject, vs := range s.subjects {
		if !strings.HasPrefix(subject, prefix) {
			continue
		}
		var picked []SubjectVersion
		for _, v := range vs {
			if !v.deleted || deleted {
				picked = append(picked, s.subjectVersion(subject, v))
			}
		}
		if latestOnly && len(picked) > 0 {
			picked = picked[len(picked)-1:]
		}
		out = append(out, picked...)
	}
	slices.SortFunc(out, func(a, b SubjectVersion) int {
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out
}
