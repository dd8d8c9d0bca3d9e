package segmentlog

import "log/slog"

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
