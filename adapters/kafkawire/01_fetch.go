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
// Record bytes are taken from the node's fetch memory
// (Config.FetchResponseBytes) before they are read, without waiting, and
// given back once the response is written; a fetch that finds it spent is
// answered at once with no records and throttle_time_ms (KIP-219; below v8
// the response is held back instead). Long polls take it when they read,
// never while they wait. A partition named more than once is answered once, as Kafka does. Fetch
// sessions (v7+, KIP-227) are not kept: the response's session id 0 tells
// the client to send full requests. v13+ name topics by id. v9+ check the current leader
// epoch (always 0 here). Versions below 4 predate v2 batches and get legacy
// message sets.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(1, 0, 16, handleFetch) }

func handleFetch(r *request, req *kmsg.FetchRequest, resp *kmsg.FetchResponse) error {
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
			p, perr := t.Partition(rp.Partition)
			switch {
			case !known:
				op.ErrorCode = missing
			case perr != nil:
				op.ErrorCode = errorCode(perr)
			case req.Version >= 9 && rp.CurrentLeaderEpoch > 0:
				op.ErrorCode = kerr.UnknownLeaderEpoch.Code
			default:
				freq.Parts = append(freq.Parts, fetch.Partition{
					Partition: p,
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
	conv := &downConverter{inflate: r.conn.srv.inflate, limit: r.conn.srv.cfg.uncompressedLimit()}
	mem := r.conn.srv.fetchMem
	fill := func(out fetch.Outcome) {
		r.ex.fetchHeld += out.Held // released by the writer once the response is written
		throttled := out.Throttled
		for i, res := range out.Results {
			throttled = fillPartition(r, req.Version, conv, where[i], freq.Parts[i], res) || throttled
		}
		if throttled {
			resp.ThrottleMillis = int32(fetchThrottle / time.Millisecond)
			r.conn.srv.metrics.throttled.Inc()
		}
	}
	// Read once here; a fetch that has to wait for data waits in the
	// connection's writer, so that the reader notices a client that leaves.
	// Each read takes its bytes from the node's fetch memory without
	// waiting; the first read's bytes are given back if the fetch waits.
	wait := freq
	freq.MaxWait = 0
	first := svc.Fetch.FetchWithin(r.ctx, freq, mem)
	if first.Throttled || wait.MaxWait <= 0 || fetch.Enough(first.Results, wait.MinBytes) {
		fill(first)
		delayThrottled(r, req.Version, resp)
		return nil
	}
	mem.Release(first.Held)
	r.Defer(func() {
		fill(svc.Fetch.FetchWithin(r.ctx, wait, mem))
		if resp.ThrottleMillis > 0 && req.Version < 8 {
			sleep(r.ctx, fetchThrottle)
		}
	})
	return nil
}

// fetchThrottle is how long a client whose fetch found the node's fetch
// memory spent is told to back off (KIP-219, v8+), or, below v8, how long
// its response is held back in the connection's writer, as Kafka does for
// clients that predate KIP-219.
const fetchThrottle = 100 * time.Millisecond

// delayThrottled holds a throttled pre-KIP-219 response back in the writer.
func delayThrottled(r *request, version int16, resp *kmsg.FetchResponse) {
	if resp.ThrottleMillis > 0 && version < 8 {
		r.Defer(func() { sleep(r.ctx, fetchThrottle) })
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// fillPartition fills op from res; true if the partition's records were
// dropped because their down-converted form found no room in the node's
// fetch memory.
func fillPartition(r *request, version int16, conv *downConverter, op *kmsg.FetchResponseTopicPartition, part fetch.Partition, res fetch.Result) (throttled bool) {
	op.HighWatermark = res.Offsets.HighWatermark
	op.LastStableOffset = res.Offsets.HighWatermark
	op.LogStartOffset = res.Offsets.LogStart
	if res.Err != nil {
		op.ErrorCode = errorCode(res.Err)
		return false
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
			return false
		}
		// Decompressed messages may be larger than the batches they came
		// from: the difference needs room too.
		if grown := int64(len(converted) - len(res.Records)); grown > 0 {
			if r.conn.srv.fetchMem.TryTake(grown, grown) == 0 {
				op.RecordBatches = []byte{}
				return true
			}
			r.ex.fetchHeld += grown
		}
		op.RecordBatches = converted
	}
	return false
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
