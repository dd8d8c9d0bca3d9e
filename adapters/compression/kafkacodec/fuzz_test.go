package kafkacodec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/compression"
)

// FuzzInflate: any bytes, with any codec id and limit, inflate without a
// panic to at most limit bytes after dst's, or fail with one of the
// port's two errors leaving dst's bytes; a success inflates the same
// again into a lent buffer (pooled state does not leak between calls),
// and at a limit of exactly its size.
func FuzzInflate(f *testing.F) {
	data := bytes.Repeat([]byte("fuzzed records "), 300)
	for _, codec := range []int8{compression.Gzip, compression.Snappy, compression.LZ4, compression.Zstd} {
		src := compress(&testing.T{}, codec, data)
		f.Add(src, codec, uint32(len(data)))
		f.Add(src, codec, uint32(len(data)-1))
		f.Add(src[:len(src)/2], codec, uint32(len(data)))
	}
	xerial := append(append([]byte{}, xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 1)
	block := s2.EncodeSnappy(nil, data)
	xerial = append(binary.BigEndian.AppendUint32(xerial, uint32(len(block))), block...)
	f.Add(xerial, int8(compression.Snappy), uint32(len(data)))
	f.Add([]byte("plain"), int8(compression.None), uint32(10))
	f.Add([]byte("plain"), int8(9), uint32(10))
	f.Fuzz(func(t *testing.T, src []byte, codec int8, limit32 uint32) {
		limit := int(limit32 % (4 << 20))
		prefix := []byte("kept")
		orig := bytes.Clone(src)
		out, err := kc.Inflate(bytes.Clone(prefix), src, codec, limit)
		if !bytes.Equal(src, orig) {
			t.Fatal("src was modified")
		}
		if err != nil {
			if !errors.Is(err, log.ErrTooLarge) && !errors.Is(err, record.ErrInvalidRecord) {
				t.Fatalf("error %v wraps neither log.ErrTooLarge nor record.ErrInvalidRecord", err)
			}
			if !bytes.Equal(out, prefix) {
				t.Fatalf("after an error, returned %d bytes, want dst's %d", len(out), len(prefix))
			}
			return
		}
		if !bytes.HasPrefix(out, prefix) || len(out)-len(prefix) > limit {
			t.Fatalf("%d bytes out at a limit of %d, prefix kept %v", len(out)-len(prefix), limit, bytes.HasPrefix(out, prefix))
		}
		got := out[len(prefix):]
		buf := kc.Buffer()
		defer kc.Release(buf)
		again, err := kc.Inflate(*buf, src, codec, limit)
		*buf = again
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("inflating again into a lent buffer: %d bytes, %v; first %d bytes", len(again), err, len(got))
		}
		// At a limit of exactly its size; a zstd frame may declare a
		// window above that, which the port lets an adapter refuse.
		exact, err := kc.Inflate(nil, src, codec, len(got))
		if (err != nil || !bytes.Equal(exact, got)) && !(codec == compression.Zstd && errors.Is(err, log.ErrTooLarge)) {
			t.Fatalf("inflating again at a limit of its %d bytes: %d bytes, %v", len(got), len(exact), err)
		}
	})
}
