package kafkawire

// DeleteRecords, v0–v2.
//
// Moves each partition's log start offset forward (-1: to the high
// watermark); whole segments below it are deleted.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(21, 0, 2, handleDeleteRecords) }

func handleDeleteRecords(r *request, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.DeleteRecordsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	svc := r.conn.srv.svc
	for _, rt := range req.Topics {
		out := kmsg.NewDeleteRecordsResponseTopic()
		out.Topic = rt.Topic
		t, known := svc.Topics.Get(rt.Topic)
		for _, rp := range rt.Partitions {
			op := kmsg.NewDeleteRecordsResponseTopicPartition()
			op.Partition = rp.Partition
			op.LowWatermark = -1
			if !known || rp.Partition < 0 || rp.Partition >= t.Partitions {
				op.ErrorCode = kerr.UnknownTopicOrPartition.Code
			} else {
				lw, err := svc.Fetch.DeleteRecords(r.ctx, topic.Partition{Topic: t.Name, Index: rp.Partition}, rp.Offset)
				op.LowWatermark, op.ErrorCode = lw, errorCode(err)
			}
			out.Partitions = append(out.Partitions, op)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return resp, nil
}
