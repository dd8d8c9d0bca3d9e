package kafkacodec

import (
	"bytes"
	"testing"
	"testing/synctest"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/ports/compression"
	"github.com/chronik-stream/chronik/ports/compression/compressiontest"
)

// The indexing pipeline decompresses through the same Codec (bootstrap
// binds it once the pipeline is built).
var _ indexing.Inflater = (*Codec)(nil)

func TestConformance(t *testing.T) {
	compressiontest.Run(t, func(t *testing.T) compression.Decompressor { return New() }, compress)
}

// compress compresses data with codec as franz-go's producer does (raw
// snappy; xerial framing is tested on its own, and zstd frames that
// declare their size, with a 64 KiB window).
func compress(t *testing.T, codec int8, data []byte) []byte {
	t.Helper()
	c, err := kgo.DefaultCompressor(map[int8]kgo.CompressionCodec{
		compression.Gzip: kgo.GzipCompression(), compression.Snappy: kgo.SnappyCompression(),
		compression.LZ4: kgo.Lz4Compression(), compression.Zstd: kgo.ZstdCompression(),
	}[codec])
	if err != nil || c == nil {
		t.Fatalf("no compressor for codec %d: %v", codec, err)
	}
	out, used := c.Compress(new(bytes.Buffer), data)
	if used != kgo.CompressionCodecType(codec) {
		t.Fatalf("compressor used codec %d for %d", used, codec)
	}
	return bytes.Clone(out)
}

// TestBuffersLendAtMostSlots: the slots-th+1 Buffer waits until one is
// released, so concurrent bombs cost at most slots times the limit.
func TestBuffersLendAtMostSlots(t *testing.T) {
	if n := New().Slots(); n < 2 {
		t.Fatalf("New lends %d buffers at once, want at least 2", n)
	}
	synctest.Test(t, func(t *testing.T) {
		c := newCodec(3)
		held := []*[]byte{c.Buffer(), c.Buffer(), c.Buffer()}
		got := make(chan *[]byte)
		go func() { got <- c.Buffer() }()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("a fourth buffer was lent while three were held")
		default:
		}
		*held[1] = make([]byte, pooledBufferMax+1) // too large to pool: its slot still comes back
		c.Release(held[1])
		b := <-got
		if len(*b) != 0 {
			t.Fatalf("lent a buffer of %d bytes, want an empty one", len(*b))
		}
		c.Release(b)
		c.Release(held[0])
		c.Release(held[2])
		for range 3 { // every slot is free again
			defer c.Release(c.Buffer())
		}
	})
	c := newCodec(1)
	b := c.Buffer()
	c.Release(b)
	defer func() {
		if recover() == nil {
			t.Fatal("a second Release of one buffer did not panic")
		}
	}()
	c.Release(b)
}
