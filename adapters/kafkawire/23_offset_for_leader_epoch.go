package kafkawire

// OffsetForLeaderEpoch, v0–v4.
//
// Every partition has had one leader epoch, 0, since it was created: asking
// for epoch 0 answers the high watermark (its end); a later epoch is unknown
// (-1, -1). v2+ check the current leader epoch.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(23, 0, 4, handleOffsetForLeaderEpoch) }

func handleOffsetForLeaderEpoch(r *request, req *kmsg.OffsetForLeaderEpochRequest, resp *kmsg.OffsetForLeaderEpochResponse) error {
	svc := r.conn.srv.svc
	for _, rt := range req.Topics {
		out := kmsg.NewOffsetForLeaderEpochResponseTopic()
		out.Topic = rt.Topic
		t, known := svc.Topics.Get(rt.Topic)
		for _, rp := range rt.Partitions {
			op := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			op.Partition = rp.Partition
			op.LeaderEpoch, op.EndOffset = -1, -1
			p, code := requestedPartition(t, known, rp.Partition)
			switch {
			case code != 0:
				op.ErrorCode = code
			case req.Version >= 2 && rp.CurrentLeaderEpoch > 0:
				op.ErrorCode = kerr.UnknownLeaderEpoch.Code
			case rp.LeaderEpoch == 0:
				o, err := svc.Fetch.Offsets(p)
				op.ErrorCode = errorCode(err)
				op.LeaderEpoch, op.EndOffset = 0, o.HighWatermark
			}
			out.Partitions = append(out.Partitions, op)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return nil
}
