package registry

import (
	"context"
	"fmt"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// setting is a value each subject may set for itself, with a global one
// (subject ""): the compatibility level or the mode. Its methods expect the
// Service's mu held (for writing by put and remove).
type setting[T ~string] struct {
	key      string       // the metastore key prefix; + subject -> value
	fallback T            // the global value when none is set
	notSet   error        // a subject without its own value
	values   map[string]T // "" is global
}

// effective is subject's value: its own, else the global one, else the
// fallback.
func (st *setting[T]) effective(subject string) T {
	if v, ok := st.values[subject]; ok && subject != "" {
		return v
	}
	if v, ok := st.values[""]; ok {
		return v
	}
	return st.fallback
}

// get is subject's own value ("" the global one); a subject without one is
// st.notSet unless defaultToGlobal.
func (st *setting[T]) get(subject string, defaultToGlobal bool) (T, error) {
	if v, ok := st.values[subject]; ok {
		return v, nil
	}
	if subject != "" && !defaultToGlobal {
		return "", fmt.Errorf("%w: %q", st.notSet, subject)
	}
	return st.effective(""), nil
}

// put stores v as subject's own value.
func (st *setting[T]) put(ctx context.Context, meta metastore.Store, subject string, v T) error {
	if err := meta.Apply(ctx, metastore.Put([]byte(st.key+subject), []byte(v))); err != nil {
		return err
	}
	st.values[subject] = v
	return nil
}

// remove deletes subject's own value ("" resets the global one) and
// returns the value it had.
func (st *setting[T]) remove(ctx context.Context, meta metastore.Store, subject string) (T, error) {
	v, ok := st.values[subject]
	if !ok {
		if subject != "" {
			return "", fmt.Errorf("%w: %q", st.notSet, subject)
		}
		v = st.fallback
	}
	if err := meta.Apply(ctx, metastore.Del([]byte(st.key+subject))); err != nil {
		return "", err
	}
	delete(st.values, subject)
	return v, nil
}

// validSettingSubject checks the subject of a setting: a valid name, or ""
// for the global one.
func validSettingSubject(subject string) error {
	if subject == "" {
		return nil
	}
	return schema.ValidSubject(subject)
}

// Level returns subject's compatibility level ("" for the global one). A
// subject without its own level is ErrSubjectLevelNotSet unless
// defaultToGlobal.
func (s *Service) Level(subject string, defaultToGlobal bool) (schema.Level, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.levels.get(subject, defaultToGlobal)
}

// SetLevel sets subject's level ("" the global one).
func (s *Service) SetLevel(ctx context.Context, subject string, l schema.Level) error {
	if err := validSettingSubject(subject); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.levels.put(ctx, s.meta, subject, l); err != nil {
		return err
	}
	s.gen++
	return nil
}

// DeleteLevel removes subject's own level ("" resets the global one) and
// returns the level it had.
func (s *Service) DeleteLevel(ctx context.Context, subject string) (schema.Level, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.levels.remove(ctx, s.meta, subject)
	if err == nil {
		s.gen++
	}
	return l, err
}

// Mode returns subject's mode ("" the global one), as Level does levels.
func (s *Service) Mode(subject string, defaultToGlobal bool) (schema.Mode, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.modes.get(subject, defaultToGlobal)
}

// SetMode sets subject's mode ("" the global one). IMPORT needs a registry
// (or subject) without schemas unless force.
func (s *Service) SetMode(ctx context.Context, subject string, m schema.Mode, force bool) error {
	if err := validSettingSubject(subject); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == schema.Import && !force && s.mode(subject) != schema.Import {
		nonEmpty := len(s.subjects) > 0
		if subject != "" {
			nonEmpty = len(s.subjects[subject]) > 0
		}
		if nonEmpty {
			return fmt.Errorf("%w: cannot switch to IMPORT mode while schemas exist (pass force=true)", schema.ErrNotPermitted)
		}
	}
	if err := s.modes.put(ctx, s.meta, subject, m); err != nil {
		return err
	}
	s.gen++
	return nil
}

// DeleteMode removes subject's own mode and returns the mode it had.
func (s *Service) DeleteMode(ctx context.Context, subject string) (schema.Mode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.modes.remove(ctx, s.meta, subject)
	if err == nil {
		s.gen++
	}
	return m, err
}

// TestCompatibility checks req against version n of subject (-1 the
// latest), or with n == 0 against the versions the subject's level names.
// It returns the reasons it is not compatible (none: compatible). A subject
// without versions is compatible with anything. The schemas are parsed
// outside the lock.
func (s *Service) TestCompatibility(subject string, n int, req Request) ([]string, error) {
	cand, err := s.prepare(req)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	level := s.level(subject)
	var ids []int
	switch {
	case n == 0:
		ids = liveIDs(s.live(subject))
	case len(s.subjects[subject]) == 0 && n == -1:
		s.mu.RUnlock()
		return nil, nil
	default:
		sv, err := s.get(subject, n, false)
		if err != nil {
			s.mu.RUnlock()
			return nil, err
		}
		ids = []int{sv.Schema.ID}
		if level.Transitive() { // one version: the transitive level's base rule
			level = schema.Level(string(level)[:len(level)-len("_TRANSITIVE")])
		}
	}
	es := s.earlierOf(ids)
	s.mu.RUnlock()
	return s.check(level, req.Type, cand.parsed, es)
}
