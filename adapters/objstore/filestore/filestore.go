package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/chronik-stream/chronik/ports/objstore"
)

const (
	objSuffix  = "%o"     // suffix of every object file
	contSuffix = "%c"     // suffix of a directory holding the rest of a long segment
	maxName    = 255      // longest file name of common file systems
	pieceBytes = 200      // longest escaped piece of a long segment in one name
	tmpPattern = "%tmp-*" // os.CreateTemp pattern of in-flight writes
	// Default modes: only the node's user reads its data.
	dirPerm  = 0o700
	filePerm = 0o600
	// mkdirRetries bounds how often a Put recreates a directory that a
	// concurrent Delete keeps removing.
	mkdirRetries = 16
)

// Store is an objstore.Bucket over a local folder; see the package doc for
// the layout. All methods are safe for concurrent use, also by several
// Stores (or processes) on the same root.
type Store struct {
	root   string // absolute, cleaned
	files  fs.FileMode
	dirs   fs.FileMode
	closed atomic.Bool
	// syncErr is the first failed fsync. After one, the kernel may have
	// dropped dirty pages and later fsyncs may succeed without having
	// written them, so every later write returns this error until the
	// store is reopened (pebble and NATS do the same). Reads go on.
	syncErr atomic.Pointer[error]
}

var _ objstore.Bucket = (*Store)(nil)

// New opens the bucket kept in root, creating the folder if needed. Files
// are created 0600 and folders 0700.
func New(root string) (*Store, error) { return NewWithModes(root, filePerm, dirPerm) }

// NewWithModes is New with the permission bits of the files and folders it
// creates (e.g. 0640 and 0750 to let the node's group read them).
func NewWithModes(root string, files, dirs fs.FileMode) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("filestore: root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, dirs); err != nil {
		return nil, fmt.Errorf("filestore: create root %q: %w", abs, err)
	}
	return &Store{root: abs, files: files.Perm(), dirs: dirs.Perm()}, nil
}

// Root returns the absolute path of the bucket's folder.
func (s *Store) Root() string { return s.root }

// escape encodes one key segment as a file-system name.
func escape(seg string) string {
	switch seg {
	case "":
		return "%e"
	case ".":
		return "%2E"
	}
	return strings.ReplaceAll(seg, "%", "%25")
}

// unescape decodes a name written by escape; ok is false for names escape
// cannot produce.
func unescape(name string) (seg string, ok bool) {
	switch name {
	case "%e":
		return "", true
	case "%2E":
		return ".", true
	case "", ".", "..":
		return "", false
	}
	if !strings.Contains(name, "%") {
		return name, true
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		if !strings.HasPrefix(name[i:], "%25") {
			return "", false
		}
		b.WriteByte('%')
		i += 2
	}
	return b.String(), true
}

// paths returns the directory names and the object file name of a valid
// key.
func paths(key string) (dirs []string, file string) {
	segs := strings.Split(key, "/")
	dirs = make([]string, 0, len(segs)-1)
	for _, seg := range segs[:len(segs)-1] {
		dirs = append(dirs, names(seg, "")...)
	}
	last := names(segs[len(segs)-1], objSuffix)
	return append(dirs, last[:len(last)-1]...), last[len(last)-1]
}

// names maps one key segment to the names of its path: one name, the
// segment escaped plus suffix, when that fits in maxName bytes; otherwise a
// chain of directories "<piece>%c", each piece at most pieceBytes escaped,
// ending in the name of the rest plus suffix. Names that fit map as they
// always did, so folders written before chains existed read the same.
func names(seg, suffix string) []string {
	if len(escape(seg))+len(suffix) <= maxName {
		return []string{escape(seg) + suffix}
	}
	var out []string
	for len(escape(seg))+len(suffix) > maxName {
		n, size := 0, 0
		for n < len(seg) {
			w := 1
			if seg[n] == '%' {
				w = 3 // escaped as %25
			}
			if size+w > pieceBytes {
				break
			}
			size, n = size+w, n+1
		}
		out = append(out, escape(seg[:n])+contSuffix)
		seg = seg[n:]
	}
	return append(out, escape(seg)+suffix)
}

// objectPath returns the object file's path and its directory.
func (s *Store) objectPath(key string) (path, dir string) {
	dirs, file := paths(key)
	dir = filepath.Join(append([]string{s.root}, dirs...)...)
	return filepath.Join(dir, file), dir
}

// check returns the first reason op on key must not run: closed, an invalid
// key, or a done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	return objstore.CheckCall(ctx, "filestore", op, key, s.closed.Load(), nil)
}

// wrap translates an operating-system error to the port's sentinels, once.
func wrap(op, key string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("filestore: %s %q: %w", op, key, objstore.ErrNotFound)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("filestore: %s %q: %w", op, key, objstore.ErrExists)
	case errors.Is(err, syscall.ENAMETOOLONG):
		return fmt.Errorf("filestore: %s %q: %w: a segment or the whole path is too long for the file system (%v)",
			op, key, objstore.ErrInvalidKey, err)
	}
	return fmt.Errorf("filestore: %s %q: %w", op, key, err)
}

// Put atomically and durably replaces the object under key.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put", key); err != nil {
		return err
	}
	return s.write(key, data, false)
}

// PutIfAbsent atomically creates the object under key, or returns an error
// wrapping objstore.ErrExists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put-if-absent", key); err != nil {
		return err
	}
	return s.write(key, data, true)
}

// write stores data under key through a temporary file, renaming it into
// place, or linking it when exclusive.
func (s *Store) write(key string, data []byte, exclusive bool) error {
	op := "put"
	if exclusive {
		op = "put-if-absent"
	}
	if errp := s.syncErr.Load(); errp != nil {
		return fmt.Errorf("filestore: %s %q: an earlier fsync failed, reopen the store: %w", op, key, *errp)
	}
	path, dir := s.objectPath(key)
	tmp, err := s.createTemp(key, dir)
	if err != nil {
		return wrapWrite(op, key, err)
	}
	tmpName := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = s.sync(tmp)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if exclusive {
			err = os.Link(tmpName, path)
		} else {
			err = os.Rename(tmpName, path)
		}
	}
	if err != nil || exclusive {
		// After a link the temporary name is a second name of the object.
		_ = os.Remove(tmpName)
	}
	if err != nil {
		return wrapWrite(op, key, err)
	}
	// A missing dir means a concurrent Delete removed the new object and its
	// directory already; the write itself succeeded.
	if err := s.syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrapWrite(op, key, err)
	}
	return nil
}

// wrapWrite is wrap for writes, where ENOENT is no "not found".
func wrapWrite(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: %s %q: %w", op, key, err)
	}
	return wrap(op, key, err)
}

// createTemp creates a temporary file in dir, creating dir first. A
// concurrent Delete may remove dir between the two steps; then it tries
// again.
func (s *Store) createTemp(key, dir string) (*os.File, error) {
	dirs, _ := paths(key)
	for attempt := 0; ; attempt++ {
		err := s.mkdirs(dirs)
		if err == nil {
			var f *os.File
			f, err = os.CreateTemp(dir, tmpPattern) // mode 0600
			if err == nil && s.files != filePerm {
				if err = f.Chmod(s.files); err != nil {
					_ = f.Close()
					_ = os.Remove(f.Name())
					return nil, err
				}
			}
			if err == nil {
				return f, nil
			}
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt >= mkdirRetries {
			return nil, err
		}
	}
}

// mkdirs creates the escaped directory path dirs under root, fsyncing the
// parent of every directory it creates so that the new entry is durable.
func (s *Store) mkdirs(dirs []string) error {
	parent := s.root
	for _, d := range dirs {
		p := filepath.Join(parent, d)
		err := os.Mkdir(p, s.dirs)
		switch {
		case err == nil:
			if err := s.syncDir(parent); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return err
		}
		parent = p
	}
	return nil
}

// sync fsyncs f, recording a failure in syncErr.
func (s *Store) sync(f *os.File) error {
	err := f.Sync()
	if err != nil {
		err = fmt.Errorf("fsync %s: %w", f.Name(), err)
		s.syncErr.CompareAndSwap(nil, &err)
	}
	return err
}

// syncDir fsyncs a directory, making entries created or removed in it
// durable.
func (s *Store) syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = s.sync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the object under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	path, _ := s.objectPath(key)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, wrap("get", key, err)
	}
	return data, nil
}

// GetRange returns part of the object under key; see
// objstore.Bucket.GetRange.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	path, _ := s.objectPath(key)
	f, err := os.Open(path)
	if err != nil {
		return nil, wrap("get", key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, wrap("get", key, err)
	}
	start, end, err := objstore.Range(fi.Size(), offset, length)
	if err != nil {
		return nil, fmt.Errorf("filestore: get %q: %w", key, err)
	}
	buf := make([]byte, end-start)
	if _, err := io.ReadFull(io.NewSectionReader(f, start, end-start), buf); err != nil {
		return nil, fmt.Errorf("filestore: get %q: read [%d, %d) of a %d-byte file: %w", key, start, end, fi.Size(), err)
	}
	return buf, nil
}

// List returns one page of the objects whose keys start with prefix; the
// page token is the last key of the previous page.
func (s *Store) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	if err := objstore.CheckList(ctx, "filestore", prefix, s.closed.Load()); err != nil {
		return nil, "", err
	}
	pageSize = objstore.PageSize(pageSize)
	// Start at the directory of the prefix's complete segments.
	dir, keyPrefix := s.root, ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		if objstore.ValidateKey(prefix[:i+1]) != nil {
			return nil, "", nil // no valid key has this prefix
		}
		dirs, _ := paths(prefix[:i+1]) // the last, empty segment is the file
		dir = filepath.Join(append([]string{s.root}, dirs...)...)
		keyPrefix = prefix[:i+1]
	}
	w := walker{ctx: ctx, prefix: prefix, token: pageToken}
	if err := w.walk(dir, keyPrefix); err != nil {
		return nil, "", fmt.Errorf("filestore: list %q: %w", prefix, err)
	}
	slices.SortFunc(w.found, func(a, b objstore.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	if len(w.found) <= pageSize {
		return w.found, "", nil
	}
	page := w.found[:pageSize:pageSize]
	return page, page[pageSize-1].Key, nil
}

// walker collects the objects under a directory that match a prefix and
// sort after a token.
type walker struct {
	ctx           context.Context
	prefix, token string
	found         []objstore.ObjectInfo
}

// walk visits dir, whose objects' keys all start with keyPrefix. A directory
// that vanishes meanwhile (a concurrent Delete) is skipped.
func (w *walker) walk(dir, keyPrefix string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG) {
		return nil // nothing there, or a name no object can have
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
			var (
				sub string
				ok  bool
			)
			if piece, cont := strings.CutSuffix(name, contSuffix); cont {
				// A piece of a long segment: the names inside go on with it.
				piece, ok = unescape(piece)
				sub = keyPrefix + piece
			} else {
				var seg string
				seg, ok = unescape(name)
				sub = keyPrefix + seg + "/"
			}
			if !ok {
				continue
			}
			if !strings.HasPrefix(sub, w.prefix) && !strings.HasPrefix(w.prefix, sub) {
				continue // no key below can match the prefix
			}
			if sub < w.token && !strings.HasPrefix(w.token, sub) {
				continue // every key below sorts before the token
			}
			if err := w.walk(filepath.Join(dir, name), sub); err != nil {
				return err
			}
		case e.Type().IsRegular() && strings.HasSuffix(name, objSuffix):
			seg, ok := unescape(strings.TrimSuffix(name, objSuffix))
			if !ok {
				continue
			}
			key := keyPrefix + seg
			if key <= w.token || !strings.HasPrefix(key, w.prefix) {
				continue
			}
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return err
			}
			w.found = append(w.found, objstore.ObjectInfo{Key: key, Size: fi.Size()})
		}
	}
	return nil
}

// Delete removes the object under key, if any, and then the directories it
// leaves empty, best effort.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	path, dir := s.objectPath(key)
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return wrap("delete", key, err)
	}
	if err := s.syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrap("delete", key, err)
	}
	for d := dir; d != s.root && strings.HasPrefix(d, s.root); d = filepath.Dir(d) {
		if syscall.Rmdir(d) != nil {
			break // not empty, or gone: stop
		}
	}
	return nil
}

// Close marks the store closed. Idempotent; it holds no resources.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}
