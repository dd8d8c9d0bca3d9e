// Package compressiontest is the conformance suite of the compression
// port. Every compression.Decompressor adapter runs it from its own tests,
// passing a compressor for the suite's inputs (so that the suite needs no
// codec library):
//
//	func TestConformance(t *testing.T) {
//		compressiontest.Run(t, func(t *testing.T) compression.Decompressor { return kafkacodec.New() }, compress)
//	}
//
// Beyond the port's doc comments, the suite pins down these behaviours:
//   - a limit equal to the output's size is enough; one byte less fails;
//   - empty output fits a limit of 0, and a negative limit acts as 0;
//   - after an error the returned slice still holds dst's bytes;
//   - src is never modified;
//   - buffers come back empty, whatever their holder did with them;
//   - many goroutines may inflate into lent buffers at once.
package compressiontest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/compression"
)

// Compress returns data compressed with codec (gzip, snappy, lz4 or zstd)
// as a Kafka client compresses a batch's records.
type Compress func(t *testing.T, codec int8, data []byte) []byte

// Codecs are the codecs every adapter decompresses.
var Codecs = []int8{compression.None, compression.Gzip, compression.Snappy, compression.LZ4, compression.Zstd}

// Run runs the conformance suite. open returns a new decompressor for each
// subtest.
func Run(t *testing.T, open func(t *testing.T) compression.Decompressor, compress Compress) {
	t.Helper()
	in := func(t *testing.T, codec int8, data []byte) []byte {
		t.Helper()
		if codec == compression.None {
			return bytes.Clone(data)
		}
		return compress(t, codec, data)
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, d compression.Decompressor, in Compress)
	}{
		{"round_trip_every_codec", testRoundTrip},
		{"limit_is_exact", testLimit},
		{"empty_output_and_negative_limit", testEmpty},
		{"corrupt_input", testCorrupt},
		{"unknown_codec", testUnknownCodec},
		{"src_is_not_modified", testSrcUntouched},
		{"buffers_come_back_empty", testBuffers},
		{"concurrent_use", testConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := open(t)
			if d == nil {
				t.Fatal("open returned a nil decompressor")
			}
			tc.fn(t, d, in)
		})
	}
}

// sample is compressible data of n bytes that is not all one byte.
func sample(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "chronik records, "[i%17] + byte(i/4096)
	}
	return b
}

func testRoundTrip(t *testing.T, d compression.Decompressor, in Compress) {
	for _, size := range []int{1, 1000, 300 << 10} {
		data := sample(size)
		for _, codec := range Codecs {
			src := in(t, codec, data)
			prefix := []byte("kept")
			got, err := d.Inflate(bytes.Clone(prefix), src, codec, size)
			if err != nil || !bytes.Equal(got, append(bytes.Clone(prefix), data...)) {
				t.Fatalf("%s, %d bytes: got %d bytes, err %v; want the prefix and the data", compression.Name(codec), size, len(got), err)
			}
			// Into spare capacity, as a caller with a lent buffer does.
			dst := make([]byte, 0, size+10)
			if got, err = d.Inflate(dst, src, codec, size); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s, %d bytes into spare capacity: got %d bytes, err %v", compression.Name(codec), size, len(got), err)
			}
			if &got[0] != &dst[:1][0] {
				t.Errorf("%s: output of %d bytes did not use dst's spare capacity of %d", compression.Name(codec), size, cap(dst))
			}
		}
	}
}

func testLimit(t *testing.T, d compression.Decompressor, in Compress) {
	data := sample(70000)
	for _, codec := range Codecs {
		src := in(t, codec, data)
		if _, err := d.Inflate(nil, src, codec, len(data)); err != nil {
			t.Fatalf("%s at a limit of exactly its %d bytes: %v", compression.Name(codec), len(data), err)
		}
		for _, limit := range []int{len(data) - 1, len(data) / 2, 1} {
			prefix := []byte("kept")
			dst := append(make([]byte, 0, 16), prefix...)
			got, err := d.Inflate(dst, src, codec, limit)
			if !errors.Is(err, log.ErrTooLarge) {
				t.Fatalf("%s, %d bytes at a limit of %d: %v, want log.ErrTooLarge", compression.Name(codec), len(data), limit, err)
			}
			if !bytes.Equal(got, prefix) {
				t.Fatalf("%s over the limit returned %q, want dst's bytes %q", compression.Name(codec), got, prefix)
			}
		}
	}
}

func testEmpty(t *testing.T, d compression.Decompressor, in Compress) {
	for _, codec := range Codecs {
		src := in(t, codec, nil)
		if got, err := d.Inflate(nil, src, codec, 0); err != nil || len(got) != 0 {
			t.Errorf("%s of nothing at a limit of 0: %d bytes, %v", compression.Name(codec), len(got), err)
		}
		if _, err := d.Inflate(nil, in(t, codec, []byte("x")), codec, -5); !errors.Is(err, log.ErrTooLarge) {
			t.Errorf("%s of one byte at a limit of -5: %v, want log.ErrTooLarge", compression.Name(codec), err)
		}
	}
}

func testCorrupt(t *testing.T, d compression.Decompressor, in Compress) {
	data := sample(50000)
	garbage := bytes.Repeat([]byte("\xffnot compressed at all\x00"), 8)
	for _, codec := range Codecs[1:] {
		src := in(t, codec, data)
		// No src is not a frame, but some formats read it as no frames.
		if got, err := d.Inflate(nil, nil, codec, 100); !(err == nil && len(got) == 0) && !errors.Is(err, record.ErrInvalidRecord) {
			t.Errorf("%s of no bytes: %d bytes, %v; want nothing or record.ErrInvalidRecord", compression.Name(codec), len(got), err)
		}
		for name, bad := range map[string][]byte{
			"cut_short": src[:len(src)/2],
			"garbage":   garbage,
		} {
			prefix := []byte("kept")
			got, err := d.Inflate(bytes.Clone(prefix), bad, codec, len(data))
			if !errors.Is(err, record.ErrInvalidRecord) {
				t.Errorf("%s %s: %v, want record.ErrInvalidRecord", compression.Name(codec), name, err)
			}
			if err != nil && !bytes.Equal(got, prefix) {
				t.Errorf("%s %s: returned %q after the error, want dst's bytes", compression.Name(codec), name, got)
			}
		}
	}
}

func testUnknownCodec(t *testing.T, d compression.Decompressor, _ Compress) {
	for _, codec := range []int8{5, 7, -1, 127} {
		if _, err := d.Inflate(nil, []byte("abc"), codec, 100); !errors.Is(err, record.ErrInvalidRecord) {
			t.Errorf("codec %d: %v, want record.ErrInvalidRecord", codec, err)
		}
	}
}

func testSrcUntouched(t *testing.T, d compression.Decompressor, in Compress) {
	data := sample(100000)
	for _, codec := range Codecs {
		src := in(t, codec, data)
		want := bytes.Clone(src)
		for _, limit := range []int{len(data), 10} {
			buf := d.Buffer()
			*buf, _ = d.Inflate(*buf, src, codec, limit)
			d.Release(buf)
			if !bytes.Equal(src, want) {
				t.Fatalf("%s at a limit of %d modified src", compression.Name(codec), limit)
			}
		}
	}
}

func testBuffers(t *testing.T, d compression.Decompressor, in Compress) {
	src := in(t, compression.LZ4, sample(200000))
	for i := range 20 {
		b := d.Buffer()
		if b == nil || len(*b) != 0 {
			t.Fatalf("Buffer %d: %v, want an empty buffer", i, b)
		}
		var err error
		if *b, err = d.Inflate(*b, src, compression.LZ4, 1<<20); err != nil || len(*b) != 200000 {
			t.Fatalf("inflating into buffer %d: %d bytes, %v", i, len(*b), err)
		}
		if i%3 == 0 {
			*b = append(*b, make([]byte, 5<<20)...) // grown past any pooling bound
		}
		d.Release(b)
	}
}

func testConcurrent(t *testing.T, d compression.Decompressor, in Compress) {
	data := sample(100000)
	srcs := make(map[int8][]byte)
	for _, codec := range Codecs {
		srcs[codec] = in(t, codec, data)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				codec := Codecs[(g+i)%len(Codecs)]
				b := d.Buffer()
				out, err := d.Inflate(*b, srcs[codec], codec, len(data))
				ok := err == nil && bytes.Equal(out, data)
				*b = out
				d.Release(b)
				if !ok {
					errs <- fmt.Errorf("goroutine %d, %s: %d bytes, %v", g, compression.Name(codec), len(out), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
