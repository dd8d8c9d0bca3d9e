package registry

import (
	"context"
	"fmt"

	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Level returns subject's compatibility level ("" for the global one). A
// subject without its own level is ErrSubjectLevelNotSet unless
// defaultToGlobal.
func (s *Service) Level(subject string, defaultToGlobal bool) (schema.Level, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if l, ok := s.levels[subject]; ok {
		return l, nil
	}
	if subject != "" && !defaultToGlobal {
		return "", fmt.Errorf("%w: %q", schema.ErrSubjectLevelNotSet, subject)
	}
	return s.level(""), nil
}

// SetLevel sets subject's level ("" the global one).
func (s *Service) SetLevel(ctx context.Context, subject string, l schema.Level) error {
	if subject != "" {
		if err := schema.ValidSubject(subject); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.meta.Apply(ctx, metastore.Put([]byte(keyConfig+subject), []byte(l))); err != nil {
		return err
	}
	s.gen++
	s.levels[subject] = l
	return nil
}

// DeleteLevel removes subject's own level ("" resets the global one) and
// returns the level it had.
func (s *Service) DeleteLevel(ctx context.Context, subject string) (schema.Level, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.levels[subject]
	if !ok {
		if subject != "" {
			return "", fmt.Errorf("%w: %q", schema.ErrSubjectLevelNotSet, subject)
		}
		l = schema.DefaultLevel
	}
	if err := s.meta.Apply(ctx, metastore.Del([]byte(keyConfig+subject))); err != nil {
		return "", err
	}
	s.gen++
	delete(s.levels, subject)
	return l, nil
}

// Mode returns subject's mode ("" the global one), as Level does levels.
func (s *Service) Mode(subject string, defaultToGlobal bool) (schema.Mode, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if m, ok := s.modes[subject]; ok {
		return m, nil
	}
	if subject != "" && !defaultToGlobal {
		return "", fmt.Errorf("%w: %q", schema.ErrSubjectModeNotSet, subject)
	}
	return s.mode(""), nil
}

// SetMode sets subject's mode ("" the global one). IMPORT needs a registry
// (or subject) without schemas unless force.
func (s *Service) SetMode(ctx context.Context, subject string, m schema.Mode, force bool) error {
	if subject != "" {
		if err := schema.ValidSubject(subject); err != nil {
			return err
		}
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
	if err := s.meta.Apply(ctx, metastore.Put([]byte(keyMode+subject), []byte(m))); err != nil {
		return err
	}
	s.gen++
	s.modes[subject] = m
	return nil
}

// DeleteMode removes subject's own mode and returns the mode it had.
func (s *Service) DeleteMode(ctx context.Context, subject string) (schema.Mode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.modes[subject]
	if !ok {
		if subject != "" {
			return "", fmt.Errorf("%w: %q", schema.ErrSubjectModeNotSet, subject)
		}
		m = schema.ReadWrite
	}
	if err := s.meta.Apply(ctx, metastore.Del([]byte(keyMode+subject))); err != nil {
		return "", err
	}
	s.gen++
	delete(s.modes, subject)
	return m, nil
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
