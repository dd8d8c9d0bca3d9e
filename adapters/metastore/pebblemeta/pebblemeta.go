package pebblemeta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/chronik-stream/chronik/ports/metastore"
)

// Resource limits; see the package documentation.
const (
	cacheSize    = 8 << 20
	memTableSize = 4 << 20
	maxOpenFiles = 256
)

// formatVersion is the pebble format major version new stores are created
// with and existing ones are ratcheted up to on open. Raising it is a one-way
// migration: older binaries can no longer open the directory.
const formatVersion = pebble.FormatValueSeparation

// Config configures the store.
type Config struct {
	// Dir is the directory the store owns. It is created if missing.
	Dir string
	// DirMode is the permission bits of Dir, applied at every open (pebble
	// creates its files by the process umask; a directory only its user can
	// enter keeps them private either way). Zero: 0700.
	DirMode fs.FileMode
}

// defaultDirMode lets only the node's user into the database directory.
const defaultDirMode = 0o700

// Store is a metastore.Store backed by pebble. All methods are safe for
// concurrent use. Calls that run while Close is in progress either complete
// before the database is closed or return metastore.ErrClosed.
type Store struct {
	db     *pebble.DB
	dir    string
	logger *slog.Logger

	mu       sync.Mutex     // guards closed and inflight.Add
	closed   bool           // set once by Close
	inflight sync.WaitGroup // calls using db; Close waits for them

	closeOnce sync.Once
	closeErr  error
}

var _ metastore.Store = (*Store)(nil)

// Open opens the store in dir, creating the directory and an empty database
// if needed. logger receives pebble's log lines (nil discards them). The
// caller must Close the store. Opening a directory that another open Store
// (in this or another process) holds fails.
func Open(dir string, logger *slog.Logger) (*Store, error) {
	if dir == "" {
		return nil, errors.New("pebblemeta: open: no directory given (set the metadata directory)")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "pebblemeta", "dir", dir)
	events := pebble.EventListener{
		// pebble's default is Fatalf; the failing read also returns the
		// error, so log it and let the caller decide.
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			logger.Error("metastore data is corrupt", "file", info.Path, "err", info.Details)
		},
	}
	opts := &pebble.Options{
		CacheSize:                   cacheSize,
		MemTableSize:                memTableSize,
		MemTableStopWritesThreshold: 2,
		MaxOpenFiles:                maxOpenFiles,
		FormatMajorVersion:          formatVersion,
		Logger:                      pebbleLogger{logger},
		EventListener:               &events,
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("pebblemeta: open %s: %w", dir, err)
	}
	logger.Debug("metastore opened")
	return &Store{db: db, dir: dir, logger: logger}, nil
}

// Provide opens the store for dependency injection. The returned cleanup
// closes it and logs a failure to do so.
func Provide(cfg Config, logger *slog.Logger) (*Store, func(), error) {
	mode := cfg.DirMode
	if mode == 0 {
		mode = defaultDirMode
	}
	if err := prepareDir(cfg.Dir, mode); err != nil {
		return nil, nil, err
	}
	s, err := Open(cfg.Dir, logger)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if err := s.Close(); err != nil {
			s.logger.Error("closing the metastore failed", "err", err)
		}
	}
	return s, cleanup, nil
}

// prepareDir creates dir with mode, or gives an existing one that mode.
func prepareDir(dir string, mode fs.FileMode) error {
	if dir == "" {
		return errors.New("pebblemeta: open: no directory given (set the metadata directory)")
	}
	if err := os.MkdirAll(dir, mode.Perm()); err != nil {
		return fmt.Errorf("pebblemeta: creating %s: %w", dir, err)
	}
	if err := os.Chmod(dir, mode.Perm()); err != nil {
		return fmt.Errorf("pebblemeta: setting the mode of %s: %w", dir, err)
	}
	return nil
}

// enter registers a call that uses db, or reports that the store is closed.
// Every successful enter must be paired with s.inflight.Done().
func (s *Store) enter(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("pebblemeta: %s: %w", op, metastore.ErrClosed)
	}
	s.inflight.Add(1)
	return nil
}

// Get returns a copy of key's value, an error wrapping metastore.ErrNotFound
// when key is absent, or metastore.ErrClosed after Close. A key put with a
// nil or empty value reads back as an empty, non-nil slice.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pebblemeta: get %q: %w", key, err)
	}
	if err := s.enter("get"); err != nil {
		return nil, err
	}
	defer s.inflight.Done()
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("pebblemeta: get %q: %w", key, metastore.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("pebblemeta: get %q: %w", key, err)
	}
	out := append([]byte{}, v...)
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("pebblemeta: get %q: release: %w", key, err)
	}
	return out, nil
}

// Scan calls fn, in ascending key order, for every key that starts with
// prefix (every key when prefix is empty), reading one consistent snapshot of
// the database; writes made meanwhile, including by fn, are not seen. fn
// receives copies of the stored bytes in buffers that Scan reuses for the next
// key: they are valid only during the call, and modifying them does not change
// the store. An error from fn, or the end of ctx, stops the scan and is
// returned. After Close it returns metastore.ErrClosed. fn must not call
// Close.
func (s *Store) Scan(ctx context.Context, prefix []byte, fn func(key, value []byte) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pebblemeta: scan %q: %w", prefix, err)
	}
	if err := s.enter("scan"); err != nil {
		return err
	}
	defer s.inflight.Done()
	var opts pebble.IterOptions
	if len(prefix) > 0 {
		opts.LowerBound = bytes.Clone(prefix)
		opts.UpperBound = prefixEnd(prefix)
	}
	it, err := s.db.NewIterWithContext(ctx, &opts)
	if err != nil {
		return fmt.Errorf("pebblemeta: scan %q: %w", prefix, err)
	}
	var kbuf, vbuf []byte
	for valid := it.First(); valid; valid = it.Next() {
		if err := ctx.Err(); err != nil {
			_ = it.Close()
			return fmt.Errorf("pebblemeta: scan %q: %w", prefix, err)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("pebblemeta: scan %q: read value of %q: %w", prefix, it.Key(), err)
		}
		kbuf = append(kbuf[:0], it.Key()...)
		vbuf = append(vbuf[:0], v...)
		if err := fn(kbuf, vbuf); err != nil {
			_ = it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil { // also reports an iteration error
		return fmt.Errorf("pebblemeta: scan %q: %w", prefix, err)
	}
	return nil
}

// prefixEnd returns the smallest key greater than every key that starts with
// prefix, or nil (no upper bound) when prefix is all 0xff bytes.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Apply writes ops as one pebble batch committed with pebble.Sync: when it
// returns nil, all ops are in the fsynced WAL and visible to every later
// read, and a crash keeps all of them or none. Ops take effect in order (the
// last op on a key wins); deleting an absent key is not an error. The ops'
// slices are copied into the batch, so the caller may reuse them once Apply
// returns. After Close it returns metastore.ErrClosed.
func (s *Store) Apply(ctx context.Context, ops ...metastore.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pebblemeta: apply: %w", err)
	}
	if err := s.enter("apply"); err != nil {
		return err
	}
	defer s.inflight.Done()
	if len(ops) == 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	for i, op := range ops {
		var err error
		if op.Delete {
			err = b.Delete(op.Key, nil)
		} else {
			err = b.Set(op.Key, op.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("pebblemeta: apply: op %d on key %q: %w", i, op.Key, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pebblemeta: apply: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebblemeta: apply %d ops: commit: %w", len(ops), err)
	}
	return nil
}

// Close waits for calls in progress, then flushes and closes the database.
// Later calls return metastore.ErrClosed. Close is idempotent: every call
// returns the result of the first, after it has completed.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.inflight.Wait()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("pebblemeta: close %s: %w", s.dir, err)
		}
		s.logger.Debug("metastore closed")
	})
	return s.closeErr
}

// pebbleLogger routes pebble's log lines to slog: Infof at debug level,
// Errorf at error level. Fatalf logs at error level and panics, because
// pebble calls it only for broken invariants and does not expect it to
// return. (Data corruption found on read goes to the EventListener instead,
// which logs it without panicking.)
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.l.Enabled(context.Background(), slog.LevelDebug) {
		p.l.Debug(fmt.Sprintf(format, args...))
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "fatal", true)
	panic("pebblemeta: pebble fatal error: " + msg)
}
