package kafkawire

// OffsetDelete, v0.
//
// Deletes a group's committed offsets of some partitions. While the group
// has members, offsets of a topic its consumers subscribe to are kept
// (GROUP_SUBSCRIBED_TO_TOPIC): subscriptions are read from the consumer
// protocol's member metadata at JoinGroup.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(47, 0, 0, handleOffsetDelete) }

func handleOffsetDelete(r *request, req *kmsg.OffsetDeleteRequest, resp *kmsg.OffsetDeleteResponse) error {
	var parts []topic.Partition
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			parts = append(parts, topic.Partition{Topic: t.Topic, Index: p.Partition})
		}
	}
	errs, err := r.conn.srv.svc.Groups.DeleteOffsets(r.ctx, req.Group, parts)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return nil
	}
	i := 0
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, errorCode(errs[i])
			i++
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return nil
}
