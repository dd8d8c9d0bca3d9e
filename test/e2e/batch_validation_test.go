package e2e

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
)

// reframe applies fn to a copy of a batch and recomputes its CRC, as a
// buggy client that frames its garbage correctly would.
func reframe(b []byte, fn func(b []byte)) []byte {
	b = slices.Clone(b)
	fn(b)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// TestGarbageBatchesRefused produces CRC-valid garbage batches: each is
// refused with Kafka's error, nothing of its request is stored, and a
// franz-go consumer then reads the good records without getting stuck.
func TestGarbageBatchesRefused(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "garbage", 1, nil)
	cl := n.client()
	now := time.Now().UnixMilli()
	good := rawBatch(-1, -1, -1, 3, now)
	attrs := func(a uint16) func([]byte) { return func(b []byte) { binary.BigEndian.PutUint16(b[21:], a) } }

	for _, tc := range []struct {
		name  string
		batch []byte
		want  *kerr.Error
	}{
		{"random_record_bytes", reframe(good, func(b []byte) { copy(b[61:], "\x7f\x7f\x7fgarbage") }), kerr.InvalidRecord},
		{"record_count_max_int32", reframe(good, func(b []byte) {
			binary.BigEndian.PutUint32(b[57:], math.MaxInt32)
			binary.BigEndian.PutUint32(b[23:], math.MaxInt32-1)
		}), kerr.InvalidRecord},
		{"last_offset_delta_max_int32", reframe(good, func(b []byte) { binary.BigEndian.PutUint32(b[23:], math.MaxInt32) }), kerr.InvalidRecord},
		{"codec_7", reframe(good, attrs(7)), kerr.InvalidRecord},
		{"gzip_flag_on_raw_bytes", reframe(good, attrs(1)), kerr.InvalidRecord},
		{"control_batch_from_a_client", reframe(good, attrs(0x20)), kerr.InvalidRecord},
		{"transactional_without_producer_id", reframe(good, attrs(0x10)), kerr.InvalidRecord},
		{"good_then_garbage_in_one_request", slices.Concat(good, reframe(good, attrs(7))), kerr.InvalidRecord},
		{"trailing_bytes", append(slices.Clone(good), 1, 2, 3), kerr.CorruptMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := produceRaw(t, cl, "garbage", 0, tc.batch)
			if err := kerr.ErrorForCode(p.ErrorCode); !errors.Is(err, tc.want) {
				t.Fatalf("answered %v, want %v", err, tc.want)
			}
			if p.ErrorMessage == nil || *p.ErrorMessage == "" {
				t.Error("no error message")
			}
		})
	}
	offs, err := n.admin().ListEndOffsets(ctx(t), "garbage")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := offs.Lookup("garbage", 0); o.Offset != 0 {
		t.Fatalf("refused batches moved the end offset to %d", o.Offset)
	}

	// A normal round trip still works, and the consumer is not stuck.
	p := n.client(kgo.DefaultProduceTopic("garbage"))
	var recs []*kgo.Record
	for i := range 10 {
		recs = append(recs, &kgo.Record{Value: []byte{byte('a' + i)}})
	}
	if err := p.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if got := consumeAll(t, n, "garbage", 10); len(got) != 10 || got[0].Offset != 0 || got[9].Offset != 9 {
		t.Fatalf("consumed %d records", len(got))
	}
}

// TestCompactedTopicRefusesKeylessRecords: Kafka answers INVALID_RECORD
// ("Compacted topic cannot accept message without key").
func TestCompactedTopicRefusesKeylessRecords(t *testing.T) {
	n := startNode(t, "", nil)
	compact := "compact,delete"
	createTopic(t, n, "compacted", 1, map[string]*string{"cleanup.policy": &compact})
	kp := n.client(kgo.DefaultProduceTopic("compacted"))
	err := kp.ProduceSync(ctx(t), &kgo.Record{Value: []byte("no key")}).FirstErr()
	if !errors.Is(err, kerr.InvalidRecord) {
		t.Fatalf("keyless record on a compacted topic: %v, want INVALID_RECORD", err)
	}
	// The response names the record (v8+ record_errors), as Kafka's does.
	p := produceRaw(t, n.client(), "compacted", 0, rawBatch(-1, -1, -1, 2, time.Now().UnixMilli()))
	if p.ErrorCode != kerr.InvalidRecord.Code || len(p.ErrorRecords) != 1 || p.ErrorRecords[0].RelativeOffset != 0 {
		t.Fatalf("raw keyless batch: code %d, record errors %+v", p.ErrorCode, p.ErrorRecords)
	}
	if err := kp.ProduceSync(ctx(t), &kgo.Record{Key: []byte("k"), Value: []byte("keyed")}).FirstErr(); err != nil {
		t.Fatalf("keyed record on a compacted topic: %v", err)
	}
	if got := consumeAll(t, n, "compacted", 1); string(got[0].Value) != "keyed" {
		t.Fatalf("consumed %q", got[0].Value)
	}
}

// TestProduceVersionRules: Produce v3+ carry magic 2 batches only, and zstd
// needs v7+, as in Kafka.
func TestProduceVersionRules(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "versions", 1, nil)
	now := time.Now().UnixMilli()

	// One uncompressed magic 1 message: offset, size, crc, magic,
	// attributes, timestamp, null key, value.
	body := []byte{1, 0}
	body = binary.BigEndian.AppendUint64(body, uint64(now))
	body = binary.BigEndian.AppendUint32(body, 0xffffffff)
	body = binary.BigEndian.AppendUint32(body, 5)
	body = append(body, "hello"...)
	legacy := binary.BigEndian.AppendUint64(nil, 0)
	legacy = binary.BigEndian.AppendUint32(legacy, uint32(4+len(body)))
	legacy = binary.BigEndian.AppendUint32(legacy, crc32.ChecksumIEEE(body))
	legacy = append(legacy, body...)
	v3 := n.client(kgo.MaxVersions(kversion.V0_11_0()))
	if p := produceRaw(t, v3, "versions", 0, legacy); p.ErrorCode != kerr.InvalidRecord.Code {
		t.Fatalf("a magic 1 set in Produce v3: %v, want INVALID_RECORD", kerr.ErrorForCode(p.ErrorCode))
	}

	plain := rawBatch(-1, -1, -1, 3, now)
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	batch := reframe(append(slices.Clone(plain[:61]), enc.EncodeAll(plain[61:], nil)...), func(b []byte) { binary.BigEndian.PutUint16(b[21:], 4) })
	if p := produceRaw(t, n.client(), "versions", 0, batch); p.ErrorCode != 0 {
		t.Fatalf("a zstd batch at the newest version: %v", kerr.ErrorForCode(p.ErrorCode))
	}
	v6 := n.client(kgo.MaxVersions(kversion.V2_0_0()))
	if p := produceRaw(t, v6, "versions", 0, batch); p.ErrorCode != kerr.UnsupportedCompressionType.Code {
		t.Fatalf("a zstd batch in Produce v6: %v, want UNSUPPORTED_COMPRESSION_TYPE", kerr.ErrorForCode(p.ErrorCode))
	}
}
