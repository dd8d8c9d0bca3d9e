package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
)

const (
	testAccessKey = "AKIATESTACCESSKEY"
	testSecretKey = "s3cr3t-DO-NOT-LEAK-4f1e9c"
)

var bucketSeq atomic.Int64

// newFake starts an in-process gofakes3 server for the test and returns its
// URL.
func newFake(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

// openStore returns a Store on a new, empty bucket of the server at endpoint.
func openStore(t *testing.T, endpoint, prefix string) *Store {
	t.Helper()
	cfg := Config{
		Bucket:    fmt.Sprintf("chronik-test-%d", bucketSeq.Add(1)),
		Region:    "us-east-1",
		Endpoint:  endpoint,
		AccessKey: testAccessKey,
		SecretKey: testSecretKey,
		Prefix:    prefix,
		PathStyle: true,
	}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(cfg.Bucket)}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", cfg.Bucket, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, newFake(t), "")
	})
}

func TestConformanceWithPrefix(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, newFake(t), "tenant-a/")
	})
}

func TestPrefixIsolation(t *testing.T) {
	ctx := t.Context()
	s := openStore(t, newFake(t), "tenant-a/")
	// A neighbour outside the prefix, written straight to the bucket.
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String("tenant-b/k"), Body: strings.NewReader("other"),
	}); err != nil {
		t.Fatalf("raw PutObject: %v", err)
	}
	if err := s.Put(ctx, "k", []byte("mine")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	raw, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String("tenant-a/k")})
	if err != nil || aws.ToInt64(raw.ContentLength) != 4 {
		t.Fatalf("HeadObject(tenant-a/k) = %v, %v; want the object under the prefix", raw, err)
	}
	objs, next, err := s.List(ctx, "", "", 0)
	if err != nil || next != "" || !slices.Equal(objs, []objstore.ObjectInfo{{Key: "k", Size: 4}}) {
		t.Fatalf("List = %v, %q, %v; want only [{k 4}]", objs, next, err)
	}
}

func TestKeyLimits(t *testing.T) {
	s := openStore(t, newFake(t), "p/")
	for _, tc := range []struct {
		name string
		key  string
	}{
		{"too_long_with_prefix", strings.Repeat("k", maxKeyLen-1)},
		{"not_utf8", "\xff\xfe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Put(t.Context(), tc.key, nil); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Fatalf("Put: %v, want ErrInvalidKey", err)
			}
		})
	}
	if err := s.Put(t.Context(), strings.Repeat("k", maxKeyLen-2), nil); err != nil {
		t.Fatalf("Put of a key of exactly %d bytes with the prefix: %v", maxKeyLen, err)
	}
}

// TestCredentialsNotLeaked forces errors of several kinds and checks that
// the secret key appears neither in them nor in the printed or
// logged Config.
func TestCredentialsNotLeaked(t *testing.T) {
	ctx := t.Context()
	cfg := Config{
		Bucket: "no-such-bucket", Region: "us-east-1", Endpoint: newFake(t),
		AccessKey: testAccessKey, SecretKey: testSecretKey, PathStyle: true,
	}
	var errs []error
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	errs = append(errs, s.Put(ctx, "k", []byte("v")))
	_, err = s.Get(ctx, "k")
	errs = append(errs, err)
	_, _, err = s.List(ctx, "", "", 0)
	errs = append(errs, err)

	// An endpoint where nothing listens.
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	cfg.Endpoint = deadURL
	s2, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	_, err = s2.GetRange(ctx, "k", 0, 1)
	errs = append(errs, err)

	// Configuration errors.
	_, err = New(ctx, Config{Bucket: "b", AccessKey: testAccessKey})
	errs = append(errs, err)
	_, err = New(ctx, Config{Bucket: "b", SecretKey: testSecretKey})
	errs = append(errs, err)
	_, err = New(ctx, Config{Bucket: "b", Endpoint: "::not a url", AccessKey: testAccessKey, SecretKey: testSecretKey})
	errs = append(errs, err)

	objstoretest.ErrorsHide(t, errs, testSecretKey)
	objstoretest.PrintedHides(t, cfg, testSecretKey)
}

func TestCancelledContextIsContextError(t *testing.T) {
	s := openStore(t, newFake(t), "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(ctx, "k", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put: %v, want context.Canceled", err)
	}
}
