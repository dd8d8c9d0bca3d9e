package registry

import (
	"context"
	"fmt"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// MaxDecoders bounds the decoders Decode keeps, one per schema id; past
// it, one is dropped for each new one (and parsed again if needed).
const MaxDecoders = 1000

// decoderEntry is the decoder of one id, or why there is none, ready once
// done is closed.
type decoderEntry struct {
	done chan struct{}
	dec  schemaformat.Decoder
	err  error
}

// Decode decodes payload, the bytes of a Confluent-framed value after its
// magic byte and schema id, with registered schema id, into an object
// (the mapping of schemaformat.Decoder). Safe for concurrent use; it
// matches indexing.Schemas.
//
// The schema is the registered text (canonical, or normalized when it was
// registered so), parsed once per id with its references and kept among
// at most MaxDecoders decoders; callers asking for an id being parsed
// wait for that parse (or ctx). An id's schema never changes, so neither
// does its decoder.
//
// Errors wrap document.ErrUndecodable: an unknown id (also wrapping
// schema.ErrSchemaNotFound), a schema that no longer parses or whose
// format cannot decode, a payload that does not match it. A ctx done
// while waiting returns ctx's error.
func (s *Service) Decode(ctx context.Context, id int32, payload []byte) (document.Object, error) {
	d, err := s.decoder(ctx, int(id))
	if err != nil {
		return nil, err
	}
	obj, err := d.Decode(payload)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	return obj, nil
}

// decoder returns the decoder of id, parsing its schema if no decoder is
// kept. An unknown id is not remembered: it may be registered later.
func (s *Service) decoder(ctx context.Context, id int) (schemaformat.Decoder, error) {
	s.dmu.Lock()
	e, ok := s.decoders[id]
	if !ok {
		e = &decoderEntry{done: make(chan struct{})}
		if len(s.decoders) >= MaxDecoders {
			for other := range s.decoders {
				delete(s.decoders, other)
				break
			}
		}
		s.decoders[id] = e
	}
	s.dmu.Unlock()
	if !ok {
		s.fill(id, e)
	}
	select {
	case <-e.done:
	default:
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return e.dec, e.err
}

// fill builds e, the new entry of id, and forgets it again if id is
// unknown. e is ready (done closed) however the build ends.
func (s *Service) fill(id int, e *decoderEntry) {
	defer close(e.done)
	e.err = fmt.Errorf("%w: schema %d: building its decoder failed", document.ErrUndecodable, id) // if the build panics
	e.dec, e.err = s.buildDecoder(id)
	if e.err != nil && isUnknown(e.err) {
		s.dmu.Lock()
		if s.decoders[id] == e {
			delete(s.decoders, id)
		}
		s.dmu.Unlock()
	}
}

// errUnknownID marks the error of an id no schema has.
type errUnknownID struct{ id int }

func (e errUnknownID) Error() string {
	return fmt.Sprintf("%v: no schema has id %d", document.ErrUndecodable, e.id)
}

func (e errUnknownID) Unwrap() []error {
	return []error{document.ErrUndecodable, schema.ErrSchemaNotFound}
}

func isUnknown(err error) bool {
	_, ok := err.(errUnknownID)
	return ok
}

// buildDecoder parses the registered text of id with its references.
func (s *Service) buildDecoder(id int) (schemaformat.Decoder, error) {
	s.mu.RLock()
	sc, ok := s.schemas[id]
	var refs []schemaformat.Ref
	var err error
	if ok {
		refs, err = s.resolve(sc.References)
	}
	s.mu.RUnlock()
	if !ok {
		return nil, errUnknownID{id}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: its references: %w", document.ErrUndecodable, id, err)
	}
	p, err := s.parser(sc.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: schema %d: %w", document.ErrUndecodable, id, err)
	}
	parsed, err := p.Parse(sc.Text, refs)
	if err != nil {
		s.logger.Warn("a registered schema no longer parses; values framed with its id are not decoded", "id", id, "err", err)
		return nil, fmt.Errorf("%w: schema %d no longer parses: %w", document.ErrUndecodable, id, err)
	}
	d, ok := parsed.(schemaformat.Decoder)
	if !ok {
		return nil, fmt.Errorf("%w: schema %d: %s schemas cannot decode values", document.ErrUndecodable, id, sc.Type)
	}
	return d, nil
}
