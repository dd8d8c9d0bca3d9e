// Package s3store is an objstore.Bucket over Amazon S3 or any S3-compatible
// service (MinIO, Ceph RGW, R2, gofakes3, ...), built on aws-sdk-go-v2.
//
// # Configuration
//
// Config.Bucket, Region, Endpoint, AccessKey and SecretKey correspond to the
// environment variables S3_BUCKET, S3_REGION, S3_ENDPOINT, S3_ACCESS_KEY and
// S3_SECRET_KEY. With both keys set the store signs with those static
// credentials; with neither it uses the SDK's default chain (environment,
// shared config files, web identity, IMDS). Endpoint points the client at an
// S3-compatible service, PathStyle switches to http://host/bucket/key
// addressing, and for a custom Endpoint request and response checksums are
// only computed when the API requires them, because many S3-compatible
// services reject the SDK's default CRC trailers. Config.String, GoString and
// LogValue redact SecretKey, and no error of this package contains it.
//
// # Keys
//
// Every key is checked by objstore.ValidateKey, then stored as Prefix+key;
// List strips Prefix again. On top of the port's rules a key must be valid
// UTF-8 (S3 keys are Unicode; a non-UTF-8 key could be written but would be
// mangled in the XML of ListObjectsV2) and Prefix+key must be at most 1024
// bytes; other keys are rejected with objstore.ErrInvalidKey.
//
// # Mapping
//
//	Put          PutObject (single request, atomic on S3)
//	PutIfAbsent  PutObject with If-None-Match: *   412 PreconditionFailed -> ErrExists
//	Get          GetObject                         NoSuchKey / 404 -> ErrNotFound
//	GetRange     HeadObject (size, ETag), objstore.Range, then
//	             GetObject Range: bytes=start-(end-1), If-Match: ETag
//	List         ListObjectsV2 Prefix, MaxKeys (<= 1000), StartAfter, EncodingType=url
//	Delete       DeleteObject                      missing key (or 404) -> nil
//	Close        drops idle connections; later calls -> ErrClosed
//
// GetRange resolves the range itself, with the same objstore.Range the other
// adapters use, so its semantics are the port's and not S3's: an empty range
// (length 0, or offset == size, including any range of an empty object) is
// answered without a GET, because S3 answers 416 InvalidRange for it, and an
// offset past the end is objstore.ErrInvalidRange. If the object is replaced
// between HEAD and GET (412 on If-Match, or 416 because it shrank) GetRange
// starts over, up to four times, so it never mixes two versions.
//
// The List page token is the last key of the page (without Prefix), passed as
// StartAfter: it is plain, stable across S3 implementations, and valid for
// the same prefix only, as the port allows. List asks for URL-encoded keys and
// decodes them when the service says it encoded them (S3 does; gofakes3
// ignores the parameter and sends keys raw in the XML).
//
// SDK errors are translated to port sentinels in one place (Store.wrap) by
// S3 error code and HTTP status; a missing bucket gets its own message, and
// any other error is returned wrapped with the operation and key. A done
// context is checked before each call, so such calls return an error
// wrapping ctx.Err() without touching the network.
package s3store
