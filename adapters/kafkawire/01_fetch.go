package kafkawire

// Fetch, v0–v16.
//
// Reads whole stored batches from each partition, never past the high
// watermark (which only covers durable data). Waits up to max_wait_ms for
// min_bytes, woken by appends rather than polling. max_bytes (v3+) bounds
// the response and partition_max_bytes each partition, except that the first
// batch of the response is always returned whole (KIP-74). Fetch sessions
// (v7+, KIP-227) are not kept: the response's session id 0 tells the client
// to send full requests. v13+ name topics by id. v9+ check the current leader
// epoch (always 0 here). Versions below 4 predate v2 batches and get legacy
// message sets.

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(1, 0, 16, handleFetch) }

func handleFetch(r *request, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.FetchRequest)
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	svc := r.conn.srv.svc

	freq := fetch.Request{
		MaxWait:  time.Duration(req.MaxWaitMillis) * time.Millisecond,
		MinBytes: int(req.MinBytes),
		MaxBytes: int(req.MaxBytes),
	}
	if req.Version < 3 {
		freq.MaxBytes = 0
	}
	// where[i] is the response partition that freq.Parts[i] fills.
	var where []*kmsg.FetchResponseTopicPartition
	resp.Topics = make([]kmsg.FetchResponseTopic, len(req.Topics))
	for i, rt := range req.Topics {
		out := &resp.Topics[i]
		out.Topic, out.TopicID = rt.Topic, rt.TopicID
		out.Partitions = make([]kmsg.FetchResponseTopicPartition, len(rt.Partitions))
		var (
			t       topic.Topic
			known   bool
			missing = kerr.UnknownTopicOrPartition.Code
		)
		if req.Version >= 13 {
			t, known = svc.Topics.GetByID(topic.ID(rt.TopicID))
			missing = kerr.UnknownTopicID.Code
		} else {
			t, known = svc.Topics.Get(rt.Topic)
		}
		for j, rp := range rt.Partitions {
			op := &out.Partitions[j]
			*op = kmsg.NewFetchResponseTopicPartition()
			op.Partition = rp.Partition
			// Records are nullable on the wire, but librdkafka rejects a null
			// (-1) record set: an empty partition answers zero bytes, as Kafka does.
			op.RecordBatches = []byte{}
			switch {
			case !known:
				op.ErrorCode = missing
			case rp.Partition < 0 || rp.Partition >= t.Partitions:
				op.ErrorCode = kerr.UnknownTopicOrPartition.Code
			case req.Version >= 9 && rp.CurrentLeaderEpoch > 0:
				op.ErrorCode = kerr.UnknownLeaderEpoch.Code
			default:
				freq.Parts = append(freq.Parts, fetch.Partition{
					Partition: topic.Partition{Topic: t.Name, Index: rp.Partition},
					Offset:    rp.FetchOffset,
					MaxBytes:  int(rp.PartitionMaxBytes),
				})
				where = append(where, op)
			}
		}
	}
	if anyError(resp) {
		freq.MaxWait = 0 // an error answers at once, as in Kafka
	}
	conv := downConverter{limit: r.conn.srv.cfg.uncompressedLimit()}
	for i, res := range svc.Fetch.Fetch(r.ctx, freq) {
		op := where[i]
		op.HighWatermark = res.Offsets.HighWatermark
		op.LastStableOffset = res.Offsets.HighWatermark
		op.LogStartOffset = res.Offsets.LogStart
		if res.Err != nil {
			op.ErrorCode = errorCode(res.Err)
			continue
		}
		if len(res.Records) > 0 {
			op.RecordBatches = res.Records
			r.conn.srv.metrics.bytesOut.WithLabelValues(freq.Parts[i].Partition.Topic).Add(float64(len(res.Records)))
		}
		if req.Version < 4 && len(res.Records) > 0 {
			converted, err := conv.convert(res.Records, req.Version, freq.Parts[i].Offset, freq.Parts[i].MaxBytes)
			if err != nil {
				op.ErrorCode = errorCode(err)
				op.RecordBatches = []byte{}
				continue
			}
			op.RecordBatches = converted
		}
	}
	return resp, nil
}

func anyError(resp *kmsg.FetchResponse) bool {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return true
			}
		}
	}
	return false
}
