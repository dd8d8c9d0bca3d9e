// Package gcsstore is an objstore.Bucket over Google Cloud Storage (or an
// emulator such as fake-gcs-server), built on cloud.google.com/go/storage.
//
// # Configuration
//
// Config.Bucket, ProjectID and Prefix correspond to the environment
// variables GCS_BUCKET, GCS_PROJECT_ID and GCS_PREFIX. CredentialsFile names
// a service-account JSON key file; when it is empty the client uses
// Application Default Credentials. Endpoint points the client at another
// JSON API endpoint (an emulator's "http://host:port/storage/v1/"). New also
// takes option.ClientOption values, which come after the ones derived from
// Config, so tests can pass option.WithoutAuthentication,
// option.WithHTTPClient or storage.WithJSONReads. Config.String, GoString and
// LogValue show CredentialsFile only as set or not set, and no error of this
// package contains credential material: the file is read by the SDK, whose
// errors name the file, never its contents.
//
// # Keys
//
// Every key is checked by objstore.ValidateKey, then stored as Prefix+key;
// List strips Prefix again. On top of the port's rules, the full object
// name must follow GCS's hard naming rules, else the key is rejected with
// objstore.ErrInvalidKey before any request: at most 1024 bytes, no carriage
// return or line feed, not "." or "..", and not under
// ".well-known/acme-challenge/".
//
// # Mapping
//
//	Put          Writer (single multipart upload up to 16 MiB, resumable
//	             above; Close commits, so readers see the old or new
//	             object whole), CRC32C sent and checked by GCS
//	PutIfAbsent  Writer with Conditions{DoesNotExist: true}
//	             (ifGenerationMatch=0)        412 -> ErrExists
//	Get          NewReader                    ErrObjectNotExist -> ErrNotFound
//	GetRange     Attrs (size, generation), objstore.Range, then
//	             Generation(g).NewRangeReader(start, end-start)
//	List         Objects with Query{Prefix, StartOffset}, Name and Size only
//	Delete       Delete                       ErrObjectNotExist -> nil
//	Close        closes the client; later calls -> ErrClosed
//
// PutIfAbsent tags its object with a random write id in the object
// metadata (chronik-write-id). The SDK retries conditional uploads, so a
// retry of an upload that did commit, but whose response was lost, gets 412;
// PutIfAbsent then reads the object's metadata, and if the write id is its
// own it reports success instead of a false ErrExists.
//
// GetRange reads a pinned generation, so it never mixes two versions; if the
// object was replaced or deleted between Attrs and the read (the old
// generation is gone: 404) it starts over, up to four times. An empty range
// (length 0, or offset == size) is answered without a read request.
//
// The List page token is the last key of the page (without Prefix). The
// next call sends Prefix+token as StartOffset, which is inclusive, and skips
// that one name; so tokens are plain, stable, and valid for the same prefix
// only, as the port allows. GCS lists names in byte-wise order, as the port
// requires.
//
// SDK errors are translated to port sentinels in one place (Store.wrap) by
// sentinel (storage.ErrObjectNotExist, storage.ErrBucketNotExist) and HTTP
// status (*googleapi.Error); a missing bucket gets its own message, and any
// other error is returned wrapped with the operation and key. A done context
// is checked before each call, so such calls return an error wrapping
// ctx.Err() without touching the network. The SDK retries transient
// failures (5xx, refused connections, a failing token exchange) of
// idempotent calls until the context ends, so callers should give every
// call a deadline.
package gcsstore
