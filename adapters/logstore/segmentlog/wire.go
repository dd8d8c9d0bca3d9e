package segmentlog

import (
	"log/slog"

	"github.com/google/wire"

	"github.com/chronik-stream/chronik/ports/logstore"
)

// Set provides a *Store as the logstore.Store port. The caller provides
// Config and *slog.Logger.
var Set = wire.NewSet(Provide, wire.Bind(new(logstore.Store), new(*Store)))

// Provide opens a Store and returns its cleanup (Close), for wire.
func Provide(cfg Config, logger *slog.Logger) (*Store, func(), error) {
	s, err := New(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		if err := s.Close(); err != nil && logger != nil {
			logger.Error("closing the log store", "error", err.Error())
		}
	}, nil
}
