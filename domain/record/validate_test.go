package record

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// rec is a record to encode; a nil key or value is null.
type rec struct {
	tsDelta     int64
	offsetDelta int32
	key, value  []byte
	headers     [][2][]byte
}

// appendRecord encodes r in the v2 record format.
func appendRecord(dst []byte, r rec) []byte {
	body := []byte{0}
	body = binary.AppendVarint(body, r.tsDelta)
	body = binary.AppendVarint(body, int64(r.offsetDelta))
	body = appendBytes(body, r.key)
	body = appendBytes(body, r.value)
	body = binary.AppendVarint(body, int64(len(r.headers)))
	for _, h := range r.headers {
		body = appendBytes(body, h[0])
		body = appendBytes(body, h[1])
	}
	dst = binary.AppendVarint(dst, int64(len(body)))
	return append(dst, body...)
}

func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// records encodes n records with keys and values, offset deltas 0..n-1.
func records(n int) []byte {
	var b []byte
	for i := range n {
		b = appendRecord(b, rec{tsDelta: int64(i), offsetDelta: int32(i), key: []byte("k"), value: []byte("value"),
			headers: [][2][]byte{{[]byte("h"), []byte("v")}}})
	}
	return b
}

// edit returns a copy of b's header with fn applied, and a fresh CRC.
func edit(b []byte, fn func(b []byte)) []byte {
	out := append([]byte{}, b...)
	fn(out)
	binary.BigEndian.PutUint32(out[17:], Checksum(out[21:]))
	return out
}

func setAttrs(a int16) func([]byte) {
	return func(b []byte) { binary.BigEndian.PutUint16(b[21:], uint16(a)) }
}

// check runs every check a produced batch goes through, as the broker does
// for an uncompressed batch.
func check(b []byte, rules Rules) error {
	if err := Verify(b); err != nil {
		return err
	}
	h, err := ParseHeader(b)
	if err != nil {
		return err
	}
	if err := CheckProduced(h); err != nil {
		return err
	}
	return CheckRecords(h, b[HeaderSize:], rules)
}

var openRules = Rules{BeforeMax: math.MaxInt64, AfterMax: math.MaxInt64}

func TestCheckProducedBatches(t *testing.T) {
	good := batch(3, 1000, -1, -1, records(3))
	keyless := batch(1, 1000, -1, -1, appendRecord(nil, rec{value: []byte("v")}))
	one := func(r rec) []byte { return batch(1, 1000, -1, -1, appendRecord(nil, r)) }
	compact := openRules
	compact.RequireKeys = true
	recent := Rules{Now: 10_000, BeforeMax: 1000, AfterMax: 500}
	lat := openRules
	lat.LogAppendTime = true

	cases := []struct {
		name  string
		batch []byte
		rules Rules
		want  error // nil: accepted
	}{
		{"valid_batch", good, openRules, nil},
		{"valid_idempotent", batch(3, 1000, 7, 0, records(3)), openRules, nil},
		{"sarama_no_producer_id_sequence_zero", batch(3, 1000, -1, 0, records(3)), openRules, nil},
		{"null_key_and_value", one(rec{}), openRules, nil},
		{"flipped_byte", func() []byte { b := append([]byte{}, good...); b[len(b)-1] ^= 1; return b }(), openRules, ErrChecksum},
		{"zero_records", edit(batch(1, 1000, -1, -1, nil), func(b []byte) { binary.BigEndian.PutUint32(b[57:], 0) }), openRules, ErrInvalidRecord},
		{"negative_last_offset_delta", batch(0, 1000, -1, -1, nil), openRules, ErrMalformed},
		{"negative_count", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[57:], 0x80000000) }), openRules, ErrMalformed},
		{"count_max_int32", edit(good, func(b []byte) {
			binary.BigEndian.PutUint32(b[57:], math.MaxInt32)
			binary.BigEndian.PutUint32(b[23:], math.MaxInt32-1)
		}), openRules, ErrInvalidRecord},
		{"last_offset_delta_max_int32", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[23:], math.MaxInt32) }), openRules, ErrInvalidRecord},
		{"fewer_records_than_count", edit(good, func(b []byte) {
			binary.BigEndian.PutUint32(b[57:], 4)
			binary.BigEndian.PutUint32(b[23:], 3)
		}), openRules, ErrInvalidRecord},
		{"more_records_than_count", edit(good, func(b []byte) {
			binary.BigEndian.PutUint32(b[57:], 2)
			binary.BigEndian.PutUint32(b[23:], 1)
		}), openRules, ErrInvalidRecord},
		{"codec_7", edit(good, setAttrs(7)), openRules, ErrInvalidRecord},
		{"codec_5", edit(good, setAttrs(5)), openRules, ErrInvalidRecord},
		{"control_batch", edit(good, setAttrs(AttrControl)), openRules, ErrInvalidRecord},
		{"transactional_without_producer_id", edit(good, setAttrs(AttrTransactional)), openRules, ErrInvalidRecord},
		{"producer_id_without_sequence", batch(3, 1000, 7, -1, records(3)), openRules, ErrInvalidRecord},
		{"random_record_bytes", batch(3, 1000, -1, -1, []byte("\x7f\x00garbage that is no record at all")), openRules, ErrInvalidRecord},
		{"record_length_past_end", batch(1, 1000, -1, -1, []byte{0x7e, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"negative_record_length", batch(1, 1000, -1, -1, []byte{0x03, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"offset_delta_skips", batch(2, 1000, -1, -1, append(appendRecord(nil, rec{offsetDelta: 0}), appendRecord(nil, rec{offsetDelta: 5})...)), openRules, ErrInvalidRecord},
		{"offset_delta_repeats", batch(2, 1000, -1, -1, append(appendRecord(nil, rec{offsetDelta: 0}), appendRecord(nil, rec{offsetDelta: 0})...)), openRules, ErrInvalidRecord},
		{"key_length_minus_two", batch(1, 1000, -1, -1, []byte{8, 0, 0, 0, 3, 0, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"value_longer_than_record", batch(1, 1000, -1, -1, []byte{8, 0, 0, 0, 1, 20, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"negative_header_count", batch(1, 1000, -1, -1, []byte{10, 0, 0, 0, 1, 1, 1, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"null_header_key", one(rec{headers: [][2][]byte{{nil, []byte("v")}}}), openRules, ErrInvalidRecord},
		{"bytes_after_fields", batch(1, 1000, -1, -1, []byte{10, 0, 0, 0, 1, 1, 0, 0, 0, 0}), openRules, ErrInvalidRecord},
		{"varint_too_long_for_int32", batch(1, 1000, -1, -1, []byte{12, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1, 1, 0}), openRules, ErrInvalidRecord},
		{"bytes_after_last_record", batch(3, 1000, -1, -1, append(records(3), 0)), openRules, ErrInvalidRecord},
		{"keyless_on_compacted_topic", keyless, compact, ErrInvalidRecord},
		{"keyed_on_compacted_topic", good, compact, nil},
		{"keyless_on_plain_topic", keyless, openRules, nil},
		{"timestamp_too_old", batch(1, 8000, -1, -1, appendRecord(nil, rec{})), recent, ErrInvalidTimestamp},
		{"timestamp_too_new", batch(1, 10_600, -1, -1, appendRecord(nil, rec{})), recent, ErrInvalidTimestamp},
		{"timestamp_in_window", batch(1, 9_500, -1, -1, appendRecord(nil, rec{})), recent, nil},
		{"no_timestamp_in_window_check", batch(1, NoTimestamp, -1, -1, appendRecord(nil, rec{})), recent, nil},
		{"log_append_time_from_client_on_log_append_time_topic", edit(good, setAttrs(AttrLogAppendTime)), lat, ErrInvalidTimestamp},
		{"log_append_time_from_client_without_timestamp", edit(batch(1, NoTimestamp, -1, -1, appendRecord(nil, rec{})), setAttrs(AttrLogAppendTime)), openRules, ErrInvalidTimestamp},
		{"log_append_time_from_client_with_timestamp", edit(good, setAttrs(AttrLogAppendTime)), openRules, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.batch, tc.rules)
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRecordsDecodes(t *testing.T) {
	b := records(3)
	h := Header{RecordCount: 3, LastOffsetDelta: 2}
	it := NewRecords(h, b)
	n := 0
	for it.Next() {
		r := it.Record()
		if r.OffsetDelta != int32(n) || it.Index() != int32(n) || string(r.Key) != "k" || string(r.Value) != "value" || r.HeaderCount != 1 || r.TimestampDelta != int64(n) {
			t.Fatalf("record %d: %+v", n, r)
		}
		var headers []string
		r.EachHeader(func(k, v []byte) { headers = append(headers, string(k)+"="+string(v)) })
		if len(headers) != 1 || headers[0] != "h=v" {
			t.Fatalf("record %d headers: %q", n, headers)
		}
		n++
	}
	if err := it.Err(); err != nil || n != 3 {
		t.Fatalf("%d records, err %v", n, err)
	}
}

func TestCheckRecordsAllocatesNothing(t *testing.T) {
	data := records(100)
	h := Header{RecordCount: 100, LastOffsetDelta: 99}
	compact := openRules
	compact.RequireKeys = true
	for _, rules := range []Rules{openRules, compact} {
		if n := testing.AllocsPerRun(100, func() {
			if err := CheckRecords(h, data, rules); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Fatalf("%v allocations per walk", n)
		}
	}
}

func BenchmarkCheckRecords(b *testing.B) {
	var data []byte
	value := make([]byte, 1024)
	const n = 100
	for i := range n {
		data = appendRecord(data, rec{offsetDelta: int32(i), key: []byte("key-0001"), value: value})
	}
	h := Header{RecordCount: n, LastOffsetDelta: n - 1}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckRecords(h, data, openRules); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCheckRecords: the walk never panics, and a walk that succeeds
// consumes exactly the input, record by record.
func FuzzCheckRecords(f *testing.F) {
	f.Add(int32(3), records(3))
	f.Add(int32(1), appendRecord(nil, rec{}))
	f.Add(int32(2), []byte{0x7e, 0, 0, 0})
	f.Fuzz(func(t *testing.T, count int32, data []byte) {
		h := Header{RecordCount: count, LastOffsetDelta: count - 1}
		it := NewRecords(h, data)
		used := 0
		var n int32
		for it.Next() {
			r := it.Record()
			if r.OffsetDelta != n {
				t.Fatalf("record %d has offset delta %d", n, r.OffsetDelta)
			}
			for _, f := range [][]byte{r.Key, r.Value, r.Headers} {
				used += len(f)
			}
			n++
		}
		if it.Err() == nil {
			if n != count && !(count <= 0 && n == 0) {
				t.Fatalf("walked %d of %d records", n, count)
			}
			if used > len(data) {
				t.Fatalf("fields use %d bytes of %d", used, len(data))
			}
			if count > 0 && CheckRecords(h, data, openRules) != nil {
				t.Fatal("a second walk disagrees")
			}
		}
		b := batch(int(max(count, 1)), 1000, -1, -1, data)
		_ = check(b, openRules)
	})
}
