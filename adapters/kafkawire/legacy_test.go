package kafkawire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
)

// testMsg is a message's content as tests compare it.
type testMsg struct {
	offset     int64
	key, value []byte
	ts         int64
}

var legacySample = []testMsg{
	{key: nil, value: []byte("first"), ts: 1000},
	{key: []byte("k1"), value: []byte{}, ts: 999},
	{key: []byte("k2"), value: nil, ts: 1005},
}

// encodeLegacy hand-encodes one message: offset, size, CRC-32 over
// magic..end, magic, attributes, timestamp (magic 1), key, value.
func encodeLegacy(magic, attrs int8, offset, ts int64, key, value []byte) []byte {
	body := []byte{byte(magic), byte(attrs)}
	if magic == 1 {
		body = binary.BigEndian.AppendUint64(body, uint64(ts))
	}
	for _, b := range [][]byte{key, value} {
		if b == nil {
			body = binary.BigEndian.AppendUint32(body, 0xffffffff)
			continue
		}
		body = binary.BigEndian.AppendUint32(body, uint32(len(b)))
		body = append(body, b...)
	}
	msg := binary.BigEndian.AppendUint64(nil, uint64(offset))
	msg = binary.BigEndian.AppendUint32(msg, uint32(4+len(body)))
	msg = binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(body))
	return append(msg, body...)
}

// legacySet encodes msgs as uncompressed messages of magic; offsets are
// 0..n-1 (absolute for magic 0, relative inner offsets for magic 1).
func legacySet(magic int8, msgs []testMsg) []byte {
	var set []byte
	for i, m := range msgs {
		set = append(set, encodeLegacy(magic, 0, int64(i), m.ts, m.key, m.value)...)
	}
	return set
}

// compressWith compresses src with kgo's compressor for codec; xerial
// frames snappy as the Java client does.
func compressWith(t testing.TB, codec int8, xerial bool, src []byte) []byte {
	t.Helper()
	if codec == 2 && xerial {
		out := []byte{130, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}
		for len(src) > 0 {
			n := min(len(src), 16) // small blocks, to exercise several
			block := s2.EncodeSnappy(nil, src[:n])
			out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
			out = append(out, block...)
			src = src[n:]
		}
		return out
	}
	codecs := map[int8]kgo.CompressionCodec{
		1: kgo.GzipCompression(), 2: kgo.SnappyCompression(), 3: kgo.Lz4Compression(), 4: kgo.ZstdCompression(),
	}
	c, err := kgo.DefaultCompressor(codecs[codec])
	if err != nil {
		t.Fatal(err)
	}
	out, used := c.Compress(new(bytes.Buffer), src)
	if used != kgo.CompressionCodecType(codec) {
		t.Fatalf("compressed with %d, want %d", used, codec)
	}
	return slices.Clone(out)
}

// wrapper encodes a compressed wrapper message holding inner.
func wrapper(t testing.TB, magic, attrs int8, xerial bool, offset, ts int64, inner []byte) []byte {
	t.Helper()
	return encodeLegacy(magic, attrs, offset, ts, nil, compressWith(t, attrs&7, xerial, inner))
}

// readAllLegacy decodes a legacy message set, failing on any error.
func readAllLegacy(t testing.TB, set []byte) []legacyMessage {
	t.Helper()
	var out []legacyMessage
	if err := readLegacySet(set, func(_ int, m legacyMessage) error {
		out = append(out, m)
		return nil
	}); err != nil {
		t.Fatalf("reading converted set: %v", err)
	}
	return out
}

// clientRecords decodes a fetch response partition the way a franz-go
// consumer does, from offset.
func clientRecords(t testing.TB, data []byte, offset int64) []*kgo.Record {
	t.Helper()
	fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Offset: offset, Topic: "t"},
		&kmsg.FetchResponseTopicPartition{HighWatermark: 1 << 40, LastStableOffset: 1 << 40, RecordBatches: data},
		kgo.DefaultDecompressor(), nil)
	if fp.Err != nil {
		t.Fatalf("franz-go cannot read the data: %v", fp.Err)
	}
	return fp.Records
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func TestLegacyToBatchRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		codec  int8
		xerial bool
	}{
		{"none", 0, false},
		{"gzip", 1, false},
		{"snappy_raw", 2, false},
		{"snappy_xerial", 2, true},
		{"lz4", 3, false},
	}
	for _, magic := range []int8{0, 1} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("magic%d_%s", magic, tc.name), func(t *testing.T) {
				set := legacySet(magic, legacySample)
				if tc.codec != 0 {
					set = wrapper(t, magic, tc.codec, tc.xerial, 2, 1005, set)
				}
				b, err := legacyToBatch(testCodec, set, DefaultMaxUncompressedBatchBytes)
				if err != nil {
					t.Fatal(err)
				}
				if err := record.Verify(b); err != nil {
					t.Fatal(err)
				}
				h, _ := record.ParseHeader(b)
				wantFirst, wantMax := int64(1000), int64(1005)
				if magic == 0 {
					wantFirst, wantMax = -1, -1
				}
				if h.BaseOffset != 0 || h.PartitionLeaderEpoch != -1 || h.Attributes != int16(tc.codec) ||
					h.LastOffsetDelta != 2 || h.RecordCount != 3 || h.BaseTimestamp != wantFirst || h.MaxTimestamp != wantMax ||
					h.ProducerID != -1 || h.ProducerEpoch != -1 || h.BaseSequence != -1 {
					t.Fatalf("header %+v", h)
				}
				recs := clientRecords(t, b, 0)
				if len(recs) != len(legacySample) {
					t.Fatalf("%d records, want %d", len(recs), len(legacySample))
				}
				for i, r := range recs {
					m := legacySample[i]
					if r.Offset != int64(i) || !sameBytes(r.Key, m.key) || !sameBytes(r.Value, m.value) {
						t.Errorf("record %d: offset %d key %q value %q, want %q %q", i, r.Offset, r.Key, r.Value, m.key, m.value)
					}
					if magic == 1 && r.Timestamp.UnixMilli() != m.ts {
						t.Errorf("record %d: timestamp %d, want %d", i, r.Timestamp.UnixMilli(), m.ts)
					}
				}

				// And back down, as the log would serve it at offset 100.
				record.SetBaseOffset(b, 100)
				for v := int16(0); v < 4; v++ {
					out, err := batchesToLegacy(testCodec, b, v, DefaultMaxUncompressedBatchBytes)
					if err != nil {
						t.Fatalf("fetch v%d: %v", v, err)
					}
					wantMagic := int8(0)
					if v >= 2 {
						wantMagic = 1
					}
					got := readAllLegacy(t, out)
					if len(got) != len(legacySample) {
						t.Fatalf("fetch v%d: %d messages", v, len(got))
					}
					for i, m := range got {
						want := legacySample[i]
						wantTS := want.ts
						if magic == 0 || wantMagic == 0 {
							wantTS = -1
						}
						if m.magic != wantMagic || m.attributes != 0 || m.offset != 100+int64(i) || m.timestamp != wantTS ||
							!sameBytes(m.key, want.key) || !sameBytes(m.value, want.value) {
							t.Errorf("fetch v%d message %d: %+v", v, i, m)
						}
					}
					if n := len(clientRecords(t, out, 100)); n != len(legacySample) {
						t.Errorf("fetch v%d: franz-go reads %d records", v, n)
					}
				}
			})
		}
	}
}

// Wrappers and plain messages may mix; the batch takes the last codec.
func TestLegacyToBatchMixedSet(t *testing.T) {
	set := encodeLegacy(1, 0, 0, 1, []byte("a"), []byte("plain"))
	set = append(set, wrapper(t, 1, 1, false, 2, 3, legacySet(1, []testMsg{{value: []byte("g1"), ts: 2}, {value: []byte("g2"), ts: 3}}))...)
	set = append(set, wrapper(t, 1, 2, true, 3, 4, legacySet(1, []testMsg{{value: []byte("s1"), ts: 4}}))...)
	b, err := legacyToBatch(testCodec, set, DefaultMaxUncompressedBatchBytes)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := record.ParseHeader(b)
	if h.Codec() != 2 || h.RecordCount != 4 || h.BaseTimestamp != 1 || h.MaxTimestamp != 4 {
		t.Fatalf("header %+v", h)
	}
	var values []string
	for _, r := range clientRecords(t, b, 0) {
		values = append(values, string(r.Value))
	}
	if fmt.Sprint(values) != "[plain g1 g2 s1]" {
		t.Fatalf("values %v", values)
	}
}

// A magic 1 wrapper marked LogAppendTime gives its inner messages its own
// timestamp, as Kafka's reader reports them.
func TestLegacyToBatchLogAppendTimeWrapper(t *testing.T) {
	inner := legacySet(1, []testMsg{{value: []byte("a"), ts: 1}, {value: []byte("b"), ts: 2}})
	b, err := legacyToBatch(testCodec, wrapper(t, 1, 1|record.AttrLogAppendTime, false, 1, 5000, inner), DefaultMaxUncompressedBatchBytes)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := record.ParseHeader(b)
	if h.BaseTimestamp != 5000 || h.MaxTimestamp != 5000 || h.Attributes&record.AttrLogAppendTime != 0 {
		t.Fatalf("header %+v", h)
	}
}

func TestLegacyLZ4Magic0HeaderChecksum(t *testing.T) {
	inner := legacySet(0, legacySample)
	frame := compressWith(t, 3, false, inner)
	if frame[4]&0x09 != 0 {
		t.Fatalf("test assumes a 7-byte frame header, FLG %#x", frame[4])
	}
	if got := fixLZ4HeaderChecksum(frame); &got[0] != &frame[0] {
		t.Fatal("a correct header checksum was rewritten")
	}
	// Kafka 0.8–0.9 hashed the magic number too.
	broken := slices.Clone(frame)
	broken[6] = byte(xxh32Short(broken[:6]) >> 8)
	if broken[6] == frame[6] {
		t.Fatal("broken checksum happens to be right; pick other data")
	}

	set := encodeLegacy(0, 3, 2, 0, nil, broken)
	b, err := legacyToBatch(testCodec, set, DefaultMaxUncompressedBatchBytes)
	if err != nil {
		t.Fatalf("magic 0: %v", err)
	}
	if n := len(clientRecords(t, b, 0)); n != 3 {
		t.Fatalf("%d records", n)
	}
	if !bytes.Equal(set, encodeLegacy(0, 3, 2, 0, nil, broken)) {
		t.Fatal("the request's bytes were modified")
	}
	if _, err := legacyToBatch(testCodec, encodeLegacy(1, 3, 2, 0, nil, broken), DefaultMaxUncompressedBatchBytes); !errors.Is(err, record.ErrMalformed) {
		t.Fatalf("magic 1 with a bad lz4 header checksum: %v", err)
	}
}

func TestXXH32Short(t *testing.T) {
	for in, want := range map[string]uint32{"": 0x02cc5d05, "a": 0x550d7456, "abc": 0x32d153ff} {
		if got := xxh32Short([]byte(in)); got != want {
			t.Errorf("xxh32(%q) = %08x, want %08x", in, got, want)
		}
	}
}

func TestLegacyToBatchErrors(t *testing.T) {
	good := encodeLegacy(1, 0, 0, 1, []byte("k"), []byte("value"))
	flipped := slices.Clone(good)
	flipped[len(flipped)-1] ^= 1
	badInner := slices.Clone(good)
	badInner[len(badInner)-1] ^= 1
	// A message whose size covers one byte more than its fields, with a
	// CRC that matches.
	padded := append(slices.Clone(good), 0)
	binary.BigEndian.PutUint32(padded[8:], uint32(len(padded)-12))
	binary.BigEndian.PutUint32(padded[12:], crc32.ChecksumIEEE(padded[16:]))
	magic2 := slices.Clone(good)
	magic2[16] = 2
	binary.BigEndian.PutUint32(magic2[12:], crc32.ChecksumIEEE(magic2[16:]))
	// Magic 1 with a v0-sized message: no room for the timestamp.
	short := encodeLegacy(0, 0, 0, 0, nil, nil)
	short[16] = 1
	binary.BigEndian.PutUint32(short[12:], crc32.ChecksumIEEE(short[16:]))

	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, record.ErrMalformed},
		{"short", good[:10], record.ErrMalformed},
		{"truncated", good[:len(good)-1], record.ErrMalformed},
		{"trailing_bytes", append(slices.Clone(good), 1, 2, 3), record.ErrMalformed},
		{"size_below_minimum", func() []byte { b := slices.Clone(good); binary.BigEndian.PutUint32(b[8:], 3); return b }(), record.ErrMalformed},
		{"negative_size", func() []byte { b := slices.Clone(good); binary.BigEndian.PutUint32(b[8:], 0xfffffff0); return b }(), record.ErrMalformed},
		{"crc_mismatch", flipped, record.ErrChecksum},
		{"crc_mismatch_second", append(slices.Clone(good), flipped...), record.ErrChecksum},
		{"inner_crc_mismatch", wrapper(t, 1, 1, false, 0, 1, badInner), record.ErrChecksum},
		{"size_exceeds_fields", padded, record.ErrMalformed},
		{"magic_2", magic2, record.ErrMagic},
		{"magic_1_too_short", short, record.ErrMalformed},
		{"nested_compression", wrapper(t, 1, 1, false, 0, 1, wrapper(t, 1, 1, false, 0, 1, good)), record.ErrMalformed},
		{"inner_magic_differs", wrapper(t, 1, 1, false, 0, 1, legacySet(0, legacySample)), record.ErrMalformed},
		{"empty_wrapper", wrapper(t, 1, 1, false, 0, 1, []byte{}), record.ErrMalformed},
		{"zstd", wrapper(t, 1, 4, false, 0, 1, good), kerr.UnsupportedCompressionType},
		{"unknown_codec", encodeLegacy(1, 5, 0, 1, nil, good), record.ErrMalformed},
		{"not_gzip", encodeLegacy(1, 1, 0, 1, nil, []byte("not gzip at all")), record.ErrMalformed},
		{"null_wrapper_value", encodeLegacy(0, 2, 0, 1, nil, nil), record.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := legacyToBatch(testCodec, tc.in, DefaultMaxUncompressedBatchBytes)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (%d bytes), want %v", err, len(b), tc.want)
			}
			var ke *kerr.Error
			if code := errorCode(err); code != kerr.CorruptMessage.Code && !errors.As(err, &ke) && !errors.Is(err, record.ErrMagic) {
				t.Errorf("maps to error code %d", code)
			}
			t.Log(err)
		})
	}
}

// v2Batch builds a stored v2 batch at base holding recs, compressed with
// codec.
func v2Batch(t testing.TB, base int64, attrs int16, firstTS, maxTS int64, recs []kmsg.Record) []byte {
	t.Helper()
	var raw []byte
	for i := range recs {
		r := recs[i]
		r.TimestampDelta = int32(r.TimestampDelta64)
		r.Length = 0
		r.Length = int32(len(r.AppendTo(nil)) - 1)
		raw = r.AppendTo(raw)
	}
	if codec := int8(attrs & 7); codec != 0 {
		raw = compressWith(t, codec, false, raw)
	}
	b := kmsg.RecordBatch{
		FirstOffset: base, Length: int32(49 + len(raw)), PartitionLeaderEpoch: 3, Magic: 2, Attributes: attrs,
		LastOffsetDelta: recs[len(recs)-1].OffsetDelta, FirstTimestamp: firstTS, MaxTimestamp: maxTS,
		ProducerID: 7, ProducerEpoch: 1, FirstSequence: 0, NumRecords: int32(len(recs)), Records: raw,
	}
	out := b.AppendTo(nil)
	binary.BigEndian.PutUint32(out[17:], record.Checksum(out[21:]))
	if err := record.Verify(out); err != nil {
		t.Fatal(err)
	}
	return out
}

func rec(delta int32, tsDelta int64, key, value string) kmsg.Record {
	r := kmsg.Record{OffsetDelta: delta, TimestampDelta64: tsDelta, Value: []byte(value)}
	if key != "" {
		r.Key = []byte(key)
	}
	return r
}

func TestBatchesToLegacy(t *testing.T) {
	withHeaders := rec(0, 0, "k0", "a")
	withHeaders.Headers = []kmsg.Header{{Key: "h", Value: []byte("dropped")}}
	tombstone := rec(1, 7, "k1", "")
	tombstone.Value = nil
	var data []byte
	data = append(data, v2Batch(t, 10, 1, 500, 507, []kmsg.Record{withHeaders, tombstone})...)                                                      // gzip
	data = append(data, v2Batch(t, 12, record.AttrControl|record.AttrTransactional, 510, 510, []kmsg.Record{rec(0, 0, "\x00\x00\x00\x01", "")})...) // commit marker
	data = append(data, v2Batch(t, 13, 4|record.AttrLogAppendTime, 600, 9999, []kmsg.Record{rec(0, 0, "", "z0"), rec(1, 3, "", "z1")})...)          // zstd, LogAppendTime
	data = append(data, v2Batch(t, 15, 2, 700, 700, []kmsg.Record{rec(0, 0, "s", "snappy")})...)
	data = append(data, v2Batch(t, 16, 3, 800, 802, []kmsg.Record{rec(0, 2, "l", "lz4")})...)
	data = append(data, v2Batch(t, 17, 0, 900, 900, []kmsg.Record{rec(0, 0, "", "partial")})[:40]...)

	type want struct {
		offset     int64
		key, value []byte
		ts         int64
		attrs      int8
	}
	all := []want{
		{10, []byte("k0"), []byte("a"), 500, 0},
		{11, []byte("k1"), nil, 507, 0},
		{13, nil, []byte("z0"), 9999, record.AttrLogAppendTime},
		{14, nil, []byte("z1"), 9999, record.AttrLogAppendTime},
		{15, []byte("s"), []byte("snappy"), 700, 0},
		{16, []byte("l"), []byte("lz4"), 802, 0},
	}
	for v := int16(0); v < 4; v++ {
		t.Run(fmt.Sprintf("fetch_v%d", v), func(t *testing.T) {
			orig := slices.Clone(data)
			out, err := batchesToLegacy(testCodec, data, v, DefaultMaxUncompressedBatchBytes)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(orig, data) {
				t.Fatal("input modified")
			}
			got := readAllLegacy(t, out)
			if len(got) != len(all) {
				t.Fatalf("%d messages, want %d", len(got), len(all))
			}
			magic := int8(0)
			if v >= 2 {
				magic = 1
			}
			for i, m := range got {
				w := all[i]
				if magic == 0 {
					w.ts, w.attrs = -1, 0
				}
				if m.magic != magic || m.offset != w.offset || m.timestamp != w.ts || m.attributes != w.attrs ||
					!sameBytes(m.key, w.key) || !sameBytes(m.value, w.value) {
					t.Errorf("message %d: %+v, want %+v", i, m, w)
				}
			}
			recs := clientRecords(t, out, 11)
			if len(recs) != len(all)-1 || recs[0].Offset != 11 {
				t.Fatalf("franz-go reads %d records from offset 11", len(recs))
			}
		})
	}
}

func TestBatchesToLegacyEdges(t *testing.T) {
	good := v2Batch(t, 5, 0, 1, 1, []kmsg.Record{rec(0, 0, "", "ok")})
	control := v2Batch(t, 6, record.AttrControl, 1, 1, []kmsg.Record{rec(0, 0, "\x00\x00\x00\x00", "")})
	// A batch whose CRC is right but whose records do not decode.
	broken := v2Batch(t, 7, 0, 1, 1, []kmsg.Record{rec(0, 0, "", "x"), rec(1, 0, "", "y")})
	binary.BigEndian.PutUint32(broken[57:], 3) // claims three records
	binary.BigEndian.PutUint32(broken[17:], record.Checksum(broken[21:]))
	badCodec := v2Batch(t, 7, 0, 1, 1, []kmsg.Record{rec(0, 0, "", "x")})
	badCodec[22] |= 6 // codec 6
	binary.BigEndian.PutUint32(badCodec[17:], record.Checksum(badCodec[21:]))

	t.Run("control_only", func(t *testing.T) {
		out, err := batchesToLegacy(testCodec, control, 2, DefaultMaxUncompressedBatchBytes)
		if err != nil || out == nil || len(out) != 0 {
			t.Fatalf("%v %v", out, err)
		}
	})
	t.Run("partial_only", func(t *testing.T) {
		out, err := batchesToLegacy(testCodec, good[:len(good)-1], 2, DefaultMaxUncompressedBatchBytes)
		if err != nil || len(out) != 0 {
			t.Fatalf("%v %v", out, err)
		}
	})
	for name, bad := range map[string][]byte{"bad_records": broken, "bad_codec": badCodec} {
		t.Run(name+"_after_good", func(t *testing.T) {
			out, err := batchesToLegacy(testCodec, slices.Concat(good, control, bad, good), 2, DefaultMaxUncompressedBatchBytes)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAllLegacy(t, out); len(got) != 1 || got[0].offset != 5 {
				t.Fatalf("%+v", got)
			}
		})
		t.Run(name+"_first", func(t *testing.T) {
			if _, err := batchesToLegacy(testCodec, bad, 2, DefaultMaxUncompressedBatchBytes); !errors.Is(err, record.ErrMalformed) {
				t.Fatalf("%v", err)
			}
		})
	}
	t.Run("not_v2", func(t *testing.T) {
		set := encodeLegacy(1, 0, 0, 1, nil, bytes.Repeat([]byte("v"), 100))
		if _, err := batchesToLegacy(testCodec, set, 2, DefaultMaxUncompressedBatchBytes); !errors.Is(err, record.ErrMagic) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("fetch_v4_unchanged", func(t *testing.T) {
		if out, err := batchesToLegacy(testCodec, good, 4, DefaultMaxUncompressedBatchBytes); err != nil || !bytes.Equal(out, good) {
			t.Fatalf("%v", err)
		}
	})
}

// legacyErr reports whether err is one of the errors legacyToBatch and
// batchesToLegacy promise.
func legacyErr(err error) bool {
	for _, e := range []error{record.ErrMalformed, record.ErrChecksum, record.ErrMagic, kerr.UnsupportedCompressionType, log.ErrTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func FuzzLegacyToBatch(f *testing.F) {
	for _, magic := range []int8{0, 1} {
		set := legacySet(magic, legacySample)
		f.Add(set)
		for codec := int8(1); codec <= 4; codec++ {
			f.Add(wrapper(f, magic, codec, false, 2, 1005, set))
		}
		f.Add(wrapper(f, magic, 2, true, 2, 1005, set))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		checkLegacyToBatch(t, in)
		// Mutations rarely keep CRCs right; repair them to reach the
		// decoding behind the check.
		checkLegacyToBatch(t, fixLegacyCRCs(in))
	})
}

// fixLegacyCRCs returns a copy of set with the CRC of every top-level
// message that fits recomputed.
func fixLegacyCRCs(set []byte) []byte {
	set = slices.Clone(set)
	for rest := set; len(rest) >= legacyLogOverhead+legacyMinSize; {
		size := int64(int32(binary.BigEndian.Uint32(rest[8:])))
		if size < legacyMinSize || size > int64(len(rest)-legacyLogOverhead) {
			break
		}
		msg := rest[:legacyLogOverhead+size]
		binary.BigEndian.PutUint32(msg[12:], crc32.ChecksumIEEE(msg[16:]))
		rest = rest[len(msg):]
	}
	return set
}

// convertCleanly runs a conversion of fuzzed input and checks that it leaves
// the input alone and fails, if it does, with an error of the legacy
// classes; ok reports whether it converted.
func convertCleanly(t *testing.T, in []byte, convert func([]byte) ([]byte, error)) (out []byte, ok bool) {
	t.Helper()
	orig := slices.Clone(in)
	out, err := convert(in)
	if !bytes.Equal(orig, in) {
		t.Fatal("input modified")
	}
	if err != nil {
		if !legacyErr(err) {
			t.Fatalf("unexpected error class: %v", err)
		}
		return nil, false
	}
	return out, true
}

// checkLegacyToBatch checks that legacyToBatch fails cleanly or returns a
// valid batch that converts back.
func checkLegacyToBatch(t *testing.T, in []byte) {
	t.Helper()
	b, ok := convertCleanly(t, in, func(in []byte) ([]byte, error) {
		return legacyToBatch(testCodec, in, DefaultMaxUncompressedBatchBytes)
	})
	if !ok {
		return
	}
	h, err := record.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Verify(b); err != nil {
		t.Fatal(err)
	}
	if h.RecordCount != h.LastOffsetDelta+1 || h.BaseOffset != 0 {
		t.Fatalf("header %+v", h)
	}
	// What was converted passes the validation every produced batch passes.
	v := openValidator(DefaultMaxUncompressedBatchBytes)
	if err := v.check(b); err != nil {
		t.Fatalf("an up-converted batch fails validation: %v", err)
	}
	// What was accepted must be served back to old clients.
	out, err := batchesToLegacy(testCodec, b, 3, DefaultMaxUncompressedBatchBytes)
	if err != nil {
		t.Fatalf("down-converting an up-converted batch: %v", err)
	}
	if n := len(readAllLegacy(t, out)); n != int(h.RecordCount) {
		t.Fatalf("%d messages back, batch has %d records", n, h.RecordCount)
	}
}

func FuzzBatchesToLegacy(f *testing.F) {
	recs := []kmsg.Record{rec(0, 0, "k", "v"), rec(1, 5, "", "w")}
	for codec := int16(0); codec <= 4; codec++ {
		f.Add(v2Batch(f, 3, codec, 10, 15, recs), int16(1))
		f.Add(v2Batch(f, 3, codec|record.AttrLogAppendTime, 10, 15, recs), int16(3))
	}
	f.Add(slices.Concat(v2Batch(f, 0, record.AttrControl, 1, 1, recs[:1]), v2Batch(f, 1, 0, 1, 1, recs)), int16(2))
	f.Fuzz(func(t *testing.T, in []byte, version int16) {
		version = min(max(version, 0), 3)
		out, ok := convertCleanly(t, in, func(in []byte) ([]byte, error) {
			return batchesToLegacy(testCodec, in, version, DefaultMaxUncompressedBatchBytes)
		})
		if !ok {
			return
		}
		msgs := readAllLegacy(t, out)
		for _, m := range msgs {
			if (m.magic == 1) != (version >= 2) || m.codec() != 0 {
				t.Fatalf("fetch v%d got %+v", version, m)
			}
		}
		if len(msgs) == 0 {
			return
		}
		b, err := legacyToBatch(testCodec, out, DefaultMaxUncompressedBatchBytes)
		if err != nil {
			t.Fatalf("up-converting a down-converted set: %v", err)
		}
		if h, _ := record.ParseHeader(b); int(h.RecordCount) != len(msgs) {
			t.Fatalf("%d records from %d messages", h.RecordCount, len(msgs))
		}
	})
}
