package logstoretest_test

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

// goldenBatch is MakeBatch(2, 1700000000000, 42, 3, 17), checked once
// against franz-go's kmsg.RecordBatch and kmsg.Record decoders.
const goldenBatch = "00000000000000000000004fffffffff02617779c10000000000010000018bcfe568" +
	"000000018bcfe56800000000000000002a000300000011000000021c00000001107265636f72642d30" +
	"001c00000201107265636f72642d3100"

func TestMakeBatchGolden(t *testing.T) {
	got := hex.EncodeToString(logstoretest.MakeBatch(2, 1700000000000, 42, 3, 17))
	if got != goldenBatch {
		t.Fatalf("MakeBatch bytes changed:\n got %s\nwant %s", got, goldenBatch)
	}
}

func TestMakeBatchHeader(t *testing.T) {
	tests := []struct {
		name       string
		records    int
		ts         int64
		producerID int64
		epoch      int16
		seq        int32
	}{
		{"one_record_plain_producer", 1, 1000, -1, -1, -1},
		{"idempotent_producer", 5, 1700000000000, 42, 3, 17},
		{"many_records", 300, 0, 7, 0, 2147483000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := logstoretest.MakeBatch(tc.records, tc.ts, tc.producerID, tc.epoch, tc.seq)
			if err := record.Verify(b); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			h, err := record.ParseHeader(b)
			if err != nil {
				t.Fatalf("ParseHeader: %v", err)
			}
			want := record.Header{
				BaseOffset:           0,
				Length:               int32(len(b) - record.LengthPrefix),
				PartitionLeaderEpoch: -1,
				Magic:                2,
				CRC:                  h.CRC,
				LastOffsetDelta:      int32(tc.records - 1),
				BaseTimestamp:        tc.ts,
				MaxTimestamp:         tc.ts,
				ProducerID:           tc.producerID,
				ProducerEpoch:        tc.epoch,
				BaseSequence:         tc.seq,
				RecordCount:          int32(tc.records),
			}
			if h != want {
				t.Fatalf("header = %+v\nwant     %+v", h, want)
			}
			// Walk the records: each is a length-prefixed body whose
			// offsetDelta counts up from 0.
			rest := b[record.HeaderSize:]
			for i := range tc.records {
				n, k := binary.Varint(rest)
				if k <= 0 || int(n) > len(rest)-k {
					t.Fatalf("record %d: bad length prefix", i)
				}
				body := rest[k : k+int(n)]
				rest = rest[k+int(n):]
				body = body[1:]            // attributes
				_, k = binary.Varint(body) // timestampDelta
				body = body[k:]
				delta, _ := binary.Varint(body)
				if delta != int64(i) {
					t.Fatalf("record %d: offsetDelta %d", i, delta)
				}
			}
			if len(rest) != 0 {
				t.Fatalf("%d bytes after the last record", len(rest))
			}
		})
	}
}

func TestMakeBatchValuesNull(t *testing.T) {
	b := logstoretest.MakeBatchValues(5, -1, -1, -1, nil, []byte{}, []byte("x"))
	if err := record.Verify(b); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if h, _ := record.ParseHeader(b); h.RecordCount != 3 || h.LastOffsetDelta != 2 {
		t.Fatalf("header = %+v, want 3 records", h)
	}
}

func TestMakeBatchPanicsOnZeroRecords(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MakeBatch(0, ...) did not panic")
		}
	}()
	logstoretest.MakeBatch(0, 0, -1, -1, -1)
}
