package azurestore

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
	"github.com/chronik-stream/chronik/test/emulators"
)

var containerSeq atomic.Int64

// newContainerName returns a container name no other test of this process
// uses.
func newContainerName() string {
	return fmt.Sprintf("chronik-test-%d", containerSeq.Add(1))
}

// fastRetries makes the SDK retry quickly, so tests of failing calls and
// of retried writes take milliseconds.
func fastRetries(o *policy.ClientOptions) {
	o.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: 5 * time.Millisecond, MaxRetryDelay: 20 * time.Millisecond}
}

// openStore returns a Store on a new, empty container of the azurite at
// endpoint, which New creates. wrap, if not nil, wraps the HTTP transport.
func openStore(t *testing.T, endpoint, prefix string, wrap func(policy.Transporter) policy.Transporter) *Store {
	t.Helper()
	cfg := Config{UseEmulator: true, Endpoint: endpoint, Container: newContainerName(), Prefix: prefix, CreateContainer: true}
	s, err := newStore(t.Context(), cfg, func(o *policy.ClientOptions) {
		fastRetries(o)
		if wrap != nil {
			o.Transport = wrap(o.Transport)
		}
	})
	if err != nil {
		t.Fatalf("New(%v): %v", cfg, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, endpoint, "", nil)
	})
}

func TestConformanceWithPrefix(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket {
		return openStore(t, endpoint, "tenant-a/", nil)
	})
}

// TestNewWithPublicConfig goes through New as bootstrap does, with the
// emulator defaults filling in account and key.
func TestNewWithPublicConfig(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	cfg := Config{UseEmulator: true, Endpoint: endpoint, Container: newContainerName(), CreateContainer: true}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer s.Close()
	if err := s.Put(t.Context(), "k", []byte("v")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got, err := s.Get(t.Context(), "k"); err != nil || string(got) != "v" {
		t.Fatalf("Get = %q, %v; want v", got, err)
	}
}

func TestPrefixIsolation(t *testing.T) {
	ctx := t.Context()
	endpoint := emulators.StartAzurite(t)
	bare := openStore(t, endpoint, "", nil)
	cfg := Config{UseEmulator: true, Endpoint: endpoint, Container: bare.name, Prefix: "tenant-a/"}
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := bare.Put(ctx, "tenant-b/k", []byte("other")); err != nil {
		t.Fatalf("Put neighbour: %v", err)
	}
	if err := bare.Put(ctx, "tenant-a", []byte("prefix without slash")); err != nil {
		t.Fatalf("Put neighbour: %v", err)
	}
	if err := s.Put(ctx, "k", []byte("mine")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if raw, err := bare.Get(ctx, "tenant-a/k"); err != nil || string(raw) != "mine" {
		t.Fatalf("blob tenant-a/k = %q, %v; want the blob under the prefix", raw, err)
	}
	objs, next, err := s.List(ctx, "", "", 0)
	if err != nil || next != "" || !slices.Equal(objs, []objstore.ObjectInfo{{Key: "k", Size: 4}}) {
		t.Fatalf("List = %v, %q, %v; want only [{k 4}]", objs, next, err)
	}
}

func TestAzureNameRules(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	s := openStore(t, endpoint, "p/", nil)
	for _, tc := range []struct {
		name string
		key  string
	}{
		{"too_long_with_prefix", strings.Repeat("k", maxNameLen-1)},
		{"too_long_in_utf16", strings.Repeat("\U0001F600", maxNameLen/2)}, // 2 code units each, plus the prefix
		{"too_many_segments_with_prefix", strings.Repeat("s/", maxSegments-1) + "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Put(t.Context(), tc.key, nil); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Fatalf("Put: %v, want ErrInvalidKey", err)
			}
			if _, err := s.Get(t.Context(), tc.key); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Fatalf("Get: %v, want ErrInvalidKey", err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		key  string
	}{
		{"longest", strings.Repeat("k", maxNameLen-2)},
		{"most_segments", strings.Repeat("s/", maxSegments-2) + "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Put(t.Context(), tc.key, []byte("v")); err != nil {
				t.Fatalf("Put of a name at Azure's limit: %v", err)
			}
			if got, err := s.Get(t.Context(), tc.key); err != nil || string(got) != "v" {
				t.Fatalf("Get = %q, %v; want v", got, err)
			}
		})
	}
}

// rawHeader returns a request header whether or not its name was
// canonicalized; the SDK sets its x-ms-* headers in lower case.
func rawHeader(r *http.Request, name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	if v := r.Header[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

type transporterFunc func(*http.Request) (*http.Response, error)

func (f transporterFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestPutIfAbsentRetryOfOwnWrite loses the response of a conditional
// upload that committed; the SDK retries, gets 409 BlobAlreadyExists, and
// PutIfAbsent must recognise its own blob instead of reporting ErrExists.
func TestPutIfAbsentRetryOfOwnWrite(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	var dropped atomic.Bool
	s := openStore(t, endpoint, "", func(next policy.Transporter) policy.Transporter {
		return transporterFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.Do(r)
			if err == nil && r.Method == http.MethodPut && rawHeader(r, "If-None-Match") == "*" &&
				resp.StatusCode == http.StatusCreated && dropped.CompareAndSwap(false, true) {
				return objstoretest.LostResponse(r, resp), nil
			}
			return resp, err
		})
	})
	objstoretest.CheckPutIfAbsentRetry(t, s, dropped.Load)
}

// TestGetRangePinsETag replaces the blob between GetRange's Get Blob
// Properties and its ranged read; the read, conditional on the old ETag,
// fails and GetRange starts over, returning bytes of the new blob only.
func TestGetRangePinsETag(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	var race objstoretest.RangeRace
	s := openStore(t, endpoint, "", func(next policy.Transporter) policy.Transporter {
		return transporterFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && rawHeader(r, "x-ms-range") != "" && rawHeader(r, "If-Match") != "" {
				race.Replace(t, r)
			}
			return next.Do(r)
		})
	})
	race.Check(t, s)
}

// TestGetDetectsCorruption flips a byte of a Get Blob response body; Get
// must notice through the blob's Content-MD5.
func TestGetDetectsCorruption(t *testing.T) {
	endpoint := emulators.StartAzurite(t)
	var corrupt atomic.Bool
	s := openStore(t, endpoint, "", func(next policy.Transporter) policy.Transporter {
		return transporterFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := next.Do(r)
			if err != nil || !corrupt.Load() || r.Method != http.MethodGet || resp.StatusCode != http.StatusOK {
				return resp, err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			if len(body) > 0 {
				body[len(body)/2] ^= 0x01
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return resp, nil
		})
	})
	if err := s.Put(t.Context(), "k", []byte("some bytes worth checking")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	corrupt.Store(true)
	got, err := s.Get(t.Context(), "k")
	if err == nil || !strings.Contains(err.Error(), "Content-MD5") {
		t.Fatalf("Get of a corrupted body = %q, %v; want an error about Content-MD5", got, err)
	}
	t.Log(err)
}

func TestMissingContainer(t *testing.T) {
	ctx := t.Context()
	endpoint := emulators.StartAzurite(t)
	name := newContainerName()
	s, err := New(ctx, Config{UseEmulator: true, Endpoint: endpoint, Container: name})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	check := func(op string, err error) {
		t.Helper()
		if err == nil || errors.Is(err, objstore.ErrNotFound) || !strings.Contains(err.Error(), name) ||
			!strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s on a missing container: %v; want an error saying container %q does not exist", op, err, name)
		}
	}
	_, _, err = s.List(ctx, "", "", 0)
	check("List", err)
	_, err = s.Get(ctx, "k")
	check("Get", err)
	_, err = s.GetRange(ctx, "k", 0, 1)
	check("GetRange", err)
	check("Put", s.Put(ctx, "k", []byte("v")))
	check("PutIfAbsent", s.PutIfAbsent(ctx, "k", []byte("v")))
	check("Delete", s.Delete(ctx, "k"))
	t.Log(err)

	// CreateContainer creates it, and tolerates that it exists.
	for i := range 2 {
		c, err := New(ctx, Config{UseEmulator: true, Endpoint: endpoint, Container: name, CreateContainer: true})
		if err != nil {
			t.Fatalf("New with CreateContainer (%d): %v", i, err)
		}
		_ = c.Close()
	}
	if objs, next, err := s.List(ctx, "", "", 0); err != nil || len(objs) != 0 || next != "" {
		t.Fatalf("List after CreateContainer = %v, %q, %v; want an empty container", objs, next, err)
	}
}

func TestConfigResolve(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		cfg                    Config
		account, key, endpoint string
		errContains            string
	}{
		{name: "emulator_defaults", cfg: Config{UseEmulator: true, Container: "c01"},
			account: EmulatorAccount, key: EmulatorKey, endpoint: "http://127.0.0.1:10000/devstoreaccount1"},
		{name: "emulator_endpoint", cfg: Config{UseEmulator: true, Container: "c01", Endpoint: "http://127.0.0.1:4242/devstoreaccount1"},
			account: EmulatorAccount, key: EmulatorKey, endpoint: "http://127.0.0.1:4242/devstoreaccount1"},
		{name: "emulator_own_account_and_key", cfg: Config{UseEmulator: true, Container: "c01", AccountName: "acct", AccountKey: "a2V5"},
			account: "acct", key: "a2V5", endpoint: "http://127.0.0.1:10000/acct"},
		{name: "emulator_own_account_without_key", cfg: Config{UseEmulator: true, Container: "c01", AccountName: "acct"},
			errContains: "needs AZURE_ACCOUNT_KEY"},
		{name: "azure_with_key", cfg: Config{AccountName: "acct", AccountKey: "a2V5", Container: "c01"},
			account: "acct", key: "a2V5", endpoint: "https://acct.blob.core.windows.net/"},
		{name: "azure_ad", cfg: Config{AccountName: "acct", Container: "c01"},
			account: "acct", endpoint: "https://acct.blob.core.windows.net/"},
		{name: "azure_ad_endpoint_only", cfg: Config{Endpoint: "https://acct.blob.core.windows.net/", Container: "c01"},
			endpoint: "https://acct.blob.core.windows.net/"},
		{name: "no_account", cfg: Config{Container: "c01"}, errContains: "AZURE_ACCOUNT_NAME"},
		{name: "no_container", cfg: Config{AccountName: "acct"}, errContains: "AZURE_CONTAINER"},
		{name: "container_uppercase", cfg: Config{AccountName: "acct", Container: "Segments"}, errContains: "not valid"},
		{name: "container_double_hyphen", cfg: Config{AccountName: "acct", Container: "a--b"}, errContains: "not valid"},
		{name: "container_too_short", cfg: Config{AccountName: "acct", Container: "ab"}, errContains: "not valid"},
		{name: "key_without_account", cfg: Config{Endpoint: "https://h/", AccountKey: "a2V5", Container: "c01"},
			errContains: "AZURE_ACCOUNT_NAME is not"},
		{name: "ad_over_http", cfg: Config{AccountName: "acct", Endpoint: "http://h/", Container: "c01"},
			errContains: "https"},
		{name: "relative_endpoint", cfg: Config{AccountName: "acct", AccountKey: "a2V5", Endpoint: "h:1", Container: "c01"},
			errContains: "not an absolute"},
		{name: "sas_endpoint", cfg: Config{AccountName: "acct", Endpoint: "https://h/?sig=x", Container: "c01"},
			errContains: "SAS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			account, key, endpoint, err := tc.cfg.resolve()
			if tc.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errContains) {
					t.Fatalf("resolve(%v) = %v, want an error containing %q", tc.cfg, err, tc.errContains)
				}
				return
			}
			if err != nil || account != tc.account || key != tc.key || endpoint != tc.endpoint {
				t.Fatalf("resolve(%v) = %q, %q, %q, %v; want %q, %q, %q", tc.cfg, account, redact(key), endpoint, err,
					tc.account, redact(tc.key), tc.endpoint)
			}
		})
	}
}

// TestNewWithAzureAD builds a store on DefaultAzureCredential without
// calling the service (which would ask for a token).
func TestNewWithAzureAD(t *testing.T) {
	s, err := New(t.Context(), Config{AccountName: "chronikexample", Container: "segments"})
	if err != nil {
		t.Skipf("azidentity cannot build DefaultAzureCredential here: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCredentialsNotLeaked forces errors of several kinds with account
// keys and a SAS-looking endpoint, and checks that no secret appears in
// them nor in the printed or logged Config.
func TestCredentialsNotLeaked(t *testing.T) {
	ctx := t.Context()
	endpoint := emulators.StartAzurite(t)
	var raw [64]byte
	_, _ = rand.Read(raw[:])
	wrongKey := base64.StdEncoding.EncodeToString(raw[:])
	const badKey = "DO-NOT-LEAK-7c1d2e!!" // not base64
	const sasSig = "sig=DO-NOT-LEAK-SAS-91f0"
	secrets := []string{wrongKey, badKey, "DO-NOT-LEAK", emulators.AzuriteKey}
	// Nothing listens here: calls fail to connect.
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()

	var errs []error
	calls := func(s *Store) {
		errs = append(errs, s.Put(ctx, "k", []byte("v")), s.PutIfAbsent(ctx, "k2", []byte("v")), s.Delete(ctx, "k"))
		_, err := s.Get(ctx, "k")
		errs = append(errs, err)
		_, err = s.GetRange(ctx, "k", 0, 1)
		errs = append(errs, err)
		_, _, err = s.List(ctx, "", "", 0)
		errs = append(errs, err)
	}
	// The wrong key for azurite's account: 403 AuthenticationFailed.
	wrong, err := newStore(ctx, Config{AccountName: emulators.AzuriteAccount, AccountKey: wrongKey, Endpoint: endpoint, Container: "segments"}, fastRetries)
	if err != nil {
		t.Fatalf("New with a wrong key: %v", err)
	}
	t.Cleanup(func() { _ = wrong.Close() })
	calls(wrong)
	for _, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "access denied") {
			t.Fatalf("call with a wrong key: %v; want access denied", err)
		}
	}
	// The right key, but nobody listens.
	gone, err := newStore(ctx, Config{UseEmulator: true, Endpoint: deadURL + "/devstoreaccount1", Container: "segments"}, fastRetries)
	if err != nil {
		t.Fatalf("New for a dead endpoint: %v", err)
	}
	t.Cleanup(func() { _ = gone.Close() })
	calls(gone)
	// Errors of New itself.
	_, err = New(ctx, Config{AccountName: "acct", AccountKey: badKey, Endpoint: endpoint, Container: "segments"})
	errs = append(errs, err)
	_, err = New(ctx, Config{AccountName: "acct", Endpoint: "https://acct.blob.core.windows.net/?sv=2024&" + sasSig, Container: "segments"})
	errs = append(errs, err)
	_, err = New(ctx, Config{AccountKey: wrongKey, Endpoint: endpoint, Container: "segments"})
	errs = append(errs, err)
	_, err = New(ctx, Config{AccountName: "acct", AccountKey: wrongKey, Container: "Bad_Name"})
	errs = append(errs, err)

	objstoretest.ErrorsHide(t, errs, append(secrets, sasSig)...)

	for _, cfg := range []Config{
		{AccountName: "acct", AccountKey: wrongKey, Container: "segments"},
		{AccountName: "acct", AccountKey: badKey, Endpoint: "https://acct.blob.core.windows.net/?sv=2024&" + sasSig, Container: "segments"},
		{AccountName: "acct", AccountKey: wrongKey, Endpoint: "https://user:" + badKey + "@acct.blob.core.windows.net/", Container: "segments"},
		{UseEmulator: true, AccountKey: emulators.AzuriteKey, Container: "segments"},
	} {
		objstoretest.PrintedHides(t, cfg, append(secrets, sasSig)...)
	}
}

// FuzzEscapeName checks the blob-name code: it round-trips, never leaves a
// backslash, and keeps byte-wise order and prefixes, so Azure's listing of
// names is the port's listing of keys. Names the code never produces are
// rejected, not misread.
func FuzzEscapeName(f *testing.F) {
	for _, seed := range [][2]string{
		{`back\slash`, "back/slash"}, {`\`, "]"}, {"]5c", `\`}, {"a]", `a\`}, {"", "]]"},
		{"[", "^"}, {`a\b`, "a]b"}, {"]5", "]]5c"}, {"x]y", "x]]y"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ea, eb := escapeName(a), escapeName(b)
		if strings.Contains(ea, `\`) {
			t.Fatalf("escapeName(%q) = %q keeps a backslash", a, ea)
		}
		if got, ok := unescapeName(ea); !ok || got != a {
			t.Fatalf("unescapeName(escapeName(%q) = %q) = %q, %t", a, ea, got, ok)
		}
		if strings.Compare(a, b) != strings.Compare(ea, eb) {
			t.Fatalf("order of %q, %q is %d but of their names %q, %q is %d",
				a, b, strings.Compare(a, b), ea, eb, strings.Compare(ea, eb))
		}
		if strings.HasPrefix(b, a) != strings.HasPrefix(eb, ea) {
			t.Fatalf("%q prefix of %q: %t, but of the names %q, %q: %t",
				a, b, strings.HasPrefix(b, a), ea, eb, strings.HasPrefix(eb, ea))
		}
		if k, ok := unescapeName(a); ok && escapeName(k) != a {
			t.Fatalf("unescapeName(%q) = %q, whose name is %q", a, k, escapeName(k))
		}
	})
}
