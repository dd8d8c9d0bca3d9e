package kafkawire

// ListOffsets, v0–v8.
//
// Timestamps -1 (latest: the high watermark), -2 (earliest), -3 (the record
// with the largest timestamp, v7+), -4 (earliest local, v8+) and -5 (latest
// tiered; -1 while nothing is tiered), or a time in ms: the offset and
// timestamp of the first record whose timestamp is at or after it, as Kafka
// answers (the store finds the batch; its records are read here, which
// needs decompression). v0 answers in the old style, a list of offsets. v4+
// check the current leader epoch (always 0 here).

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(2, 0, 8, handleListOffsets) }

func handleListOffsets(r *request, req *kmsg.ListOffsetsRequest, resp *kmsg.ListOffsetsResponse) error {
	svc := r.conn.srv.svc
	resp.Topics = make([]kmsg.ListOffsetsResponseTopic, len(req.Topics))
	for i, rt := range req.Topics {
		out := &resp.Topics[i]
		out.Topic = rt.Topic
		t, known := svc.Topics.Get(rt.Topic)
		for _, rp := range rt.Partitions {
			op := kmsg.NewListOffsetsResponseTopicPartition()
			op.Partition = rp.Partition
			p, code := requestedPartition(t, known, rp.Partition)
			switch {
			case code != 0:
				op.ErrorCode = code
			case req.Version >= 4 && rp.CurrentLeaderEpoch > 0:
				op.ErrorCode = kerr.UnknownLeaderEpoch.Code
			default:
				offset, ts, err := svc.Fetch.ListOffset(r.ctx, p, rp.Timestamp)
				if err == nil && rp.Timestamp >= 0 && offset >= 0 {
					offset, ts = firstRecordAt(r, p, offset, ts, rp.Timestamp)
				}
				op.ErrorCode = errorCode(err)
				op.Offset, op.Timestamp, op.LeaderEpoch = offset, ts, 0
				if req.Version == 0 && err == nil {
					op.OldStyleOffsets = oldStyleOffsets(offset, rp.MaxNumOffsets)
				}
			}
			out.Partitions = append(out.Partitions, op)
		}
	}
	return nil
}

func oldStyleOffsets(offset int64, max int32) []int64 {
	if max <= 0 || offset < 0 {
		return []int64{}
	}
	return []int64{offset}
}

// firstRecordAt narrows the answer for a timestamp from the batch at base
// (whose max timestamp is batchTs) to its first record at or after ts and
// at or above the log start. If the batch cannot be read it keeps the
// batch's answer.
func firstRecordAt(r *request, p topic.Partition, base, batchTs, ts int64) (int64, int64) {
	svc := r.conn.srv.svc
	o, err := svc.Fetch.Offsets(p)
	if err != nil {
		return base, batchTs
	}
	b, err := svc.Fetch.Batch(r.ctx, p, max(base, o.LogStart))
	if err != nil || len(b) == 0 {
		return base, batchTs
	}
	h, err := record.ParseHeader(b)
	if err != nil || h.Size() > len(b) {
		return base, batchTs
	}
	offset, found := base, int64(-1)
	err = eachRecord(r.conn.srv.inflate, h, b[:h.Size()], r.conn.srv.cfg.uncompressedLimit(), func(off, rts int64, _ *record.Record) bool {
		if off >= o.LogStart && rts >= ts {
			offset, found = off, rts
			return false
		}
		return true
	})
	if err != nil || found < 0 {
		return base, batchTs
	}
	return offset, found
}
