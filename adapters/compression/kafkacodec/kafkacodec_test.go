package kafkacodec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/compression"
)

// kc is the Codec the tests share, as a node does.
var kc = New()

// zeroBomb compresses n zero bytes with codec, streaming, so the test
// itself never holds them.
func zeroBomb(t testing.TB, codec int8, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	var w io.WriteCloser
	switch codec {
	case compression.Gzip:
		w, _ = gzip.NewWriterLevel(&out, gzip.BestSpeed)
	case compression.LZ4:
		w = lz4.NewWriter(&out)
	case compression.Zstd:
		w, _ = zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedFastest))
	case compression.Snappy:
		// Raw snappy holds one block: the bomb is xerial framing, many
		// blocks of 32 KiB zeros, each a few bytes.
		block := s2.EncodeSnappy(nil, make([]byte, 32<<10))
		out.Write(xerialMagic)
		out.Write([]byte{0, 0, 0, 1, 0, 0, 0, 1})
		for range n / (32 << 10) {
			out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(block))))
			out.Write(block)
		}
		return out.Bytes()
	}
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// allocated is the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecompressRefusesBombsWithinTheLimit(t *testing.T) {
	const limit = 4 << 20
	const bomb = 256 << 20
	for _, codec := range []int8{compression.Gzip, compression.Snappy, compression.LZ4, compression.Zstd} {
		t.Run(compression.Name(codec), func(t *testing.T) {
			src := zeroBomb(t, codec, bomb)
			var err error
			alloc := allocated(func() { _, err = kc.Inflate(nil, src, codec, limit) })
			if !errors.Is(err, log.ErrTooLarge) {
				t.Fatalf("a %d MiB bomb in %d bytes: %v, want log.ErrTooLarge", bomb>>20, len(src), err)
			}
			t.Logf("%d bytes of %s expanding to %d MiB: refused after allocating %d KiB", len(src), compression.Name(codec), bomb>>20, alloc>>10)
			if alloc > 4*limit {
				t.Errorf("allocated %d bytes, bound %d", alloc, 4*limit)
			}
		})
	}
	// A zstd frame may ask for a 128 MiB window: a stream decoder would
	// allocate it before writing a byte.
	var big bytes.Buffer
	w, _ := zstd.NewWriter(&big, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithWindowSize(128<<20))
	w.Write(make([]byte, 16<<20))
	w.Close()
	var err error
	if alloc := allocated(func() { _, err = kc.Inflate(nil, big.Bytes(), compression.Zstd, limit) }); !errors.Is(err, log.ErrTooLarge) || alloc > 4*limit {
		t.Fatalf("zstd frame with a 128 MiB window: %v after allocating %d KiB", err, alloc>>10)
	}
	// Raw snappy declares its decoded length: refused before decoding.
	raw := s2.EncodeSnappy(nil, make([]byte, 8<<20))
	if _, err := kc.Inflate(nil, raw, compression.Snappy, limit); !errors.Is(err, log.ErrTooLarge) {
		t.Fatalf("raw snappy over the limit: %v", err)
	}
}

func TestDecompressRoundTripsEveryCodec(t *testing.T) {
	data := bytes.Repeat([]byte("chronik records "), 20000)
	for codec, c := range map[int8]kgo.CompressionCodec{
		compression.Gzip: kgo.GzipCompression(), compression.Snappy: kgo.SnappyCompression(),
		compression.LZ4: kgo.Lz4Compression(), compression.Zstd: kgo.ZstdCompression(),
	} {
		comp, err := kgo.DefaultCompressor(c)
		if err != nil {
			t.Fatal(err)
		}
		src, used := comp.Compress(new(bytes.Buffer), data)
		if used != kgo.CompressionCodecType(codec) {
			t.Fatalf("compressor used codec %d for %d", used, codec)
		}
		src = bytes.Clone(src)
		prefix := []byte("kept")
		got, err := kc.Inflate(bytes.Clone(prefix), src, codec, len(data))
		if err != nil || !bytes.Equal(got, append(prefix, data...)) {
			t.Fatalf("%s: %d bytes, err %v", compression.Name(codec), len(got), err)
		}
		if _, err := kc.Inflate(nil, src, codec, len(data)-1); !errors.Is(err, log.ErrTooLarge) {
			t.Errorf("%s one byte over the limit: %v", compression.Name(codec), err)
		}
		if _, err := kc.Inflate(nil, src[:len(src)/2], codec, len(data)); !errors.Is(err, record.ErrInvalidRecord) {
			t.Errorf("%s cut short: %v", compression.Name(codec), err)
		}
	}
	// Xerial-framed snappy, as the Java client writes it.
	framed := append(append([]byte{}, xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 1)
	for _, part := range [][]byte{data[:1000], data[1000:]} {
		block := s2.EncodeSnappy(nil, part)
		framed = append(binary.BigEndian.AppendUint32(framed, uint32(len(block))), block...)
	}
	if got, err := kc.Inflate(nil, framed, compression.Snappy, len(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("xerial snappy: %d bytes, err %v", len(got), err)
	}
	if _, err := kc.Inflate(nil, []byte("not gzip at all"), compression.Gzip, 1<<20); !errors.Is(err, record.ErrInvalidRecord) {
		t.Fatalf("garbage as gzip: %v", err)
	}
}

func TestReadLimitedEdges(t *testing.T) {
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 2*chunkSize + 12345} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		for _, prefix := range [][]byte{nil, make([]byte, 3, 4096)} {
			got, err := readLimited(prefix, iotest.OneByteReader(bytes.NewReader(data)), size)
			if err != nil || !bytes.Equal(got[len(prefix):], data) || !bytes.Equal(got[:len(prefix)], prefix) {
				t.Fatalf("%d bytes at a limit of %d (prefix %d): %d bytes, err %v", size, size, len(prefix), len(got), err)
			}
			if size == 0 {
				continue
			}
			if _, err := readLimited(prefix, bytes.NewReader(data), size-1); !errors.Is(err, log.ErrTooLarge) {
				t.Fatalf("%d bytes at a limit of %d: %v", size, size-1, err)
			}
		}
	}
	if _, err := readLimited(nil, iotest.TimeoutReader(bytes.NewReader(make([]byte, 10))), 100); err == nil {
		t.Fatal("a reader's error was lost")
	}
}

// TestZstdPoolsStayFewWhateverTheLimits: callers may pass any limit; the
// decoder pools are kept per power of two, not per limit.
func TestZstdPoolsStayFewWhateverTheLimits(t *testing.T) {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	src := enc.EncodeAll([]byte("a few bytes of zstd"), nil)
	before := countPools()
	for limit := 1000; limit < 6000; limit++ {
		if _, err := kc.Inflate(nil, src, compression.Zstd, limit); err != nil {
			t.Fatal(err)
		}
	}
	if n := countPools() - before; n > 4 {
		t.Fatalf("5000 limits from 1000 to 5999 made %d new decoder pools, want at most 4 (1024, 2048, 4096, 8192)", n)
	}
	for limit, want := range map[int]int{-3: 1, 0: 1, 1: 1, 2: 2, 3: 4, 1000: 1024, 1024: 1024, 1025: 2048, 64 << 20: 64 << 20, 64<<20 + 1: 128 << 20} {
		if got := poolLimit(limit); got != want {
			t.Errorf("poolLimit(%d) = %d, want %d", limit, got, want)
		}
	}
}

func countPools() int {
	n := 0
	zstdPools.Range(func(any, any) bool { n++; return true })
	return n
}
