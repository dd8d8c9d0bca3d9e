package kafkawire

// ConsumerGroupHeartbeat, v0–v1 (KIP-848; Kafka 4.0's range).
//
// The new consumer group protocol: one request joins (member epoch 0),
// heartbeats, acknowledges revocations (by the owned partitions it carries)
// and leaves (epoch -1, or -2 for a static member that will return). The
// coordinator answers the member's epoch, the heartbeat interval and, when
// it changed or the request was a full one, the partitions the member may
// own now, by topic id. Server-side assignors: "uniform" (the default) and
// "range". Fields left null are "unchanged since the last heartbeat".
//
// Version notes: v0 members may join without a member id (the coordinator
// makes one); v1 members choose theirs, and may subscribe by regex
// (SubscribedTopicRegex, RE2 syntax matched against whole topic names).

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(68, 0, 1, handleConsumerGroupHeartbeat) }

func handleConsumerGroupHeartbeat(r *request, req *kmsg.ConsumerGroupHeartbeatRequest, resp *kmsg.ConsumerGroupHeartbeatResponse) error {
	svc := r.conn.srv.svc
	hb := group.ConsumerHeartbeat{
		MemberID:         req.MemberID,
		MemberEpoch:      req.MemberEpoch,
		InstanceID:       req.InstanceID,
		RackID:           req.RackID,
		RebalanceTimeout: -1,
		SubscribedTopics: req.SubscribedTopicNames,
		Assignor:         req.ServerAssignor,
		ClientID:         r.clientID,
		ClientHost:       clientHost(r),
	}
	if req.Version >= 1 {
		hb.Regex = req.SubscribedTopicRegex
	}
	if req.Version == 0 && req.MemberID == "" && req.MemberEpoch == 0 {
		hb.MemberID = newConsumerMemberID()
	}
	if req.RebalanceTimeoutMillis >= 0 {
		hb.RebalanceTimeout = time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond
	}
	if req.Topics != nil {
		hb.Owned = group.Assignment{}
		for _, t := range req.Topics {
			tt, ok := svc.Topics.GetByID(topic.ID(t.TopicID))
			if !ok {
				continue // deleted: the member cannot own it any more
			}
			hb.Owned[tt.Name] = append(hb.Owned[tt.Name], t.Partitions...)
		}
		for name, ps := range hb.Owned {
			hb.Owned[name] = sortedPartitions(ps)
		}
	}
	res, err := svc.Groups.ConsumerHeartbeat(r.ctx, req.Group, hb)
	if err == nil {
		err = res.Err
	}
	memberID := hb.MemberID
	if res.MemberID != "" {
		memberID = res.MemberID
	}
	resp.MemberID = &memberID
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = errorCode(err), errorMessage(err)
		resp.MemberEpoch = req.MemberEpoch
		return nil
	}
	resp.MemberEpoch = res.MemberEpoch
	resp.HeartbeatIntervalMillis = int32(res.HeartbeatInterval / time.Millisecond)
	if res.Assignment != nil {
		a := kmsg.NewConsumerGroupHeartbeatResponseAssignment()
		a.Topics = []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{}
		for _, name := range sortedTopicNames(res.Assignment) {
			tt, ok := svc.Topics.Get(name)
			if !ok || len(res.Assignment[name]) == 0 {
				continue
			}
			at := kmsg.NewConsumerGroupHeartbeatResponseAssignmentTopic()
			at.TopicID = tt.ID
			at.Partitions = res.Assignment[name]
			a.Topics = append(a.Topics, at)
		}
		resp.Assignment = &a
	}
	return nil
}

// newConsumerMemberID is a random UUID in URL-safe base64, the form Kafka
// gives (and KIP-848 v1 clients choose).
func newConsumerMemberID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sortedTopicNames(a group.Assignment) []string {
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func sortedPartitions(ps []int32) []int32 {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}
