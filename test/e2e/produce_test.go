package e2e

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestProduceConsumeEveryCodec(t *testing.T) {
	n := startNode(t, "", nil)
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"none", kgo.NoCompression()},
		{"gzip", kgo.GzipCompression()},
		{"snappy", kgo.SnappyCompression()},
		{"lz4", kgo.Lz4Compression()},
		{"zstd", kgo.ZstdCompression()},
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			topic := "codec-" + c.name
			createTopic(t, n, topic, 3, nil)
			p := n.client(kgo.ProducerBatchCompression(c.codec), kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()))
			const count = 500
			var recs []*kgo.Record
			for i := 0; i < count; i++ {
				recs = append(recs, &kgo.Record{
					Key:     []byte("k" + strconv.Itoa(i%10)),
					Value:   bytes.Repeat([]byte{byte('a' + i%26)}, 100+i%50),
					Headers: []kgo.RecordHeader{{Key: "i", Value: []byte(strconv.Itoa(i))}},
				})
			}
			if err := p.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			got := consumeAll(t, n, topic, count)
			if len(got) != count {
				t.Fatalf("consumed %d records, want %d", len(got), count)
			}
			seen := map[string]bool{}
			lastOffset := map[int32]int64{0: -1, 1: -1, 2: -1}
			for _, r := range got {
				i, _ := strconv.Atoi(string(r.Headers[0].Value))
				if seen[string(r.Headers[0].Value)] {
					t.Fatalf("record %d consumed twice", i)
				}
				seen[string(r.Headers[0].Value)] = true
				if !bytes.Equal(r.Value, recs[i].Value) || !bytes.Equal(r.Key, recs[i].Key) {
					t.Fatalf("record %d differs", i)
				}
				if r.Offset != lastOffset[r.Partition]+1 {
					t.Fatalf("partition %d: offset %d follows %d", r.Partition, r.Offset, lastOffset[r.Partition])
				}
				lastOffset[r.Partition] = r.Offset
			}
		})
	}
}

func TestRecordsSurviveRestart(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "durable", 2, nil)
	p := n.client(kgo.DefaultProduceTopic("durable"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := 0; i < 300; i++ {
		if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte(fmt.Sprint(i)), Partition: int32(i % 2)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	n.restart()
	got := consumeAll(t, n, "durable", 300)
	if len(got) != 300 {
		t.Fatalf("after restart consumed %d records, want 300", len(got))
	}
	// Producing after restart continues the offsets.
	after := n.client(kgo.DefaultProduceTopic("durable"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := after.ProduceSync(ctx(t), &kgo.Record{Value: []byte("after"), Partition: 0}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	offs, err := n.admin().ListEndOffsets(ctx(t), "durable")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := offs.Lookup("durable", 0); o.Offset != 151 {
		t.Fatalf("partition 0 end offset %d, want 151", o.Offset)
	}
}

// rawBatch builds one v2 batch with kmsg, as a producer would.
func rawBatch(pid int64, epoch int16, seq int32, n int, ts int64) []byte {
	var recs []byte
	for i := 0; i < n; i++ {
		r := kmsg.Record{OffsetDelta: int32(i), Value: []byte(fmt.Sprintf("v%d", i))}
		body := r.AppendTo(nil)[1:] // encoded with length 0: one varint byte
		r.Length = int32(len(body))
		recs = r.AppendTo(recs)
	}
	b := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1, Magic: 2, LastOffsetDelta: int32(n - 1),
		FirstTimestamp: ts, MaxTimestamp: ts, ProducerID: pid, ProducerEpoch: epoch,
		FirstSequence: seq, NumRecords: int32(n), Records: recs,
	}
	raw := b.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[8:], uint32(len(raw)-12))
	binary.BigEndian.PutUint32(raw[17:], crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return raw
}

func produceRaw(t *testing.T, cl *kgo.Client, topic string, partition int32, batch []byte) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = partition
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Topics[0].Partitions[0]
}

func TestIdempotentProducerRules(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "idem", 1, nil)
	cl := n.client()
	init := kmsg.NewPtrInitProducerIDRequest()
	iresp, err := init.RequestWith(ctx(t), cl)
	if err != nil || iresp.ErrorCode != 0 {
		t.Fatalf("InitProducerID: %v %v", err, kerr.ErrorForCode(iresp.ErrorCode))
	}
	pid := iresp.ProducerID
	now := time.Now().UnixMilli()

	first := produceRaw(t, cl, "idem", 0, rawBatch(pid, 0, 0, 5, now))
	if first.ErrorCode != 0 || first.BaseOffset != 0 {
		t.Fatalf("first batch: %v at %d", kerr.ErrorForCode(first.ErrorCode), first.BaseOffset)
	}
	second := produceRaw(t, cl, "idem", 0, rawBatch(pid, 0, 5, 5, now))
	if second.ErrorCode != 0 || second.BaseOffset != 5 {
		t.Fatalf("second batch: %v at %d", kerr.ErrorForCode(second.ErrorCode), second.BaseOffset)
	}
	check := func(name string, batch []byte, wantErr error, wantOffset int64) {
		t.Helper()
		got := produceRaw(t, cl, "idem", 0, batch)
		if err := kerr.ErrorForCode(got.ErrorCode); !errors.Is(err, wantErr) && !(err == nil && wantErr == nil) {
			t.Fatalf("%s: error %v, want %v", name, err, wantErr)
		}
		if wantErr == nil && got.BaseOffset != wantOffset {
			t.Fatalf("%s: base offset %d, want %d", name, got.BaseOffset, wantOffset)
		}
	}
	check("retry_of_first", rawBatch(pid, 0, 0, 5, now), nil, 0)
	check("retry_of_second", rawBatch(pid, 0, 5, 5, now), nil, 5)
	check("gap", rawBatch(pid, 0, 20, 5, now), kerr.OutOfOrderSequenceNumber, 0)

	// The state survives a restart.
	n.restart()
	cl = n.client()
	check("retry_after_restart", rawBatch(pid, 0, 5, 5, now), nil, 5)
	check("next_after_restart", rawBatch(pid, 0, 10, 5, now), nil, 10)
	check("new_epoch", rawBatch(pid, 1, 0, 1, now), nil, 15)
	check("stale_epoch", rawBatch(pid, 0, 15, 1, now), kerr.InvalidProducerEpoch, 0)

	offs, err := n.admin().ListEndOffsets(ctx(t), "idem")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := offs.Lookup("idem", 0); o.Offset != 16 {
		t.Fatalf("end offset %d, want 16: a duplicate was written", o.Offset)
	}
}

func TestIdempotentClientProducesExactlyOnce(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "idem-client", 4, nil)
	p := n.client(kgo.DefaultProduceTopic("idem-client"), kgo.ProducerLinger(5*time.Millisecond))
	const count = 2000
	results := make(chan error, count)
	for i := 0; i < count; i++ {
		p.Produce(ctx(t), &kgo.Record{Value: []byte(strconv.Itoa(i))}, func(_ *kgo.Record, err error) { results <- err })
	}
	for i := 0; i < count; i++ {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	got := consumeAll(t, n, "idem-client", count)
	seen := map[string]bool{}
	for _, r := range got {
		if seen[string(r.Value)] {
			t.Fatalf("record %s twice", r.Value)
		}
		seen[string(r.Value)] = true
	}
}

func TestProduceRefusals(t *testing.T) {
	n := startNode(t, "", nil)
	small := "200"
	createTopic(t, n, "small", 1, map[string]*string{"max.message.bytes": &small})
	cl := n.client()
	now := time.Now().UnixMilli()

	big := produceRaw(t, cl, "small", 0, rawBatch(-1, -1, -1, 20, now))
	if err := kerr.ErrorForCode(big.ErrorCode); !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("oversized batch: %v, want MESSAGE_TOO_LARGE", err)
	}
	corrupt := rawBatch(-1, -1, -1, 1, now)
	corrupt[len(corrupt)-1] ^= 0xff
	if err := kerr.ErrorForCode(produceRaw(t, cl, "small", 0, corrupt).ErrorCode); !errors.Is(err, kerr.CorruptMessage) {
		t.Fatalf("corrupt batch: %v, want CORRUPT_MESSAGE", err)
	}
	if err := kerr.ErrorForCode(produceRaw(t, cl, "nope", 0, rawBatch(-1, -1, -1, 1, now)).ErrorCode); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("unknown topic: %v", err)
	}
	if err := kerr.ErrorForCode(produceRaw(t, cl, "small", 7, rawBatch(-1, -1, -1, 1, now)).ErrorCode); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("unknown partition: %v", err)
	}
	offs, _ := n.admin().ListEndOffsets(ctx(t), "small")
	if o, _ := offs.Lookup("small", 0); o.Offset != 0 {
		t.Fatalf("refused batches changed the log: end offset %d", o.Offset)
	}
}

func TestLogAppendTime(t *testing.T) {
	n := startNode(t, "", nil)
	lat := "LogAppendTime"
	createTopic(t, n, "lat", 1, map[string]*string{"message.timestamp.type": &lat})
	before := time.Now()
	p := n.client(kgo.DefaultProduceTopic("lat"))
	old := time.Unix(1000, 0)
	if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("x"), Timestamp: old}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	got := consumeAll(t, n, "lat", 1)
	if got[0].Timestamp.Before(before.Add(-time.Second)) || got[0].Attrs.TimestampType() != 1 {
		t.Fatalf("timestamp %v (log append time: %v), want the broker's time", got[0].Timestamp, got[0].Attrs.TimestampType())
	}
}
