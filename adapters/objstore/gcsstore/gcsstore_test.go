package gcsstore

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
)

// testPrivateKey stands in for the secret of a service-account key file
// that does not parse.
const testPrivateKey = "-----BEGIN PRIVATE KEY-----\\nDO-NOT-LEAK-7c1d2e\\n-----END PRIVATE KEY-----\\n"

// realKeyPEM returns a freshly generated RSA key in PEM and a piece of its
// base64 body that must never show up in an error.
func realKeyPEM(t *testing.T) (pemText, secret string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	lines := strings.Split(pemText, "\n")
	return pemText, lines[len(lines)/2]
}

var bucketSeq atomic.Int64

// newFake starts an in-process fake-gcs-server for the test.
func newFake(t *testing.T) *fakestorage.Server {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", NoListener: false, Writer: io.Discard,
	})
	if err != nil {
		t.Fatalf("fakestorage: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// openStore returns a Store on a new, empty bucket of srv. rt, if not nil,
// wraps the HTTP transport.
func openStore(t *testing.T, srv *fakestorage.Server, prefix string, rt func(http.RoundTripper) http.RoundTripper) *Store {
	t.Helper()
	cfg := Config{
		Bucket:    fmt.Sprintf("chronik-test-%d", bucketSeq.Add(1)),
		ProjectID: "chronik-test",
		Prefix:    prefix,
		Endpoint:  srv.URL() + "/storage/v1/",
	}
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: cfg.Bucket})
	opts := []option.ClientOption{option.WithoutAuthentication(), storage.WithJSONReads()}
	if rt != nil {
		opts = append(opts, option.WithHTTPClient(&http.Client{Transport: rt(http.DefaultTransport)}))
	}
	s, err := New(t.Context(), cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, newFake(t), "", nil)
	})
}

func TestConformanceWithPrefix(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, newFake(t), "tenant-a/", nil)
	})
}

func TestPrefixIsolation(t *testing.T) {
	ctx := t.Context()
	srv := newFake(t)
	s := openStore(t, srv, "tenant-a/", nil)
	// A neighbour outside the prefix, written straight to the bucket.
	srv.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: s.name, Name: "tenant-b/k"}, Content: []byte("other"),
	})
	if err := s.Put(ctx, "k", []byte("mine")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	raw, err := srv.GetObject(s.name, "tenant-a/k")
	if err != nil || string(raw.Content) != "mine" {
		t.Fatalf("object tenant-a/k = %q, %v; want the object under the prefix", raw.Content, err)
	}
	objs, next, err := s.List(ctx, "", "", 0)
	if err != nil || next != "" || !slices.Equal(objs, []objstore.ObjectInfo{{Key: "k", Size: 4}}) {
		t.Fatalf("List = %v, %q, %v; want only [{k 4}]", objs, next, err)
	}
}

func TestGCSNameRules(t *testing.T) {
	srv := newFake(t)
	s := openStore(t, srv, "p/", nil)
	bare := openStore(t, srv, "", nil)
	for _, tc := range []struct {
		name string
		s    *Store
		key  string
	}{
		{"too_long_with_prefix", s, strings.Repeat("k", maxNameLen-1)},
		{"line_feed", s, "new\nline"},
		{"carriage_return", s, "cr\r"},
		{"dot_without_prefix", bare, "."},
		{"acme_challenge", bare, ".well-known/acme-challenge/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Put(t.Context(), tc.key, nil); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Fatalf("Put: %v, want ErrInvalidKey", err)
			}
		})
	}
	if err := s.Put(t.Context(), strings.Repeat("k", maxNameLen-2), nil); err != nil {
		t.Fatalf("Put of a name of exactly %d bytes with the prefix: %v", maxNameLen, err)
	}
}

// TestPutIfAbsentRetryOfOwnWrite loses the response of a conditional upload
// that committed; the SDK retries, gets 412, and PutIfAbsent must recognise
// its own object instead of reporting ErrExists.
func TestPutIfAbsentRetryOfOwnWrite(t *testing.T) {
	var dropped atomic.Bool
	s := openStore(t, newFake(t), "", func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err == nil && r.Method == http.MethodPost && r.URL.Query().Get("ifGenerationMatch") == "0" &&
				resp.StatusCode == http.StatusOK && dropped.CompareAndSwap(false, true) {
				return objstoretest.LostResponse(r, resp), nil
			}
			return resp, err
		})
	})
	objstoretest.CheckPutIfAbsentRetry(t, s, dropped.Load)
}

// TestGetRangePinsGeneration replaces the object between GetRange's Attrs
// and its read; the read of the old generation fails and GetRange starts
// over, returning bytes of the new object only.
func TestGetRangePinsGeneration(t *testing.T) {
	var race objstoretest.RangeRace
	s := openStore(t, newFake(t), "", func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && r.URL.Query().Get("alt") == "media" && r.URL.Query().Get("generation") != "" {
				race.Replace(t, r)
			}
			return next.RoundTrip(r)
		})
	})
	race.Check(t, s)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCredentialsNotLeaked forces errors of several kinds with a
// service-account key file and checks that its private key appears neither
// in them nor in the printed or logged Config.
func TestCredentialsNotLeaked(t *testing.T) {
	// The SDK retries a refused token exchange until the context ends, so
	// each call gets its own short deadline.
	callCtx := func() context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	ctx := t.Context()
	// Nothing listens here: the token exchange fails.
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "sa.json")
	realKey, realSecret := realKeyPEM(t)
	key := fmt.Sprintf(`{"type":"service_account","project_id":"p","private_key_id":"id","private_key":%q,`+
		`"client_email":"x@p.iam.gserviceaccount.com","client_id":"1","token_uri":%q}`, realKey, deadURL+"/token")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte(`{"type":"service_account","private_key":`+testPrivateKey), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := "DO-NOT-LEAK-7c1d2e"

	var errs []error
	cfg := Config{Bucket: "b", Endpoint: deadURL + "/storage/v1/", CredentialsFile: keyFile}
	s, err := New(t.Context(), cfg)
	if err != nil {
		errs = append(errs, err)
	} else {
		t.Cleanup(func() { _ = s.Close() })
		errs = append(errs, s.Put(callCtx(), "k", []byte("v")))
		_, err = s.Get(callCtx(), "k")
		errs = append(errs, err)
		_, err = s.GetRange(callCtx(), "k", 0, 1)
		errs = append(errs, err)
		_, _, err = s.List(callCtx(), "", "", 0)
		errs = append(errs, err)
	}
	bad, err := New(ctx, Config{Bucket: "b", Endpoint: deadURL + "/storage/v1/", CredentialsFile: badFile})
	if err != nil {
		errs = append(errs, err)
	} else {
		t.Cleanup(func() { _ = bad.Close() })
		errs = append(errs, bad.Put(callCtx(), "k", []byte("v")))
	}
	_, err = New(ctx, Config{CredentialsFile: keyFile})
	errs = append(errs, err)

	objstoretest.ErrorsHide(t, errs, secret, realSecret)
	objstoretest.PrintedHides(t, cfg, keyFile)
}

func TestMissingBucket(t *testing.T) {
	srv := newFake(t)
	s, err := New(t.Context(), Config{Bucket: "no-such-bucket", Endpoint: srv.URL() + "/storage/v1/"},
		option.WithoutAuthentication(), storage.WithJSONReads())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	_, _, err = s.List(t.Context(), "", "", 0)
	if err == nil || errors.Is(err, objstore.ErrNotFound) || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("List of a missing bucket: %v; want an error naming the bucket", err)
	}
	t.Log(err)
}
