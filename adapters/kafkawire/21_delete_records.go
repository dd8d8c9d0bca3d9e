package kafkawire

// DeleteRecords, v0–v2.
//
// Moves each partition's log start offset forward (-1: to the high
// watermark); whole segments below it are deleted.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(21, 0, 2, handleDeleteRecords) }

func handleDeleteRecords(r *request, req *kmsg.DeleteRecordsRequest, resp *kmsg.DeleteRecordsResponse) error {
	svc := r.conn.srv.svc
	for _, rt := range req.Topics {
		out := kmsg.NewDeleteRecordsResponseTopic()
		out.Topic = rt.Topic
		t, known := svc.Topics.Get(rt.Topic)
		for _, rp := range rt.Partitions {
			op := kmsg.NewDeleteRecordsResponseTopicPartition()
			op.Partition = rp.Partition
			op.LowWatermark = -1
			p, code := requestedPartition(t, known, rp.Partition)
			switch {
			case code != 0:
				op.ErrorCode = code
			default:
				lw, err := svc.Fetch.DeleteRecords(r.ctx, p, rp.Offset)
				op.LowWatermark, op.ErrorCode = lw, errorCode(err)
			}
			out.Partitions = append(out.Partitions, op)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return nil
}
