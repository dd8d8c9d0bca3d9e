package kafkawire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/compression"
)

// openValidator validates as a plain topic does, within limit.
func openValidator(limit int) batchValidator {
	return newBatchValidator(testCodec, topic.Topic{Name: "plain"}, nil, limit)
}

// withCodec frames compressed record bytes as a batch of count records.
func withCodec(codec int8, count int32, compressed []byte) []byte {
	b := kmsg.RecordBatch{
		Length: int32(batchOverhead + len(compressed)), PartitionLeaderEpoch: -1, Magic: 2, Attributes: int16(codec),
		LastOffsetDelta: count - 1, ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: count, Records: compressed,
	}
	out := b.AppendTo(nil)
	binary.BigEndian.PutUint32(out[17:], record.Checksum(out[21:]))
	return out
}

func TestBatchValidatorCompressedGarbage(t *testing.T) {
	good := []kmsg.Record{rec(0, 0, "k", "v"), rec(1, 5, "", "w")}
	var raw []byte
	for i := range good {
		r := good[i]
		r.Length = int32(len(r.AppendTo(nil)) - 1)
		raw = r.AppendTo(raw)
	}
	v := openValidator(DefaultMaxUncompressedBatchBytes)
	for codec := int8(1); codec <= 4; codec++ {
		t.Run(compression.Name(codec), func(t *testing.T) {
			if err := v.check(v2Batch(t, 0, int16(codec), 1, 6, good)); err != nil {
				t.Fatalf("a good batch: %v", err)
			}
			for name, tc := range map[string]struct {
				batch []byte
				want  error
			}{
				"garbage_inside":    {withCodec(codec, 2, compressWith(t, codec, false, []byte("\x7f\x7f\x7f not records"))), record.ErrInvalidRecord},
				"count_above_data":  {withCodec(codec, 3, compressWith(t, codec, false, raw)), record.ErrInvalidRecord},
				"count_below_data":  {withCodec(codec, 1, compressWith(t, codec, false, raw)), record.ErrInvalidRecord},
				"not_compressed":    {withCodec(codec, 2, raw), record.ErrInvalidRecord},
				"truncated_payload": {withCodec(codec, 2, compressWith(t, codec, false, raw)[:8]), record.ErrInvalidRecord},
			} {
				if err := v.check(tc.batch); !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want %v", name, err, tc.want)
				}
			}
		})
	}
}

func TestBatchValidatorTopicRules(t *testing.T) {
	keyless := v2Batch(t, 0, 0, 1, 1, []kmsg.Record{rec(0, 0, "", "v")})
	compacted := topic.Topic{Name: "c", Configs: map[string]string{topic.CleanupPolicy: "delete,compact"}}
	v := newBatchValidator(testCodec, compacted, nil, DefaultMaxUncompressedBatchBytes)
	if err := v.check(keyless); !errors.Is(err, record.ErrInvalidRecord) || errorCode(err) != 87 {
		t.Fatalf("keyless record on a compacted topic: %v", err)
	}
	window := topic.Topic{Name: "w", Configs: map[string]string{timestampBeforeMax: "60000"}}
	v = newBatchValidator(testCodec, window, nil, DefaultMaxUncompressedBatchBytes)
	if err := v.check(keyless); !errors.Is(err, record.ErrInvalidTimestamp) || errorCode(err) != 32 {
		t.Fatalf("a timestamp of 1970 under a one-minute window: %v", err)
	}
	v = openValidator(DefaultMaxUncompressedBatchBytes)
	if err := v.check(keyless); err != nil {
		t.Fatalf("plain topic: %v", err)
	}
}

// gzipZeros is a gzip stream of n zero bytes, after prefix.
func gzipZeros(t testing.TB, prefix []byte, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	w.Write(prefix)
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		w.Write(chunk[:min(left, len(chunk))])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestBombsCostTheLimit: a batch, a schema-validated batch and a legacy
// wrapper that expand to 1 GiB are refused with MESSAGE_TOO_LARGE after
// allocating a few times the limit, not the gigabyte (main allocated
// 5.2 GB for the schema-validated one).
func TestBombsCostTheLimit(t *testing.T) {
	const limit = 8 << 20
	const bomb = 1 << 30
	// One record whose value is 1 GiB of zeros.
	var head []byte
	head = append(head, 0)
	head = binary.AppendVarint(head, 0)
	head = binary.AppendVarint(head, 0)
	head = binary.AppendVarint(head, -1)
	head = binary.AppendVarint(head, bomb)
	head = append(binary.AppendVarint(nil, int64(len(head)+bomb+1)), head...)
	batch := withCodec(codecZstd, 1, zeroBombAfter(t, head, bomb))

	validating := topic.Topic{Name: "v", Configs: map[string]string{valueSchemaValidation: "true"}}
	for name, v := range map[string]batchValidator{
		"plain":      openValidator(limit),
		"validating": newBatchValidator(testCodec, validating, func() schemaIDs { return func(int) bool { return true } }, limit),
	} {
		var err error
		alloc := allocated(func() { err = v.check(batch) })
		t.Logf("%s: %d-byte batch of 1 GiB refused after allocating %d KiB: %v", name, len(batch), alloc>>10, err)
		if !errors.Is(err, log.ErrTooLarge) || errorCode(err) != 10 {
			t.Errorf("%s: %v, want MESSAGE_TOO_LARGE", name, err)
		}
		if alloc > 4*limit {
			t.Errorf("%s: allocated %d bytes, bound %d", name, alloc, 4*limit)
		}
	}

	// The same batch stored before validation existed, fetched by an old
	// client (main: 7.2 GB and a 1 GB response for a Fetch v3).
	var out []byte
	var err error
	alloc := allocated(func() { out, err = batchesToLegacy(testCodec, batch, 3, limit) })
	t.Logf("down-conversion: refused after allocating %d KiB: %v", alloc>>10, err)
	if !errors.Is(err, log.ErrTooLarge) || len(out) != 0 || alloc > 4*limit {
		t.Errorf("down-converting the bomb: %d bytes, %v, %d bytes allocated", len(out), err, alloc)
	}

	// A magic 1 gzip wrapper of one message whose value is 512 MiB.
	const value = 512 << 20
	msg := make([]byte, 0, 34)
	msg = binary.BigEndian.AppendUint64(msg, 0)
	msg = binary.BigEndian.AppendUint32(msg, uint32(22+value))
	msg = binary.BigEndian.AppendUint32(msg, 0) // CRC: the bound stops before it is checked
	msg = append(msg, 1, 0)
	msg = binary.BigEndian.AppendUint64(msg, 1000)
	msg = binary.BigEndian.AppendUint32(msg, math.MaxUint32)
	msg = binary.BigEndian.AppendUint32(msg, value)
	wrapper := encodeLegacy(1, codecGzip, 0, 1000, nil, gzipZeros(t, msg, value))
	alloc = allocated(func() { _, err = legacyToBatch(testCodec, wrapper, limit) })
	t.Logf("legacy: %d-byte wrapper of 512 MiB refused after allocating %d KiB: %v", len(wrapper), alloc>>10, err)
	if !errors.Is(err, log.ErrTooLarge) {
		t.Errorf("legacy wrapper: %v, want log.ErrTooLarge", err)
	}
	if alloc > 4*limit {
		t.Errorf("legacy wrapper: allocated %d bytes, bound %d", alloc, 4*limit)
	}
}

// zeroBombAfter is a zstd stream of prefix, n zeros and a zero byte (the
// record's header count).
func zeroBombAfter(t testing.TB, prefix []byte, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(prefix)
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		w.Write(chunk[:min(left, len(chunk))])
	}
	w.Write([]byte{0})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestLegacyToBatchConvertedSizeBounded(t *testing.T) {
	// 300 uncompressed messages of 1 KiB: 300 KiB of records, over a
	// 256 KiB limit.
	var set []byte
	for i := range 300 {
		set = append(set, encodeLegacy(1, 0, int64(i), 1000, nil, make([]byte, 1024))...)
	}
	if _, err := legacyToBatch(testCodec, set, 256<<10); !errors.Is(err, log.ErrTooLarge) {
		t.Fatalf("converted records over the limit: %v", err)
	}
	if _, err := legacyToBatch(testCodec, set, 1<<20); err != nil {
		t.Fatal(err)
	}
}

func TestDownConverterBounds(t *testing.T) {
	var recs []kmsg.Record
	for i := range 100 {
		recs = append(recs, rec(int32(i), 0, "", string(make([]byte, 100))))
	}
	const size = 12 + 4 + 1 + 1 + 8 + 4 + 4 + 100 // one magic 1 message
	batch := v2Batch(t, 1000, codecLZ4, 1, 1, recs)
	offsets := func(set []byte) []int64 {
		var out []int64
		for _, m := range readAllLegacy(t, set) {
			out = append(out, m.offset)
		}
		return out
	}

	// A partition's max bytes: whole messages that fit, at least one.
	d := downConverter{inflate: testCodec}
	out, err := d.convert(batch, 3, 0, 10*size+5)
	if got := offsets(out); err != nil || len(got) != 10 || got[0] != 1000 || got[9] != 1009 {
		t.Fatalf("max bytes of 10 messages: %v, err %v", got, err)
	}
	out, err = d.convert(batch, 3, 1010, 1)
	if got := offsets(out); err != nil || len(got) != 1 || got[0] != 1010 {
		t.Fatalf("max bytes below one message, from 1010: %v, err %v", got, err)
	}
	// Records before the fetch offset are skipped.
	d = downConverter{inflate: testCodec}
	if out, err = d.convert(batch, 3, 1095, 0); len(offsets(out)) != 5 || err != nil {
		t.Fatalf("from 1095: %v, err %v", offsets(out), err)
	}

	// The response's bound holds across partitions; a partition that
	// finds it spent gets an empty set and fetches again.
	d = downConverter{inflate: testCodec, budget: 25 * size}
	first, _ := d.convert(batch, 3, 0, 0)
	second, _ := d.convert(batch, 3, 0, 0)
	third, err := d.convert(batch, 3, 0, 0)
	if len(offsets(first)) != 25 || len(second) != 0 || len(third) != 0 || err != nil {
		t.Fatalf("bound of 25 messages: %d, %d, %d bytes, err %v", len(first), len(second), len(third), err)
	}

	// One message above the bound is refused, not sent empty forever.
	d = downConverter{inflate: testCodec, budget: size - 1}
	if _, err := d.convert(batch, 3, 0, 0); !errors.Is(err, log.ErrTooLarge) {
		t.Fatalf("a message above the bound: %v", err)
	}
}

// BenchmarkValidateProduced measures the validation every produced batch
// now passes, for batches of 100 records of 1 KiB, against what main did
// per batch on a plain topic (the CRC, which the log store checks too)
// and on a schema-validating topic (kgo's decompressor and kmsg's
// record reader).
func BenchmarkValidateProduced(b *testing.B) {
	recs := make([]kmsg.Record, 100)
	for i := range recs {
		value := bytes.Repeat([]byte(fmt.Sprintf("value %d of a produced record ", i)), 40)[:1024]
		recs[i] = rec(int32(i), int64(i), fmt.Sprintf("key-%04d", i), string(value))
	}
	for _, codec := range []int8{codecNone, codecLZ4, codecZstd} {
		batch := v2Batch(b, 0, int16(codec), 1, 100, recs)
		h, _ := record.ParseHeader(batch)
		uncompressed := 0
		for i := range recs {
			uncompressed += len(recs[i].AppendTo(nil))
		}
		b.Run(compression.Name(codec)+"/validate", func(b *testing.B) {
			v := openValidator(DefaultMaxUncompressedBatchBytes)
			b.SetBytes(int64(uncompressed))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.check(batch); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(compression.Name(codec)+"/main_crc_only", func(b *testing.B) {
			b.SetBytes(int64(uncompressed))
			b.ReportAllocs()
			for b.Loop() {
				if crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)) != h.CRC {
					b.Fatal("crc")
				}
			}
		})
		b.Run(compression.Name(codec)+"/main_schema_walk", func(b *testing.B) {
			dec := kgo.DefaultDecompressor()
			b.SetBytes(int64(uncompressed))
			b.ReportAllocs()
			for b.Loop() {
				var rb kmsg.RecordBatch
				if err := rb.UnsafeReadFrom(batch); err != nil {
					b.Fatal(err)
				}
				data, err := dec.Decompress(rb.Records, kgo.CompressionCodecType(codec))
				if err != nil {
					b.Fatal(err)
				}
				for range h.RecordCount {
					l, n := binary.Varint(data)
					var r kmsg.Record
					if err := r.UnsafeReadFrom(data[:n+int(l)]); err != nil {
						b.Fatal(err)
					}
					data = data[n+int(l):]
				}
			}
		})
	}
}

// FuzzBatchValidator: any bytes, framed as a batch with a valid CRC, are
// accepted or refused with one of the documented errors, never a panic;
// an accepted batch is one the down-conversion serves back whole.
func FuzzBatchValidator(f *testing.F) {
	recs := []kmsg.Record{rec(0, 0, "k", "v"), rec(1, 5, "", "w")}
	for codec := int16(0); codec <= 4; codec++ {
		f.Add(v2Batch(f, 0, codec, 10, 15, recs), false)
	}
	f.Add(v2Batch(f, 0, record.AttrControl, 1, 1, recs[:1]), true)
	f.Fuzz(func(t *testing.T, in []byte, fixCRC bool) {
		if fixCRC && len(in) >= record.HeaderSize {
			binary.BigEndian.PutUint32(in[8:], uint32(len(in)-record.LengthPrefix))
			binary.BigEndian.PutUint32(in[17:], record.Checksum(in[21:]))
		}
		v := newBatchValidator(testCodec, topic.Topic{Name: "c", Configs: map[string]string{topic.CleanupPolicy: "compact"}}, nil, 1<<20)
		err := v.check(in)
		if err != nil {
			for _, e := range []error{record.ErrMalformed, record.ErrChecksum, record.ErrMagic, record.ErrInvalidRecord, record.ErrInvalidTimestamp, log.ErrTooLarge} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("undocumented error: %v", err)
		}
		h, _ := record.ParseHeader(in)
		out, err := batchesToLegacy(testCodec, in, 3, 1<<20)
		if err != nil {
			t.Fatalf("an accepted batch does not down-convert: %v", err)
		}
		if n := len(readAllLegacy(t, out)); n != int(h.RecordCount) {
			t.Fatalf("%d messages from %d records", n, h.RecordCount)
		}
	})
}
