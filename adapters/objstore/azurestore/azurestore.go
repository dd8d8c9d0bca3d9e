package azurestore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode/utf16"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/chronik-stream/chronik/ports/objstore"
)

// Azurite's built-in development account. The key is public (it is the
// same in every azurite and in Microsoft's documentation), so it is not a
// secret; it is still redacted like any other key.
const (
	EmulatorAccount  = "devstoreaccount1"
	EmulatorKey      = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	emulatorEndpoint = "http://127.0.0.1:10000/"
)

const (
	// maxNameLen is Azure's limit on a blob name (Prefix included), in
	// characters; counted in UTF-16 code units, the stricter reading.
	maxNameLen = 1024
	// maxSegments is Azure's limit on the "/"-separated segments of a blob
	// name in accounts without a hierarchical namespace.
	maxSegments = 254
	// maxPageSize is the most blobs one List Blobs call returns.
	maxPageSize = 5000
	// rangeRetries bounds how often GetRange repeats Get Blob Properties +
	// ranged Get Blob when the blob changes between the two calls.
	rangeRetries = 4
	// writeIDKey is the metadata name under which PutIfAbsent stores its
	// write id. Metadata names must be C# identifiers, so no hyphens.
	writeIDKey = "chronik_write_id"
)

// containerName is Azure's rule for container names: 3 to 63 lowercase
// letters, digits and single hyphens, starting and ending with a letter or
// digit ("$root" aside, which this store does not use).
var containerName = regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$`)

// Config selects the container and how to reach it. AccountName, Container,
// AccountKey, Endpoint, UseEmulator, Prefix and CreateContainer map to the
// environment variables AZURE_ACCOUNT_NAME, AZURE_CONTAINER,
// AZURE_ACCOUNT_KEY, AZURE_ENDPOINT, AZURE_USE_EMULATOR, AZURE_PREFIX and
// AZURE_CREATE_CONTAINER. String, GoString and LogValue redact the key, so a
// Config may be printed or logged.
type Config struct {
	// AccountName is the storage account. Required unless UseEmulator is set
	// (then it defaults to devstoreaccount1) or, with Azure AD credentials,
	// Endpoint names the account.
	AccountName string
	Container   string // required
	// AccountKey is a base64 shared key of the account. "" means Azure AD
	// credentials from azidentity.DefaultAzureCredential (environment,
	// workload identity, managed identity, Azure CLI, ...), or, with
	// UseEmulator and the development account, azurite's well-known key.
	AccountKey string
	// Endpoint is the blob service URL, with the account as its first path
	// segment for path-style services such as azurite
	// ("http://127.0.0.1:10000/devstoreaccount1"). "" means
	// https://<AccountName>.blob.core.windows.net/, or with UseEmulator
	// http://127.0.0.1:10000/<AccountName>.
	Endpoint string
	// UseEmulator targets azurite: the development account and key and
	// azurite's default endpoint fill in whatever is not set.
	UseEmulator bool
	// Prefix is prepended to every key ("tenant-a/" stores "k" as
	// "tenant-a/k") and stripped from List results. It is used verbatim: add
	// the trailing "/" yourself if you want one.
	Prefix string
	// CreateContainer makes New create the container if it does not exist.
	// Off by default: a typo in AZURE_CONTAINER should fail, not create a
	// new, empty container.
	CreateContainer bool
}

// String describes the config without its account key.
func (c Config) String() string {
	return fmt.Sprintf("azurestore.Config{AccountName:%q Container:%q AccountKey:%s Endpoint:%q UseEmulator:%t Prefix:%q CreateContainer:%t}",
		c.AccountName, c.Container, redact(c.AccountKey), redactURL(c.Endpoint), c.UseEmulator, c.Prefix, c.CreateContainer)
}

// GoString is String, so that %#v does not print the key either.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog print the config without its account key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("account_name", c.AccountName), slog.String("container", c.Container),
		slog.String("account_key", redact(c.AccountKey)), slog.String("endpoint", redactURL(c.Endpoint)),
		slog.Bool("use_emulator", c.UseEmulator), slog.String("prefix", c.Prefix),
		slog.Bool("create_container", c.CreateContainer))
}

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

// redactURL hides what an endpoint may wrongly carry: a password, or a
// query (a SAS token is one).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.ContainsAny(s, "?@") {
			return "REDACTED"
		}
		return s
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	return u.Redacted()
}

// Store is an objstore.Bucket over one Azure Blob Storage container (or a
// prefix of it). All methods are safe for concurrent use.
type Store struct {
	container *container.Client
	transport *http.Transport // owned; Close drops its idle connections
	account   string
	name      string // container name
	prefix    string
	closed    atomic.Bool
}

var _ objstore.Bucket = (*Store)(nil)

// New returns a Store for cfg. Unless cfg.CreateContainer is set it does
// not contact the service, so a wrong container or key shows up on the
// first call.
func New(ctx context.Context, cfg Config) (*Store, error) {
	return newStore(ctx, cfg, nil)
}

// newStore is New with a hook that adjusts the SDK client options (tests
// wrap the transport and shorten retries).
func newStore(ctx context.Context, cfg Config, tweak func(*policy.ClientOptions)) (*Store, error) {
	account, key, endpoint, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	opts := &container.ClientOptions{ClientOptions: policy.ClientOptions{
		Transport: &http.Client{Transport: transport},
		Telemetry: policy.TelemetryOptions{ApplicationID: "chronik"},
	}}
	if tweak != nil {
		tweak(&opts.ClientOptions)
	}
	containerURL := strings.TrimSuffix(endpoint, "/") + "/" + cfg.Container
	var client *container.Client
	if key != "" {
		cred, err := container.NewSharedKeyCredential(account, key)
		if err != nil {
			// The SDK's message is about base64 and names no key bytes;
			// drop it anyway, the key is the one thing it could be about.
			return nil, fmt.Errorf("azurestore: the account key of %q is not valid base64 (check AZURE_ACCOUNT_KEY; copy key1 or key2 from the portal)", account)
		}
		client, err = container.NewClientWithSharedKeyCredential(containerURL, cred, opts)
		if err != nil {
			return nil, fmt.Errorf("azurestore: create client for container %q: %w", cfg.Container, err)
		}
	} else {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			// azidentity names variables and files, never secret values.
			return nil, fmt.Errorf("azurestore: no AZURE_ACCOUNT_KEY and no usable Azure AD credentials: %w", err)
		}
		client, err = container.NewClient(containerURL, cred, opts)
		if err != nil {
			return nil, fmt.Errorf("azurestore: create client for container %q: %w", cfg.Container, err)
		}
	}
	s := &Store{container: client, transport: transport, account: account, name: cfg.Container, prefix: cfg.Prefix}
	if cfg.CreateContainer {
		if err := s.createContainer(ctx); err != nil {
			transport.CloseIdleConnections()
			return nil, err
		}
	}
	return s, nil
}

// resolve checks cfg and fills in the emulator's and Azure's defaults. It
// returns the account, the key ("" for Azure AD) and the service endpoint.
func (c Config) resolve() (account, key, endpoint string, err error) {
	account, key, endpoint = c.AccountName, c.AccountKey, c.Endpoint
	if c.Container == "" {
		return "", "", "", errors.New("azurestore: no container configured (set AZURE_CONTAINER)")
	}
	if !containerName.MatchString(c.Container) {
		return "", "", "", fmt.Errorf("azurestore: container name %q is not valid: Azure wants 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (fix AZURE_CONTAINER)", c.Container)
	}
	if c.UseEmulator {
		if account == "" {
			account = EmulatorAccount
		}
		if key == "" {
			if account != EmulatorAccount {
				return "", "", "", fmt.Errorf("azurestore: emulator account %q needs AZURE_ACCOUNT_KEY; the well-known key belongs to %s only", account, EmulatorAccount)
			}
			key = EmulatorKey
		}
		if endpoint == "" {
			endpoint = emulatorEndpoint + account
		}
	}
	if endpoint == "" {
		if account == "" {
			return "", "", "", errors.New("azurestore: no storage account configured (set AZURE_ACCOUNT_NAME, or AZURE_ENDPOINT, or AZURE_USE_EMULATOR=true for azurite)")
		}
		endpoint = "https://" + account + ".blob.core.windows.net/"
	}
	u, perr := url.Parse(endpoint)
	switch {
	case perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", "", "", fmt.Errorf("azurestore: endpoint %q is not an absolute http(s) URL such as https://myaccount.blob.core.windows.net/ (fix AZURE_ENDPOINT)", redactURL(endpoint))
	case u.RawQuery != "" || u.User != nil:
		// Do not echo it: the query may be a SAS token.
		return "", "", "", errors.New("azurestore: the endpoint carries a query or user info; SAS tokens and passwords in AZURE_ENDPOINT are not supported, use AZURE_ACCOUNT_KEY or Azure AD credentials")
	}
	if key != "" && account == "" {
		return "", "", "", errors.New("azurestore: AZURE_ACCOUNT_KEY is set but AZURE_ACCOUNT_NAME is not; a shared key signs for a named account")
	}
	if key == "" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("azurestore: Azure AD credentials need an https endpoint, not %q (set AZURE_ACCOUNT_KEY, or AZURE_USE_EMULATOR=true for azurite)", redactURL(endpoint))
	}
	return account, key, endpoint, nil
}

func (s *Store) createContainer(ctx context.Context) error {
	_, err := s.container.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return s.wrap("create-container", "", err)
	}
	return nil
}

// check returns the first reason op on key must not run: closed, an invalid
// key, or a done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	return objstore.CheckCall(ctx, "azurestore", op, key, s.closed.Load(), s.keyLimits)
}

// escapeName returns the blob name of a full key (Prefix included). Azure
// turns every "\" in a blob name into "/", so "\" is stored as "]5c", and
// "]", the escape character, as "]]". Every other byte stands for itself.
// The code is prefix-free and keeps byte-wise order ("\" < "]" and
// "]5c" < "]]", and both sort after every byte below "\" and before every
// byte above "]"), so Azure's listing order and prefix matching over names
// are the port's over keys.
func escapeName(key string) string {
	if !strings.ContainsAny(key, `\]`) {
		return key
	}
	var b strings.Builder
	b.Grow(len(key) + 8)
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case ']':
			b.WriteString("]]")
		case '\\':
			b.WriteString("]5c")
		default:
			b.WriteByte(key[i])
		}
	}
	return b.String()
}

// unescapeName inverts escapeName; ok is false for a name escapeName never
// returns (a blob some other tool wrote, or a name with a "\" that Azure
// would not have kept).
func unescapeName(name string) (key string, ok bool) {
	if !strings.ContainsAny(name, `\]`) {
		return name, true
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		switch {
		case name[i] == '\\':
			return "", false
		case name[i] != ']':
			b.WriteByte(name[i])
		case strings.HasPrefix(name[i+1:], "]"):
			b.WriteByte(']')
			i++
		case strings.HasPrefix(name[i+1:], "5c"):
			b.WriteByte('\\')
			i += 2
		default:
			return "", false
		}
	}
	return b.String(), true
}

// checkName applies Azure's hard limits on blob names to the blob name of
// keyLimits applies the backend's limits to key under the store's prefix.
func (s *Store) keyLimits(key string) error { return checkName(s.prefix, key) }

// prefix+key.
func checkName(prefix, key string) error {
	name := escapeName(prefix + key)
	n := 0
	for _, r := range name {
		n += utf16.RuneLen(r)
	}
	if n > maxNameLen {
		return fmt.Errorf("%w: key %q is %d characters with the prefix %q; Azure allows at most %d",
			objstore.ErrInvalidKey, key, n, prefix, maxNameLen)
	}
	if segs := strings.Count(name, "/") + 1; segs > maxSegments {
		return fmt.Errorf("%w: key %q has %d \"/\"-separated segments with the prefix %q; Azure allows at most %d",
			objstore.ErrInvalidKey, key, segs, prefix, maxSegments)
	}
	return nil
}

// serviceError is an Azure error response cut down to status, error code
// and request id. The SDK's own message repeats the request URL and the
// whole response body over many lines; this one fits in a log line. The
// *azcore.ResponseError stays reachable with errors.As.
type serviceError struct{ resp *azcore.ResponseError }

func (e serviceError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.resp.StatusCode)
	if e.resp.ErrorCode != "" {
		msg += " " + e.resp.ErrorCode
	}
	if e.resp.RawResponse != nil {
		if id := e.resp.RawResponse.Header.Get("x-ms-request-id"); id != "" {
			msg += " (request id " + id + ")"
		}
	}
	return msg
}

func (e serviceError) Unwrap() error { return e.resp }

// responseError returns the service's error response in err, or nil.
func responseError(err error) *azcore.ResponseError {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// wrap translates an SDK error of op on key to the port's sentinels; this is
// the only place that does. Other service errors are returned as status,
// code and request id; transport errors as they are (their URLs hold no
// credentials, which travel in headers).
func (s *Store) wrap(op, key string, err error) error {
	re := responseError(err)
	if re == nil {
		return fmt.Errorf("azurestore: %s %q in container %q: %w", op, key, s.name, err)
	}
	code := bloberror.Code(re.ErrorCode)
	var sentinel error
	switch {
	case code == bloberror.ContainerNotFound:
		return fmt.Errorf("azurestore: %s %q: container %q does not exist in account %q (create it, fix AZURE_CONTAINER, or set AZURE_CREATE_CONTAINER): %w",
			op, key, s.name, s.account, serviceError{re})
	case code == bloberror.AuthenticationFailed || code == bloberror.AuthorizationFailure ||
		code == bloberror.AuthorizationPermissionMismatch || re.StatusCode == http.StatusForbidden:
		return fmt.Errorf("azurestore: %s %q in container %q: access denied for account %q (check AZURE_ACCOUNT_NAME and AZURE_ACCOUNT_KEY, or the role assignment of the Azure AD identity): %w",
			op, key, s.name, s.account, serviceError{re})
	case code == bloberror.BlobNotFound || (re.StatusCode == http.StatusNotFound && code == ""):
		sentinel = objstore.ErrNotFound
	case code == bloberror.BlobAlreadyExists || code == bloberror.ConditionNotMet || re.StatusCode == http.StatusPreconditionFailed:
		sentinel = objstore.ErrExists
	case code == bloberror.InvalidRange || re.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		sentinel = objstore.ErrInvalidRange
	case key != "" && (code == bloberror.InvalidResourceName || code == bloberror.InvalidURI):
		return fmt.Errorf("azurestore: %s: %w: Azure rejected the blob name %q (%v)",
			op, objstore.ErrInvalidKey, escapeName(s.prefix+key), serviceError{re})
	}
	if sentinel != nil {
		return fmt.Errorf("azurestore: %s %q: %w", op, key, sentinel)
	}
	return fmt.Errorf("azurestore: %s %q in container %q: %w", op, key, s.name, serviceError{re})
}

func (s *Store) blob(key string) *blockblob.Client {
	return s.container.NewBlockBlobClient(escapeName(s.prefix + key))
}

// Put stores data under key with one Put Blob request, which Azure
// commits atomically.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put", key); err != nil {
		return err
	}
	if err := s.upload(ctx, key, data, nil, nil); err != nil {
		return s.wrap("put", key, err)
	}
	return nil
}

// PutIfAbsent stores data under key with a Put Blob conditional on
// If-None-Match: *, which Azure evaluates atomically; 409
// BlobAlreadyExists or 412 is objstore.ErrExists unless the blob is our
// own retried write.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := s.check(ctx, "put-if-absent", key); err != nil {
		return err
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // never fails (crypto/rand docs)
	writeID := hex.EncodeToString(raw[:])
	cond := &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}}
	err := s.upload(ctx, key, data, cond, map[string]*string{writeIDKey: &writeID})
	if err == nil {
		return nil
	}
	if re := responseError(err); re != nil && (re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusPreconditionFailed) {
		// The SDK retries a failed try (a 5xx, a reset connection); if the
		// first try committed, the retry finds our own blob.
		if props, perr := s.blob(key).GetProperties(ctx, nil); perr == nil && ownWrite(props.Metadata, writeID) {
			return nil
		}
	}
	return s.wrap("put-if-absent", key, err)
}

// ownWrite reports whether metadata carries writeID. The SDK takes
// metadata names from HTTP headers, which Go canonicalizes
// ("Chronik_write_id"), and Azure treats them case-insensitively anyway.
func ownWrite(metadata map[string]*string, writeID string) bool {
	for k, v := range metadata {
		if strings.EqualFold(k, writeIDKey) && v != nil && *v == writeID {
			return true
		}
	}
	return false
}

// upload sends data with Put Blob and its MD5, which Azure checks before it
// commits and keeps as the blob's Content-MD5.
func (s *Store) upload(ctx context.Context, key string, data []byte, cond *blob.AccessConditions, metadata map[string]*string) error {
	sum := md5.Sum(data)
	_, err := s.blob(key).Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{
		TransactionalValidation: blob.TransferValidationTypeMD5(sum[:]),
		HTTPHeaders:             &blob.HTTPHeaders{BlobContentMD5: sum[:]},
		AccessConditions:        cond,
		Metadata:                metadata,
	})
	return err
}

// Get returns the blob under key with one Get Blob request, checked
// against the blob's Content-MD5 when it has one.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, err
	}
	resp, err := s.blob(key).DownloadStream(ctx, nil)
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	data, err := s.readBody("get", key, resp)
	if err != nil {
		return nil, err
	}
	if want := resp.ContentMD5; len(want) == md5.Size {
		if got := md5.Sum(data); !bytes.Equal(got[:], want) {
			return nil, fmt.Errorf("azurestore: get %q: the %d bytes read do not match the blob's Content-MD5 %x; the blob or the transfer is corrupt", key, len(data), want)
		}
	}
	return data, nil
}

// readBody reads a download to the end and checks that it is as long as
// the response said.
func (s *Store) readBody(op, key string, resp blob.DownloadStreamResponse) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n != nil && *n > 0 {
		buf.Grow(int(*n))
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, s.wrap(op, key, fmt.Errorf("read body: %w", err))
	}
	if n := resp.ContentLength; n != nil && *n != int64(buf.Len()) {
		return nil, fmt.Errorf("azurestore: %s %q: the response announced %d bytes but carried %d", op, key, *n, buf.Len())
	}
	return buf.Bytes(), nil
}

// GetRange reads Get Blob Properties for the size and ETag, resolves the
// request with objstore.Range, and reads [start, end) with a ranged Get
// Blob conditional on If-Match: ETag. An empty result needs no read. When
// the blob changes between the two calls (412, 416 because it shrank, 404
// because it went) it starts over, a few times.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := s.check(ctx, "get-range", key); err != nil {
		return nil, err
	}
	b := s.blob(key)
	for attempt := 1; ; attempt++ {
		props, err := b.GetProperties(ctx, nil)
		if err != nil {
			return nil, s.wrap("get-range", key, err)
		}
		if props.ContentLength == nil || props.ETag == nil {
			return nil, fmt.Errorf("azurestore: get-range %q: the service sent no Content-Length or ETag", key)
		}
		start, end, err := objstore.Range(*props.ContentLength, offset, length)
		if err != nil {
			return nil, fmt.Errorf("azurestore: get-range %q: %w", key, err)
		}
		if start == end {
			return []byte{}, nil
		}
		resp, err := b.DownloadStream(ctx, &blob.DownloadStreamOptions{
			Range: blob.HTTPRange{Offset: start, Count: end - start},
			AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{
				IfMatch: props.ETag,
			}},
		})
		if err != nil {
			re := responseError(err)
			changed := re != nil && (re.StatusCode == http.StatusPreconditionFailed ||
				re.StatusCode == http.StatusRequestedRangeNotSatisfiable || re.StatusCode == http.StatusNotFound)
			if changed && attempt < rangeRetries {
				continue // replaced or deleted since Get Blob Properties
			}
			if re != nil && re.StatusCode == http.StatusPreconditionFailed {
				// Not ErrExists: the blob kept changing under us.
				return nil, fmt.Errorf("azurestore: get-range %q: blob changed during %d attempts to read it; retry: %w", key, attempt, serviceError{re})
			}
			return nil, s.wrap("get-range", key, err)
		}
		data, err := s.readBody("get-range", key, resp)
		if err != nil {
			return nil, err
		}
		if int64(len(data)) != end-start {
			return nil, fmt.Errorf("azurestore: get-range %q: asked for %d bytes at offset %d of ETag %s, got %d",
				key, end-start, start, *props.ETag, len(data))
		}
		return data, nil
	}
}

// List returns one page of List Blobs (flat) under Prefix+prefix. The page
// token is Azure's NextMarker, passed back as the marker: opaque, and valid
// for the same prefix only, as the port allows.
func (s *Store) List(ctx context.Context, prefix, pageToken string, pageSize int) ([]objstore.ObjectInfo, string, error) {
	if err := objstore.CheckList(ctx, "azurestore", prefix, s.closed.Load()); err != nil {
		return nil, "", err
	}
	pageSize = objstore.PageSize(pageSize)
	full := s.prefix + prefix
	opts := &container.ListBlobsFlatOptions{
		Prefix:     to.Ptr(escapeName(full)),
		MaxResults: to.Ptr(int32(min(pageSize, maxPageSize))),
	}
	if pageToken != "" {
		opts.Marker = to.Ptr(pageToken)
	}
	resp, err := s.container.NewListBlobsFlatPager(opts).NextPage(ctx)
	if err != nil {
		return nil, "", s.wrap("list", prefix, err)
	}
	var items []*container.BlobItem
	if resp.Segment != nil {
		items = resp.Segment.BlobItems
	}
	objs := make([]objstore.ObjectInfo, 0, len(items))
	for _, it := range items {
		if it == nil || it.Name == nil || it.Properties == nil || it.Properties.ContentLength == nil {
			return nil, "", fmt.Errorf("azurestore: list %q: the service sent a blob without a name or length", prefix)
		}
		name, ok := unescapeName(*it.Name)
		if !ok {
			return nil, "", fmt.Errorf("azurestore: list %q: blob %q was not written by this store (a \"]\" in a name must be followed by \"]\" or \"5c\"); move it out of the prefix %q", prefix, *it.Name, s.prefix)
		}
		if !strings.HasPrefix(name, full) {
			return nil, "", fmt.Errorf("azurestore: list %q: the service returned blob %q outside the prefix %q", prefix, *it.Name, full)
		}
		key := name[len(s.prefix):]
		if n := len(objs); n > 0 && key <= objs[n-1].Key {
			// The port promises byte-wise order; do not pass on a listing
			// that breaks it.
			return nil, "", fmt.Errorf("azurestore: list %q: the service listed %q after %q, not in byte-wise order", prefix, key, objs[n-1].Key)
		}
		objs = append(objs, objstore.ObjectInfo{Key: key, Size: *it.Properties.ContentLength})
	}
	next := ""
	if resp.NextMarker != nil {
		next = *resp.NextMarker
	}
	if next != "" && next == pageToken && len(objs) == 0 {
		return nil, "", fmt.Errorf("azurestore: list %q: the service returned no blobs and the same marker; cannot page on", prefix)
	}
	return objs, next, nil
}

// Delete removes the blob under key, with its snapshots; a missing blob is
// not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	_, err := s.blob(key).Delete(ctx, &blob.DeleteOptions{DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude)})
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
	s.transport.CloseIdleConnections()
	return nil
}
