package segmentlog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/wal"
)

// FuzzWALDecode feeds arbitrary bytes to readWAL, the reader recovery uses:
// no panic, consumed <= input, every record lies inside the input, and
// re-reading the valid prefix gives the same records without error.
func FuzzWALDecode(f *testing.F) {
	batch := makeBatch(f, 1, 2, 3, 120)
	one := wal.Append{TopicID: testID, Partition: 3, Batch: batch}.AppendTo(nil)
	two := wal.Append{TopicID: otherID, Partition: 0, Batch: batch[:70]}.AppendTo(bytes.Clone(one))
	f.Add([]byte{})
	f.Add(one)
	f.Add(two)
	f.Add(two[:len(two)-1])
	f.Add(append(bytes.Clone(one), 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int
		consumed, err := readWAL(bytes.NewReader(data), int64(len(data)), func(rec wal.Append, pos int64) error {
			if pos < 0 || pos+int64(rec.EncodedSize()) > int64(len(data)) {
				t.Fatalf("record at %d of %d bytes is outside %d bytes of input", pos, rec.EncodedSize(), len(data))
			}
			n++
			return nil
		})
		if consumed < 0 || consumed > int64(len(data)) {
			t.Fatalf("consumed %d of %d bytes", consumed, len(data))
		}
		if err == nil && consumed != int64(len(data)) {
			t.Fatalf("no error but consumed %d of %d bytes", consumed, len(data))
		}
		if err != nil && !errors.Is(err, wal.ErrTorn) && !errors.Is(err, wal.ErrCorrupt) {
			t.Fatalf("error %v is neither torn nor corrupt", err)
		}
		var again int
		c2, err := readWAL(bytes.NewReader(data[:consumed]), consumed, func(wal.Append, int64) error { again++; return nil })
		if err != nil || c2 != consumed || again != n {
			t.Fatalf("re-reading the valid prefix: %d records, %d bytes, %v; first pass %d records", again, c2, err, n)
		}
	})
}

// FuzzIndexDecode feeds arbitrary bytes to both index decoders: no panic,
// and whatever decodes encodes back to the same bytes.
func FuzzIndexDecode(f *testing.F) {
	f.Add(EncodeOffsetIndex([]IndexEntry{{1, 4096}, {9, 8200}}))
	f.Add(EncodeTimeIndex([]TimeIndexEntry{{100, 0}, {250, 7}}))
	f.Add([]byte{1, 2, 3})
	f.Add(make([]byte, 24))
	f.Fuzz(func(t *testing.T, data []byte) {
		if idx, err := DecodeOffsetIndex(data); err == nil {
			if !bytes.Equal(EncodeOffsetIndex(idx), data) {
				t.Fatal("offset index does not round-trip")
			}
			for i := 1; i < len(idx); i++ {
				if idx[i].RelOffset <= idx[i-1].RelOffset || idx[i].Position <= idx[i-1].Position {
					t.Fatal("decoded entries are not increasing")
				}
			}
			_ = lookupPosition(idx, 5)
		}
		if times, err := DecodeTimeIndex(data); err == nil {
			if !bytes.Equal(EncodeTimeIndex(times), data) {
				t.Fatal("time index does not round-trip")
			}
		}
	})
}

// FuzzSegmentScan feeds arbitrary bytes to the segment scanner recovery
// uses on the active segment: no panic, the valid prefix ends inside the
// input, and it holds whole, CRC-valid, contiguous batches.
func FuzzSegmentScan(f *testing.F) {
	a := makeBatch(f, 1, 2, 3, 100)
	b := makeBatch(f, 2, 1, 3, 90)
	record.SetBaseOffset(b, 2)
	f.Add(append(bytes.Clone(a), b...), int64(0))
	f.Add(a[:80], int64(0))
	f.Add(a, int64(5))
	f.Fuzz(func(t *testing.T, data []byte, base int64) {
		base &= 1<<40 - 1
		for _, verify := range []bool{true, false} {
			res, err := scanBatches(bytes.NewReader(data), int64(len(data)), base, verify, nil)
			if err != nil {
				t.Fatalf("I/O error from a bytes.Reader: %v", err)
			}
			if res.end < 0 || res.end > int64(len(data)) || (res.bad == nil) != (res.end == int64(len(data))) {
				t.Fatalf("scan ended at %d of %d (bad: %v)", res.end, len(data), res.bad)
			}
			if !verify {
				continue
			}
			next := base
			rest, err := record.Split(data[:res.end], func(h record.Header, batch []byte) error {
				if h.BaseOffset != next {
					t.Fatalf("batch at %d, want %d", h.BaseOffset, next)
				}
				next = h.NextOffset()
				return record.Verify(batch)
			})
			if err != nil || len(rest) != 0 || next != res.next {
				t.Fatalf("valid prefix does not split cleanly: %v, %d left, next %d vs %d", err, len(rest), next, res.next)
			}
		}
	})
}
