package segmentlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// file is the part of *os.File the store uses. Tests inject failing files
// through Config.openFile to exercise poisoning.
type file interface {
	io.ReaderAt
	io.WriterAt
	io.Writer
	Sync() error
	Truncate(size int64) error
	Stat() (fs.FileInfo, error)
	Close() error
}

// openFunc opens a file like os.OpenFile.
type openFunc func(name string, flag int, perm fs.FileMode) (file, error)

func osOpen(name string, flag int, perm fs.FileMode) (file, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // not a typed-nil *os.File in an interface
	}
	return f, nil
}

// syncFile fsyncs f unless the store runs without fsync (tests only).
func (s *Store) syncFile(f file) error {
	if s.cfg.NoSync {
		return nil
	}
	return f.Sync()
}

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it survive a power loss.
func (s *Store) syncDir(dir string) error {
	if s.cfg.NoSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening directory %s to sync it: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// writeFileAtomic replaces path with data: it writes path.tmp, fsyncs it and
// renames it over path. The caller fsyncs the directory (once for several
// files) to make the rename durable.
func (s *Store) writeFileAtomic(path string, data []byte) error {
	tmp := path + tmpSuffix
	f, err := s.open(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, s.cfg.FileMode)
	if err != nil {
		return fmt.Errorf("creating %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := s.syncFile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, filepath.Base(path), err)
	}
	return nil
}

// removeIfExists removes path, ignoring its absence.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// fileSize stats f.
func fileSize(f file) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// readFull reads exactly len(b) bytes at off; a short read is an error.
func readFull(f io.ReaderAt, b []byte, off int64) error {
	n, err := f.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// writeEach writes bufs in order with one Write each.
func writeEach(f file, bufs [][]byte) (int64, error) {
	var total int64
	for _, b := range bufs {
		n, err := f.Write(b)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
