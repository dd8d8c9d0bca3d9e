package wal

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	recs := []Append{
		{TopicID: [16]byte{1, 2, 3}, Partition: 0, Batch: []byte("first batch")},
		{TopicID: [16]byte{9}, Partition: 42, Batch: bytes.Repeat([]byte{7}, 1000)},
		{Partition: 1, Batch: nil},
	}
	var buf []byte
	for _, r := range recs {
		buf = r.AppendTo(buf)
	}
	for i, want := range recs {
		got, n, err := Decode(buf)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if n != want.EncodedSize() {
			t.Fatalf("record %d used %d bytes, EncodedSize says %d", i, n, want.EncodedSize())
		}
		if got.TopicID != want.TopicID || got.Partition != want.Partition || !bytes.Equal(got.Batch, want.Batch) {
			t.Fatalf("record %d decoded as %+v", i, got)
		}
		buf = buf[n:]
	}
	if len(buf) != 0 {
		t.Fatalf("%d bytes left", len(buf))
	}
}

func TestDecodeFailures(t *testing.T) {
	rec := Append{TopicID: [16]byte{1}, Partition: 3, Batch: []byte("payload")}.AppendTo(nil)
	flipped := append([]byte(nil), rec...)
	flipped[len(flipped)-1] ^= 1
	huge := append([]byte{0xff, 0xff, 0xff, 0xff}, rec[4:]...)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTorn},
		{"short_header", rec[:5], ErrTorn},
		{"cut_payload", rec[:len(rec)-1], ErrTorn},
		{"flipped_byte", flipped, ErrCorrupt},
		{"absurd_length", huge, ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, n, err := Decode(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if n != 0 {
				t.Fatalf("consumed %d bytes on error", n)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Append{TopicID: [16]byte{1}, Partition: 3, Batch: []byte("payload")}.AppendTo(nil))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			rec, n, err := Decode(b)
			if err != nil {
				return
			}
			if n <= 0 || n > len(b) {
				t.Fatalf("consumed %d of %d bytes", n, len(b))
			}
			again := rec.AppendTo(nil)
			if !bytes.Equal(again, b[:n]) {
				t.Fatalf("re-encoding differs from the decoded bytes")
			}
			b = b[n:]
		}
	})
}
