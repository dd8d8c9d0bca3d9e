// Package objstore is the port for an object store: a flat namespace of
// immutable-per-write blobs addressed by string keys, as offered by S3, GCS,
// Azure Blob Storage or a local folder. Tiered storage keeps closed log
// segments and their indexes here.
//
// Keys are UTF-8 strings (as S3, GCS and Azure require) with "/" as a
// conventional (not enforced) separator. A key is valid when it is valid
// UTF-8, non-empty, not ".", does not start with "/", has no ".." segment
// (between slashes or at either end) and contains no NUL byte and no line
// break (GCS forbids CR and LF); ValidateKey checks this. Every method that takes a
// key returns an error wrapping ErrInvalidKey for an invalid one, before it
// touches the store. Any other key is valid, including ones with empty or "."
// segments ("a//b", "a/./b", "dir/"), and a key may be both an object and a
// prefix of other objects ("a" and "a/b"), as in S3. Beyond these rules an
// adapter may reject a key that exceeds a limit of its backend (S3 keys are at
// most 1024 bytes) with ErrInvalidKey.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Adapters wrap them (test with errors.Is) and translate
// their SDK's or operating system's errors to them exactly once.
var (
	// ErrNotFound: Get or GetRange of a key that holds no object.
	ErrNotFound = errors.New("objstore: object not found")
	// ErrExists: PutIfAbsent of a key that already holds an object.
	ErrExists = errors.New("objstore: object already exists")
	// ErrInvalidKey: a key that breaks the key rules of the package doc.
	ErrInvalidKey = errors.New("objstore: invalid key")
	// ErrInvalidRange: GetRange with a negative offset, a length below -1, or
	// an offset past the end of the object.
	ErrInvalidRange = errors.New("objstore: invalid range")
	// ErrClosed: any call but Close after Close.
	ErrClosed = errors.New("objstore: bucket closed")
)

// DefaultPageSize is the page size List uses when asked for pageSize <= 0.
const DefaultPageSize = 1000

// ObjectInfo describes one object in a List result.
type ObjectInfo struct {
	Key  string
	Size int64 // bytes
}

// Bucket is one object-store bucket (or folder). All methods are safe for
// concurrent use. Slices passed in may be reused by the caller as soon as the
// call returns; slices returned belong to the caller, who may mutate them
// without changing what the bucket holds.
//
// Every write is atomic and durable: once Put or PutIfAbsent returns nil, any
// later Get, on any goroutine, sees the whole new object (never a partial
// one), and the object survives a crash of the process or machine as far as
// the backend guarantees. After an error the key holds either its old
// object, nothing, or the new object, whole.
//
// A call whose context is done may return an error wrapping ctx.Err(); a
// write that does so may still have taken effect.
type Bucket interface {
	// Put stores data under key, replacing any object already there. A nil or
	// empty data stores an empty object, which exists.
	// Errors: ErrInvalidKey, ErrClosed.
	Put(ctx context.Context, key string, data []byte) error

	// PutIfAbsent stores data under key only if key holds no object. It is
	// atomic: when several callers race on one key, exactly one succeeds and
	// the others get ErrExists, and no Get ever sees a losing caller's data.
	// Errors: ErrExists, ErrInvalidKey, ErrClosed.
	PutIfAbsent(ctx context.Context, key string, data []byte) error

	// Get returns the whole object stored under key. An empty object reads
	// back as an empty (possibly nil) slice with a nil error.
	// Errors: ErrNotFound, ErrInvalidKey, ErrClosed.
	Get(ctx context.Context, key string) ([]byte, error)

	// GetRange returns length bytes of the object under key starting at byte
	// offset, or everything from offset to the end when length is -1. For an
	// object of size n it requires 0 <= offset <= n and length >= -1: a range
	// that starts past the end is ErrInvalidRange, while a range that starts
	// inside the object but runs past its end returns the bytes that exist
	// (as S3 does). offset == n and length == 0 both give an empty slice, so
	// GetRange(ctx, key, 0, -1) equals Get for every object, empty ones too.
	// A missing key is ErrNotFound, whatever the range.
	// Errors: ErrNotFound, ErrInvalidRange, ErrInvalidKey, ErrClosed.
	GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error)

	// List returns, in ascending byte-wise (lexical) key order, the objects
	// whose keys start with prefix ("" lists every object) and sort after the
	// page token. Pass pageToken "" for the first page and then the returned
	// next until next is "", which means the listing is complete. Tokens are
	// opaque; they are valid for the same prefix only. A page holds at most
	// pageSize objects (DefaultPageSize when pageSize <= 0) and may hold fewer
	// even when more follow (S3 caps pages at 1000), possibly none; only an
	// empty next ends the listing. prefix is a plain string prefix: it need
	// not be a valid key nor end at a "/" ("a/b" matches "a/b", "a/b/c" and
	// "a/bc"). A listing that runs alongside writes sees every object that
	// existed, unchanged in size, for its whole duration, exactly once; objects
	// created or deleted meanwhile may or may not appear.
	// Errors: ErrClosed.
	List(ctx context.Context, prefix, pageToken string, pageSize int) (objects []ObjectInfo, next string, err error)

	// Delete removes the object under key. Deleting a key that holds no
	// object is not an error (as in S3).
	// Errors: ErrInvalidKey, ErrClosed.
	Delete(ctx context.Context, key string) error

	// Close releases the bucket. It is idempotent: the first call returns
	// the result of releasing, later calls return nil. After Close every
	// other method returns an error wrapping ErrClosed. Close does not wait
	// for calls already running.
	Close() error
}

// ValidateKey returns nil for a valid key and an error wrapping ErrInvalidKey
// that says what is wrong otherwise. Adapters call it, through CheckCall,
// first in every method that takes a key.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("%w: key %q starts with \"/\"; object keys are relative", ErrInvalidKey, key)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w: key %q contains a NUL byte", ErrInvalidKey, key)
	case !utf8.ValidString(key):
		// S3, GCS and Azure all require UTF-8 names.
		return fmt.Errorf("%w: key %q is not valid UTF-8", ErrInvalidKey, key)
	case strings.ContainsAny(key, "\r\n"):
		return fmt.Errorf("%w: key %q contains a line break (GCS forbids them)", ErrInvalidKey, key)
	case key == ".":
		return fmt.Errorf("%w: key \".\" names no object (GCS forbids it)", ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == ".." {
			return fmt.Errorf("%w: key %q has a \"..\" segment", ErrInvalidKey, key)
		}
	}
	return nil
}

// Range resolves a GetRange request against an object of size bytes: it
// returns the half-open byte range [start, end) to read, or an error wrapping
// ErrInvalidRange, following the rules of Bucket.GetRange.
func Range(size, offset, length int64) (start, end int64, err error) {
	if offset < 0 || length < -1 {
		return 0, 0, fmt.Errorf("%w: offset %d, length %d (want offset >= 0 and length >= -1)", ErrInvalidRange, offset, length)
	}
	if offset > size {
		return 0, 0, fmt.Errorf("%w: offset %d is past the end of a %d-byte object", ErrInvalidRange, offset, size)
	}
	end = size
	if length >= 0 && length < size-offset {
		end = offset + length
	}
	return offset, end, nil
}
