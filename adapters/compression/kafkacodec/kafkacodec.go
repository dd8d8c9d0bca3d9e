// Package kafkacodec is the broker's one bounded decompressor of Kafka
// record batches (ports/compression): gzip, snappy (raw, or the Java
// client's xerial framing), lz4 frames and zstd, for produce validation,
// schema validation, legacy up-conversion, down-conversion and ListOffsets
// by timestamp in the Kafka adapter, and for the indexing pipeline.
//
// Every codec streams through a limit, so a compression bomb costs at most
// the limit in memory before it is refused, read into pooled chunks that
// the next decompression reuses (snappy's decoded length is read from its
// header and checked before anything is allocated; a zstd frame's declared
// size and window are checked before its history is allocated). Readers
// and zstd decoders are pooled; output buffers (Buffer) are pooled up to
// pooledBufferMax, and at most Codec.Slots of them are lent at once.
package kafkacodec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/compression"
)

const (
	// pooledBufferMax: larger output buffers are left to the GC rather
	// than kept in the pool.
	pooledBufferMax = 4 << 20
	// zstdMaxWindow bounds the history a zstd frame may ask for: 128 MiB
	// is zstd's own default limit (windowLog 27) and what the Java client
	// reads. A frame may not declare a window above the decompression
	// limit either (rounded up to a power of two: see zstdPool).
	zstdMaxWindow = 128 << 20
)

// errTooLarge wraps log.ErrTooLarge: MESSAGE_TOO_LARGE for a Kafka client.
var errTooLarge = fmt.Errorf("%w: records decompress to more than the broker accepts", log.ErrTooLarge)

// Reader pools, shared by every Codec: they hold no limit and no state
// between calls.
var (
	gzipReaders = sync.Pool{New: func() any { return new(gzipReader) }}
	lz4Readers  = sync.Pool{New: func() any { return &lz4Reader{r: lz4.NewReader(nil)} }}
	// zstdPools holds a pool of decoders per power of two of the limit
	// (in practice one or two: the node's setting, and the indexing
	// pipeline's).
	zstdPools sync.Map // int -> *sync.Pool of *zstdReader
)

// Codec is a compression.Decompressor. Its methods are safe for
// concurrent use. The zero value is not usable: create one with New.
type Codec struct {
	// slots bounds how many buffers are lent at once, so that
	// concurrent bombs cost at most this many times the limit.
	slots   chan struct{}
	buffers sync.Pool // of *[]byte
}

// Compile-time check that Codec is the port.
var _ compression.Decompressor = (*Codec)(nil)

// New returns a Codec that lends at most max(2, GOMAXPROCS) buffers at
// once: decompression is CPU work, so more buffers than cores would add
// memory, not throughput. A node builds one, so the bound is node-wide.
func New() *Codec { return newCodec(max(2, runtime.GOMAXPROCS(0))) }

func newCodec(slots int) *Codec {
	return &Codec{slots: make(chan struct{}, slots), buffers: sync.Pool{New: func() any { return new([]byte) }}}
}

// Slots is the number of buffers the Codec lends at once.
func (c *Codec) Slots() int { return cap(c.slots) }

// Buffer waits for a free slot and returns an empty pooled buffer; give
// it back with Release. A holder never waits for a second slot and does
// no I/O while it holds one, so waiting cannot deadlock.
func (c *Codec) Buffer() *[]byte {
	c.slots <- struct{}{}
	b := c.buffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// Release gives back a buffer from Buffer and its slot; buffers grown
// past pooledBufferMax are left to the GC. A Release with no buffer lent
// is a broken invariant (a second Release of one buffer): it panics
// rather than waiting forever.
func (c *Codec) Release(b *[]byte) {
	select {
	case <-c.slots:
	default:
		panic("kafkacodec: Release of a buffer the Codec did not lend")
	}
	if cap(*b) <= pooledBufferMax {
		c.buffers.Put(b)
	}
}

// Inflate appends the decompression of src with codec to dst and returns
// it (see compression.Inflater for the contract). More than limit bytes
// of output wraps log.ErrTooLarge; data that does not decompress, or an
// unknown codec, wraps record.ErrInvalidRecord. A dst from Buffer keeps
// the output within the slots' bound; any other dst works too.
func (c *Codec) Inflate(dst, src []byte, codec int8, limit int) ([]byte, error) {
	limit = max(limit, 0)
	var (
		out []byte
		err error
	)
	switch codec {
	case compression.None:
		if len(src) > limit {
			return dst, fmt.Errorf("%w (%d uncompressed bytes, more than %d)", errTooLarge, len(src), limit)
		}
		return append(dst, src...), nil
	case compression.Gzip:
		r := gzipReaders.Get().(*gzipReader)
		r.src.Reset(src)
		if err = r.r.Reset(&r.src); err == nil {
			out, err = readLimited(dst, &r.r, limit)
		}
		r.src.Reset(nil)
		gzipReaders.Put(r)
	case compression.Snappy:
		out, err = unsnappy(dst, src, limit)
	case compression.LZ4:
		r := lz4Readers.Get().(*lz4Reader)
		r.src.Reset(src)
		r.r.Reset(&r.src)
		out, err = readLimited(dst, r.r, limit)
		r.r.Reset(nil)
		r.src.Reset(nil)
		lz4Readers.Put(r)
	case compression.Zstd:
		pool := zstdPool(limit)
		d := pool.Get().(*zstdReader)
		d.src.Reset(src)
		if err = d.d.Reset(&d.src); err == nil {
			out, err = readLimited(dst, d.d, limit)
		}
		_ = d.d.Reset(nil)
		d.src.Reset(nil)
		pool.Put(d)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			err = errTooLarge
		}
	default:
		return dst, fmt.Errorf("%w: unknown compression codec %d", record.ErrInvalidRecord, codec)
	}
	switch {
	case errors.Is(err, errTooLarge):
		return dst, fmt.Errorf("%w (%s records of %d bytes decompress to more than %d)", errTooLarge, compression.Name(codec), len(src), limit)
	case err != nil:
		return dst, fmt.Errorf("%w: %s records of %d bytes do not decompress: %v", record.ErrInvalidRecord, compression.Name(codec), len(src), err)
	}
	return out, nil
}

// zstdPool returns the pool of stream decoders for limit: they refuse a
// frame that declares more content or a larger window than limit before
// allocating its history (streaming allocates the window; DecodeAll, which
// needs none, grows its output past the limit before it stops: measured
// 359 MiB against 137 MiB for a 1 GiB bomb and a 64 MiB limit).
// Concurrency 1 decodes synchronously: no goroutines, so a pooled decoder
// the GC drops leaks nothing.
//
// Pools are kept per power of two at or above limit, and at least zstd's
// smallest window (1 KiB: the decoder counts every frame's window as at
// least that, so a smaller bound would refuse the tiniest frame), so
// callers passing many different limits make at most a few dozen pools;
// readLimited still stops at limit itself. A limit that is a power of two
// of 1 KiB or more (the default 64 MiB) is exact.
func zstdPool(limit int) *sync.Pool {
	key := max(poolLimit(limit), zstd.MinWindowSize)
	if p, ok := zstdPools.Load(key); ok {
		return p.(*sync.Pool)
	}
	p, _ := zstdPools.LoadOrStore(key, &sync.Pool{New: func() any {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(key)), zstd.WithDecoderMaxWindow(min(uint64(key), zstdMaxWindow)))
		if err != nil {
			panic(err) // the options are in range
		}
		return &zstdReader{d: d}
	}})
	return p.(*sync.Pool)
}

// poolLimit is the smallest power of two at or above limit (limit itself
// when none fits in an int).
func poolLimit(limit int) int {
	if limit <= 1 {
		return 1
	}
	n := 1 << bits.Len(uint(limit-1))
	if n <= 0 {
		return limit
	}
	return n
}

// Pooled readers keep the bytes.Reader they read from, so that a
// decompression allocates none.
type (
	gzipReader struct {
		r   gzip.Reader
		src bytes.Reader
	}
	lz4Reader struct {
		r   *lz4.Reader
		src bytes.Reader
	}
	zstdReader struct {
		d   *zstd.Decoder
		src bytes.Reader
	}
)

// readLimited appends all of r to dst, failing once more than limit bytes
// have come. It fills dst's spare capacity first (a pooled buffer usually
// holds a batch); what does not fit goes into pooled chunks, copied into
// one exact allocation at the end. So a bomb is refused after reading
// limit+1 bytes into reused chunks, leaving no garbage, and a large batch
// costs one allocation of its size rather than a doubling series.
func readLimited(dst []byte, r io.Reader, limit int) ([]byte, error) {
	start := len(dst)
	for len(dst) < cap(dst) {
		room := dst[len(dst):cap(dst)]
		room = room[:min(len(room), limit+1-(len(dst)-start))]
		n, err := r.Read(room)
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst[:start], errTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], err
		}
	}
	var chunks []*[]byte
	defer func() {
		for _, c := range chunks {
			*c = (*c)[:cap(*c)]
			chunkPool.Put(c)
		}
	}()
	total := len(dst) - start
	for done := false; !done; {
		c := chunkPool.Get().(*[]byte)
		chunks = append(chunks, c)
		// Fill the chunk, one byte past the limit at most.
		buf := (*c)[:min(len(*c), limit+1-total)]
		n := 0
		for n < len(buf) {
			m, err := r.Read(buf[n:])
			n += m
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				return dst[:start], err
			}
		}
		*c = (*c)[:n]
		total += n
		if total > limit {
			return dst[:start], errTooLarge
		}
		if !done && n < chunkSize { // the limit stopped the chunk short
			var one [1]byte
			for {
				m, err := r.Read(one[:])
				if m > 0 {
					return dst[:start], errTooLarge
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					return dst[:start], err
				}
			}
			done = true
		}
	}
	dst = slices.Grow(dst, total-(len(dst)-start))
	for _, c := range chunks {
		dst = append(dst, *c...)
	}
	return dst, nil
}

// chunkPool holds the chunks readLimited reads past a buffer's capacity.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

const chunkSize = 1 << 20

// xerialMagic starts snappy data in the Java client's xerial framing.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// unsnappy decodes raw snappy or xerial-framed snappy (blocks of a 4-byte
// big-endian length and a raw snappy block after a 16-byte header). Every
// block's decoded length is read from its header and summed against limit
// before anything is decoded.
func unsnappy(dst, src []byte, limit int) ([]byte, error) {
	if len(src) < 16 || !bytes.HasPrefix(src, xerialMagic) {
		n, err := s2.DecodedLen(src)
		if err != nil {
			return dst, err
		}
		if n > limit {
			return dst, errTooLarge
		}
		return snappyBlock(dst, src, n)
	}
	blocks := src[16:]
	total := 0
	for rest := blocks; len(rest) > 0; {
		block, next, err := xerialBlock(rest)
		if err != nil {
			return dst, err
		}
		n, err := s2.DecodedLen(block)
		if err != nil {
			return dst, err
		}
		if total += n; total > limit {
			return dst, errTooLarge
		}
		rest = next
	}
	if free := cap(dst) - len(dst); free < total {
		dst = append(dst[:cap(dst)], make([]byte, total-free)...)[:len(dst)]
	}
	for len(blocks) > 0 {
		block, next, _ := xerialBlock(blocks)
		n, _ := s2.DecodedLen(block)
		var err error
		if dst, err = snappyBlock(dst, block, n); err != nil {
			return dst, err
		}
		blocks = next
	}
	return dst, nil
}

func xerialBlock(b []byte) (block, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("xerial snappy: truncated block length")
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, errors.New("xerial snappy: block runs past the data")
	}
	return b[4 : 4+n], b[4+n:], nil
}

// snappyBlock decodes one raw block of decoded length n onto dst.
func snappyBlock(dst, block []byte, n int) ([]byte, error) {
	if free := cap(dst) - len(dst); free < n {
		dst = append(dst[:cap(dst)], make([]byte, n-free)...)[:len(dst)]
	}
	out, err := s2.Decode(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return dst, err
	}
	if len(out) != n {
		return dst, errors.New("snappy: decoded length differs from its header")
	}
	return dst[:len(dst)+n], nil
}
