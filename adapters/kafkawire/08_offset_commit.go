package kafkawire

// OffsetCommit, v0–v9.
//
// Stores a group's offsets atomically. Members commit with their id and
// generation; a commit with generation -1 and no member id (a standalone
// consumer or a tool) is accepted while the group has no members. A failed
// member check fails every partition with that error. v6+ carry the leader
// epoch, v7+ group.instance.id; the retention time of v2–v4 is ignored (the
// broker's offsets.retention applies).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(8, 0, 9, handleOffsetCommit) }

func handleOffsetCommit(r *request, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse) error {
	var commits []groups.Commit
	for _, rt := range req.Topics {
		for _, rp := range rt.Partitions {
			epoch := int32(-1)
			if req.Version >= 6 {
				epoch = rp.LeaderEpoch
			}
			commits = append(commits, groups.Commit{
				Partition: topic.Partition{Topic: rt.Topic, Index: rp.Partition},
				Offset:    groups.Offset{Offset: rp.Offset, LeaderEpoch: epoch, Metadata: deref(rp.Metadata)},
			})
		}
	}
	generation, member := req.Generation, req.MemberID
	if req.Version == 0 {
		generation, member = -1, ""
	}
	errs, err := r.conn.srv.svc.Groups.CommitOffsets(r.ctx, req.Group, member, deref(req.InstanceID), generation, commits)
	i := 0
	for _, rt := range req.Topics {
		out := kmsg.NewOffsetCommitResponseTopic()
		out.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			op := kmsg.NewOffsetCommitResponseTopicPartition()
			op.Partition = rp.Partition
			if err != nil {
				op.ErrorCode = errorCode(err)
			} else {
				op.ErrorCode = errorCode(errs[i])
			}
			i++
			out.Partitions = append(out.Partitions, op)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return nil
}
