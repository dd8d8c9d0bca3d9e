package kafkawire

// JoinGroup, v0–v9.
//
// The request waits (on this connection) until the group's join phase ends:
// every member rejoined or the rebalance timeout passed. v0 has no rebalance
// timeout (the session timeout serves). v4+ new members first get
// MEMBER_ID_REQUIRED with their id (KIP-394). v5+ carry group.instance.id
// (static membership, KIP-345). v7+ answer the protocol type; v9 tells a
// static leader rejoining without a rebalance to skip assignment.

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
)

func init() { register(11, 0, 9, handleJoinGroup) }

func handleJoinGroup(r *request, req *kmsg.JoinGroupRequest, resp *kmsg.JoinGroupResponse) error {
	jr := group.JoinRequest{
		MemberID:             req.MemberID,
		InstanceID:           deref(req.InstanceID),
		ClientID:             r.clientID,
		ClientHost:           clientHost(r),
		ProtocolType:         req.ProtocolType,
		SessionTimeout:       time.Duration(req.SessionTimeoutMillis) * time.Millisecond,
		RebalanceTimeout:     time.Duration(req.RebalanceTimeoutMillis) * time.Millisecond,
		RequireKnownMemberID: req.Version >= 4,
		NewMemberID:          newMemberID(r.clientID),
	}
	if req.Version == 0 {
		jr.RebalanceTimeout = jr.SessionTimeout
	}
	for _, p := range req.Protocols {
		jr.Protocols = append(jr.Protocols, group.Protocol{Name: p.Name, Metadata: p.Metadata})
	}
	if req.ProtocolType == "consumer" {
		jr.Subscription = consumerSubscription(req.Protocols)
	}
	res, err := r.conn.srv.svc.Groups.Join(r.ctx, req.Group, jr)
	if err == nil {
		err = res.Err
	}
	resp.ErrorCode = errorCode(err)
	resp.MemberID = res.MemberID
	resp.Generation = res.Generation
	if err != nil && res.MemberID == "" {
		resp.MemberID = req.MemberID
	}
	if err != nil {
		if resp.Generation == 0 {
			resp.Generation = -1
		}
		return nil
	}
	resp.LeaderID = res.Leader
	resp.SkipAssignment = res.SkipAssignment
	protocolType, protocol := res.ProtocolType, res.Protocol
	resp.ProtocolType, resp.Protocol = &protocolType, &protocol
	for _, m := range res.Members {
		rm := kmsg.NewJoinGroupResponseMember()
		rm.MemberID = m.ID
		if m.InstanceID != "" {
			id := m.InstanceID
			rm.InstanceID = &id
		}
		rm.ProtocolMetadata = m.Metadata(res.Protocol)
		resp.Members = append(resp.Members, rm)
	}
	return nil
}

// consumerSubscription reads the topics that a consumer protocol member's
// metadata subscribes to, every protocol's together (OffsetDelete keeps the
// offsets of those topics); nil when some protocol's metadata cannot be
// read, which the group counts as subscribed to every topic.
func consumerSubscription(protocols []kmsg.JoinGroupRequestProtocol) *group.Subscription {
	sub := &group.Subscription{}
	for _, p := range protocols {
		var md kmsg.ConsumerMemberMetadata
		if md.ReadFrom(p.Metadata) != nil {
			return nil
		}
		sub.Topics = append(sub.Topics, md.Topics...)
	}
	slices.Sort(sub.Topics)
	sub.Topics = slices.Compact(sub.Topics)
	return sub
}

// newMemberID is Kafka's form: the client id, a dash and a random UUID.
func newMemberID(clientID string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return clientID + "-" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func clientHost(r *request) string {
	if r.conn.nc == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(r.conn.nc.RemoteAddr().String())
	if err != nil {
		return ""
	}
	return "/" + host
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
