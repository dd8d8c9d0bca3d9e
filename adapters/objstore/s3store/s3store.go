package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/chronik-stream/chronik/ports/objstore"
)

const (
	// maxKeyLen is S3's limit on the length of a full object key (Prefix
	// included), in bytes.
	maxKeyLen = 1024
	// maxPageSize is the most keys one ListObjectsV2 call returns.
	maxPageSize = 1000
	// rangeRetries bounds how often GetRange repeats HeadObject + GetObject
	// when the object changes between the two calls.
	rangeRetries = 4
	// defaultRegion signs requests when neither Config.Region nor the SDK's
	// default chain names one (S3-compatible endpoints mostly ignore it).
	defaultRegion = "us-east-1"
)

// Config selects the bucket and how to reach it. The fields map to the
// environment variables S3_BUCKET, S3_REGION, S3_ENDPOINT, S3_ACCESS_KEY and
// S3_SECRET_KEY. String and LogValue redact the secret, so a Config may be
// printed or logged.
type Config struct {
	Bucket string // required
	Region string // "" takes the SDK default chain's region, else us-east-1
	// Endpoint is the base URL of an S3-compatible service
	// ("http://localhost:9000"); "" means AWS S3.
	Endpoint string
	// AccessKey and SecretKey are static credentials; when both are empty
	// the SDK's default credential chain (environment, shared files, IMDS,
	// ...) is used.
	AccessKey, SecretKey string
	// Prefix is prepended to every key ("tenant-a/" stores "k" as
	// "tenant-a/k") and stripped from List results. It is used verbatim: add
	// the trailing "/" yourself if you want one.
	Prefix string
	// PathStyle addresses the bucket as http://host/bucket/key instead of
	// http://bucket.host/key; most S3-compatible services need it.
	PathStyle bool
}

// String describes the config without its secret key.
func (c Config) String() string {
	return fmt.Sprintf("s3store.Config{Bucket:%q Region:%q Endpoint:%q AccessKey:%q SecretKey:%s Prefix:%q PathStyle:%t}",
		c.Bucket, c.Region, c.Endpoint, c.AccessKey, redact(c.SecretKey), c.Prefix, c.PathStyle)
}

// GoString is String, so that %#v does not print the secret either.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print the config without its secret key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("bucket", c.Bucket), slog.String("region", c.Region),
		slog.String("endpoint", c.Endpoint), slog.String("access_key", c.AccessKey),
		slog.String("secret_key", redact(c.SecretKey)), slog.String("prefix", c.Prefix),
		slog.Bool("path_style", c.PathStyle))
}

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

// Store is an objstore.Bucket over one S3 bucket (or a prefix of it). All
// methods are safe for concurrent use.
type Store struct {
	client    *s3.Client
	transport *http.Transport // owned, or nil; Close drops its idle connections
	bucket    string
	prefix    string
	closed    atomic.Bool
}

var _ objstore.Bucket = (*Store)(nil)

// New returns a Store for cfg. It does not contact the endpoint, so a wrong
// bucket or credentials show up on the first call.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket configured (set S3_BUCKET)")
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("s3store: set both S3_ACCESS_KEY and S3_SECRET_KEY, or neither to use the default AWS credential chain")
	}
	if cfg.Endpoint != "" {
		if u, err := url.Parse(cfg.Endpoint); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("s3store: endpoint %q is not an absolute URL such as http://localhost:9000", cfg.Endpoint)
		}
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		// The SDK's message names files and variables, never secret values.
		return nil, fmt.Errorf("s3store: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = defaultRegion
	}
	// Own the transport (the SDK's, with any AWS_CA_BUNDLE applied) so that
	// Close can drop its idle connections.
	var transport *http.Transport
	if bc, ok := awsCfg.HTTPClient.(*awshttp.BuildableClient); ok {
		transport = bc.GetTransport()
		awsCfg.HTTPClient = &http.Client{
			Transport: transport,
			// Like the SDK's client: hand 3xx responses back to the SDK.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.PathStyle
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			// Many S3-compatible services reject the CRC trailers the SDK
			// sends by default; send and check checksums only when the
			// API requires them.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &Store{client: client, transport: transport, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

// check returns the first reason op on key must not run: closed, an invalid
// key, or a done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	return objstore.CheckCall(ctx, "s3store", op, key, s.closed.Load(), s.keyLimits)
}

// keyLimits applies S3's key length limit to key under the store's prefix.
// (UTF-8, S3's other rule, is one of the port's.)
func (s *Store) keyLimits(key string) error {
	if n := len(s.prefix) + len(key); n > maxKeyLen {
		return fmt.Errorf("%w: key %q is %d bytes with the prefix %q; S3 allows at most %d",
			objstore.ErrInvalidKey, key, n, s.prefix, maxKeyLen)
	}
	return nil
}

// wrap translates an SDK error of op on key to the port's sentinels; this is
// the only place that does. Errors it does not know keep the SDK error, whose
// message has the operation, HTTP status and request id but no credentials.
func (s *Store) wrap(op, key string, err error) error {
	var sentinel error
	switch code, status := errorCode(err); {
	case code == "NoSuchKey" || code == "NotFound" || (status == http.StatusNotFound && code != "NoSuchBucket"):
		sentinel = objstore.ErrNotFound
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		sentinel = objstore.ErrExists
	case code == "InvalidRange" || status == http.StatusRequestedRangeNotSatisfiable:
		sentinel = objstore.ErrInvalidRange
	case code == "NoSuchBucket":
		return fmt.Errorf("s3store: %s %q: bucket %q does not exist (create it or fix S3_BUCKET): %w", op, key, s.bucket, err)
	}
	if sentinel != nil {
		return fmt.Errorf("s3store: %s %q: %w", op, key, sentinel)
	}
	return fmt.Errorf("s3store: %s %q in bucket %q: %w", op, key, s.bucket, err)
}

// errorCode returns the S3 error code and HTTP status of an SDK error, or
// zero values.
func errorCode(err error) (code string, status int) {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return code, status
}

// Put stores data under key with PutObject.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put", key); err != nil {
		return err
	}
	return s.put(ctx, "put", key, data, nil)
}

// PutIfAbsent stores data under key with a PutObject conditional on
// If-None-Match: *, which S3 evaluates atomically; a 412 Precondition Failed
// is objstore.ErrExists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put-if-absent", key); err != nil {
		return err
	}
	return s.put(ctx, "put-if-absent", key, data, aws.String("*"))
}

func (s *Store) put(ctx context.Context, op, key string, data []byte, ifNoneMatch *string) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch:   ifNoneMatch,
	})
	if err != nil {
		return s.wrap(op, key, err)
	}
	return nil
}

// Get returns the object under key with GetObject.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	return s.readBody("get", key, out)
}

func (s *Store) readBody(op, key string, out *s3.GetObjectOutput) ([]byte, error) {
	defer out.Body.Close()
	var buf bytes.Buffer
	if n := aws.ToInt64(out.ContentLength); n > 0 {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(out.Body); err != nil {
		return nil, fmt.Errorf("s3store: %s %q: read body: %w", op, key, err)
	}
	return buf.Bytes(), nil
}

// GetRange reads HeadObject for the size and ETag, resolves the request with
// objstore.Range, and reads [start, end) with a ranged GetObject conditional
// on that ETag. An empty result (offset == size, length 0) needs no GET: S3
// would answer 416 for it. When the object changes between the two calls
// (412, or 416 because it shrank) it starts over, a few times.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, "get-range", key); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
			Bucket: aws.String(s.bucket),
			Key:    aws.String(s.prefix + key),
		})
		if err != nil {
			return nil, s.wrap("get-range", key, err)
		}
		start, end, err := objstore.Range(aws.ToInt64(head.ContentLength), offset, length)
		if err != nil {
			return nil, fmt.Errorf("s3store: get-range %q: %w", key, err)
		}
		if start == end {
			return []byte{}, nil
		}
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
			Bucket:  aws.String(s.bucket),
			Key:     aws.String(s.prefix + key),
			Range:   aws.String("bytes=" + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end-1, 10)),
			IfMatch: head.ETag,
		})
		if err != nil {
			code, status := errorCode(err)
			changed := code == "PreconditionFailed" || code == "InvalidRange" ||
				status == http.StatusPreconditionFailed || status == http.StatusRequestedRangeNotSatisfiable
			if changed && attempt < rangeRetries {
				continue
			}
			if status == http.StatusPreconditionFailed || code == "PreconditionFailed" {
				// Not ErrExists: the object kept changing under us.
				return nil, fmt.Errorf("s3store: get-range %q: object changed during %d attempts to read it; retry: %w", key, attempt, err)
			}
			return nil, s.wrap("get-range", key, err)
		}
		data, err := s.readBody("get-range", key, out)
		if err != nil {
			return nil, err
		}
		if int64(len(data)) != end-start {
			if attempt < rangeRetries {
				continue
			}
			return nil, fmt.Errorf("s3store: get-range %q: asked for %d bytes at offset %d, got %d", key, end-start, start, len(data))
		}
		return data, nil
	}
}

// List pages through ListObjectsV2 under Prefix+prefix. The page token is the
// last key of the previous page (without Prefix), sent as StartAfter, so it
// works the same on every S3-compatible service. Keys are requested URL
// encoded, so that control characters survive XML, and decoded when the
// service honours the request.
func (s *Store) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	if err := objstore.CheckList(ctx, "s3store", prefix, s.closed.Load()); err != nil {
		return nil, "", err
	}
	pageSize = objstore.PageSize(pageSize)
	in := &s3.ListObjectsV2Input{
		Bucket:       aws.String(s.bucket),
		Prefix:       aws.String(s.prefix + prefix),
		MaxKeys:      aws.Int32(int32(min(pageSize, maxPageSize))),
		EncodingType: s3types.EncodingTypeUrl,
	}
	if pageToken != "" {
		in.StartAfter = aws.String(s.prefix + pageToken)
	}
	out, err := s.client.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, "", s.wrap("list", prefix, err)
	}
	encoded := out.EncodingType == s3types.EncodingTypeUrl
	objs := make([]objstore.ObjectInfo, 0, len(out.Contents))
	for _, o := range out.Contents {
		full := aws.ToString(o.Key)
		if encoded {
			if full, err = url.QueryUnescape(full); err != nil {
				return nil, "", fmt.Errorf("s3store: list %q: service returned a badly URL-encoded key %q: %w", prefix, aws.ToString(o.Key), err)
			}
		}
		if len(full) < len(s.prefix) || full[:len(s.prefix)] != s.prefix {
			return nil, "", fmt.Errorf("s3store: list %q: service returned key %q outside the prefix %q", prefix, full, s.prefix)
		}
		objs = append(objs, objstore.ObjectInfo{Key: full[len(s.prefix):], Size: aws.ToInt64(o.Size)})
	}
	if !aws.ToBool(out.IsTruncated) {
		return objs, "", nil
	}
	if len(objs) == 0 {
		return nil, "", fmt.Errorf("s3store: list %q: service reported more keys but returned none after %q; cannot page on", prefix, pageToken)
	}
	return objs, objs[len(objs)-1].Key, nil
}

// Delete removes the object under key with DeleteObject; S3 treats a
// missing key as success, and so does Delete (a 404 from a stricter
// service is mapped to success as well).
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		if err := s.wrap("delete", key, err); !errors.Is(err, objstore.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Close marks the store closed and drops idle connections. It is idempotent
// and does not wait for calls already running.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return nil
}
