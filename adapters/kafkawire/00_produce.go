package kafkawire

// Produce, v0–v10.
//
// Each partition's records are appended in request order. v3+ carry v2 record
// batches, stored as sent (only the base offset is rewritten). v0–v2 carry
// legacy message sets (magic 0 and 1), converted to one v2 batch first, as
// Kafka does when its log format is v2. With acks=0 nothing is sent back;
// with acks 1 or -1 the response waits until every appended batch is durable
// (fsynced), off the connection's reading goroutine so that pipelined
// requests keep flowing. Every batch of a partition is validated before
// any is appended (produce_validation.go), as Kafka's LogValidator does: a
// batch whose CRC does not match, or too short for its header, is refused
// with CORRUPT_MESSAGE; one whose header or records are inconsistent
// (counts, offset deltas, framing, unknown codec, data that does not
// decompress, a control batch, producer fields that do not fit the flags,
// a null key on a compacted topic, a record a topic's schema validation
// refuses) with INVALID_RECORD; a timestamp outside the topic's window with
// INVALID_TIMESTAMP; one above max.message.bytes, or that decompresses to
// more than the broker's bound, with MESSAGE_TOO_LARGE. As in Kafka, v3+
// carry magic 2 batches only (INVALID_RECORD otherwise) and zstd needs v7+
// (UNSUPPORTED_COMPRESSION_TYPE). A refusal of one record by a topic's
// rules (key, timestamp, schema id) also names the record's index in the
// batch in v8+ (record_errors), as Kafka does. acks other than 0, 1 and -1
// get INVALID_REQUIRED_ACKS.

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

func init() { register(0, 0, 10, handleProduce) }

// magicOffset is where both v2 batches and legacy messages keep their magic byte.
const magicOffset = 16

func handleProduce(r *request, req *kmsg.ProduceRequest, resp *kmsg.ProduceResponse) error {
	svc := r.conn.srv.svc
	type pending struct {
		part *kmsg.ProduceResponseTopicPartition
		d    []logstore.Durable
	}
	var waits []pending
	acksValid := req.Acks == 0 || req.Acks == 1 || req.Acks == -1

	resp.Topics = make([]kmsg.ProduceResponseTopic, len(req.Topics))
	for i, rt := range req.Topics {
		resp.Topics[i].Topic = rt.Topic
		resp.Topics[i].Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		t, known := svc.Topics.Get(rt.Topic)
		var v batchValidator
		if known && acksValid {
			v = newBatchValidator(r.conn.srv.inflate, t, svc.schemaIDs, r.conn.srv.cfg.uncompressedLimit())
			v.version = req.Version
		}
		for j, rp := range rt.Partitions {
			out := &resp.Topics[i].Partitions[j]
			*out = kmsg.NewProduceResponseTopicPartition()
			out.Partition = rp.Partition
			if !acksValid {
				out.ErrorCode = kerr.InvalidRequiredAcks.Code
				continue
			}
			if !known {
				out.ErrorCode = kerr.UnknownTopicOrPartition.Code
				continue
			}
			res, ds, err := appendRecords(r.ctx, svc.Produce, t, rp.Partition, rp.Records, &v)
			if err != nil {
				out.ErrorCode = errorCode(err)
				out.ErrorMessage = errorMessage(err)
				var re *record.RecordError
				if errors.As(err, &re) { // v8+ carry it; older versions drop it
					rec := kmsg.NewProduceResponseTopicPartitionErrorRecord()
					rec.RelativeOffset, rec.ErrorMessage = re.Index, errorMessage(re)
					out.ErrorRecords = append(out.ErrorRecords, rec)
				}
				r.conn.srv.logger.Debug("produce refused", "topic", rt.Topic, "partition", rp.Partition, "err", err)
				continue
			}
			r.conn.srv.metrics.bytesIn.WithLabelValues(t.Name).Add(float64(len(rp.Records)))
			out.BaseOffset = res.BaseOffset
			out.LogAppendTime = res.LogAppendTime
			out.LogStartOffset = res.LogStartOffset
			waits = append(waits, pending{part: out, d: ds})
		}
	}
	if req.Acks == 0 {
		r.NoResponse()
		return nil
	}
	if len(waits) > 0 {
		r.Defer(func() {
			ctx, cancel := context.WithTimeout(context.Background(), durabilityTimeout)
			defer cancel()
			for _, w := range waits {
				for _, d := range w.d {
					if err := d.Wait(ctx); err != nil {
						w.part.ErrorCode = errorCode(err)
						w.part.ErrorMessage = errorMessage(err)
						w.part.BaseOffset = -1
						break
					}
				}
			}
		})
	}
	return nil
}

// appendRecords validates every batch of one partition's records, then,
// if all pass, appends them. The result describes the first batch.
func appendRecords(ctx context.Context, svc *produce.Service, t topic.Topic, partition int32, records []byte, v *batchValidator) (produce.Result, []logstore.Durable, error) {
	if len(records) <= magicOffset {
		return produce.Result{}, nil, fmt.Errorf("%w: %d bytes of records", record.ErrMalformed, len(records))
	}
	if records[magicOffset] < 2 {
		if v.version >= 3 {
			return produce.Result{}, nil, fmt.Errorf("%w: Produce v%d carries record batches of magic 2 only, these records have magic %d", record.ErrInvalidRecord, v.version, records[magicOffset])
		}
		converted, err := legacyToBatch(v.inflate, records, v.limit)
		if err != nil {
			return produce.Result{}, nil, err
		}
		records = converted
	}
	rest, err := record.Split(records, func(_ record.Header, batch []byte) error { return v.check(batch) })
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%w: %d trailing bytes after the last batch", record.ErrMalformed, len(rest))
	}
	if err != nil {
		return produce.Result{}, nil, err
	}
	var (
		first produce.Result
		ds    []logstore.Durable
		n     int
	)
	_, err = record.Split(records, func(_ record.Header, batch []byte) error {
		res, err := svc.Append(ctx, t, partition, batch)
		if err != nil {
			return err
		}
		if n == 0 {
			first = res
		}
		n++
		ds = append(ds, res.Durable)
		return nil
	})
	if err != nil && n == 0 {
		return produce.Result{}, nil, err
	}
	return first, ds, err
}
