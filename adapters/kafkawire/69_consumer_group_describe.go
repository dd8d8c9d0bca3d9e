package kafkawire

// ConsumerGroupDescribe, v0–v1 (KIP-848; Kafka 4.0's range).
//
// Describes consumer (KIP-848) groups: state (Empty, Assigning,
// Reconciling, Stable), group and assignment epochs, the assignor, and each
// member with its subscription, current and target assignment. Unknown
// groups and classic groups answer GROUP_ID_NOT_FOUND, as Kafka does.
// v1 adds the member type (always 1, consumer: classic members never join
// these groups here).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
)

func init() { register(69, 0, 1, handleConsumerGroupDescribe) }

func handleConsumerGroupDescribe(r *request, req *kmsg.ConsumerGroupDescribeRequest, resp *kmsg.ConsumerGroupDescribeResponse) error {
	for _, id := range req.Groups {
		g := kmsg.NewConsumerGroupDescribeResponseGroup()
		g.Group = id
		d, err := r.conn.srv.svc.Groups.DescribeConsumer(id)
		if err != nil {
			g.ErrorCode, g.ErrorMessage = errorCode(err), errorMessage(err)
			g.State = d.State.String()
			resp.Groups = append(resp.Groups, g)
			continue
		}
		g.State, g.Epoch, g.AssignmentEpoch, g.AssignorName = d.State.String(), d.Epoch, d.AssignmentEpoch, d.Assignor
		for _, m := range d.Members {
			gm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
			gm.MemberID, gm.MemberEpoch, gm.ClientID, gm.ClientHost = m.ID, m.Epoch, m.ClientID, m.ClientHost
			if m.InstanceID != "" {
				id := m.InstanceID
				gm.InstanceID = &id
			}
			if m.RackID != "" {
				rack := m.RackID
				gm.RackID = &rack
			}
			gm.SubscribedTopics = append([]string{}, m.Subscribed...)
			if m.Regex != "" {
				re := m.Regex
				gm.SubscribedTopicRegex = &re
			}
			gm.Assignment = describeAssignment(r, m.Assigned)
			gm.TargetAssignment = describeAssignment(r, m.Target)
			if req.Version >= 1 {
				gm.MemberType = 1
			}
			g.Members = append(g.Members, gm)
		}
		resp.Groups = append(resp.Groups, g)
	}
	return nil
}

func describeAssignment(r *request, a group.Assignment) kmsg.Assignment {
	out := kmsg.NewAssignment()
	out.TopicPartitions = []kmsg.AssignmentTopicPartition{}
	for _, name := range sortedTopicNames(a) {
		if len(a[name]) == 0 {
			continue
		}
		tp := kmsg.AssignmentTopicPartition{Topic: name, Partitions: a[name]}
		if t, ok := r.conn.srv.svc.Topics.Get(name); ok {
			tp.TopicID = t.ID
		}
		out.TopicPartitions = append(out.TopicPartitions, tp)
	}
	return out
}
