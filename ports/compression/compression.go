// Package compression is the port of the broker's bounded decompressor of
// Kafka record batches: the records of a v2 batch, or the value of a
// legacy (magic 0/1) compressed message, compressed with one of Kafka's
// codecs. Produce validation, legacy conversion and ListOffsets by
// timestamp in the Kafka adapter, and the indexing pipeline, decompress
// through it, so every decompression on a node is bounded the same way.
//
// Both limits are the caller's to choose and the adapter's to enforce: a
// decompression stops once its output would pass limit bytes (a
// compression bomb costs about the limit, not its decompressed size), and
// a Decompressor lends at most a fixed number of output buffers at once
// (so concurrent bombs cost at most that many times the limit).
package compression

import "fmt"

// Codec ids, as in bits 0-2 of a record batch's (or a legacy message's)
// attributes. Untyped, as attributes are int8 in some places and int16
// in others.
const (
	None   = 0
	Gzip   = 1
	Snappy = 2 // raw snappy, or the Java client's xerial framing
	LZ4    = 3 // the LZ4 frame format
	Zstd   = 4
)

// Name is codec's name for messages: "gzip", "snappy", "lz4", "zstd",
// "none", or "codec N" for an id Kafka does not know.
func Name(codec int8) string {
	switch codec {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Snappy:
		return "snappy"
	case LZ4:
		return "lz4"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("codec %d", codec)
}

// Inflater decompresses within a limit. Safe for concurrent use.
type Inflater interface {
	// Inflate appends to dst the decompression of src, compressed with
	// codec (None copies src), and returns the extended slice.
	//
	// Errors: output of more than limit bytes is an error wrapping
	// log.ErrTooLarge, returned once limit+1 bytes have come out (a
	// format that declares its decoded size is refused before decoding,
	// and a frame that declares it needs more than about limit bytes of
	// memory to decode, as a zstd window, may be refused whatever it
	// holds);
	// src that does not decompress with codec, and a codec id other than
	// the five above, wrap record.ErrInvalidRecord (an empty src may
	// instead decompress to nothing: lz4 and zstd read it as no frames).
	// A negative limit acts as 0. Messages name the codec and the sizes,
	// never a file.
	//
	// Ownership: src is read during the call only and never kept or
	// modified. The returned slice is the caller's: dst's first len(dst)
	// bytes are kept, the output follows them, and it shares dst's array
	// when dst had the capacity (else it is a new array; dst's array is
	// then not kept either). On error the returned slice holds dst's
	// first len(dst) bytes and nothing more (possibly in a new array, so
	// a caller keeps it as it would on success); bytes past len(dst) of
	// dst's array may have been overwritten.
	Inflate(dst, src []byte, codec int8, limit int) ([]byte, error)
}

// Buffers lends reusable output buffers for Inflate. Safe for concurrent
// use.
type Buffers interface {
	// Buffer returns an empty buffer (length 0, any capacity) that the
	// caller owns until it passes it to Release, exactly once. At most
	// a fixed number of buffers (the adapter documents it) are lent at
	// once: Buffer waits until one is released. So a holder must release
	// it without waiting for anything that may itself wait for a buffer:
	// it takes no second buffer and does no I/O while holding one.
	// Buffer returns no error.
	Buffer() *[]byte
	// Release takes back a buffer from Buffer, whatever its length and
	// capacity now (the caller may have grown it, as Inflate does with
	// *b = Inflate(*b, ...)). Neither the buffer nor any slice of its
	// array may be used after Release.
	Release(b *[]byte)
}

// Decompressor is the whole port: Inflate, and buffers to inflate into
// whose number is bounded.
type Decompressor interface {
	Inflater
	Buffers
}
