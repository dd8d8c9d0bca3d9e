// Package azurestore is an objstore.Bucket over Azure Blob Storage (or the
// azurite emulator), built on github.com/Azure/azure-sdk-for-go/sdk/storage/azblob.
// Every object is one block blob in one container.
//
// # Configuration
//
// Config.AccountName, Container, AccountKey, Endpoint, UseEmulator, Prefix
// and CreateContainer correspond to the environment variables
// AZURE_ACCOUNT_NAME, AZURE_CONTAINER, AZURE_ACCOUNT_KEY, AZURE_ENDPOINT,
// AZURE_USE_EMULATOR, AZURE_PREFIX and AZURE_CREATE_CONTAINER. With an
// account key the store signs requests with it (Shared Key); without one it
// uses azidentity.DefaultAzureCredential (environment, workload identity,
// managed identity, Azure CLI, ...), which needs an https endpoint.
// Endpoint defaults to https://<account>.blob.core.windows.net/. With
// UseEmulator, whatever is not set comes from azurite's defaults: account
// devstoreaccount1, its well-known key, and
// http://127.0.0.1:10000/devstoreaccount1. New contacts the service only
// when CreateContainer is set, and then creates the container if it is
// missing; otherwise a missing container is reported by the first call, as
// an error that names it (never as objstore.ErrNotFound).
//
// Config.String, GoString and LogValue redact AccountKey (and a query or
// password in Endpoint), and no error of this package contains key
// material: a key that is not base64 is reported without its text, SAS
// tokens in Endpoint are refused without echoing it, and service errors are
// cut down to HTTP status, Azure error code and request id (the SDK's own
// message repeats the request URL and the whole response body).
//
// # Keys and blob names
//
// Every key is checked by objstore.ValidateKey. Its blob name is
// Prefix+key with one substitution, because Azure stores every "\" in a
// blob name as "/" (so "a\b" and "a/b" would be one blob): "\" is written
// as "]5c" and "]", the escape character, as "]]". The code is prefix-free
// and keeps byte-wise order, so List's prefix matching and order over blob
// names are the port's over keys; List decodes names again and strips
// Prefix. A blob under Prefix whose name does not decode (a "]" followed by
// anything else, written by another tool) makes List fail with an error
// naming it.
//
//	key               "segments/orders/0/00000000000000000000.log"
//	blob name         Prefix + key, "\" -> "]5c", "]" -> "]]"
//	content           the object's bytes, one Put Blob, Content-MD5 = MD5(bytes)
//	metadata          chronik_write_id = 32 hex digits (PutIfAbsent only)
//
// On top of the port's rules a blob name must be at most 1024 characters
// (counted in UTF-16 code units) and have at most 254 "/"-separated
// segments; longer keys are rejected with objstore.ErrInvalidKey before any
// request. Names Azure itself rejects (its documentation bars control
// characters, which the port allows, e.g. a tab) fail with 400
// InvalidResourceName or InvalidUri, translated to objstore.ErrInvalidKey.
// azurite accepts them; the conformance suite's tab key has been run
// against azurite only.
//
// # Mapping
//
//	Put          Put Blob (single request, atomic; up to 5000 MiB),
//	             Content-MD5 checked by Azure
//	PutIfAbsent  Put Blob with If-None-Match: *
//	             409 BlobAlreadyExists or 412 ConditionNotMet -> ErrExists
//	Get          Get Blob                     404 BlobNotFound -> ErrNotFound;
//	             body checked against the blob's Content-MD5 when it has one
//	GetRange     Get Blob Properties (size, ETag), objstore.Range, then
//	             Get Blob x-ms-range: bytes=start-(end-1), If-Match: ETag
//	List         List Blobs (flat) prefix, maxresults (<= 5000), marker
//	Delete       Delete Blob, snapshots included  404 BlobNotFound -> nil
//	Close        drops idle connections; later calls -> ErrClosed
//
// PutIfAbsent tags its blob with a random write id in the metadata
// (chronik_write_id; metadata names must be C# identifiers, hence no
// hyphens). The SDK retries a try that failed (a 5xx, a reset connection),
// so a retry of an upload that did commit, but whose response was lost,
// gets 409; PutIfAbsent then reads the blob's metadata, and if the write id
// is its own it reports success instead of a false ErrExists. The SDK hands
// metadata names back as Go canonicalized HTTP header names
// ("Chronik_write_id"), so the comparison ignores case.
//
// GetRange resolves the range itself, with the same objstore.Range the
// other adapters use, so its semantics are the port's and not HTTP's: an
// empty range (length 0, or offset == size, including any range of an empty
// blob) is answered without a read, and an offset past the end is
// objstore.ErrInvalidRange. The read is pinned to the ETag, so it never
// mixes two versions; if the blob was replaced or deleted in between (412,
// 416 because it shrank, 404) it starts over, up to four times.
//
// The List page token is Azure's NextMarker, passed back as the marker: it
// is opaque, and valid for the same prefix only, as the port allows. Azure
// documents listing in "alphabetical order". azurite compares names as
// JavaScript (UTF-16) strings, which is byte-wise UTF-8 order except
// between characters U+E000..U+FFFF and characters above U+FFFF (azurite
// puts "a\U0001F600" before "a\uE000"); the conformance suite's order cases
// ("a-c" < "a/b" < "a0" < "a\u00fc") pass. List checks that each page is in
// strictly ascending byte-wise order and fails rather than pass on one that
// is not; across pages it follows the service's marker. Chronik's own keys
// are ASCII, where all orders agree.
//
// SDK errors are translated to port sentinels in one place (Store.wrap) by
// Azure error code and HTTP status: BlobNotFound -> ErrNotFound,
// BlobAlreadyExists / ConditionNotMet / 412 -> ErrExists, InvalidRange / 416
// -> ErrInvalidRange, InvalidResourceName / InvalidUri -> ErrInvalidKey. A
// missing container (ContainerNotFound) and a refused signature or role
// (403) get their own messages naming what to fix; any other error is
// returned wrapped with the operation and key. A done context is checked
// before each call, so such calls return an error wrapping ctx.Err() without
// touching the network. The SDK retries transient failures (408, 429, 500,
// 502, 503, 504, transport errors) up to three times with backoff.
//
// # Tests
//
// The tests run the objstoretest conformance suite, with and without a
// Prefix, and this package's own cases against a real azurite (npm
// azurite@3.35.0) that test/emulators.StartAzurite starts on a free port. If
// azurite is not installed they are skipped with a hint to run `make
// test-deps`, or fail when CHRONIK_REQUIRE_EMULATORS=1 (as `make unit` sets).
package azurestore
