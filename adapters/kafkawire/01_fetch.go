package kafkawire

// Fetch, v0–v16.
//
// Reads whole stored batches from each partition, never past the high
// watermark (which only covers durable data). Waits up to max_wait_ms for
// min_bytes, woken by appends rather than polling; the wait is capped by the
// broker (Config.FetchMaxWait) and happens off the connection's reading
// goroutine, so a client that leaves ends it. max_bytes (v3+) bounds the
// response, never above the broker's fetch.max.bytes (Config.FetchMaxBytes,
// which alone bounds v0–v2), and partition_max_bytes each partition, except
// that the first batch of the response is always returned whole (KIP-74).
// A partition named more than once is answered once, as Kafka does. Fetch
// sessions (v7+, KIP-227) are not kept: the response's session id 0 tells
// the client to send full requests. v13+ name topics by id. v9+ check the current leader
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

	cfg := r.conn.srv.cfg
	freq := fetch.Request{
		MaxWait:  min(time.Duration(max(req.MaxWaitMillis, 0))*time.Millisecond, cfg.FetchMaxWait),
		MinBytes: int(req.MinBytes),
		MaxBytes: int(cfg.FetchMaxBytes),
	}
	if req.Version >= 3 && req.MaxBytes > 0 {
		freq.MaxBytes = min(freq.MaxBytes, int(req.MaxBytes))
	}
	// where[i] is the response partition that freq.Parts[i] fills.
	var where []*kmsg.FetchResponseTopicPartition
	seen := newPartitionSet(req)
	resp.Topics = make([]kmsg.FetchResponseTopic, 0, len(req.Topics))
	for _, rt := range req.Topics {
		resp.Topics = append(resp.Topics, kmsg.FetchResponseTopic{Topic: rt.Topic, TopicID: rt.TopicID})
		out := &resp.Topics[len(resp.Topics)-1]
		out.Partitions = make([]kmsg.FetchResponseTopicPartition, 0, len(rt.Partitions))
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
		for _, rp := range rt.Partitions {
			if !seen.add(rt.Topic, rt.TopicID, rp.Partition) {
				continue
			}
			out.Partitions = append(out.Partitions, kmsg.NewFetchResponseTopicPartition())
			op := &out.Partitions[len(out.Partitions)-1]
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
		if len(out.Partitions) == 0 && len(rt.Partitions) > 0 {
			resp.Topics = resp.Topics[:len(resp.Topics)-1] // every partition repeated an earlier one
		}
	}
	if anyError(resp) {
		freq.MaxWait = 0 // an error answers at once, as in Kafka
	}
	conv := &downConverter{limit: r.conn.srv.cfg.uncompressedLimit()}
	fill := func(results []fetch.Result) {
		for i, res := range results {
			fillPartition(r, req.Version, conv, where[i], freq.Parts[i], res)
		}
	}
	// Read once here; a fetch that has to wait for data waits in the
	// connection's writer, so that the reader notices a client that leaves.
	wait := freq
	freq.MaxWait = 0
	first := svc.Fetch.Fetch(r.ctx, freq)
	if wait.MaxWait <= 0 || fetch.Enough(first, wait.MinBytes) {
		fill(first)
		return resp, nil
	}
	r.Defer(func() { fill(svc.Fetch.Fetch(r.ctx, wait)) })
	return resp, nil
}

func fillPartition(r *request, version int16, conv *downConverter, op *kmsg.FetchResponseTopicPartition, part fetch.Partition, res fetch.Result) {
	op.HighWatermark = res.Offsets.HighWatermark
	op.LastStableOffset = res.Offsets.HighWatermark
	op.LogStartOffset = res.Offsets.LogStart
	if res.Err != nil {
		op.ErrorCode = errorCode(res.Err)
		return
	}
	if len(res.Records) > 0 {
		op.RecordBatches = res.Records
		r.conn.srv.metrics.bytesOut.WithLabelValues(part.Partition.Topic).Add(float64(len(res.Records)))
	}
	if version < 4 && len(res.Records) > 0 {
		converted, err := conv.convert(res.Records, version, part.Offset, part.MaxBytes)
		if err != nil {
			op.ErrorCode = errorCode(err)
			op.RecordBatches = []byte{}
			return
		}
		op.RecordBatches = converted
	}
}

// partitionSet finds partitions a fetch names twice. Small fetches (the
// common case) are checked by scanning, without a map.
type partitionSet struct {
	small []partitionKey
	big   map[partitionKey]struct{}
}

type partitionKey struct {
	topic     string
	id        [16]byte
	partition int32
}

const smallFetch = 16

func newPartitionSet(req *kmsg.FetchRequest) *partitionSet {
	n := 0
	for _, t := range req.Topics {
		n += len(t.Partitions)
	}
	if n > smallFetch {
		return &partitionSet{big: make(map[partitionKey]struct{}, n)}
	}
	return &partitionSet{small: make([]partitionKey, 0, n)}
}

// add reports whether the partition is new.
func (s *partitionSet) add(topic string, id [16]byte, partition int32) bool {
	k := partitionKey{topic, id, partition}
	if s.big != nil {
		if _, dup := s.big[k]; dup {
			return false
		}
		s.big[k] = struct{}{}
		return true
	}
	for _, o := range s.small {
		if o == k {
			return false
		}
	}
	s.small = append(s.small, k)
	return true
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
