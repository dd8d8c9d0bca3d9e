package record

import (
	"encoding/binary"
	"errors"
	"testing"
)

// batch builds a v2 batch with opaque record bytes.
func batch(records int, ts int64, pid int64, seq int32, body []byte) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(body))
	b = append(b, body...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-LengthPrefix))
	binary.BigEndian.PutUint32(b[12:], 0xffffffff)
	b[16] = 2
	binary.BigEndian.PutUint32(b[23:], uint32(records-1))
	binary.BigEndian.PutUint64(b[27:], uint64(ts))
	binary.BigEndian.PutUint64(b[35:], uint64(ts))
	binary.BigEndian.PutUint64(b[43:], uint64(pid))
	binary.BigEndian.PutUint32(b[53:], uint32(seq))
	binary.BigEndian.PutUint32(b[57:], uint32(records))
	binary.BigEndian.PutUint32(b[17:], Checksum(b[21:]))
	return b
}

func TestParseAndVerify(t *testing.T) {
	b := batch(3, 1000, 7, 10, []byte("records"))
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Size() != len(b) || h.LastOffsetDelta != 2 || h.ProducerID != 7 || h.LastSequence() != 12 || h.MaxTimestamp != 1000 {
		t.Fatalf("header %+v", h)
	}
	if err := Verify(b); err != nil {
		t.Fatal(err)
	}
	SetBaseOffset(b, 500)
	SetLeaderEpoch(b, 3)
	if err := Verify(b); err != nil {
		t.Fatalf("base offset and leader epoch are outside the CRC: %v", err)
	}
	if h, _ := ParseHeader(b); h.BaseOffset != 500 || h.NextOffset() != 503 {
		t.Fatalf("after SetBaseOffset: %+v", h)
	}
	SetLogAppendTime(b, 99)
	if err := Verify(b); err != nil {
		t.Fatalf("SetLogAppendTime left a bad CRC: %v", err)
	}
	if h, _ := ParseHeader(b); h.MaxTimestamp != 99 || h.Attributes&AttrLogAppendTime == 0 {
		t.Fatalf("after SetLogAppendTime: %+v", h)
	}
	b[len(b)-1] ^= 1
	if err := Verify(b); !errors.Is(err, ErrChecksum) {
		t.Fatalf("flipped byte: %v", err)
	}
}

func TestSequenceWraps(t *testing.T) {
	h := Header{BaseSequence: 1<<31 - 2, LastOffsetDelta: 3}
	if got := h.LastSequence(); got != 1 {
		t.Fatalf("last sequence %d, want 1", got)
	}
}

func TestSplit(t *testing.T) {
	a, b := batch(1, 1, -1, -1, []byte("a")), batch(2, 2, -1, -1, []byte("bb"))
	all := append(append(append([]byte{}, a...), b...), b[:20]...)
	var sizes []int
	rest, err := Split(all, func(h Header, raw []byte) error {
		sizes = append(sizes, len(raw))
		return nil
	})
	if err != nil || len(sizes) != 2 || len(rest) != 20 {
		t.Fatalf("sizes %v, rest %d, err %v", sizes, len(rest), err)
	}
	bad := append([]byte{}, a...)
	bad[16] = 1
	if _, err := Split(bad, func(Header, []byte) error { return nil }); !errors.Is(err, ErrMagic) {
		t.Fatalf("magic 1: %v", err)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(batch(3, 1000, 7, 10, []byte("records")))
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		rest, err := Split(b, func(h Header, raw []byte) error {
			if h.Size() != len(raw) {
				t.Fatalf("header size %d, slice %d", h.Size(), len(raw))
			}
			total += len(raw)
			_ = Verify(raw)
			return nil
		})
		if err == nil && total+len(rest) != len(b) {
			t.Fatalf("split %d + rest %d != %d", total, len(rest), len(b))
		}
	})
}
