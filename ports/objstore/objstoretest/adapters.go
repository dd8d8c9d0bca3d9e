package objstoretest

// Helpers for the tests an adapter over a remote service runs besides the
// suite: a lost response for PutIfAbsent's retried upload, and checks that
// credentials stay out of errors and printed configs.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chronik-stream/chronik/ports/objstore"
)

// LostResponse closes resp's body and returns in its place the 503 Service
// Unavailable (empty body) a test's transport answers to lose the response
// of a request that reached the service: the SDKs retry it.
func LostResponse(r *http.Request, resp *http.Response) *http.Response {
	resp.Body.Close()
	return &http.Response{
		StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r,
	}
}

// CheckPutIfAbsentRetry checks PutIfAbsent on a bucket whose transport loses
// the response (LostResponse) of the first conditional upload that
// committed, and reports through dropped whether it did: the SDK retries,
// finds the object, and PutIfAbsent must recognise its own write instead of
// reporting ErrExists. A second PutIfAbsent is ErrExists and the first value
// stays.
func CheckPutIfAbsentRetry(t *testing.T, b objstore.Bucket, dropped func() bool) {
	t.Helper()
	if err := b.PutIfAbsent(t.Context(), "k", []byte("v")); err != nil {
		t.Fatalf("PutIfAbsent with a lost response: %v, want nil", err)
	}
	if !dropped() {
		t.Fatal("the test did not drop a response; the upload request looked different than expected")
	}
	if err := b.PutIfAbsent(t.Context(), "k", []byte("w")); !errors.Is(err, objstore.ErrExists) {
		t.Fatalf("second PutIfAbsent: %v, want ErrExists", err)
	}
	if got, err := b.Get(t.Context(), "k"); err != nil || string(got) != "v" {
		t.Fatalf("Get = %q, %v; want v", got, err)
	}
}

// ErrorsHide fails the test when an error of errs is nil, or shows one of
// secrets printed with %v, %+v, %#v or %s. It logs each error, so a run with
// -v shows what users would read.
func ErrorsHide(t *testing.T, errs []error, secrets ...string) {
	t.Helper()
	for i, err := range errs {
		if err == nil {
			t.Fatalf("error %d: got nil, want an error", i)
		}
		msg := fmt.Sprintf("%v %+v %#v %s", err, err, err, err)
		for _, secret := range secrets {
			if strings.Contains(msg, secret) {
				t.Errorf("error %d leaks %q: %s", i, secret, msg)
			}
		}
		t.Logf("error %d: %v", i, err)
	}
}

// PrintedHides fails the test when cfg, printed with %v, %+v or %#v, through
// a pointer, or logged by slog's text and JSON handlers, shows one of
// secrets.
func PrintedHides[C any](t *testing.T, cfg C, secrets ...string) {
	t.Helper()
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "config", cfg)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "config", cfg)
	for _, shown := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v", &cfg), logged.String()} {
		for _, secret := range secrets {
			if strings.Contains(shown, secret) {
				t.Errorf("printed Config shows %q: %s", secret, shown)
			}
		}
	}
}

// RangeRace replaces an object between GetRange's two calls: the one that
// reads the object's size and version, and the ranged read pinned to that
// version. A test's transport calls Replace when it sees the ranged read;
// Check runs GetRange and checks that it started over and returned bytes of
// the new object only.
type RangeRace struct {
	once     sync.Once
	bucket   atomic.Pointer[objstore.Bucket]
	replaced atomic.Bool
}

// Replace overwrites the object Check reads, the first time it is called
// (from the transport, during the ranged read of r).
func (rr *RangeRace) Replace(t *testing.T, r *http.Request) {
	rr.once.Do(func() {
		if err := (*rr.bucket.Load()).Put(context.WithoutCancel(r.Context()), "k", []byte("NEW-VERSION")); err != nil {
			t.Errorf("overwrite: %v", err)
		}
		rr.replaced.Store(true)
	})
}

// Check puts "k" in b, whose transport calls Replace, and reads part of it
// with GetRange.
func (rr *RangeRace) Check(t *testing.T, b objstore.Bucket) {
	t.Helper()
	rr.bucket.Store(&b)
	if err := b.Put(t.Context(), "k", []byte("old-version")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := b.GetRange(t.Context(), "k", 4, 7)
	if err != nil || string(got) != "VERSION" {
		t.Fatalf("GetRange = %q, %v; want VERSION (from the new object only)", got, err)
	}
	if !rr.replaced.Load() {
		t.Fatal("the test did not replace the object; the ranged read looked different than expected")
	}
}
