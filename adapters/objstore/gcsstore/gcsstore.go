package gcsstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"cloud.google.com/go/storage"
	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/chronik-stream/chronik/ports/objstore"
)

const (
	// maxNameLen is GCS's limit on the length of a full object name (Prefix
	// included), in bytes.
	maxNameLen = 1024
	// maxPageSize is the most objects one objects.list call returns.
	maxPageSize = 1000
	// rangeRetries bounds how often GetRange repeats Attrs + ranged read
	// when the object changes between the two calls.
	rangeRetries = 4
	// writeIDKey is the object metadata key under which PutIfAbsent stores
	// its write id.
	writeIDKey = "chronik-write-id"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Config selects the bucket and how to reach it. Bucket, ProjectID and
// Prefix map to the environment variables GCS_BUCKET, GCS_PROJECT_ID and
// GCS_PREFIX. String and LogValue do not print CredentialsFile, so a Config
// may be printed or logged.
type Config struct {
	Bucket string // required
	// ProjectID is the project that owns the bucket. Object operations do
	// not need it; it is kept for tools that create the bucket.
	ProjectID string
	// Prefix is prepended to every key ("tenant-a/" stores "k" as
	// "tenant-a/k") and stripped from List results. It is used verbatim: add
	// the trailing "/" yourself if you want one.
	Prefix string
	// Endpoint is the base URL of the JSON API
	// ("http://localhost:4443/storage/v1/"); "" means Google Cloud Storage.
	Endpoint string
	// CredentialsFile is the path of a service-account JSON key; "" uses
	// Application Default Credentials.
	CredentialsFile string
	// Emulator targets an emulator such as fake-gcs-server at Endpoint: no
	// authentication, and object reads over the JSON API (emulators do not
	// all serve the XML API the client reads with by default).
	Emulator bool
}

// String describes the config without its credentials file.
func (c Config) String() string {
	return fmt.Sprintf("gcsstore.Config{Bucket:%q ProjectID:%q Prefix:%q Endpoint:%q CredentialsFile:%s}",
		c.Bucket, c.ProjectID, c.Prefix, c.Endpoint, redact(c.CredentialsFile))
}

// GoString is String, so that %#v does not print the credentials file either.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print the config without its credentials file.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("bucket", c.Bucket), slog.String("project_id", c.ProjectID),
		slog.String("prefix", c.Prefix), slog.String("endpoint", c.Endpoint),
		slog.String("credentials_file", redact(c.CredentialsFile)))
}

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

// Store is an objstore.Bucket over one GCS bucket (or a prefix of it). All
// methods are safe for concurrent use.
type Store struct {
	client *storage.Client
	bucket *storage.BucketHandle
	name   string // bucket name
	prefix string
	closed atomic.Bool
}

var _ objstore.Bucket = (*Store)(nil)

// New returns a Store for cfg. opts are appended to the client options
// derived from cfg (tests pass option.WithEndpoint,
// option.WithoutAuthentication, option.WithHTTPClient or
// storage.WithJSONReads). New does not contact the service, so a wrong
// bucket shows up on the first call; missing default credentials are
// reported here.
func New(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("gcsstore: no bucket configured (set GCS_BUCKET)")
	}
	var all []option.ClientOption
	if cfg.Endpoint != "" {
		all = append(all, option.WithEndpoint(cfg.Endpoint))
	}
	if cfg.CredentialsFile != "" {
		all = append(all, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile))
	}
	if cfg.Emulator {
		all = append(all, option.WithoutAuthentication(), storage.WithJSONReads())
	}
	all = append(all, opts...)
	client, err := storage.NewClient(ctx, all...)
	if err != nil {
		// The SDK names files and variables, never key material.
		return nil, fmt.Errorf("gcsstore: create client for bucket %q (check GCS credentials: the credentials file or Application Default Credentials): %w", cfg.Bucket, err)
	}
	return &Store{client: client, bucket: client.Bucket(cfg.Bucket), name: cfg.Bucket, prefix: cfg.Prefix}, nil
}

// check returns the first reason op on key must not run: closed, an invalid
// key, or a done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	return objstore.CheckCall(ctx, "gcsstore", op, key, s.closed.Load(), s.keyLimits)
}

// keyLimits applies the backend's limits to key under the store's prefix.
func (s *Store) keyLimits(key string) error { return checkName(s.prefix, key) }

// checkName applies GCS's object naming rules to prefix+key.
func checkName(prefix, key string) error {
	name := prefix + key
	switch {
	case len(name) > maxNameLen:
		return fmt.Errorf("%w: key %q is %d bytes with the prefix %q; GCS allows at most %d",
			objstore.ErrInvalidKey, key, len(name), prefix, maxNameLen)
	case strings.ContainsAny(name, "\r\n"):
		return fmt.Errorf("%w: key %q contains a carriage return or line feed, which GCS object names cannot",
			objstore.ErrInvalidKey, key)
	case name == "." || name == "..":
		return fmt.Errorf("%w: object name %q (key %q with prefix %q) is reserved by GCS; set a prefix or use another key",
			objstore.ErrInvalidKey, name, key, prefix)
	case strings.HasPrefix(name, ".well-known/acme-challenge/"):
		return fmt.Errorf("%w: object name %q is under .well-known/acme-challenge/, which GCS reserves",
			objstore.ErrInvalidKey, name)
	}
	return nil
}

// httpStatus returns the HTTP status of an SDK error, or 0.
func httpStatus(err error) int {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		return gerr.Code
	}
	var aerr *apierror.APIError
	if errors.As(err, &aerr) {
		return aerr.HTTPCode()
	}
	return 0
}

// wrap translates an SDK error of op on key to the port's sentinels; this is
// the only place that does. Errors it does not know keep the SDK error,
// whose message has the operation and HTTP status but no credentials.
func (s *Store) wrap(op, key string, err error) error {
	status := httpStatus(err)
	var sentinel error
	switch {
	case errors.Is(err, storage.ErrBucketNotExist):
		return fmt.Errorf("gcsstore: %s %q: bucket %q does not exist (create it or fix GCS_BUCKET): %w", op, key, s.name, err)
	case errors.Is(err, storage.ErrObjectNotExist) || status == http.StatusNotFound:
		sentinel = objstore.ErrNotFound
	case status == http.StatusPreconditionFailed:
		sentinel = objstore.ErrExists
	case status == http.StatusRequestedRangeNotSatisfiable:
		sentinel = objstore.ErrInvalidRange
	}
	if sentinel != nil {
		return fmt.Errorf("gcsstore: %s %q: %w", op, key, sentinel)
	}
	return fmt.Errorf("gcsstore: %s %q in bucket %q: %w", op, key, s.name, err)
}

// Put stores data under key with one upload; GCS makes the object visible
// only when the upload commits.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put", key); err != nil {
		return err
	}
	_, err := s.write(ctx, s.object(key), data, nil)
	if err != nil {
		return s.wrap("put", key, err)
	}
	return nil
}

// PutIfAbsent stores data under key with an upload conditional on
// ifGenerationMatch=0, which GCS evaluates atomically at commit; 412 is
// objstore.ErrExists unless the object is our own retried write.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put-if-absent", key); err != nil {
		return err
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // never fails (crypto/rand docs)
	writeID := hex.EncodeToString(raw[:])
	obj := s.object(key).If(storage.Conditions{DoesNotExist: true})
	_, err := s.write(ctx, obj, data, map[string]string{writeIDKey: writeID})
	if err == nil {
		return nil
	}
	if httpStatus(err) == http.StatusPreconditionFailed {
		// A retried upload whose first attempt committed sees its own
		// object; anything else is a genuine loss.
		if attrs, aerr := s.object(key).Attrs(ctx); aerr == nil && attrs.Metadata[writeIDKey] == writeID {
			return nil
		}
	}
	return s.wrap("put-if-absent", key, err)
}

func (s *Store) object(key string) *storage.ObjectHandle {
	return s.bucket.Object(s.prefix + key)
}

// write uploads data to obj and commits it with Close.
func (s *Store) write(ctx context.Context, obj *storage.ObjectHandle, data []byte, metadata map[string]string) (*storage.ObjectAttrs, error) {
	// A cancelled ctx aborts the upload, so nothing is committed.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := obj.NewWriter(ctx)
	w.CRC32C = crc32.Checksum(data, castagnoli)
	w.SendCRC32C = true
	w.Metadata = metadata
	if _, err := w.Write(data); err != nil {
		cancel()
		_ = w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return w.Attrs(), nil
}

// Get returns the object under key with one read.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	r, err := s.object(key).NewReader(ctx)
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	return s.readAll("get", key, r, r.Attrs.Size)
}

func (s *Store) readAll(op, key string, r *storage.Reader, size int64) ([]byte, error) {
	defer r.Close()
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(size))
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, s.wrap(op, key, fmt.Errorf("read body: %w", err))
	}
	return buf.Bytes(), nil
}

// GetRange reads Attrs for the size and generation, resolves the request
// with objstore.Range, and reads [start, end) of that generation. An empty
// result needs no read. When the generation is gone before the read (the
// object was replaced or deleted) it starts over, a few times.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, "get-range", key); err != nil {
		return nil, err
	}
	obj := s.object(key)
	for attempt := 1; ; attempt++ {
		attrs, err := obj.Attrs(ctx)
		if err != nil {
			return nil, s.wrap("get-range", key, err)
		}
		start, end, err := objstore.Range(attrs.Size, offset, length)
		if err != nil {
			return nil, fmt.Errorf("gcsstore: get-range %q: %w", key, err)
		}
		if start == end {
			return []byte{}, nil
		}
		r, err := obj.Generation(attrs.Generation).NewRangeReader(ctx, start, end-start)
		if err != nil {
			if errors.Is(err, storage.ErrObjectNotExist) && attempt < rangeRetries {
				continue // replaced or deleted since Attrs
			}
			if errors.Is(err, storage.ErrObjectNotExist) {
				return nil, fmt.Errorf("gcsstore: get-range %q: object changed during %d attempts to read it; retry: %w", key, attempt, err)
			}
			return nil, s.wrap("get-range", key, err)
		}
		data, err := s.readAll("get-range", key, r, end-start)
		if err != nil {
			return nil, err
		}
		if int64(len(data)) != end-start {
			return nil, fmt.Errorf("gcsstore: get-range %q: asked for %d bytes at offset %d of generation %d, got %d",
				key, end-start, start, attrs.Generation, len(data))
		}
		return data, nil
	}
}

// List returns one page of the objects under Prefix+prefix that sort after
// pageToken. The token is the last key of the previous page (without
// Prefix); it is sent as the inclusive StartOffset and that name skipped.
func (s *Store) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	if err := objstore.CheckList(ctx, "gcsstore", prefix, s.closed.Load()); err != nil {
		return nil, "", err
	}
	pageSize = objstore.PageSize(pageSize)
	q := &storage.Query{Prefix: s.prefix + prefix}
	after := ""
	if pageToken != "" {
		after = s.prefix + pageToken
		if !strings.HasPrefix(after, q.Prefix) {
			return nil, "", fmt.Errorf("gcsstore: list %q: page token %q belongs to another prefix", prefix, pageToken)
		}
		q.StartOffset = after
	}
	if err := q.SetAttrSelection([]string{"Name", "Size"}); err != nil {
		return nil, "", fmt.Errorf("gcsstore: list %q: %w", prefix, err)
	}
	it := s.bucket.Objects(ctx, q)
	// One request fetches the page and the token's own name.
	it.PageInfo().MaxSize = min(pageSize+1, maxPageSize)
	objs := make([]objstore.ObjectInfo, 0, min(pageSize, maxPageSize))
	for len(objs) < pageSize {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return objs, "", nil
		}
		if err != nil {
			return nil, "", s.wrap("list", prefix, err)
		}
		if o.Name == after {
			continue
		}
		if !strings.HasPrefix(o.Name, s.prefix) || o.Name <= after {
			return nil, "", fmt.Errorf("gcsstore: list %q: service returned name %q outside the prefix %q or not after %q", prefix, o.Name, s.prefix, after)
		}
		objs = append(objs, objstore.ObjectInfo{Key: o.Name[len(s.prefix):], Size: o.Size})
	}
	pi := it.PageInfo()
	if pi.Remaining() == 0 && pi.Token == "" {
		return objs, "", nil
	}
	return objs, objs[len(objs)-1].Key, nil
}

// Delete removes the object under key; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	if err := s.object(key).Delete(ctx); err != nil {
		if err := s.wrap("delete", key, err); !errors.Is(err, objstore.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Close marks the store closed and closes the client. It is idempotent and
// does not wait for calls already running.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("gcsstore: close client: %w", err)
	}
	return nil
}
