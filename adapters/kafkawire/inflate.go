package kafkawire

// Bounded decompression: the one place the broker decompresses records,
// for produce validation, schema validation, legacy up-conversion,
// down-conversion and ListOffsets by timestamp. Every codec streams
// through a limit, so a compression bomb costs at most the limit in
// memory before it is refused, read into pooled chunks that the next
// decompression reuses (snappy's decoded length is read from its header
// and checked before anything is allocated; a zstd frame's declared size
// and window are checked before its history is allocated). Readers and
// zstd decoders are pooled; output buffers are pooled up to
// pooledBufferMax, and at most len(inflateSlots) of them are live at once.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
)

// DefaultMaxUncompressedBatchBytes bounds what one compressed batch (or
// one legacy compressed message) may decompress to, and what one Fetch
// response's down-conversion may produce.
const DefaultMaxUncompressedBatchBytes = 64 << 20

const (
	codecGzip   = 1
	codecSnappy = 2

	// pooledBufferMax: larger decompression buffers are left to the GC
	// rather than kept in the pool.
	pooledBufferMax = 4 << 20
	// zstdMaxWindow bounds the history a zstd frame may ask for: 128 MiB
	// is zstd's own default limit (windowLog 27) and what the Java client
	// reads. A frame may not declare a window above the decompression
	// limit either.
	zstdMaxWindow = 128 << 20
)

// errUncompressedTooLarge wraps log.ErrTooLarge: MESSAGE_TOO_LARGE.
var errUncompressedTooLarge = fmt.Errorf("%w: records decompress to more than the broker accepts", log.ErrTooLarge)

var (
	gzipReaders = sync.Pool{New: func() any { return new(gzipReader) }}
	lz4Readers  = sync.Pool{New: func() any { return &lz4Reader{r: lz4.NewReader(nil)} }}
	// zstdPools holds a pool of decoders per limit (in practice one: the
	// node's setting).
	zstdPools sync.Map // int -> *sync.Pool of *zstdReader
	buffers   = sync.Pool{New: func() any { return new([]byte) }}
)

// inflateSlots bounds how many decompression buffers are live at once
// across the node, so that concurrent bombs cost at most this many times
// the limit. Decompression is CPU work: more slots than cores would add
// memory, not throughput. A holder never waits for a second slot and does
// no I/O while it holds one, so waiting cannot deadlock.
var inflateSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// getBuffer waits for a decompression slot and returns an empty pooled
// buffer; give both back with putBuffer.
func getBuffer() *[]byte {
	inflateSlots <- struct{}{}
	b := buffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

func putBuffer(b *[]byte) {
	if cap(*b) <= pooledBufferMax {
		buffers.Put(b)
	}
	<-inflateSlots
}

// decompress appends the decompression of src with codec to dst (a
// buffer from getBuffer, so that the slots bound it) and
// returns it. More than limit bytes of output is errUncompressedTooLarge;
// data that does not decompress wraps record.ErrInvalidRecord.
func decompress(dst, src []byte, codec int8, limit int) ([]byte, error) {
	var (
		out []byte
		err error
	)
	switch codec {
	case codecNone:
		if len(src) > limit {
			return dst, errUncompressedTooLarge
		}
		return append(dst, src...), nil
	case codecGzip:
		r := gzipReaders.Get().(*gzipReader)
		r.src.Reset(src)
		if err = r.r.Reset(&r.src); err == nil {
			out, err = readLimited(dst, &r.r, limit)
		}
		r.src.Reset(nil)
		gzipReaders.Put(r)
	case codecSnappy:
		out, err = unsnappy(dst, src, limit)
	case codecLZ4:
		r := lz4Readers.Get().(*lz4Reader)
		r.src.Reset(src)
		r.r.Reset(&r.src)
		out, err = readLimited(dst, r.r, limit)
		r.r.Reset(nil)
		r.src.Reset(nil)
		lz4Readers.Put(r)
	case codecZstd:
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
			err = errUncompressedTooLarge
		}
	default:
		return dst, fmt.Errorf("%w: unknown compression codec %d", record.ErrInvalidRecord, codec)
	}
	switch {
	case errors.Is(err, errUncompressedTooLarge):
		return dst, fmt.Errorf("%w (%s records of %d bytes decompress to more than %d)", errUncompressedTooLarge, codecName(codec), len(src), limit)
	case err != nil:
		return dst, fmt.Errorf("%w: %s records of %d bytes do not decompress: %v", record.ErrInvalidRecord, codecName(codec), len(src), err)
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
func zstdPool(limit int) *sync.Pool {
	if p, ok := zstdPools.Load(limit); ok {
		return p.(*sync.Pool)
	}
	p, _ := zstdPools.LoadOrStore(limit, &sync.Pool{New: func() any {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(max(limit, 1))), zstd.WithDecoderMaxWindow(min(uint64(max(limit, zstd.MinWindowSize)), zstdMaxWindow)))
		if err != nil {
			panic(err) // the options are in range
		}
		return &zstdReader{d: d}
	}})
	return p.(*sync.Pool)
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
			return dst[:start], errUncompressedTooLarge
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
			return dst[:start], errUncompressedTooLarge
		}
		if !done && n < chunkSize { // the limit stopped the chunk short
			var one [1]byte
			for {
				m, err := r.Read(one[:])
				if m > 0 {
					return dst[:start], errUncompressedTooLarge
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
			return dst, errUncompressedTooLarge
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
			return dst, errUncompressedTooLarge
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
